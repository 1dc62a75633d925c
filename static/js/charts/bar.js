// Bar chart: <div class="chart" data-chart="bar" data-source="ID"> where #ID is a json_script
// element holding {"categories": [...], "series": [{"name": ..., "data": [...]}]}.
(function () {
  function render(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 20, bottom: 60 },
      xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, itemStyle: { color: "#b3261e" } };
      }),
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.querySelectorAll('[data-chart="bar"]').forEach(render);
})();
