/* 一张网: draw each panel's chart from the JSON beside it (the table below it says the same). No inline script. */
(function () {
  "use strict";
  function draw(el) {
    if (!window.echarts) { return; }
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      aria: { enabled: true },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: data.unit, axisLabel: { color: "#333" } },
      yAxis: { type: "category", data: data.names, inverse: true, axisLabel: { color: "#222", width: 120, overflow: "truncate" } },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#b71c1c" }, label: { show: true, position: "right", color: "#222" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function init() {
    var charts = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < charts.length; i++) {
      var n = JSON.parse(document.getElementById(charts[i].getAttribute("data-chart")).textContent).names.length;
      charts[i].style.height = Math.max(160, 28 * n + 40) + "px";
      draw(charts[i]);
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
