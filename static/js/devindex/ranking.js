// Ranking chart of the development index: <div class="chart" data-chart="devindex-ranking"
// data-source="ID"> where #ID is a json_script element holding {"categories": [...], "scores":
// [...], "ranks": [...], "bands": [[p05, p95], ...], "labels": {...}}. Left: index score bars;
// right: each unit's rank (dot) with its 5–95 % band from the uncertainty analysis. Re-rendered
// when htmx swaps the ranking section (level tabs). htmx drops <script> elements from swapped
// content (allowScriptTags: false), json_script included, so the data of a swapped-in section is
// read from the response before the swap.
(function () {
  var swapped = {};

  function source(el) {
    var script = document.getElementById(el.dataset.source);
    return script ? script.textContent : swapped[el.dataset.source];
  }

  function render(el) {
    var text = source(el);
    if (el.dataset.rendered || !text) { return; }
    el.dataset.rendered = "1";
    var data = JSON.parse(text);
    var n = data.categories.length;
    el.style.height = Math.max(320, 22 * n + 80) + "px";
    var low = data.bands.map(function (b) { return b[0] === null ? null : b[0]; });
    var width = data.bands.map(function (b) { return b[0] === null ? null : b[1] - b[0]; });
    var chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { data: [data.labels.score, data.labels.rank, data.labels.band], top: 0 },
      grid: [
        { left: 110, right: "52%", top: 30, bottom: 30 },
        { left: "55%", right: 20, top: 30, bottom: 30 },
      ],
      xAxis: [
        { type: "value", gridIndex: 0, min: 0, max: 100 },
        { type: "value", gridIndex: 1, min: 0, max: Math.max(n, 2), minInterval: 1 },
      ],
      yAxis: [
        { type: "category", gridIndex: 0, data: data.categories, inverse: true, axisLabel: { interval: 0 } },
        { type: "category", gridIndex: 1, data: data.categories, inverse: true, axisLabel: { show: false } },
      ],
      series: [
        { name: data.labels.score, type: "bar", xAxisIndex: 0, yAxisIndex: 0, data: data.scores, itemStyle: { color: "#b3261e" } },
        { name: "base", type: "bar", stack: "band", xAxisIndex: 1, yAxisIndex: 1, data: low, itemStyle: { color: "transparent" }, tooltip: { show: false }, silent: true },
        { name: data.labels.band, type: "bar", stack: "band", xAxisIndex: 1, yAxisIndex: 1, data: width, barWidth: 6, itemStyle: { color: "#9aa0a6" } },
        { name: data.labels.rank, type: "scatter", xAxisIndex: 1, yAxisIndex: 1, data: data.ranks, symbolSize: 9, itemStyle: { color: "#1a73e8" } },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function renderAll(root) {
    root.querySelectorAll('[data-chart="devindex-ranking"]').forEach(render);
  }
  renderAll(document);
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // Parsed inert (DOMParser runs no script); only the json_script elements' text is kept.
    var doc = new DOMParser().parseFromString(event.detail.serverResponse || "", "text/html");
    swapped = {};
    doc.querySelectorAll('script[type="application/json"][id]').forEach(function (script) {
      swapped[script.id] = script.textContent;
    });
  });
  document.body.addEventListener("htmx:afterSwap", function (event) { renderAll(event.target.parentNode || document); });
})();
