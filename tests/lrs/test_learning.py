"""Statements become learning: actors matched to people, LearningStatement once, completion and certificate."""

from __future__ import annotations

import pytest

from saptah.core import signals
from tests.lrs.helpers import COMPLETED, VOIDED, new_id, statement


class Seen:
    """Collects LearningStatement events."""

    def __init__(self) -> None:
        self.events: list[signals.LearningStatement] = []

    def __call__(self, session, event) -> None:
        self.events.append(event)


@pytest.fixture
def seen():
    rec = Seen()
    signals.subscribe(signals.LearningStatement, rec)
    yield rec
    signals._handlers[signals.LearningStatement].remove(rec)


def test_a_known_persons_statement_is_announced_once(client, make, auth, seen):
    person = make.person(email="anjali.verma@example.gov.in")
    s = statement("Anjali.Verma@example.gov.in", COMPLETED, "https://example.org/c/1", id=new_id())
    s["result"] = {
        "completion": True,
        "success": True,
        "score": {"scaled": 0.9},
        "extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": 100},
    }
    assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200
    assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200
    assert len(seen.events) == 1
    e = seen.events[0]
    assert (e.person_id, e.statement_id, e.verb, e.activity_id) == (person.id, s["id"], COMPLETED, s["object"]["id"])
    assert (e.completion, e.success, e.scaled_score, e.progress) == (True, True, 0.9, 100.0)


def test_an_account_actor_matches_external_system_name_and_id(client, make, auth, seen):
    person = make.person(external_system_name="https://hrms.example.gov.in", external_system_id="EMP-42")
    s = statement()
    s["actor"] = {"account": {"homePage": "https://hrms.example.gov.in", "name": "EMP-42"}}
    client.post("/xapi/statements", json=s, headers=auth)
    assert [e.person_id for e in seen.events] == [person.id]


def test_unmatched_actors_are_kept_and_announced_when_the_person_is_onboarded(client, make, auth, reader, seen):
    early = statement("newjoiner@example.gov.in", COMPLETED, "https://example.org/c/early")
    voided = statement("newjoiner@example.gov.in", COMPLETED, "https://example.org/c/voided", id=new_id())
    sid = client.post("/xapi/statements", json=[early, voided], headers=auth).json()[0]
    voiding = statement("newjoiner@example.gov.in", VOIDED)
    voiding["object"] = {"objectType": "StatementRef", "id": voided["id"]}
    client.post("/xapi/statements", json=voiding, headers=auth)
    assert seen.events == []
    agent = '{"mbox": "mailto:newjoiner@example.gov.in"}'
    stored = client.get("/xapi/statements", params={"agent": agent}, headers=reader).json()["statements"]
    assert sid in [s["id"] for s in stored]
    person = make.person(email="newjoiner@example.gov.in")
    assert [(e.person_id, e.statement_id) for e in seen.events] == [(person.id, sid)]


def test_statements_about_other_things_are_stored_but_not_announced(client, make, auth, seen):
    make.person(email="someone.else@example.gov.in")
    s = statement("someone.else@example.gov.in")
    s["object"] = {"objectType": "Agent", "mbox": "mailto:colleague@example.gov.in"}
    assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200
    assert seen.events == []


def test_a_completed_statement_for_a_catalogue_course_issues_the_certificate_once(client, db, make, auth):
    from saptah.catalog import service as catalog
    from saptah.recognition import service as recognition
    from tests.catalog.conftest import Courses

    course = Courses(db).make(launch_kind="external", launch_url="https://provider.example.org/c", modules=[])
    person = make.person(email="completer@example.gov.in")
    s = statement("completer@example.gov.in", COMPLETED, course.activity_id, id=new_id())
    s["result"] = {"completion": True}
    for _ in range(3):
        assert client.post("/xapi/statements", json=s, headers=auth).status_code == 200
    again = statement("completer@example.gov.in", COMPLETED, course.activity_id)
    assert client.post("/xapi/statements", json=again, headers=auth).status_code == 200
    done = catalog.completions_for(db, person_ids=[person.id], course_ids=[course.id])
    assert (person.id, course.id) in done
    certs = [c for c in recognition.certificates_of(db, person.id) if c.subject_id == course.id]
    assert len(certs) == 1
