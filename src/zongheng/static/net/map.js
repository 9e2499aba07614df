/* 一张网's grid map (net/_map.html): draws the grids of the scope from the GeoJSON of net:map_data, shaded by the
 * figure chosen in the section's <select>, with the outlines of the communities (and streets) over them; a click
 * on a grid opens that grid's dashboard. The legend and the table under the map are server-rendered (htmx reloads
 * them on the same change); without JavaScript the map stays hidden and the table is the page.
 * Optional raster tiles (settings.MAP_TILE_URL, same origin) are drawn under the polygons by a custom series in
 * the same Web Mercator projection, so that they line up. No inline script; text is set with textContent. */
(function () {
  "use strict";

  var MERCATOR = {
    project: function (p) {
      return [p[0] / 180 * Math.PI, -Math.log(Math.tan((Math.PI / 2 + p[1] / 180 * Math.PI) / 2))];
    },
    unproject: function (p) {
      return [p[0] * 180 / Math.PI, (2 * Math.atan(Math.exp(-p[1])) - Math.PI / 2) * 180 / Math.PI];
    }
  };
  var MAX_TILES = 64;
  var counter = 0;

  function tileX(lon, z) { return Math.floor((lon + 180) / 360 * Math.pow(2, z)); }
  function tileY(lat, z) {
    var r = lat * Math.PI / 180;
    return Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * Math.pow(2, z));
  }
  function tileLon(x, z) { return x / Math.pow(2, z) * 360 - 180; }
  function tileLat(y, z) {
    var n = Math.PI - 2 * Math.PI * y / Math.pow(2, z);
    return 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n)));
  }

  /* The tiles covering the extent (and a tile around it) at the zoom whose tiles show about 256 px wide. */
  function tileSeries(data, width) {
    if (!data.tiles || !data.tiles.url || !data.bbox) { return null; }
    var b = data.bbox;
    var span = Math.max(b[2] - b[0], 1e-6);
    var z = Math.max(1, Math.min(18, Math.round(Math.log(360 * width / (256 * span)) / Math.LN2)));
    var list = [];
    for (var x = tileX(b[0], z) - 1; x <= tileX(b[2], z) + 1; x++) {  // one tile of margin around the extent
      for (var y = tileY(b[3], z) - 1; y <= tileY(b[1], z) + 1; y++) { list.push([x, y]); }
    }
    if (!list.length || list.length > MAX_TILES) { return null; }
    var template = data.tiles.url;
    return {
      type: "custom", coordinateSystem: "geo", geoIndex: 0, silent: true, z: 0,
      data: list.map(function (t) { return [tileLon(t[0] + 0.5, z), tileLat(t[1] + 0.5, z)]; }),
      renderItem: function (params, api) {
        var t = list[params.dataIndex];
        var nw = api.coord([tileLon(t[0], z), tileLat(t[1], z)]);
        var se = api.coord([tileLon(t[0] + 1, z), tileLat(t[1] + 1, z)]);
        var url = template.replace("{z}", z).replace("{x}", t[0]).replace("{y}", t[1]);
        return { type: "image", style: { image: url, x: nw[0], y: nw[1], width: se[0] - nw[0], height: se[1] - nw[1] } };
      }
    };
  }

  /* Every ring of the outlines as a polyline (outer rings and holes alike). */
  function outlineLines(outlines) {
    var lines = [];
    var top = Infinity;
    (outlines.features || []).forEach(function (f) { if (f.properties.depth < top) { top = f.properties.depth; } });
    (outlines.features || []).forEach(function (f) {
      var g = f.geometry;
      if (!g) { return; }
      var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      var width = Math.max(1, 3 - (f.properties.depth - top));  // the scope's own outline widest
      polys.forEach(function (poly) {
        poly.forEach(function (ring) {
          lines.push({ name: f.properties.name, coords: ring, lineStyle: { width: width } });
        });
      });
    });
    return lines;
  }

  function GridMap(section) {
    this.section = section;
    this.form = section.querySelector("[data-map-form]");
    this.box = section.querySelector("[data-map-url]");
    this.status = section.querySelector("[data-map-status]");
    this.credit = section.querySelector("[data-map-credit]");
    this.chart = null;
    this.asked = 0;
    this.urls = {};
  }

  GridMap.prototype.say = function (text) { if (this.status) { this.status.textContent = text; } };

  GridMap.prototype.load = function () {
    var self = this;
    var ask = ++this.asked;
    var query = new URLSearchParams(new FormData(this.form)).toString();
    this.say("地图载入中…");
    fetch(this.box.getAttribute("data-map-url") + "?" + query, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        return response.json().then(function (data) { return { ok: response.ok, data: data }; });
      })
      .then(function (answer) {
        if (ask !== self.asked) { return; }  // a later choice is on its way
        if (!answer.ok) { self.say("地图无法显示：" + (answer.data.error || "请稍后再试")); return; }
        self.draw(answer.data);
      })
      .catch(function () { if (ask === self.asked) { self.say("地图数据载入失败，请查看下表或稍后再试。"); } });
  };

  GridMap.prototype.draw = function (data) {
    var echarts = window.echarts;
    var drawn = data.features.filter(function (f) { return f.geometry; });
    if (!echarts) { this.say(""); return; }
    if (!drawn.length) {
      this.box.hidden = true;
      this.say("本范围的网格还没有录入边界，各网格的数值见下表。");
      return;
    }
    this.box.hidden = false;
    var name = "zongheng-grids-" + (++counter);
    echarts.registerMap(name, {
      type: "FeatureCollection",
      features: drawn.map(function (f) {
        return { type: "Feature", geometry: f.geometry, properties: { name: String(f.properties.id) } };
      })
    });
    var urls = {};
    var items = data.features.map(function (f) {
      var p = f.properties;
      urls[String(p.id)] = p.url;
      return { name: String(p.id), value: p.value === null ? NaN : p.value, grid: p.name, community: p.community, display: p.display };
    });
    this.urls = urls;
    if (!this.chart) {
      this.chart = echarts.init(this.box, null, { renderer: "svg" });
      var chart = this.chart;
      var self = this;
      chart.on("click", function (params) {
        var url = self.urls[params.name];
        if (url) { window.location.assign(url); }
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var metric = data.metric;
    var encode = echarts.format.encodeHTML;
    var series = [
      { type: "map", geoIndex: 0, data: items },
      { type: "lines", coordinateSystem: "geo", geoIndex: 0, polyline: true, silent: true, z: 3,
        lineStyle: { color: "#222", opacity: 0.85 }, data: outlineLines(data.outlines || {}) }
    ];
    var tiles = tileSeries(data, Math.min(this.box.clientWidth, this.box.clientHeight) || 360);
    if (tiles) { series.push(tiles); }
    var fine = window.matchMedia && window.matchMedia("(pointer: fine)").matches;
    this.chart.setOption({
      aria: { enabled: false },  // the box is one image (role="img"); its words and the table say what it shows
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (!p.data || p.seriesType !== "map") { return ""; }
          return encode(p.data.grid) + "<br>" + encode(p.data.community) + "<br>" + encode(metric.label) + "：" +
            encode(p.data.display) + (metric.unit && p.data.display !== "—" && metric.unit !== "%" ? " " + encode(metric.unit) : "");
        }
      },
      geo: {
        map: name, projection: MERCATOR, roam: fine, z: 2, scaleLimit: { min: 1, max: 12 },
        layoutCenter: ["50%", "50%"], layoutSize: "96%",  // keeps the shapes' proportions in any box
        label: { show: false }, select: { disabled: true },
        itemStyle: { areaColor: data.no_value, borderColor: "#fff", borderWidth: 0.6, opacity: tiles ? 0.75 : 1 },
        emphasis: { label: { show: false }, itemStyle: { areaColor: "#ffd54f" } }
      },
      visualMap: { type: "piecewise", show: false, seriesIndex: 0, pieces: data.legend, outOfRange: { color: data.no_value } },
      series: series
    }, true);
    this.box.setAttribute("aria-label", "网格地图：" + data.org.name + "各网格按“" + metric.label + "”着色（" +
      data.period.label + "），数值见下方的各网格数值表");
    if (this.credit) { this.credit.textContent = data.tiles && data.tiles.attribution ? "底图：" + data.tiles.attribution : ""; }
    this.say(drawn.length < data.features.length ? (data.features.length - drawn.length) + " 个网格未录入边界，未画出。" : "");
  };

  function init() {
    var sections = document.querySelectorAll("[data-grid-map]");
    for (var i = 0; i < sections.length; i++) {
      var map = new GridMap(sections[i]);
      if (!map.form || !map.box || !window.fetch || !window.echarts) { continue; }
      map.form.addEventListener("change", map.load.bind(map));
      map.form.addEventListener("submit", map.load.bind(map));
      map.load();
    }
    /* A printed page carries the tables, not the map: open them first. */
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.map-table").forEach(function (d) { d.open = true; });
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
