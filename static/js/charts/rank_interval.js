// Index ranks with their uncertainty interval (COINr plot_uncertainty): per unit, a bar from the
// 5 % to the 95 % rank of the Monte Carlo runs, the median rank and the nominal rank as points,
// coloured by tier (梯队):
//   {"categories": [names by rank], "rank": [...], "median": [...], "p05": [...], "p95": [...],
//    "tier": [...], "score": [...], "units": total number of units ranked}
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var tierColours = ["#b3261e", "#e37400", "#0b57d0", "#5f6368", "#9aa0a6"];

  function tierColour(tier) {
    return tier ? tierColours[(tier - 1) % tierColours.length] : "#9aa0a6";
  }

  charts.rankIntervalOption = function (data) {
    var esc = echarts.format.encodeHTML;
    var n = data.categories.length;
    var base = data.p05.map(function (v) { return v === null ? 0 : v; });
    var width = data.p95.map(function (v, i) { return v === null || data.p05[i] === null ? 0 : Math.max(v - data.p05[i], 0.2); });
    return {
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          var i = items[0].dataIndex;
          return [
            "<b>" + esc(data.categories[i]) + "</b>",
            esc(charts.text.score) + ": " + esc(String(data.score[i])),
            esc(charts.text.rank) + ": " + esc(String(data.rank[i])) + " / " + esc(String(data.units)),
            esc(charts.text.median) + ": " + esc(String(data.median[i])),
            esc(charts.text.interval) + ": " + esc(String(data.p05[i])) + "–" + esc(String(data.p95[i])),
            esc(charts.text.tier) + ": " + esc(String(data.tier[i] || "—")),
          ].join("<br>");
        },
      },
      grid: { left: 10, right: 30, top: 30, bottom: 30, containLabel: true },
      legend: { top: 0, data: [charts.text.interval, charts.text.median, charts.text.rank] },
      xAxis: { type: "value", min: 1, max: Math.max(data.units, 1), name: charts.text.rank,
        nameLocation: "middle", nameGap: 26, minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: data.categories, axisLabel: { interval: 0 } },
      series: [
        { type: "bar", stack: "band", data: base, itemStyle: { color: "transparent" }, silent: true,
          barWidth: n > 20 ? 6 : 12 },
        { name: charts.text.interval, type: "bar", stack: "band", barWidth: n > 20 ? 6 : 12,
          itemStyle: { color: "#9aa0a6", opacity: 0.5 },
          data: width.map(function (w, i) { return { value: w, itemStyle: { color: tierColour(data.tier[i]), opacity: 0.35 } }; }) },
        { name: charts.text.median, type: "scatter", symbol: "diamond", symbolSize: 9,
          itemStyle: { color: "#1d1d1f" }, data: data.median.map(function (m, i) { return [m, i]; }) },
        { name: charts.text.rank, type: "scatter", symbolSize: 10, itemStyle: { color: "#b3261e" },
          data: data.rank.map(function (r, i) { return { value: [r, i], itemStyle: { color: tierColour(data.tier[i]) } }; }) },
      ],
    };
  };
})();
