/* 一张网: draw each panel's chart from the JSON beside it — the figure chosen in the panel's "图表显示" list, by
   child organisation (the list below the chart says the same). Before printing, every folded table opens.
   No inline script. */
(function () {
  "use strict";
  var charts = {};
  function option(data, index) {
    var series = data.series[index] || data.series[0];
    return {
      aria: { enabled: true },
      grid: { left: 8, right: 40, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", axisLabel: { color: "#333" } },
      yAxis: { type: "category", data: data.names, inverse: true,
               axisLabel: { color: "#222", width: 110, overflow: "truncate" } },
      series: [{ type: "bar", name: series.label, data: series.values, itemStyle: { color: "#b71c1c" },
                 label: { show: true, position: "right", color: "#222" } }]
    };
  }
  function data(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }
  function draw(el) {
    var id = el.getAttribute("data-chart");
    var d = data(id);
    if (!d || !window.echarts) { return; }
    el.style.height = Math.max(160, 28 * d.names.length + 40) + "px";
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option(d, 0));
    charts[id] = { chart: chart, data: d };
  }
  function init() {
    var els = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < els.length; i++) { draw(els[i]); }
    var picks = document.querySelectorAll("[data-chart-pick]");
    for (var j = 0; j < picks.length; j++) {
      picks[j].addEventListener("change", function (event) {
        var entry = charts[event.target.getAttribute("data-chart-pick")];
        if (entry) { entry.chart.setOption(option(entry.data, parseInt(event.target.value, 10)), true); }
      });
    }
    window.addEventListener("resize", function () {
      for (var key in charts) { if (Object.prototype.hasOwnProperty.call(charts, key)) { charts[key].chart.resize(); } }
    });
    window.addEventListener("beforeprint", function () {
      var folded = document.querySelectorAll("details.all-figures, details.by-child");
      for (var k = 0; k < folded.length; k++) { folded[k].open = true; }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
