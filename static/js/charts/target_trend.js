// A plan target's actuals over time with its target value and the forecast to the deadline
// (targets.display.trend_chart):
//   {"unit": "%", "start": "2025-01-01", "end": "2027-12-31",
//    "observations": [["2025-12-31", 8.9], ...], "target": 50, "targetMax": null,
//    "forecast": {"at": "2027-12-31", "value": 18.0, "low": 13.5, "high": 22.6} | null,
//    "labels": {"actual", "target", "max", "forecast", "interval"}}
// The actuals are a line; the target (and a range's upper end) a dashed horizontal line; the
// forecast a dashed line from the latest actual to the deadline, its interval a shaded band that
// widens to the deadline and an error bar at the deadline.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var ACTUAL = "#b3261e";
  var TARGET = "#1e7e34";
  var FORECAST = "#5f6368";

  function suffix(unit) {
    return unit === "%" ? "%" : "";
  }

  function targetLines(data, labels, unit) {
    var lines = [];
    if (data.target !== null && data.target !== undefined) {
      lines.push({ yAxis: data.target, label: { formatter: labels.target + " " + data.target + unit } });
    }
    if (data.targetMax !== null && data.targetMax !== undefined) {
      lines.push({ yAxis: data.targetMax, label: { formatter: labels.max + " " + data.targetMax + unit } });
    }
    return lines;
  }

  // A round number at or above v: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k.
  function niceCeil(v) {
    if (!(v > 0)) {
      return 1;
    }
    var step = Math.pow(10, Math.floor(Math.log10(v)));
    var factors = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < factors.length; i++) {
      if (factors[i] * step >= v - 1e-9) {
        return factors[i] * step;
      }
    }
    return 10 * step;
  }

  function top(data) {
    var values = data.observations.map(function (o) { return o[1]; });
    [data.target, data.targetMax].forEach(function (v) {
      if (v !== null && v !== undefined) { values.push(v); }
    });
    if (data.forecast) { values.push(data.forecast.high); }
    return Math.max.apply(null, values.concat([0]));
  }

  function rounded(v) {
    return Math.round(v * 10) / 10;
  }

  function forecastSeries(data, labels, unit) {
    var last = data.observations[data.observations.length - 1];
    var f = data.forecast;
    if (!f || !last) {
      return [];
    }
    var band = { type: "line", stack: "interval", symbol: "none", silent: true, lineStyle: { opacity: 0 },
      itemStyle: { color: "rgba(95, 99, 104, 0.4)" } };
    return [
      { name: labels.forecast, type: "line", data: [last, [f.at, f.value]], symbolSize: 7,
        itemStyle: { color: FORECAST }, lineStyle: { type: "dashed", color: FORECAST },
        label: { show: true, position: "right", formatter: function (p) {
          return p.dataIndex === 1 ? labels.forecast + " " + rounded(p.value[1]) + unit : "";
        } },
        markLine: { symbol: ["none", "none"], silent: true, label: { show: false },
          lineStyle: { color: FORECAST, width: 2, type: "solid" },
          data: [[{ coord: [f.at, f.low] }, { coord: [f.at, f.high] }]] } },
      Object.assign({ name: labels.interval, data: [[last[0], last[1]], [f.at, f.low]] }, band),
      Object.assign({ name: labels.interval, data: [[last[0], 0], [f.at, f.high - f.low]],
        areaStyle: { color: "rgba(95, 99, 104, 0.18)" } }, band),
    ];
  }

  charts.targetTrendOption = function (data) {
    var unit = suffix(data.unit);
    var labels = data.labels || {};
    var lines = targetLines(data, labels, unit);
    var highest = top(data);
    return {
      tooltip: { trigger: "item", formatter: function (p) {
        var text = p.seriesName + "<br>" + p.value[0] + "：" + rounded(p.value[1]) + unit;
        var f = data.forecast;
        if (f && p.seriesName === labels.forecast && p.dataIndex === 1) {
          text += "<br>" + labels.interval + "：" + rounded(f.low) + "–" + rounded(f.high) + unit;
        }
        return text;
      } },
      legend: { bottom: 0, data: [labels.actual, labels.forecast, labels.interval] },
      grid: { left: 10, right: 70, top: 24, bottom: 40, containLabel: true },
      xAxis: { type: "time", min: data.start, max: data.end, axisLabel: { formatter: "{yyyy}-{MM}" } },
      yAxis: { type: "value", min: 0, max: function (extent) { return niceCeil(1.05 * Math.max(extent.max, highest)); },
        axisLabel: { formatter: function (v) { return Math.round(v * 100) / 100 + unit; } } },
      series: [
        { name: labels.actual, type: "line", data: data.observations, symbolSize: 8,
          itemStyle: { color: ACTUAL }, lineStyle: { color: ACTUAL, width: 2 },
          markLine: lines.length ? { symbol: "none", silent: true,
            lineStyle: { type: "dashed", color: TARGET }, label: { position: "insideEndTop", color: TARGET },
            data: lines } : undefined },
      ].concat(forecastSeries(data, labels, unit)),
    };
  };
})();
