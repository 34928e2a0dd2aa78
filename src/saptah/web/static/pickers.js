// Progressive enhancement for admin pickers (every page works without this file):
// - select[data-org-picker]: a filter box above a long organisation list;
// - input[data-course-picker]: search-as-you-type over /api/v1/courses/picker, filling the result checkboxes;
// - form[data-audience]: how many people the audience reaches, refreshed as the fields change;
// - button[data-copy]: copies the text of the element it names (shown only where the clipboard is available).
(function () {
  "use strict";

  // Words shown by this script, in the page's language: base.html writes them, translated, into #saptah-text
  // (a data attribute: pages hold no inline script).
  var words = {};
  try { words = JSON.parse(document.getElementById("saptah-text").getAttribute("data-words")); } catch (e) { words = {}; }
  function say(key, fallback, n) {
    var text = words[key] || fallback;
    return n === undefined ? text : text.replace("{n}", n);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }

  function orgPicker(select) {
    if (select.options.length < 12) { return; }
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = say("filter_orgs", "Filter organisations");
    box.setAttribute("aria-label", say("filter_orgs", "Filter organisations"));
    box.className = "picker-filter";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var firstShown = null;
      Array.prototype.forEach.call(select.options, function (opt) {
        var text = opt.textContent.toLowerCase();
        var show = opt.value === "" || words.every(function (w) { return text.indexOf(w) >= 0; });
        opt.hidden = !show;
        if (show && opt.value !== "" && firstShown === null) { firstShown = opt; }
      });
      if (firstShown && select.selectedOptions[0] && select.selectedOptions[0].hidden) {
        firstShown.selected = true;
      }
    });
  }

  function coursePicker(input) {
    var target = document.getElementById(input.getAttribute("data-target"));
    if (!target) { return; }
    var render = function (courses) {
      var kept = {};
      Array.prototype.forEach.call(target.querySelectorAll("input:checked"), function (box) {
        kept[box.value] = box.closest("label");
      });
      target.textContent = "";
      Object.keys(kept).forEach(function (code) { target.appendChild(kept[code]); });
      courses.forEach(function (c) {
        if (kept[c.code]) { return; }
        var label = document.createElement("label");
        label.className = "pick";
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = "course_codes";
        box.value = c.code;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + c.title + " · "));
        var code = document.createElement("code");
        code.textContent = c.code;
        label.appendChild(code);
        label.appendChild(document.createTextNode(" · " + c.minutes + " " + say("min", "min") + " · " + c.provider));
        target.appendChild(label);
      });
      if (!courses.length && !Object.keys(kept).length) {
        var none = document.createElement("p");
        none.className = "muted";
        none.textContent = say("no_course", "No live course matches.");
        target.appendChild(none);
      }
    };
    input.addEventListener("input", debounce(function () {
      var q = input.value.trim();
      if (q.length < 2) { return; }
      fetch("/api/v1/courses/picker?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(render)
        .catch(function () {});
    }, 200));
  }

  function audienceCount(form) {
    var out = form.querySelector("[data-audience-count]");
    if (!out) { return; }
    var fields = ["owner_org_code", "audience_org_code", "groups", "designations", "tags", "joined_after"];
    var refresh = debounce(function () {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (fields.indexOf(key) >= 0 && value !== "") { params.append(key, value); }
      });
      fetch("/api/v1/plans/audience-count?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data) { out.textContent = say("people_match", "{n} people match", data.people.toLocaleString("en-IN")); }
        })
        .catch(function () {});
    }, 300);
    form.addEventListener("change", refresh);
    form.addEventListener("input", refresh);
    refresh();
  }

  function copyButton(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.textContent = say("copied", "Copied");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-copy]").forEach(copyButton);
    document.querySelectorAll("select[data-org-picker]").forEach(orgPicker);
    document.querySelectorAll("input[data-course-picker]").forEach(coursePicker);
    document.querySelectorAll("form[data-audience]").forEach(audienceCount);
  });
})();
