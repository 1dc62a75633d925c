// The scenario map page (templates/catalog/scenario_map.html): draws the heatmap from the
// json_script #scenario-map-data with charts.scenarioHeatmapOption (static/js/charts/
// scenario_heatmap.js); a click on a cell opens the search filtered by that industry division
// and scenario (the "every industry" row filters by the scenario only).
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var el = document.querySelector('[data-chart="scenario-map"]');
  var source = document.getElementById("scenario-map-data");
  if (!el || !source || !window.echarts) {
    return;
  }
  var textEl = document.getElementById("scenario-map-text");
  charts.text = textEl ? Object.assign({}, textEl.dataset) : {};
  var data = JSON.parse(source.textContent);
  el.style.height = Math.max(320, 160 + 26 * data.industries.length) + "px";
  var chart = echarts.getInstanceByDom(el) || echarts.init(el);
  chart.setOption(charts.scenarioHeatmapOption(data), true);
  chart.on("click", function (p) {
    if (!p.value) {
      return;
    }
    var params = new URLSearchParams({ scenario: data.scenarios[p.value[0]].code });
    var industry = data.industries[p.value[1]].code;
    if (industry !== data.all) {
      params.set("industry", industry);
    }
    window.location.assign(data.search_url + "?" + params.toString());
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
