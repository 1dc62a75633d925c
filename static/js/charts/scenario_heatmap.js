// Heatmap of the resource pool's scenario map (templates/catalog/scenario_map.html):
//   {"industries": [{"code", "name"}], "scenarios": [{"code", "name", "stage"}],
//    "cells": [[scenario index, industry index, published entries]], "search_url", "all"}
// Rows are industries (GB/T 4754 divisions with entries, then "every industry"), columns the
// scenarios in stage order; each stage's labels share a colour. Tooltips are canvas text.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var PALETTE = ["#b3261e", "#0b57d0", "#1e7e34", "#8a4b00", "#6a1b9a", "#00796b", "#c2185b", "#455a64"];

  charts.stageColours = function (scenarios) {
    var colours = {};
    scenarios.forEach(function (s) {
      if (!(s.stage in colours)) {
        colours[s.stage] = PALETTE[Object.keys(colours).length % PALETTE.length];
      }
    });
    return colours;
  };

  charts.scenarioHeatmapOption = function (data) {
    var text = charts.text || {};
    var colours = charts.stageColours(data.scenarios);
    var most = data.cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    return {
      tooltip: {
        position: "top",
        // Drawn on the canvas (plain text, no HTML): an HTML tooltip box gets inline styles,
        // which the Content Security Policy refuses.
        renderMode: "richText",
        formatter: function (p) {
          var s = data.scenarios[p.value[0]], i = data.industries[p.value[1]];
          return s.stage + " · " + s.name + "\n" + i.name + "：" + p.value[2] + " " + (text.unit || "");
        },
      },
      grid: { left: 10, right: 20, top: 10, bottom: 10, containLabel: true },
      xAxis: {
        type: "category",
        data: data.scenarios.map(function (s) {
          return { value: s.name, textStyle: { color: colours[s.stage] } };
        }),
        axisLabel: { interval: 0, rotate: 60, fontSize: 11 },
        splitArea: { show: true },
      },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.industries.map(function (i) { return i.name; }),
        axisLabel: { interval: 0, fontSize: 11 },
        splitArea: { show: true },
      },
      visualMap: {
        min: 0, max: most, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        show: false, inRange: { color: ["#fdecea", "#b3261e"] },
      },
      series: [{
        type: "heatmap",
        data: data.cells,
        label: { show: true, fontSize: 10 },
        emphasis: { itemStyle: { borderColor: "#1d1d1f", borderWidth: 1 } },
        cursor: "pointer",
      }],
    };
  };
})();
