// Horizontal bars with target markers (coverage vs the plan's targets, yearly counts vs pushes):
//   {"categories": [...], "unit": "%" | "", "series": [{"name": ..., "data": [...]},
//    {"name": ..., "data": [...], "marker": true}, ...]}
// The first series is drawn as bars; series with "marker" as short vertical lines (targets).
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var markerColours = ["#5f6368", "#1d1d1f"];

  charts.targetBarOption = function (data) {
    var unit = data.unit || "";
    var marker = 0;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) {
        return v === null || v === undefined ? "—" : v + unit;
      } },
      legend: { bottom: 0 },
      grid: { left: 10, right: 50, top: 10, bottom: 36, containLabel: true },
      yAxis: { type: "category", inverse: true, data: data.categories,
        axisLabel: { interval: 0, width: 190, overflow: "break", fontSize: 11, lineHeight: 13 } },
      xAxis: { type: "value", axisLabel: { formatter: "{value}" + unit } },
      series: data.series.map(function (s) {
        if (!s.marker) {
          return { name: s.name, type: "bar", data: s.data, barMaxWidth: 18, itemStyle: { color: "#b3261e" },
            label: { show: true, position: "right", formatter: function (p) { return p.value + unit; } } };
        }
        var colour = markerColours[marker++ % markerColours.length];
        return { name: s.name, type: "scatter", data: s.data, symbol: "rect", symbolSize: [3, 22],
          itemStyle: { color: colour }, z: 5 };
      }),
    };
  };
})();
