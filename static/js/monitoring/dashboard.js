// Monitoring dashboards (templates/monitoring/dashboard.html). Reads the page's payload
// (json_script #dashboard-data, the same data as the JSON view) and draws every chart with the
// option builders of static/js/charts/. The filter form refreshes #dashboard-body (titles,
// tables, export links) through HTMX; after each swap the charts are drawn again from the JSON
// view with the same filters (HTMX does not insert script elements, so the swapped body carries
// no json_script). On the province's map a click on a city fetches
// that city's dashboard data (JSON view) and draws its counties in place; "back" returns.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var builders = {
    targets: "targetBarOption",
    pushes: "targetBarOption",
    ranking: "rankingBarOption",
    trend: "trendLineOption",
    index: "rankIntervalOption",
  };

  function readText() {
    var el = document.getElementById("dashboard-text");
    charts.text = el ? Object.assign({}, el.dataset) : {};
  }

  function payload() {
    var el = document.getElementById("dashboard-data");
    return el ? JSON.parse(el.textContent) : null;
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(url + ": " + response.status);
        }
        return response.json();
      });
  }

  function instance(el) {
    return echarts.getInstanceByDom(el) || echarts.init(el);
  }

  function filterQuery() {
    var form = document.getElementById("dashboard-filters");
    return form ? new URLSearchParams(new FormData(form)).toString() : "";
  }

  function drawMap(el, map) {
    return charts.loadMap(map).then(function () {
      var chart = instance(el);
      chart.setOption(charts.choroplethOption(map), true);
      el.dataset.map = map.map;
      el.dataset.ready = "1";
      return chart;
    });
  }

  function setDrill(card, name, url) {
    var back = card.querySelector("[data-map-back]");
    var where = card.querySelector("[data-map-where]");
    var link = card.querySelector("[data-map-open]");
    back.hidden = !name;
    where.textContent = name ? " › " + name : "";
    link.hidden = !url;
    if (url) {
      link.href = url;
    }
  }

  function renderMap(el, map) {
    var card = el.closest("[data-chart-card]");
    setDrill(card, "", "");
    drawMap(el, map).then(function (chart) {
      chart.off("click");
      chart.on("click", function (params) {
        var region = params.data || {};
        if (!region.drill || el.dataset.map !== map.map) {
          return;
        }
        el.dataset.ready = "";
        fetchJson(region.drill + "?" + filterQuery())
          .then(function (data) {
            return drawMap(el, data.charts.map).then(function () {
              el.dataset.drilled = data.scope.code;
              setDrill(card, data.scope.name, data.scope.url);
            });
          })
          .catch(function () { el.dataset.ready = "1"; });
      });
      var back = card.querySelector("[data-map-back]");
      back.onclick = function () {
        el.dataset.ready = "";
        delete el.dataset.drilled;
        drawMap(el, map).then(function () { setDrill(card, "", ""); });
      };
    });
  }

  function renderStrengths(el, data) {
    var select = el.closest("[data-chart-card]").querySelector("[data-strengths-unit]");
    function draw() {
      var unit = data.units[select ? Number(select.value) : 0];
      if (unit) {
        instance(el).setOption(charts.divergingBarOption(unit), true);
      }
    }
    if (select) {
      select.onchange = draw;
    }
    draw();
  }

  function renderAll(data) {
    readText();
    if (!data || data.empty) {
      return;
    }
    document.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
      var name = el.dataset.dashboardChart;
      var chart = data.charts[name];
      if (!chart) {
        return;
      }
      if (name === "map") {
        renderMap(el, chart);
      } else if (name === "strengths") {
        renderStrengths(el, chart);
      } else {
        if (name === "index") {
          // One row per unit: a county's single row needs far less height than 13 cities.
          el.style.height = Math.max(180, 90 + 28 * chart.categories.length) + "px";
        }
        instance(el).setOption(charts[builders[name]](chart), true);
        instance(el).resize();
      }
    });
  }

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "dashboard-body") {
      event.detail.target.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
        var chart = echarts.getInstanceByDom(el);
        if (chart) {
          chart.dispose();
        }
      });
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var body = event.detail.target;
    if (body && body.id === "dashboard-body") {
      fetchJson(body.dataset.json + "?" + filterQuery()).then(renderAll);
    }
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-dashboard-chart]").forEach(function (el) {
      var chart = echarts.getInstanceByDom(el);
      if (chart) {
        chart.resize();
      }
    });
  });
  renderAll(payload());
})();
