// Completion (%) of a target per region, ranked, bars coloured by status, with time elapsed as a
// dashed vertical line (targets.display.completion_chart):
//   {"categories": [names, best first], "values": [48.2 | null, ...], "unit": "%",
//    "statuses": ["on_track", ...], "elapsed": 63.7, "labels": {"completion", "elapsed"}}
// Before a target is split the values are the regions' actuals in the target's unit (no line).
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var COLOURS = { achieved: "#1e7e34", on_track: "#0b57d0", at_risk: "#e0a040", off_track: "#b3261e",
    no_data: "#9aa0a6" };

  charts.completionBarOption = function (data) {
    var labels = data.labels || {};
    var elapsed = data.elapsed;
    var unit = data.unit === "%" ? "%" : "";
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: function (v) {
        return v === null || v === undefined || v === "-" ? "—" : v + unit;
      } },
      grid: { left: 10, right: 56, top: 26, bottom: 10, containLabel: true },
      xAxis: { type: "value", min: 0, max: unit === "%" ? function (extent) {
        return Math.max(100, Math.ceil(extent.max / 10) * 10);
      } : undefined, axisLabel: { formatter: "{value}" + unit } },
      yAxis: { type: "category", inverse: true, data: data.categories, axisLabel: { interval: 0 } },
      series: [{
        name: labels.completion,
        type: "bar",
        barMaxWidth: 16,
        data: data.values.map(function (v, i) {
          return { value: v === null ? "-" : v, itemStyle: { color: COLOURS[data.statuses[i]] || COLOURS.no_data } };
        }),
        label: { show: true, position: "right", formatter: function (p) {
          return p.value === "-" ? "—" : p.value + unit;
        } },
        markLine: elapsed === null || elapsed === undefined ? undefined : {
          symbol: "none",
          silent: true,
          lineStyle: { type: "dashed", color: "#1d1d1f" },
          // The category axis is inverted: the line's start is at the top.
          label: { position: "start", formatter: labels.elapsed + " " + elapsed + "%" },
          data: [{ xAxis: elapsed }],
        },
      }],
    };
  };
})();
