// Radar chart of each dimension as a percent of its maximum:
//   <div class="chart" data-chart="radar" data-source="ID" data-peer="0">
// where #ID is a json_script element holding
//   {"categories": [...], "max": 100, "unit": "%", "series": [{"name": ..., "data": [...]}],
//    "peers": [{"name": ..., "data": [...]}]}
// `series` are drawn in full; `data-peer` picks one of `peers` as a second, dashed line (empty:
// none). A null value (not applicable) is drawn at the centre and named in the tooltip.
// window.zhigaiCharts.radar(el) draws or redraws `el`.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var COLOURS = ["#b3261e", "#5f6368"];

  function shown(data, el) {
    var peers = data.peers || [];
    var index = el.dataset.peer === undefined ? "0" : el.dataset.peer;
    var peer = index === "" ? null : peers[Number(index)];
    return data.series.concat(peer ? [peer] : []);
  }

  function render(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var lines = shown(data, el);
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption(
      {
        tooltip: { trigger: "item" },
        legend: { bottom: 0, data: lines.map(function (s) { return s.name; }) },
        radar: {
          radius: "62%",
          indicator: data.categories.map(function (name) {
            return { name: name, max: data.max || 100 };
          }),
        },
        series: [
          {
            type: "radar",
            data: lines.map(function (s, i) {
              return {
                name: s.name,
                value: s.data.map(function (v) { return v === null ? 0 : v; }),
                lineStyle: { color: COLOURS[i % 2], type: i === 0 ? "solid" : "dashed" },
                itemStyle: { color: COLOURS[i % 2] },
                areaStyle: i === 0 ? { opacity: 0.15 } : undefined,
              };
            }),
          },
        ],
      },
      true
    );
    if (!el.dataset.bound) {
      el.dataset.bound = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  charts.radar = render;
  document.querySelectorAll('[data-chart="radar"]').forEach(render);
})();
