// Sorted horizontal bars with the target as a vertical line (rankings of cities or counties):
//   {"categories": [names, best first], "series": [{"name": ..., "data": [...]}],
//    "unit": "%", "target": 10.0 | null}
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});

  charts.rankingBarOption = function (data) {
    var unit = data.unit || "";
    var target = data.target;
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 10, right: 50, top: 26, bottom: 10, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: "{value}" + unit } },
      yAxis: { type: "category", inverse: true, data: data.categories, axisLabel: { interval: 0 } },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: "bar",
          data: s.data.map(function (v) {
            return { value: v === null ? "-" : v,
              itemStyle: { color: target !== null && target !== undefined && v !== null && v >= target ? "#1e7e34" : "#b3261e" } };
          }),
          label: { show: true, position: "right", formatter: function (p) { return p.value === "-" ? "—" : p.value + unit; } },
          markLine: target === null || target === undefined ? undefined : {
            symbol: "none",
            lineStyle: { type: "dashed", color: "#1d1d1f" },
            label: { position: "start", formatter: charts.text.target + " " + target + unit },
            data: [{ xAxis: target }],
          },
        };
      }),
    };
  };
})();
