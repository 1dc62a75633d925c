// Tooltips under the Content Security Policy. ECharts' default tooltip content is HTML with
// style attributes (the coloured markers), which style-src without 'unsafe-inline' refuses:
// the browser logs a violation and drops the styling on every hover. A tooltip that has no
// formatter of its own is therefore drawn on the canvas (renderMode "richText"); formatters of
// our chart builders return escaped text with <br>/<b> only, which the policy allows.
// Loaded right after echarts-*.min.js; wraps echarts.init once.
(function () {
  "use strict";
  if (!window.echarts || window.echarts.__zhigaiCsp) {
    return;
  }
  function canvasTooltips(tooltip) {
    (Array.isArray(tooltip) ? tooltip : [tooltip]).forEach(function (t) {
      if (t && typeof t === "object" && !t.formatter && !t.renderMode) {
        t.renderMode = "richText";
      }
    });
  }
  var init = window.echarts.init;
  window.echarts.init = function () {
    var chart = init.apply(window.echarts, arguments);
    var setOption = chart.setOption;
    chart.setOption = function (option) {
      if (option && option.tooltip) {
        canvasTooltips(option.tooltip);
      }
      (option && Array.isArray(option.series) ? option.series : []).forEach(function (s) {
        if (s && s.tooltip) {
          canvasTooltips(s.tooltip);
        }
      });
      return setOption.apply(chart, arguments);
    };
    return chart;
  };
  window.echarts.__zhigaiCsp = true;
})();
