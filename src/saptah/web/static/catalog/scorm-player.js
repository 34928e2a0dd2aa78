// The SCORM player: the run-time from scorm-again (served by Saptah), loaded with the attempt's data, then the
// package's item in the frame. Commits go to Saptah as JSON; the answer says what the learner has achieved.
(function () {
  "use strict";
  var el = document.getElementById("scorm-runtime");
  var frame = document.getElementById("scorm-frame");
  var status = document.querySelector("[data-testid=scorm-status]");
  if (!el || !frame) return;
  if (!window.Scorm12API || !window.Scorm2004API) {
    status.textContent = el.dataset.failed;
    return;
  }
  function answer(xhr) {
    var body = {};
    try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
    if (xhr.status >= 200 && xhr.status < 300) {
      if (body.message) status.textContent = body.message;
      status.dataset.complete = body.complete ? "1" : "0";
      return { result: true, errorCode: 0 };
    }
    status.textContent = (body.error && body.error.message) || el.dataset.failed;
    return { result: false, errorCode: 101 };
  }
  var settings = {
    lmsCommitUrl: el.dataset.commit,
    dataCommitFormat: "json",
    autocommit: true,
    autocommitSeconds: 30,
    terminateCommitParam: "terminate",
    terminationCommitContentType: "application/json",
    xhrResponseHandler: answer,
    logLevel: 4
  };
  var api = el.dataset.version === "1.2" ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
  api.loadFromJSON(JSON.parse(el.dataset.start), "");
  if (el.dataset.version === "1.2") window.API = api; else window.API_1484_11 = api;
  frame.src = el.dataset.launch;
})();
