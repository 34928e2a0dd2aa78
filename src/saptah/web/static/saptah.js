/* Saptah's layout script (a static file: the pages carry no inline script). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function worker(message) {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) { navigator.serviceWorker.controller.postMessage(message); }
  }

  // With a service worker in charge, a beacon goes out as a keep-alive fetch, so that a ping made offline is kept
  // by the worker and sent when the connection returns (the browser drops a beacon it cannot send).
  if (navigator.serviceWorker && navigator.serviceWorker.controller && navigator.sendBeacon) {
    navigator.sendBeacon = function (url, body) {
      fetch(url, {method: "POST", body: body, keepalive: true, credentials: "same-origin"}).catch(function () {});
      return true;
    };
  }

  function ready() {
    var button = document.querySelector("[data-menu-toggle]");
    var nav = document.getElementById("site-nav");
    if (button && nav) {
      button.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    var note = document.querySelector("[data-offline-note]");
    function connection() {
      if (note) { note.hidden = navigator.onLine; }
      if (navigator.onLine) { worker({type: "flush"}); }
    }
    window.addEventListener("online", connection);
    window.addEventListener("offline", connection);
    connection();
    // A table wider than the phone scrolls in its own box; keyboard users reach and scroll that box too.
    function scrollers() {
      Array.prototype.forEach.call(document.querySelectorAll(".table-wrap, main table"), function (box) {
        var wide = box.scrollWidth > box.clientWidth + 1;
        if (wide && !box.hasAttribute("tabindex")) {
          box.setAttribute("tabindex", "0");
          box.setAttribute("role", box.tagName === "TABLE" ? "table" : "region");
          var caption = box.querySelector("caption") || box.closest("section, .card");
          var heading = caption && (caption.tagName === "CAPTION" ? caption : caption.querySelector("h2, h3"));
          if (box.tagName !== "TABLE") { box.setAttribute("aria-label", heading ? heading.textContent.trim() : document.title); }
        }
      });
    }
    scrollers();
    window.addEventListener("resize", scrollers);
    var kept = document.querySelector("[data-testid=kept-note]");
    if (kept && /[?&]kept=1/.test(window.location.search)) {
      kept.hidden = false;
      document.querySelector("[data-testid=not-kept]").hidden = true;
    }
    var signOut = document.querySelector("form[action='/sign-out']");
    if (signOut) { signOut.addEventListener("submit", function () { worker({type: "forget"}); }); }
    // A signed-in learner's unfinished native courses are fetched ahead (every module), to be read offline: on a
    // course's own page at once (the learner may have just enrolled), elsewhere at most every ten minutes.
    if (signOut && navigator.onLine && navigator.serviceWorker && navigator.serviceWorker.controller) {
      var last = Number(window.sessionStorage.getItem("saptah-kept-at") || 0);
      if (document.querySelector("[data-testid=module-list]") || Date.now() - last > 600000) {
        window.sessionStorage.setItem("saptah-kept-at", String(Date.now()));
        worker({type: "keep-enrolled"});
      }
    }
  }

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* offline use is a bonus */ });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
