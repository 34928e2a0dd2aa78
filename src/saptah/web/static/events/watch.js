// Presence on the watch page: a ping every N seconds while the page is visible.
// The server merges pings into intervals, so several tabs or reconnects never count twice.
(function () {
  "use strict";
  var box = document.getElementById("presence");
  if (!box) { return; }
  var eventId = box.dataset.event;
  var interval = Math.max(2, Math.min(60, parseInt(box.dataset.interval, 10) || 45)) * 1000;
  var csrf = box.dataset.csrf;
  var tab = "t" + Math.random().toString(36).slice(2, 12);
  var seq = 0;
  var lastSent = Date.now();
  var stopped = false;
  var minutesEl = document.getElementById("watched-minutes");
  var badge = document.getElementById("attended-badge");
  var message = document.getElementById("presence-message");

  function visible() { return document.visibilityState === "visible"; }

  function send() {
    if (stopped || !visible()) { return; }
    var now = Date.now();
    var seconds = Math.min(3600, Math.round((now - lastSent) / 1000));
    lastSent = now;
    seq += 1;
    fetch("/api/v1/events/" + eventId + "/presence", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ tab: tab, seq: seq, seconds: seconds })
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      if (res.ok) {
        minutesEl.textContent = res.body.minutes;
        badge.hidden = !res.body.attended;
        message.textContent = "";
      } else {
        message.textContent = (res.body.error && res.body.error.message) || box.dataset.notRecorded;
        if (res.status === 409 || res.status === 403 || res.status === 401) { stopped = true; }
      }
    }).catch(function () { message.textContent = box.dataset.connectionLost; });
  }

  document.addEventListener("visibilitychange", function () {
    // time while hidden is not claimed: restart the clock when the page becomes visible again
    if (visible()) { lastSent = Date.now(); }
  });
  if (box.dataset.status === "live") {
    window.setTimeout(send, 1000);
    window.setInterval(send, interval);
  }
}());
