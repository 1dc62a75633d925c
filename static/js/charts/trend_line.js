// Lines over the years (the dashboard's metric for its unit, its parent and the target path):
//   {"categories": ["2025", ...], "unit": "%", "series": [{"name": ..., "data": [...]},
//    {"name": ..., "data": [...], "dashed": true}]}
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var colours = ["#b3261e", "#0b57d0", "#5f6368"];

  charts.trendLineOption = function (data) {
    var unit = data.unit || "";
    return {
      tooltip: { trigger: "axis", valueFormatter: function (v) {
        return v === null || v === undefined ? "—" : v + unit;
      } },
      legend: { bottom: 0 },
      grid: { left: 10, right: 30, top: 20, bottom: 40, containLabel: true },
      xAxis: { type: "category", boundaryGap: false, data: data.categories },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}" + unit } },
      series: data.series.map(function (s, i) {
        return {
          name: s.name,
          type: "line",
          data: s.data,
          connectNulls: false,
          symbolSize: 7,
          itemStyle: { color: s.dashed ? "#5f6368" : colours[i % colours.length] },
          lineStyle: { type: s.dashed ? "dashed" : "solid" },
        };
      }),
    };
  };
})();
