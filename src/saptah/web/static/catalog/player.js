// Time on task in the native course player: the seconds the page is visible, and the ranges an inline video
// played, reported every 15 s, when the page is hidden, and just before "Mark as done" (the server believes no
// more than the time that passed). Settings come from #player-ping's data; the service worker keeps a ping made
// offline and sends it, with the moment it was made, when the connection returns.
(function () {
  "use strict";
  var box = document.getElementById("player-ping");
  if (!box) { return; }
  var url = box.dataset.url, token = box.dataset.csrf, module = box.dataset.module;
  var visible = 0, video = document.querySelector("[data-testid=video]"), left = document.querySelector("[data-testid=time-left]");
  setInterval(function () {
    if (document.hidden) { return; }
    visible += 1;
    if (left && !video) {
      var n = Math.max(0, Number(left.dataset.left) - 1);
      left.dataset.left = String(n);
      if (n === 0 && box.dataset.ready) { left.textContent = box.dataset.ready; }
    }
  }, 1000);
  function played() {
    if (!video) { return ""; }
    var out = [];
    for (var i = 0; i < video.played.length; i++) { out.push(video.played.start(i).toFixed(1) + "-" + video.played.end(i).toFixed(1)); }
    return out.join(",");
  }
  function body() {
    var seconds = Math.min(visible, 60);
    visible -= seconds;
    return new URLSearchParams({csrf_token: token, module_id: module, seconds: String(seconds), watched: played()});
  }
  function show(r) {
    return r && r.ok ? r.json().then(function (d) { if (left) { left.dataset.left = String(d.left_seconds); left.textContent = d.message; } }) : null;
  }
  function send() { if (visible > 0) { fetch(url, {method: "POST", body: body()}).then(show).catch(function () {}); } }
  setInterval(send, 15000);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && visible > 0) {
      if (navigator.sendBeacon) { navigator.sendBeacon(url, body()); } else { send(); }
    }
  });
  var form = document.querySelector("[data-testid=done-form]");
  if (form) {
    form.addEventListener("submit", function (e) {
      if (visible <= 0) { return; }
      e.preventDefault();
      fetch(url, {method: "POST", body: body()}).catch(function () {}).then(function () { form.submit(); });
    });
  }
})();
