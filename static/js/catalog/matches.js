// The matches page: after dimension_bar.js drew the bars, add the weak line (data-threshold, in %)
// as a red dashed mark line on the enterprise's series.
(function () {
  document.querySelectorAll('[data-chart="dimension-bar"][data-threshold]').forEach(function (el) {
    var chart = echarts.getInstanceByDom(el);
    var threshold = Number(el.dataset.threshold);
    if (!chart || !isFinite(threshold)) {
      return;
    }
    chart.setOption({
      series: [
        {
          markLine: {
            symbol: "none",
            silent: true,
            lineStyle: { color: "#b3261e", type: "dashed" },
            label: { formatter: threshold + "%" },
            data: [{ xAxis: threshold }],
          },
        },
      ],
    });
  });
})();
