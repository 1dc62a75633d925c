// Horizontal bars per dimension:
//   <div class="chart" data-chart="dimension-bar" data-source="ID" data-peer="0">
// where #ID is a json_script element holding
//   {"categories": [...], "unit": "%", "max": 100, "signed": false,
//    "series": [{"name": ..., "data": [...]}], "peers": [{"name": ..., "data": [...]}]}
// With "signed": true the bars are changes: gains green, losses red, around a zero line.
// `data-peer` picks one of `peers` as a second, grey series (empty: none).
// window.zhigaiCharts.dimensionBar(el) draws or redraws `el`.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});

  function colour(signed, index) {
    if (!signed) {
      return index === 0 ? "#b3261e" : "#9aa0a6";
    }
    return function (params) { return params.value < 0 ? "#b3261e" : "#1e7e34"; };
  }

  function render(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var peers = data.peers || [];
    var index = el.dataset.peer === undefined ? "0" : el.dataset.peer;
    var peer = index === "" ? null : peers[Number(index)];
    var bars = data.series.concat(peer ? [peer] : []);
    var unit = data.unit || "";
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption(
      {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: bars.length > 1 ? { bottom: 0 } : undefined,
        grid: { left: 10, right: 40, top: 10, bottom: bars.length > 1 ? 40 : 10, containLabel: true },
        xAxis: {
          type: "value",
          max: data.signed ? undefined : data.max,
          axisLabel: { formatter: "{value}" + unit },
        },
        yAxis: { type: "category", inverse: true, data: data.categories },
        series: bars.map(function (s, i) {
          return {
            name: s.name,
            type: "bar",
            data: s.data,
            itemStyle: { color: colour(data.signed, i) },
            label: { show: true, position: "right", formatter: "{c}" + unit },
          };
        }),
      },
      true
    );
    if (!el.dataset.bound) {
      el.dataset.bound = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  charts.dimensionBar = render;
  document.querySelectorAll('[data-chart="dimension-bar"]').forEach(render);
})();
