"""cmi5: launch, LMS.LaunchData, one-time fetch, AU statements, moveOn, the LMS's satisfied, completion."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import sign_in
from tests.lrs.helpers import COMPLETED, VERSION, issue

PASSED = "http://adlnet.gov/expapi/verbs/passed"
SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"
AU1 = "https://content.example.org/ethics/au/1"
AU2 = "https://content.example.org/ethics/au/2"


@pytest.fixture
def course(db):
    from tests.catalog.conftest import Courses

    aus = [
        {"id": AU1, "url": "https://content.example.org/ethics/1/index.html", "moveOn": "Completed"},
        {
            "id": AU2,
            "url": "https://content.example.org/ethics/2/index.html?lang=en",
            "moveOn": "Passed",
            "masteryScore": 0.8,
        },
    ]
    return Courses(db).make(launch_kind="cmi5", cmi5_aus=aus, modules=[])


def _launch(client, course, au):
    r = client.get(f"/cmi5/launch/{course.id}/{au}", follow_redirects=False)
    assert r.status_code == 303, r.text
    url = urlsplit(r.headers["location"])
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    return url, q


def _token(client, q):
    fetch = urlsplit(q["fetch"]).path
    r = client.post(fetch)
    assert r.status_code == 200
    auth = {"Authorization": "Basic " + r.json()["auth-token"], **VERSION}
    again = client.post(fetch)
    assert again.status_code == 400
    assert again.json()["error-code"] == "1"
    return auth


def _au_statement(q, verb, score=None, session_id=None):
    s = {
        "actor": json.loads(q["actor"]),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"id": q["activityId"], "objectType": "Activity"},
        "context": {"registration": q["registration"]},
    }
    if score is not None:
        s["result"] = {"score": {"scaled": score}, "success": score >= 0.8}
    return s


def test_cmi5_course_from_launch_to_satisfied_and_certificate(client, db, make, course):
    from saptah.catalog import service as catalog
    from saptah.recognition import service as recognition

    learner = make.person(email="cmi5.learner@example.gov.in")
    sign_in(client, learner.email)
    url, q = _launch(client, course, AU1)
    assert url.netloc == "content.example.org"
    assert q["endpoint"].endswith("/xapi/")
    assert json.loads(q["actor"])["account"]["name"]
    au1 = _token(client, q)
    state = client.get(
        "/xapi/activities/state",
        params={"activityId": AU1, "agent": q["actor"], "registration": q["registration"], "stateId": "LMS.LaunchData"},
        headers=au1,
    )
    assert state.status_code == 200
    launch_data = state.json()
    assert launch_data["moveOn"] == "Completed"
    assert launch_data["contextTemplate"]["contextActivities"]["grouping"][0]["id"] == course.activity_id
    assert client.post("/xapi/statements", json=_au_statement(q, COMPLETED), headers=au1).status_code == 200
    assert (learner.id, course.id) not in catalog.completions_for(db, person_ids=[learner.id], course_ids=[course.id])

    url2, q2 = _launch(client, course, AU2)
    assert q2["registration"] == q["registration"]
    assert "lang=en" in url2.query
    au2 = _token(client, q2)
    assert client.post("/xapi/statements", json=_au_statement(q2, PASSED, 0.6), headers=au2).status_code == 200
    assert (learner.id, course.id) not in catalog.completions_for(db, person_ids=[learner.id], course_ids=[course.id])
    assert client.post("/xapi/statements", json=_au_statement(q2, PASSED, 0.9), headers=au2).status_code == 200

    reader = issue(db, "reader", "statements/read")
    found = client.get("/xapi/statements", params={"verb": SATISFIED}, headers=reader).json()["statements"]
    assert [s["object"]["id"] for s in found] == [course.activity_id]
    assert found[0]["context"]["registration"] == q["registration"]
    assert (learner.id, course.id) in catalog.completions_for(db, person_ids=[learner.id], course_ids=[course.id])
    assert [c.subject_id for c in recognition.certificates_of(db, learner.id)].count(course.id) == 1


def test_au_may_only_write_about_its_learner_and_registration(client, make, course):
    learner = make.person()
    sign_in(client, learner.email)
    _url, q = _launch(client, course, AU1)
    au = _token(client, q)
    other = _au_statement(q, COMPLETED)
    other["actor"] = {"mbox": "mailto:someone.else@example.org"}
    assert client.post("/xapi/statements", json=other, headers=au).status_code == 403
    wrong_reg = _au_statement(q, COMPLETED)
    wrong_reg["context"]["registration"] = "00000000-0000-4000-8000-000000000000"
    assert client.post("/xapi/statements", json=wrong_reg, headers=au).status_code == 403
    forged = {"Authorization": "Basic " + base64.b64encode(b"cmi5_nothing:secret").decode(), **VERSION}
    assert client.post("/xapi/statements", json=_au_statement(q, COMPLETED), headers=forged).status_code == 401


def test_launch_needs_sign_in_a_cmi5_course_and_a_known_au(client, make, course, db):
    from tests.catalog.conftest import Courses

    assert client.get(f"/cmi5/launch/{course.id}/{AU1}", follow_redirects=False).status_code == 303
    learner = make.person()
    sign_in(client, learner.email)
    assert (
        client.get(f"/cmi5/launch/{course.id}/https://elsewhere.example/au", follow_redirects=False).status_code == 404
    )
    native = Courses(db).make()
    assert client.get(f"/cmi5/launch/{native.id}/{AU1}", follow_redirects=False).status_code == 404
    assert client.post("/cmi5/fetch/not-a-token").status_code == 404
