// Charts of the target tracker's pages (templates/targets/task.html, target.html, city.html):
// every element with data-targets-chart="trend" | "completion" | "parts" reads its data from the
// json_script element named by data-source and is drawn with the option builders of
// static/js/charts/ (target_trend.js, completion_bar.js, target_bar.js). The tables next to the
// charts hold the same data.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var builders = {
    trend: "targetTrendOption",
    completion: "completionBarOption",
    parts: "targetBarOption",
  };

  // ECharts' default axis tooltip is HTML with style attributes, which the Content Security
  // Policy refuses (style-src has no 'unsafe-inline'): the axis tooltips here are plain lines,
  // the category and series names escaped, the values through the chart's valueFormatter.
  function plainAxisTooltip(option) {
    var tooltip = option.tooltip;
    if (!tooltip || tooltip.trigger !== "axis" || tooltip.formatter) {
      return option;
    }
    var escape = echarts.format.encodeHTML;
    var value = tooltip.valueFormatter || function (v) { return v; };
    tooltip.formatter = function (params) {
      var list = Array.isArray(params) ? params : [params];
      return [escape(String(list[0].name))].concat(list.map(function (p) {
        return escape(String(p.seriesName)) + "：" + escape(String(value(p.value)));
      })).join("<br>");
    };
    return option;
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.source);
    var build = charts[builders[el.dataset.targetsChart]];
    if (!source || !build) {
      return;
    }
    var data = JSON.parse(source.textContent);
    if (el.dataset.targetsChart === "completion") {
      // One bar per region: 13 cities need more height than a city's few counties.
      el.style.height = Math.max(160, 50 + 24 * data.categories.length) + "px";
    }
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    chart.setOption(plainAxisTooltip(build(data)), true);
    el.dataset.ready = "1";
  }

  var elements = document.querySelectorAll("[data-targets-chart]");
  elements.forEach(draw);
  window.addEventListener("resize", function () {
    elements.forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
})();
