// Time on task in the native course player: active seconds are reported every 30 s while the page is visible
// (and when it is hidden), as a form post with the page's CSRF token. Settings come from #player-ping's data.
(function () {
  "use strict";
  var box = document.getElementById("player-ping");
  if (!box) { return; }
  var url = box.dataset.url, token = box.dataset.csrf, module = box.dataset.module;
  var active = 0, last = Date.now();
  function touch() { last = Date.now(); }
  ["mousemove", "keydown", "scroll", "touchstart"].forEach(function (e) { document.addEventListener(e, touch, {passive: true}); });
  setInterval(function () { if (!document.hidden && Date.now() - last < 120000) { active += 5; } }, 5000);
  function send() {
    if (active <= 0) { return; }
    var body = new URLSearchParams({csrf_token: token, module_id: module, seconds: String(Math.min(active, 60))});
    active = 0;
    if (navigator.sendBeacon) { navigator.sendBeacon(url, body); } else { fetch(url, {method: "POST", body: body}); }
  }
  setInterval(send, 30000);
  document.addEventListener("visibilitychange", function () { if (document.hidden) { send(); } });
})();
