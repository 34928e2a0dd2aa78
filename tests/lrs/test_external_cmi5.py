"""Done means: an external client, over plain HTTP against a live server, takes a cmi5 course to completion."""

from __future__ import annotations

import json
import random
import string
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx

PASSWORD = "saptah-demo-2024"
XAPI = {"X-Experience-API-Version": "1.0.3"}


def _signed_in(base: str, email: str) -> httpx.Client:
    web = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    web.get("/sign-in")
    r = web.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": web.cookies["saptah_csrf"], "next": "/"},
    )
    assert r.status_code == 303, r.text
    return web


def _import_cmi5_course(base: str, code: str, title: str, aus: list[dict]) -> None:
    provider = _signed_in(base, "provider@saptah.demo")
    course = {
        "code": code,
        "title_en": title,
        "provider": "CP_KB",
        "duration_minutes": 45,
        "status": "live",
        "competencies": ["BEH-INTEGRITY"],
        "launch_kind": "cmi5",
        "cmi5_aus": aus,
    }
    r = provider.post(
        "/catalog/import",
        data={"csrf_token": provider.cookies["saptah_csrf"]},
        files={"file": ("course.json", json.dumps([course]).encode(), "application/json")},
    )
    assert r.status_code == 200, r.text


def _statement(q: dict[str, str], verb: str, **result) -> dict:
    s = {
        "id": str(uuid.uuid4()),
        "actor": json.loads(q["actor"]),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {"objectType": "Activity", "id": q["activityId"]},
        "context": {"registration": q["registration"]},
    }
    if result:
        s["result"] = result
    return s


def _credit_minutes(live: dict, email: str) -> int | None:
    from saptah.core.db import unit_of_work
    from saptah.core.modules import optional_module

    campaigns = optional_module("saptah.campaigns.service")
    if campaigns is None or not hasattr(campaigns, "current"):
        return None
    with unit_of_work(live["factory"]) as s:
        from saptah.directory import repository as directory

        campaign = campaigns.current(s)
        person = directory.get_person_by_email(s, email)
        if campaign is None or person is None:
            return None
        return int(campaigns.progress(s, campaign.id, person.id)["minutes"])


def test_external_client_drives_a_cmi5_course_to_completion(live_server):
    base = live_server["url"]
    code = "CMI5-LIVE-" + uuid.uuid4().hex[:6].upper()
    word = "samvad" + "".join(random.choice(string.ascii_lowercase) for _ in range(8))
    title = f"Ethics in Public Service {word}"
    au = f"https://content.example.org/{code}/au/1"
    _import_cmi5_course(
        base,
        code,
        title,
        [{"id": au, "url": "https://content.example.org/au1.html", "moveOn": "Passed", "masteryScore": 0.7}],
    )
    learner = _signed_in(base, "learner@saptah.demo")
    found = learner.get("/api/v1/courses", params={"q": word}).json()["items"]
    course_id = found[0]["id"]
    credit_before = _credit_minutes(live_server, "learner@saptah.demo")

    launch = learner.get(f"/cmi5/launch/{course_id}/{au}")
    assert launch.status_code == 303
    q = {k: v[0] for k, v in parse_qs(urlsplit(launch.headers["location"]).query).items()}
    assert q["activityId"] == au

    content = httpx.Client(timeout=30)  # the AU, running elsewhere: knows only the launch parameters
    token = content.post(q["fetch"]).json()["auth-token"]
    assert content.post(q["fetch"]).json()["error-code"] == "1"
    xapi = {**XAPI, "Authorization": f"Basic {token}"}
    endpoint = q["endpoint"]
    state = content.get(
        endpoint + "activities/state",
        params={"activityId": au, "agent": q["actor"], "registration": q["registration"], "stateId": "LMS.LaunchData"},
        headers=xapi,
    )
    assert state.status_code == 200
    assert state.json()["moveOn"] == "Passed"
    for s in (
        _statement(q, "http://adlnet.gov/expapi/verbs/initialized"),
        _statement(q, "http://adlnet.gov/expapi/verbs/passed", score={"scaled": 0.85}, success=True),
        _statement(q, "http://adlnet.gov/expapi/verbs/terminated"),
    ):
        r = content.post(endpoint + "statements", json=s, headers=xapi)
        assert r.status_code == 200, r.text
        assert r.headers["X-Experience-API-Version"] == "1.0.3"

    completions = learner.get("/api/v1/me/completions").json()
    assert course_id in [c["course_id"] for c in completions]
    certificates = learner.get("/my/certificates")
    assert title in certificates.text
    credit_after = _credit_minutes(live_server, "learner@saptah.demo")
    assert credit_before is not None, "the demo has a running campaign"
    assert credit_after == credit_before + 45
