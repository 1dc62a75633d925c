// Result page: the peer-group chooser next to the dimension chart. Changing it redraws the chart
// with that group's medians as the second series (the table below the chart lists every group).
(function () {
  var chooser = document.getElementById("peer-group");
  if (!chooser) {
    return;
  }
  chooser.addEventListener("change", function () {
    var el = document.getElementById(chooser.dataset.chart);
    if (!el) {
      return;
    }
    el.dataset.peer = chooser.value;
    var draw = el.dataset.chart === "radar" ? "radar" : "dimensionBar";
    window.zhigaiCharts[draw](el);
  });
})();
