// Line chart of an enterprise's results over time:
//   <div class="chart" data-chart="timeline" data-source="ID">
// where #ID is a json_script element holding
//   {"categories": [dates], "series": [{"name": ..., "data": [...]}], "levels": [level names],
//    "max": maximum of the scale or null}
// The tooltip shows the date, the value and the level reached then.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});

  function render(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption(
      {
        tooltip: {
          trigger: "axis",
          formatter: function (items) {
            var esc = echarts.format.encodeHTML;
            var level = (data.levels || [])[items[0].dataIndex] || "";
            var lines = [esc(items[0].axisValueLabel)].concat(items.map(function (item) {
              return esc(item.seriesName) + ": " + esc(String(item.value));
            }));
            return lines.concat(level ? [esc(level)] : []).join("<br>");
          },
        },
        grid: { left: 10, right: 30, top: 20, bottom: 10, containLabel: true },
        xAxis: { type: "category", boundaryGap: false, data: data.categories },
        yAxis: { type: "value", min: 0, max: data.max || undefined },
        series: data.series.map(function (s) {
          return {
            name: s.name,
            type: "line",
            data: s.data,
            symbolSize: 8,
            itemStyle: { color: "#b3261e" },
            label: { show: true, position: "top" },
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

  charts.timeline = render;
  document.querySelectorAll('[data-chart="timeline"]').forEach(render);
})();
