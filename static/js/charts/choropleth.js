// Choropleth map option (monitoring dashboards). `data` is a map payload of monitoring/dashboards.py:
//   {"map": "jiangsu", "url": "/static/vendor/maps/jiangsu.json", "label": ..., "unit": "%",
//    "target": 50.0 | null, "highlight": code | null,
//    "regions": [{"name": code, "label": name, "value": 12.3 | null, "num": 12, "den": 98,
//                 "drill": url | null, "url": url}]}
// The GeoJSON features carry {"code", "name"}; regions are matched by code (nameProperty).
// window.zhigaiCharts.loadMap(data) registers the map once (a Promise);
// window.zhigaiCharts.choroplethOption(data) returns the ECharts option.
(function () {
  var charts = (window.zhigaiCharts = window.zhigaiCharts || {});
  var loaded = {};

  charts.loadMap = function (data) {
    if (!loaded[data.map]) {
      loaded[data.map] = fetch(data.url, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("map " + data.map + ": " + response.status);
          }
          return response.json();
        })
        .then(function (geojson) {
          echarts.registerMap(data.map, geojson);
          return geojson;
        });
    }
    return loaded[data.map];
  };

  function number(value, unit) {
    return value === null || value === undefined ? "—" : value.toFixed(1) + (unit || "");
  }

  charts.choroplethOption = function (data) {
    var esc = echarts.format.encodeHTML;
    var names = {};
    var values = [];
    data.regions.forEach(function (r) {
      names[r.name] = r.label;
      if (r.value !== null) {
        values.push(r.value);
      }
    });
    var top = Math.max.apply(null, values.concat([data.target || 0, 1]));
    top = data.unit === "%" ? Math.min(100, Math.ceil(top / 5) * 5) : Math.ceil(top);
    return {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var d = p.data || {};
          var lines = ["<b>" + esc(names[p.name] || p.name) + "</b>"];
          lines.push(esc(data.label) + ": " + esc(number(d.raw, data.unit)));
          if (d.den !== null && d.den !== undefined) {
            lines.push(esc(String(d.num)) + " / " + esc(String(d.den)));
          }
          if (data.target !== null && data.target !== undefined) {
            lines.push(esc(charts.text.target) + ": " + esc(number(data.target, data.unit)));
          }
          if (d.drill) {
            lines.push("<i>" + esc(charts.text.drill) + "</i>");
          }
          return lines.join("<br>");
        },
      },
      visualMap: {
        type: "continuous",
        min: 0,
        max: top,
        left: 10,
        bottom: 10,
        calculable: false,
        itemHeight: 120,
        text: [number(top, data.unit), "0"],
        inRange: { color: ["#fdecea", "#f4a99f", "#b3261e"] },
      },
      series: [
        {
          type: "map",
          map: data.map,
          nameProperty: "code",
          roam: false,
          selectedMode: false,
          layoutCenter: ["50%", "50%"],
          layoutSize: "95%",
          label: {
            show: true,
            fontSize: 10,
            color: "#1d1d1f",
            formatter: function (p) { return names[p.name] || ""; },
          },
          itemStyle: { areaColor: "#e8eaed", borderColor: "#ffffff", borderWidth: 1 },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#f9d26c" } },
          data: data.regions.map(function (r) {
            return {
              name: r.name,
              value: r.value === null ? NaN : r.value,
              raw: r.value,
              num: r.num,
              den: r.den,
              drill: r.drill,
              url: r.url,
              itemStyle: data.highlight === r.name ? { borderColor: "#1d1d1f", borderWidth: 2 } : undefined,
            };
          }),
        },
      ],
    };
  };
})();
