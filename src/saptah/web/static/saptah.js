/* Saptah's layout script (a static file: the pages carry no inline script). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function ready() {
    var button = document.querySelector("[data-menu-toggle]");
    var nav = document.getElementById("site-nav");
    if (button && nav) {
      button.addEventListener("click", function () {
        var open = nav.classList.toggle("open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(function () { /* offline support is optional */ });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
