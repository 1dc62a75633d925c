// Strengths and weaknesses of one unit: its best and worst index nodes as the difference from
// the median of all units, gains green and losses red around zero:
//   {"name": unit name, "strengths": [{"name", "score", "median", "diff"}], "weaknesses": [...]}
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});

  charts.divergingBarOption = function (unit) {
    var esc = echarts.format.encodeHTML;
    var items = unit.strengths.concat(unit.weaknesses.slice().reverse());
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = items[p.dataIndex];
          return "<b>" + esc(d.name) + "</b><br>" + esc(charts.text.score) + ": " + d.score +
            "<br>" + esc(charts.text.provinceMedian) + ": " + d.median + "<br>" + esc(charts.text.diff) + ": " + d.diff;
        },
      },
      grid: { left: 10, right: 40, top: 10, bottom: 10, containLabel: true },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: items.map(function (d) { return d.name; }),
        axisLabel: { interval: 0, width: 180, overflow: "truncate" } },
      series: [{
        type: "bar",
        data: items.map(function (d) {
          return { value: d.diff, itemStyle: { color: d.diff < 0 ? "#b3261e" : "#1e7e34" } };
        }),
        label: { show: true, position: "right", formatter: function (p) { return (p.value > 0 ? "+" : "") + p.value; } },
      }],
    };
  };
})();
