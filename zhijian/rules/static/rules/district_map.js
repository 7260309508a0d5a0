// The warning statistics' district map: warnings per district of Shanghai, coloured by their
// number (visualMap), with a tooltip; a click opens the warning list of that district and
// year. ECharts and the map are vendored static files (never a CDN); no inline script under
// the Content-Security-Policy. Progressive enhancement: the table "按区统计" stays the
// accessible fallback, and without JavaScript or ECharts the map card stays hidden.
//
// Data: the json_script #district-map-data, [{code, name, map_name, total, open, url}] for
// the districts in the user's scope only (another district has no value on the map). Labels:
// data-* attributes of #district-map (translated by the template).
(function () {
  "use strict";
  var MAP = "上海";
  var box = document.getElementById("district-map");
  var source = document.getElementById("district-map-data");
  if (!box || !source || !window.echarts || !window.echarts.getMap(MAP)) { return; }
  var echarts = window.echarts;
  var rows = JSON.parse(source.textContent);
  if (!rows.length) { return; }
  var text = box.dataset;
  var encode = echarts.format.encodeHTML;

  // The map's own name for a division code (each feature's id is its code: 310115 浦东新区),
  // else the name the server derived from the division dictionary.
  var nameOf = {};
  var geo = echarts.getMap(MAP).geoJSON || echarts.getMap(MAP).geoJson || {};
  (geo.features || []).forEach(function (f) {
    if (f.id && f.properties && f.properties.name) { nameOf[String(f.id)] = f.properties.name; }
  });
  var max = 1;
  var data = rows.map(function (r) {
    max = Math.max(max, r.total);
    return {
      name: nameOf[r.code] || r.map_name, value: r.total, open: r.open, code: r.code,
      url: r.url, label: { show: true }
    };
  });

  // Touch screens have no hover: the first tap on a district shows its tooltip, a second
  // tap on the same district opens its warnings. A mouse click opens them at once.
  var touch = window.matchMedia && window.matchMedia("(hover: none)").matches;
  var armed = null;

  function tooltip(p) {
    var d = p.data;
    if (!d) {
      return "<strong>" + encode(p.name) + "</strong><br>" + encode(text.labelNone);
    }
    return "<strong>" + encode(d.name) + "</strong><br>" +
      encode(text.labelWarnings) + " <strong>" + d.value + "</strong><br>" +
      encode(text.labelOpen) + " <strong>" + d.open + "</strong><br>" +
      "<small>" + encode(touch ? text.hintTap : text.hintClick) + "</small>";
  }

  function label(p) { return p.data ? p.name + " " + p.data.value : p.name; }

  function layout() {
    var narrow = box.clientWidth < 520;
    return {
      visualMap: narrow
        ? { orient: "horizontal", left: "center", bottom: 4, itemWidth: 12, itemHeight: 140 }
        : { orient: "vertical", left: 8, bottom: 12, itemWidth: 14, itemHeight: 130 },
      series: [narrow
        ? { top: 8, bottom: 56, left: 8, right: 8 }
        : { top: 12, bottom: 12, left: 96, right: 24 }]
    };
  }

  var card = document.getElementById("district-map-card");
  if (card) { card.hidden = false; }
  var chart = echarts.init(box, null, { renderer: "canvas" });
  var base = {
    animation: false,
    aria: { enabled: false }, // the container's aria-label points to the table instead
    tooltip: { trigger: "item", confine: true, formatter: tooltip },
    visualMap: {
      type: "continuous", min: 0, max: max, calculable: false, seriesIndex: 0,
      text: [String(max), "0"], textStyle: { color: "#374151" },
      inRange: { color: ["#fef6e4", "#f5a623", "#d9480f", "#9f1d12"] }
    },
    series: [{
      type: "map", map: MAP, roam: false, selectedMode: false,
      aspectScale: Math.cos(31.2 * Math.PI / 180), // Shanghai's latitude
      itemStyle: { areaColor: "#eef1f5", borderColor: "#9aa6b8", borderWidth: 0.8 },
      // Labels on a white pill: readable on every colour of the scale.
      label: {
        show: false, fontSize: 11, lineHeight: 14, color: "#1f2937", formatter: label,
        backgroundColor: "rgba(255,255,255,.88)", padding: [1, 4], borderRadius: 3
      },
      labelLayout: { hideOverlap: true },
      // Hover keeps the district's colour (the value), outlined.
      emphasis: {
        label: { show: true, fontWeight: "bold" },
        itemStyle: { areaColor: "inherit", borderColor: "#1d4f91", borderWidth: 2 }
      },
      data: data
    }]
  };
  chart.setOption(base);
  chart.setOption(layout());

  chart.on("click", function (p) {
    var d = p.data;
    if (!d || !d.url) { return; }
    if (touch && armed !== d.code) { armed = d.code; return; }
    window.location.assign(d.url);
  });
  chart.on("globalout", function () { armed = null; });

  var resize = function () { chart.setOption(layout()); chart.resize(); };
  if (window.ResizeObserver) {
    new ResizeObserver(resize).observe(box);
  } else {
    window.addEventListener("resize", resize);
  }
})();
