"""SCORM 1.2 and 2004 packages built by the tests: a manifest and a few HTML pages that call the run-time API, and
malicious zips (zip slip, zip bomb, absolute paths, symbolic links, bad manifests)."""

from __future__ import annotations

import io
import stat
import zipfile

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><script src="{script}"></script></head>
<body><h1>{title}</h1>
<p id="learner"></p><p id="entry"></p><p id="location"></p><p id="suspend"></p><p id="status"></p><p id="mastery"></p>
<p><label>Score <input id="score" value="90"></label></p>
<button id="suspend-btn">Suspend</button> <button id="complete-btn">Complete</button>
<button id="score-btn">Submit score</button>
<p id="done"></p></body></html>
"""

SCRIPT_12 = """
var api = null, w = window;
while (w) { if (w.API) { api = w.API; break; } if (w === w.parent) break; w = w.parent; }
function $(id) { return document.getElementById(id); }
function finish(what) { api.LMSCommit(""); api.LMSFinish(""); $("done").textContent = what; }
window.addEventListener("DOMContentLoaded", function () {
  api.LMSInitialize("");
  $("learner").textContent = "learner=" + api.LMSGetValue("cmi.core.student_name");
  $("entry").textContent = "entry=" + api.LMSGetValue("cmi.core.entry");
  $("location").textContent = "location=" + api.LMSGetValue("cmi.core.lesson_location");
  $("suspend").textContent = "suspend=" + api.LMSGetValue("cmi.suspend_data");
  $("status").textContent = "status=" + api.LMSGetValue("cmi.core.lesson_status");
  $("mastery").textContent = "mastery=" + api.LMSGetValue("cmi.student_data.mastery_score");
  if (api.LMSGetValue("cmi.core.lesson_status") === "not attempted") {
    api.LMSSetValue("cmi.core.lesson_status", "incomplete");
  }
  $("suspend-btn").onclick = function () {
    api.LMSSetValue("cmi.core.lesson_location", "page-2");
    api.LMSSetValue("cmi.suspend_data", "seen=1,2");
    api.LMSSetValue("cmi.core.session_time", "00:00:03");
    api.LMSSetValue("cmi.core.exit", "suspend");
    finish("suspended");
  };
  $("complete-btn").onclick = function () {
    api.LMSSetValue("cmi.core.lesson_status", "completed");
    api.LMSSetValue("cmi.core.session_time", "00:00:02");
    finish("completed");
  };
  $("score-btn").onclick = function () {
    var raw = Number($("score").value), mastery = Number(api.LMSGetValue("cmi.student_data.mastery_score") || 0);
    api.LMSSetValue("cmi.core.score.raw", String(raw));
    api.LMSSetValue("cmi.core.lesson_status", raw >= mastery ? "passed" : "failed");
    api.LMSSetValue("cmi.core.session_time", "00:00:02");
    finish("scored");
  };
});
"""

SCRIPT_2004 = """
var api = null, w = window;
while (w) { if (w.API_1484_11) { api = w.API_1484_11; break; } if (w === w.parent) break; w = w.parent; }
function $(id) { return document.getElementById(id); }
function finish(what) { api.Commit(""); api.Terminate(""); $("done").textContent = what; }
window.addEventListener("DOMContentLoaded", function () {
  api.Initialize("");
  $("learner").textContent = "learner=" + api.GetValue("cmi.learner_name");
  $("entry").textContent = "entry=" + api.GetValue("cmi.entry");
  $("location").textContent = "location=" + api.GetValue("cmi.location");
  $("suspend").textContent = "suspend=" + api.GetValue("cmi.suspend_data");
  $("status").textContent = "status=" + api.GetValue("cmi.completion_status");
  $("mastery").textContent = "mastery=" + api.GetValue("cmi.scaled_passing_score");
  var was = api.GetValue("cmi.completion_status");
  api.SetValue("cmi.completion_status", was === "completed" ? "completed" : "incomplete");
  $("suspend-btn").onclick = function () {
    api.SetValue("cmi.location", "page-2");
    api.SetValue("cmi.suspend_data", "seen=1,2");
    api.SetValue("cmi.session_time", "PT3S");
    api.SetValue("cmi.exit", "suspend");
    finish("suspended");
  };
  $("complete-btn").onclick = function () {
    api.SetValue("cmi.completion_status", "completed");
    api.SetValue("cmi.session_time", "PT2S");
    api.SetValue("cmi.exit", "normal");
    finish("completed");
  };
  $("score-btn").onclick = function () {
    var scaled = Number($("score").value) / 100, mastery = Number(api.GetValue("cmi.scaled_passing_score") || 0);
    api.SetValue("cmi.score.scaled", String(scaled));
    api.SetValue("cmi.completion_status", "completed");
    api.SetValue("cmi.success_status", scaled >= mastery ? "passed" : "failed");
    api.SetValue("cmi.session_time", "PT2S");
    api.SetValue("cmi.exit", "normal");
    finish("scored");
  };
});
"""

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="saptah-test-12" version="1.0"
  xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1"><title>{title}</title>
{items}
    </organization>
  </organizations>
  <resources>
{resources}
    <resource identifier="common" type="webcontent" href="sco.js"><file href="sco.js"/></resource>
  </resources>
</manifest>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="saptah-test-2004" version="1.0"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1"><title>{title}</title>
{items}
    </organization>
  </organizations>
  <resources>
{resources}
  </resources>
</manifest>
"""


def _item(version: str, n: int, title: str, mastery: float | None) -> str:
    extra = ""
    if mastery is not None and version == "1.2":
        extra = f"<adlcp:masteryscore>{mastery:g}</adlcp:masteryscore>"
    elif mastery is not None:
        extra = (
            '<imsss:sequencing><imsss:objectives><imsss:primaryObjective satisfiedByMeasure="true">'
            f"<imsss:minNormalizedMeasure>{mastery:g}</imsss:minNormalizedMeasure>"
            "</imsss:primaryObjective></imsss:objectives></imsss:sequencing>"
        )
    return f'      <item identifier="item{n}" identifierref="res{n}"><title>{title}</title>{extra}</item>'


def build(
    version: str, *, title: str = "Ethics in public service", lessons: int = 1, mastery: float | None = None
) -> bytes:
    """A SCORM package: `lessons` SCOs, each an HTML page calling the run-time through sco.js."""
    scorm_type = 'adlcp:scormtype="sco"' if version == "1.2" else 'adlcp:scormType="sco"'
    items, resources, files = [], [], {}
    for n in range(1, lessons + 1):
        lesson = f"Lesson {n}"
        items.append(_item(version, n, lesson, mastery))
        resources.append(
            f'    <resource identifier="res{n}" type="webcontent" {scorm_type} href="lessons/{n}/index.html">'
            f'<file href="lessons/{n}/index.html"/></resource>'
        )
        files[f"lessons/{n}/index.html"] = PAGE.format(title=lesson, script="../../sco.js")
    manifest = MANIFEST_12 if version == "1.2" else MANIFEST_2004
    files["imsmanifest.xml"] = manifest.format(title=title, items="\n".join(items), resources="\n".join(resources))
    files["sco.js"] = SCRIPT_12 if version == "1.2" else SCRIPT_2004
    return zip_of(files)


def zip_of(files: dict[str, str | bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of these files (names taken as given, even unsafe ones)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name), content, compress_type=compression)
    return out.getvalue()


def with_extra(version: str, name: str, content: str | bytes = "x") -> bytes:
    """A good package with one more entry (e.g. an unsafe name)."""
    good = zipfile.ZipFile(io.BytesIO(build(version)))
    files: dict[str, str | bytes] = {n: good.read(n) for n in good.namelist()}
    files[name] = content
    return zip_of(files)


def bomb(version: str = "1.2", megabytes: int = 50) -> bytes:
    """A good package plus one entry of zeros that deflates about a thousand times."""
    return with_extra(version, "assets/zeros.bin", b"\0" * (megabytes * 1024 * 1024))


def with_symlink(version: str = "1.2") -> bytes:
    """A good package plus an entry that is a symbolic link to /etc/passwd."""
    out = io.BytesIO(with_extra(version, "placeholder.txt"))
    with zipfile.ZipFile(out, "a") as archive:
        info = zipfile.ZipInfo("lessons/link")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def with_manifest(manifest: str) -> bytes:
    """A package whose manifest is this text, with one page."""
    return zip_of({"imsmanifest.xml": manifest, "index.html": PAGE.format(title="x", script="sco.js")})
