// A running staff import's page follows its progress (the upload's JSON), and reloads once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("upload-progress");
  if (!box) { return; }
  var url = box.dataset.url;
  // the statuses in the page's language: the page writes them, translated, into data-statuses
  var statuses = {};
  try { statuses = JSON.parse(box.dataset.statuses || "{}"); } catch (e) { statuses = {}; }
  (function poll() {
    fetch(url, {credentials: "same-origin"}).then(r => r.json()).then(d => {
      for (const k of ["done", "total", "created", "updated", "unchanged", "failed"]) {
        const el = document.getElementById(k); if (el) el.textContent = d[k];
      }
      document.getElementById("bar").value = d.percent;
      document.getElementById("status").textContent = statuses[d.status] || d.status;
      if (d.status === "done" || d.status === "failed") { location.reload(); } else { setTimeout(poll, 1000); }
    }).catch(() => setTimeout(poll, 3000));
  })();
})();
