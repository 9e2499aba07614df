/* The platform's only script besides htmx. Pages carry no inline script or on* handler (the
 * Content-Security-Policy forbids them): behaviours are declared with data attributes and wired
 * here. Values are read as text (dataset, textContent) and never evaluated. */
(function () {
  "use strict";

  /* <form data-confirm="确认……？">: ask before submitting; cancel leaves the page as it is.
   * A submit button may carry its own data-confirm instead. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var button = event.submitter;
    var text = (button && button.dataset && button.dataset.confirm) || form.dataset.confirm;
    if (text && !window.confirm(text)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* <span class="countdown" data-due="ISO time">: refresh the server-computed countdown every minute. */
  function span(ms) {
    var m = Math.floor(ms / 60000);
    if (m >= 1440) return Math.floor(m / 1440) + " 天";
    if (m >= 60) return Math.floor(m / 60) + " 小时";
    return Math.max(m, 1) + " 分钟";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      if (due >= now) { el.textContent = "剩余 " + span(due - now); el.classList.remove("error"); }
      else { el.textContent = "已超时 " + span(now - due); el.classList.add("error"); }
    });
  }
  setInterval(tick, 60000);

  /* <button data-copy="id of the element to copy" data-copy-result="id of a status element">. */
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-copy]") : null;
    if (!button) return;
    var source = document.getElementById(button.dataset.copy);
    var out = document.getElementById(button.dataset.copyResult || "");
    if (!source) return;
    function done(ok) { if (out) out.textContent = ok ? "已复制" : "请长按查询码手动复制"; }
    var text = source.textContent.trim();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { done(document.execCommand("copy")); } catch (e) { done(false); }
    }
  });

  /* <div class="table-wrap">: a table wider than the screen scrolls sideways; keyboard users must be able
   * to reach that scroll too (WCAG 2.1.1), so a wrapper that overflows becomes a focusable, named region. */
  function scrollables(root) {
    (root || document).querySelectorAll(".table-wrap").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
        if (!el.hasAttribute("role")) el.setAttribute("role", "region");
        if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", "表格（可左右滚动）");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { scrollables(document); });
  document.addEventListener("htmx:afterSettle", function (event) { scrollables(event.target); });
  window.addEventListener("resize", function () { scrollables(document); });
})();

/* <p data-locate hidden><button data-locate-lat="id" data-locate-long="id" data-locate-result="id">: the
 * demand form's "用我现在的位置": shown only where the browser can locate; fills the hidden lat/long inputs
 * (the server finds the grid whose boundary holds the point). Nothing is sent until the form is. */
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (el) { el.hidden = false; });
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("button[data-locate-lat]") : null;
    if (!button) return;
    var lat = document.getElementById(button.dataset.locateLat);
    var long = document.getElementById(button.dataset.locateLong);
    var out = document.getElementById(button.dataset.locateResult || "");
    function say(text) { if (out) out.textContent = text; }
    say("正在获取位置……");
    navigator.geolocation.getCurrentPosition(function (pos) {
      if (lat) lat.value = pos.coords.latitude.toFixed(6);
      if (long) long.value = pos.coords.longitude.toFixed(6);
      say("已获取位置（误差约 " + Math.round(pos.coords.accuracy) + " 米），下一步会据此推荐网格。");
    }, function () {
      say("没能获取位置。请在地址里写明小区和楼栋，或路名和门牌号。");
    }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
  });
})();
