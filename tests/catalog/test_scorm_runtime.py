"""SCORM end to end over HTTP: upload (and refusal of bad packages), the files served, launch, commit, suspend and
resume, time on task from session time, statements in the LRS, and completion and credit like any course."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from saptah.directory.models import Role
from tests.catalog import scorm_builder
from tests.factories import csrf, sign_in
from tests.lrs.helpers import issue

PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
SUSPENDED = "http://adlnet.gov/expapi/verbs/suspended"


@pytest.fixture
def clock(monkeypatch):
    """The run-time's clock, moved by the test (session time is believed only as fast as time passes)."""
    from saptah.lrs import scorm
    from tests.catalog.conftest import Clock

    c = Clock()
    monkeypatch.setattr(scorm, "utcnow", c)
    return c


def _upload(client, version, code, *, minutes=10, mastery=None, lessons=1, **form):
    data = {"csrf_token": csrf(client), "code": code, "duration_minutes": str(minutes), "competencies": "BEH-SELF"}
    data.update(form)
    pkg = scorm_builder.build(version, lessons=lessons, mastery=mastery)
    return client.post("/catalog/scorm", data=data, files={"file": ("course.zip", pkg, "application/zip")},
                       follow_redirects=False)  # fmt: skip


def _published(client, db, make, version, code, **kw):
    from saptah.catalog import repository as repo
    from saptah.catalog.tasks import load_competencies

    load_competencies(db)
    db.commit()
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    r = _upload(client, version, code, **kw)
    assert r.status_code == 303, r.text
    course = repo.course_by_code(db, code)
    assert course is not None and course.status == "draft" and course.launch_kind == "scorm"
    r = client.post(f"/courses/{course.id}/status", data={"csrf_token": csrf(client), "status": "live"})
    assert r.status_code == 200, r.text
    client.post("/sign-out", data={"csrf_token": csrf(client)})
    client.cookies.clear()
    return course


def _learner(client, make, course):
    learner = make.person()
    sign_in(client, learner.email)
    assert client.post(f"/courses/{course.id}/enrol", data={"csrf_token": csrf(client)}).status_code == 200
    return learner


def _play(client, course, sco=None) -> dict[str, Any]:
    r = client.get(f"/courses/{course.id}/launch", follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"] + (f"?sco={sco}" if sco else "")
    page = client.get(url)
    assert page.status_code == 200, page.text
    attrs = dict(re.findall(r'data-(version|commit|launch|start)="([^"]*)"', page.text))
    out: dict[str, Any] = {k: html.unescape(v) for k, v in attrs.items()}
    out["start"] = json.loads(out["start"])
    out["page"] = page.text
    return out


def _commit(client, player, cmi, *, terminate=False, **kw):
    url = player["commit"] + ("&terminate=true" if terminate else "")
    return client.post(url, content=json.dumps({"cmi": cmi}), headers={"Content-Type": "application/json"}, **kw)


def _statements(client, db, verb):
    reader = issue(db, "reader", "statements/read")
    return client.get("/xapi/statements", params={"verb": verb}, headers=reader).json()["statements"]


def _completed(db, learner, course):
    from saptah.catalog import service as catalog

    return (learner.id, course.id) in catalog.completions_for(db, person_ids=[learner.id], course_ids=[course.id])


def test_scorm_12_suspend_resume_complete_credit_and_statements(client, db, make, clock):
    course = _published(client, db, make, "1.2", "SCORM-12-A", minutes=10)
    learner = _learner(client, make, course)
    first = _play(client, course)
    assert first["version"] == "1.2"
    assert first["start"]["core"]["entry"] == "ab-initio"
    assert first["start"]["core"]["student_name"] == learner.full_name
    assert first["launch"].endswith("/content/lessons/1/index.html")

    clock.advance(120)
    core = {"lesson_status": "incomplete", "lesson_location": "page-2", "exit": "suspend",
            "session_time": "00:30:00"}  # fmt: skip
    r = _commit(client, first, {"core": core, "suspend_data": "seen=1,2"}, terminate=True)
    assert r.status_code == 200, r.text
    assert r.json()["result"] is True and r.json()["complete"] is False
    from saptah.catalog import repository as repo

    enrolment = repo.get_enrolment(db, learner.id, course.id)
    assert enrolment is not None
    assert enrolment.seconds_in_use == 120  # 30 minutes claimed, the two minutes that passed believed
    assert _commit(client, first, {"core": core}).status_code == 409  # the session ended with the suspend

    again = _play(client, course)  # another device: same data from the server
    assert again["start"]["core"]["entry"] == "resume"
    assert again["start"]["core"]["lesson_location"] == "page-2"
    assert again["start"]["suspend_data"] == "seen=1,2"
    assert again["start"]["core"]["total_time"] == "0000:02:00"
    assert "resuming where you left off" in again["page"]

    clock.advance(60)
    done = {"lesson_status": "completed", "exit": "", "session_time": "00:01:00"}
    r = _commit(client, again, {"core": done})
    assert r.status_code == 200 and r.json()["satisfied"] is True
    assert r.json()["complete"] is False and r.json()["left_seconds"] > 0  # 5 of the 10 minutes must be spent
    assert not _completed(db, learner, course)
    clock.advance(150)
    r = _commit(client, again, {"core": {**done, "session_time": "00:03:30"}}, terminate=True)
    assert r.json()["complete"] is True
    assert _completed(db, learner, course)

    sco_done = [
        s for s in _statements(client, db, COMPLETED) if s["actor"]["account"]["name"] == f"saptah-{learner.id}"
    ]
    objects = sorted(s["object"]["id"] for s in sco_done)
    assert objects[0] == course.activity_id
    assert objects[1].startswith(course.activity_id + "/scorm/")
    course_statement = next(s for s in sco_done if s["object"]["id"] == course.activity_id)
    assert course_statement["result"]["completion"] is True
    assert course_statement["result"]["duration"] == "PT0H5M30S"
    assert len(_statements(client, db, SUSPENDED)) == 1

    from saptah.recognition import service as recognition

    assert [c.subject_id for c in recognition.certificates_of(db, learner.id)].count(course.id) == 1
    finished = _play(client, course)  # ended normally after finishing: a fresh attempt
    assert finished["start"]["core"]["entry"] == "ab-initio"
    assert "Attempt 2" in finished["page"]


def test_scorm_2004_fail_then_pass_with_mastery_score(client, db, make, settings, clock):
    settings.module_min_share = 0
    course = _published(client, db, make, "2004", "SCORM-2004-A", mastery=0.8)
    learner = _learner(client, make, course)
    player = _play(client, course)
    assert player["start"]["scaled_passing_score"] == "0.8"
    clock.advance(30)
    failing = {"completion_status": "completed", "success_status": "passed", "score": {"scaled": "0.5"},
               "session_time": "PT20S", "exit": "normal"}  # fmt: skip
    r = _commit(client, player, failing, terminate=True)
    assert r.status_code == 200 and r.json()["satisfied"] is False  # the LMS judges 0.5 against 0.8: failed
    assert not _completed(db, learner, course)
    failed = _statements(client, db, FAILED)
    assert len(failed) == 1 and failed[0]["result"]["success"] is False
    assert failed[0]["result"]["score"]["scaled"] == 0.5

    retry = _play(client, course)
    assert retry["start"]["entry"] == "ab-initio" and "Attempt 2" in retry["page"]
    clock.advance(30)
    r = _commit(client, retry, {**failing, "score": {"scaled": "0.9"}}, terminate=True)
    assert r.json()["complete"] is True
    assert _completed(db, learner, course)
    passed = _statements(client, db, PASSED)
    assert len(passed) == 1 and passed[0]["result"]["score"]["scaled"] == 0.9
    from saptah.catalog import repository as repo

    completion = repo.get_completion(db, learner.id, course.id)
    assert completion is not None and completion.source == "xapi" and completion.assessment_passed is True


def test_every_sco_must_be_satisfied(client, db, make, settings, clock):
    settings.module_min_share = 0
    course = _published(client, db, make, "1.2", "SCORM-12-TWO", lessons=2)
    learner = _learner(client, make, course)
    one = _play(client, course)
    clock.advance(5)
    assert _commit(client, one, {"core": {"lesson_status": "completed", "session_time": "00:00:05"}},
                   terminate=True).json()["complete"] is False  # fmt: skip
    two = _play(client, course)  # the first item not yet satisfied
    assert two["launch"].endswith("lessons/2/index.html")
    assert not _completed(db, learner, course)
    clock.advance(5)
    assert _commit(client, two, {"core": {"lesson_status": "passed", "session_time": "00:00:05"}}).json()["complete"]
    assert _completed(db, learner, course)


def test_commits_are_checked_strictly(client, db, make, clock):
    course = _published(client, db, make, "1.2", "SCORM-12-STRICT")
    _learner(client, make, course)
    player = _play(client, course)
    cases = [
        ({"core": {"lesson_status": "finished"}}, 400, "not one of"),
        ({"core": {"session_time": "ten minutes"}}, 400, "is not a time"),
        ({"core": {"score": {"raw": "150"}}}, 400, "out of range"),
        ({"core": {"exit": "crash"}}, 400, "cmi.core.exit"),
        ({"core": {"lesson_location": ["a"]}}, 400, "must be a text"),
        ({"bad key!": "x"}, 400, "not a CMI element"),
        ({"suspend_data": "x" * 70_000}, 400, "longer than"),
    ]
    for cmi, status, says in cases:
        r = _commit(client, player, cmi)
        assert r.status_code == status, (cmi, r.text)
        assert says in r.json()["error"]["message"]
    r = client.post(player["commit"], content=b'{"cmi": {}, "other": 1}')
    assert r.status_code == 400 and "Unexpected field" in r.json()["error"]["message"]
    r = client.post(player["commit"], content=b"{not json")
    assert r.status_code == 400
    r = client.post(player["commit"], content=b"x" * (300 * 1024))
    assert r.status_code == 413
    no_token = player["commit"].split("?")[0]
    assert client.post(no_token, content=b'{"cmi": {}}').status_code == 403
    assert _commit(client, player, {"core": {"lesson_status": "incomplete"}}).status_code == 200

    client.cookies.clear()
    other = make.person()
    sign_in(client, other.email)
    commit_path = player["commit"].split("?")[0]
    r = client.post(f"{commit_path}?csrf_token={csrf(client)}", content=b'{"cmi": {}}')
    assert r.status_code == 404  # another learner's attempt does not exist for them


def test_package_files_are_served_strictly_to_those_who_may_open_them(client, db, make):
    course = _published(client, db, make, "1.2", "SCORM-12-FILES")
    learner = make.person()
    sign_in(client, learner.email)
    from saptah.catalog import scorm

    package_id = scorm.packages_of(db, course.id)[0].id
    base = f"/scorm/{package_id}/content"
    assert client.get(f"{base}/lessons/1/index.html").status_code == 409  # not enrolled
    client.post(f"/courses/{course.id}/enrol", data={"csrf_token": csrf(client)})
    page = client.get(f"{base}/lessons/1/index.html")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert client.get(f"{base}/sco.js").headers["content-type"].startswith("text/javascript")
    assert client.get(f"{base}/imsmanifest.xml").headers["content-type"] == "application/xml"
    # paths are looked up as stored, never resolved on a disk: an encoded '..' finds nothing
    for missing in ("nothing.html", "..%2F..%2Fetc%2Fpasswd", "lessons%2F..%2Fsco.js", "%2Fetc%2Fpasswd"):
        assert client.get(f"{base}/{missing}").status_code == 404
    client.cookies.clear()
    signed_out = client.get(f"{base}/lessons/1/index.html", follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("package", "says"),
    [
        (scorm_builder.with_extra("1.2", "../../evil.html"), "zip slip"),
        (scorm_builder.with_extra("2004", "/etc/cron.d/evil"), "absolute path"),
        (scorm_builder.bomb(megabytes=20), "zip bomb"),
        (scorm_builder.with_symlink(), "symbolic link"),
        (scorm_builder.with_manifest("<manifest><organizations>"), "not well-formed"),
        (b"PK not really", "not a zip archive"),
    ],
)
def test_malicious_uploads_are_refused_and_nothing_is_stored(client, db, make, package, says):
    from saptah.catalog import repository as repo

    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    data = {"csrf_token": csrf(client), "code": "SCORM-BAD", "duration_minutes": "10"}
    r = client.post("/catalog/scorm", data=data, files={"file": ("bad.zip", package, "application/zip")})
    assert r.status_code in (400, 413)
    assert says in html.unescape(r.text)
    assert "The package was not stored" in r.text
    assert repo.course_by_code(db, "SCORM-BAD") is None


def test_who_may_upload_follows_the_catalogue(client, db, make, courses):
    learner = make.person()
    sign_in(client, learner.email)
    assert client.get("/catalog/scorm").status_code == 403
    assert _upload(client, "1.2", "SCORM-NOPE").status_code == 403
    client.cookies.clear()
    other = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, other.email)
    r = _upload(client, "1.2", "SCORM-ELSEWHERE", provider="CP_TAO")  # another provider's name
    assert r.status_code == 403 and "only for your own organisation" in r.text
    r = _upload(client, "1.2", "SCORM-NOBODY", provider="CP_NOBODY")
    assert r.status_code == 400 and "no content provider with code CP_NOBODY" in r.text
    native = courses.make(provider="CP_KB")
    outsider = make.person(role=Role.MDO_ADMIN)
    client.cookies.clear()
    sign_in(client, outsider.email)
    files = {"file": ("m.zip", scorm_builder.build("1.2"), "application/zip")}
    r = client.post(f"/courses/{native.id}/scorm-module", data={"csrf_token": csrf(client)}, files=files)
    assert r.status_code == 403


def test_scorm_module_of_a_native_course(client, db, make, courses, settings, clock):
    from saptah.catalog import repository as repo

    settings.module_min_share = 0
    course = courses.make(provider="CP_KB", modules=[{"title": "Read", "body": "Text."}])
    provider = make.person("CP_KB", role=Role.CONTENT_PROVIDER)
    sign_in(client, provider.email)
    files = {"file": ("m.zip", scorm_builder.build("2004", title="Simulation"), "application/zip")}
    r = client.post(f"/courses/{course.id}/scorm-module", data={"csrf_token": csrf(client)}, files=files,
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    modules = repo.modules_of(db, course.id)
    assert [(m.title, m.kind) for m in modules] == [("Read", "text"), ("Simulation", "scorm")]
    client.cookies.clear()
    learner = _learner(client, make, course)
    player_page = client.get(f"/learn/{course.id}?module={modules[1].id}")
    assert 'data-testid="open-scorm"' in player_page.text and 'data-testid="mark-done"' not in player_page.text
    r = client.post(f"/learn/{course.id}/modules/{modules[1].id}/done", data={"csrf_token": csrf(client)})
    assert r.status_code == 409  # a SCORM module is done by its run-time, not by the button
    from saptah.catalog import scorm

    package_id = scorm.packages_of(db, course.id)[0].id
    page = client.get(f"/scorm/{package_id}/play")
    commit = html.unescape(re.search(r'data-commit="([^"]*)"', page.text)[1])
    clock.advance(10)
    body = {"cmi": {"completion_status": "completed", "session_time": "PT10S", "exit": "normal"}}
    r = client.post(commit + "&terminate=true", content=json.dumps(body))
    assert r.status_code == 200 and r.json()["complete"] is True
    progress = repo.module_progress(db, learner.id, course.id)
    assert progress[modules[1].id].done_at is not None
    assert progress[modules[1].id].seconds_in_use == 10
    assert not _completed(db, learner, course)  # the text module is still to do
    r = client.post(f"/learn/{course.id}/modules/{modules[0].id}/done", data={"csrf_token": csrf(client)})
    assert r.status_code == 200
    assert _completed(db, learner, course)


def test_erasing_a_person_removes_their_cmi_data(client, db, make, clock):
    from saptah.catalog import scorm
    from saptah.lrs import repository as lrs_repo
    from saptah.privacy import service as privacy

    course = _published(client, db, make, "1.2", "SCORM-12-ERASE")
    learner = _learner(client, make, course)
    player = _play(client, course)
    clock.advance(5)
    cmi = {"core": {"student_name": learner.full_name, "lesson_status": "incomplete", "exit": "suspend"},
           "suspend_data": "answers=private"}  # fmt: skip
    assert _commit(client, player, cmi).status_code == 200
    package_id = scorm.packages_of(db, course.id)[0].id
    assert lrs_repo.scorm_attempts(db, learner.id, package_id)[0].cmi["suspend_data"] == "answers=private"
    privacy.erase(db, principal=None, person_id=learner.id, reason="asked")
    db.commit()
    assert lrs_repo.scorm_attempts(db, learner.id, package_id) == []
