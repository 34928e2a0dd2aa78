"""Statements become learning: actors matched to people, LearningStatement once, completion and certificate."""

from __future__ import annotations

import pytest

from saptah.core import signals
from saptah.directory.models import Person
from tests.lrs.helpers import COMPLETED, VOIDED, new_id, statement


class Seen:
    """Collects the LearningStatement items of the LearningStatements batches the LRS publishes."""

    def __init__(self) -> None:
        self.events: list[signals.LearningStatement] = []
        self.batches = 0

    def __call__(self, session, batch) -> None:
        self.events.extend(batch.items)
        self.batches += 1


@pytest.fixture
def seen():
    rec = Seen()
    signals.subscribe(signals.LearningStatements, rec)
    yield rec
    signals._handlers[signals.LearningStatements].remove(rec)


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


PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


def _progressed(email, activity, pct):
    s = statement(email, "http://adlnet.gov/expapi/verbs/progressed", activity)
    s["result"] = {"extensions": {PROGRESS: pct}}
    return s


def test_one_batch_enrols_records_the_best_progress_and_completes_in_order(client, db, make, auth, seen):
    from saptah.catalog import service as catalog
    from tests.catalog.conftest import Courses

    courses = Courses(db)
    first = courses.make(launch_kind="external", launch_url="https://provider.example.org/a", modules=[])
    second = courses.make(launch_kind="external", launch_url="https://provider.example.org/b", modules=[])
    ravi, sita = make.person(email="ravi.batch@example.gov.in"), make.person(email="sita.batch@example.gov.in")
    done = statement("ravi.batch@example.gov.in", COMPLETED, first.activity_id)
    batch = [
        _progressed("ravi.batch@example.gov.in", first.activity_id, 30),
        _progressed("sita.batch@example.gov.in", second.activity_id, 70),
        _progressed("ravi.batch@example.gov.in", first.activity_id, 20),
        _progressed("sita.batch@example.gov.in", second.activity_id, 40),
        done,
        _progressed("ravi.batch@example.gov.in", first.activity_id, 50),  # after completion: changes nothing
        _progressed("ravi.batch@example.gov.in", "https://example.org/not-a-course", 10),
    ]
    assert client.post("/xapi/statements", json=batch, headers=auth).status_code == 200
    assert seen.batches == 1 and len(seen.events) == 7
    assert [e.person_id for e in seen.events] == sorted(e.person_id for e in seen.events)
    people, ids = [ravi.id, sita.id], [first.id, second.id]
    assert catalog.progress_for(db, person_ids=people, course_ids=ids) == {
        (ravi.id, first.id): 100,
        (sita.id, second.id): 70,
    }
    assert set(catalog.completions_for(db, person_ids=people, course_ids=ids)) == {(ravi.id, first.id)}
    later = [_progressed("sita.batch@example.gov.in", second.activity_id, 90)]
    assert client.post("/xapi/statements", json=later, headers=auth).status_code == 200
    assert catalog.progress_for(db, person_ids=[sita.id], course_ids=[second.id]) == {(sita.id, second.id): 90}


def test_completions_in_one_batch_are_counted_once_each_in_the_day_totals(client, db, make, auth):
    from sqlalchemy import select

    from saptah.analytics.models import NATIONAL, CourseDayTotal, GroupDayTotal
    from tests.catalog.conftest import Courses

    course = Courses(db).make(launch_kind="external", launch_url="https://provider.example.org/t", modules=[])
    org = make.org("MOHFW")
    emails = [f"day.total.{n}@example.gov.in" for n in range(3)]
    for email in emails:
        make.person(org, email=email, group="Group A")
    batch = [statement(e, COMPLETED, course.activity_id) for e in emails]
    batch.append(statement(emails[0], COMPLETED, course.activity_id))  # a second completion is no completion
    assert client.post("/xapi/statements", json=batch, headers=auth).status_code == 200
    totals = {
        r.org_id: (r.completions, r.minutes)
        for r in db.scalars(select(CourseDayTotal).where(CourseDayTotal.course_id == course.id))
    }
    assert totals == {NATIONAL: (3, 3 * course.duration_minutes), org.id: (3, 3 * course.duration_minutes)}
    groups = db.scalars(select(GroupDayTotal).where(GroupDayTotal.org_id == org.id, GroupDayTotal.grp == "Group A"))
    assert [(g.completions, g.minutes) for g in groups] == [(3, 3 * course.duration_minutes)]


def test_a_batch_completing_a_course_several_times_completes_it_once(client, db, make, auth):
    """completed, passed and completed again in one batch, then again in a later batch: one completion (its
    assessment passed), one certificate, the completion's karma once; a new learner is enrolled at 100%."""
    from sqlalchemy import select

    from saptah.catalog import service as catalog
    from saptah.catalog.models import CourseCompletion
    from saptah.recognition import karma
    from saptah.recognition import service as recognition
    from tests.catalog.conftest import Courses

    course = Courses(db).make(launch_kind="external", launch_url="https://provider.example.org/x", modules=[])
    person = make.person(email="thrice@example.gov.in")
    passed = statement("thrice@example.gov.in", "http://adlnet.gov/expapi/verbs/passed", course.activity_id)
    passed["result"] = {"success": True}
    batch = [
        _progressed("thrice@example.gov.in", course.activity_id, 40),
        statement("thrice@example.gov.in", COMPLETED, course.activity_id),
        passed,
        statement("thrice@example.gov.in", COMPLETED, course.activity_id),
    ]
    for _ in range(2):
        fresh = [{**s, "id": new_id()} for s in batch]
        assert client.post("/xapi/statements", json=fresh, headers=auth).status_code == 200
    db.expire_all()
    done = db.scalars(select(CourseCompletion).where(CourseCompletion.person_id == person.id)).all()
    assert [(c.course_id, c.assessment_passed) for c in done] == [(course.id, True)]
    assert catalog.progress_for(db, person_ids=[person.id], course_ids=[course.id]) == {(person.id, course.id): 100}
    certs = [c for c in recognition.certificates_of(db, person.id) if c.subject_id == course.id]
    assert len(certs) == 1
    _total, entries = karma.karma_of(db, person.id)
    awards = sorted((e.reason, e.points) for e in entries if e.object_key == f"course:{course.id}")
    assert awards == [("assessment_passed", 5), ("course_completed", 5)]  # completed, then passed: both earned


def test_an_assessment_passed_after_the_completion_earns_its_karma(client, db, make, auth):
    """completed in one request, passed in a later one: the completion records the pass and the +5 is given."""
    from saptah.recognition import karma
    from tests.catalog.conftest import Courses

    course = Courses(db).make(launch_kind="external", launch_url="https://provider.example.org/y", modules=[])
    person = make.person(email="later@example.gov.in")
    passed = statement("later@example.gov.in", "http://adlnet.gov/expapi/verbs/passed", course.activity_id)
    passed["result"] = {"success": True}
    for body in (statement("later@example.gov.in", COMPLETED, course.activity_id), passed, {**passed, "id": new_id()}):
        assert client.post("/xapi/statements", json=body, headers=auth).status_code == 200
    db.expire_all()
    _total, entries = karma.karma_of(db, person.id)
    awards = sorted((e.reason, e.points) for e in entries if e.object_key == f"course:{course.id}")
    assert awards == [("assessment_passed", 5), ("course_completed", 5)]


@pytest.mark.parametrize("method", ["POST", "PUT"])  # a POST is stored in a group (group commit), a PUT alone
def test_a_request_retried_after_a_deadlock_keeps_nothing_of_the_failed_attempt(
    client, make, auth, seen, monkeypatch, method
):
    from sqlalchemy.exc import OperationalError

    from saptah.lrs import service

    class Deadlock(Exception):
        sqlstate = "40P01"

    name = "store_groups" if method == "POST" else "store_statements"
    real, attempts = getattr(service, name), []

    def deadlocks_once(session, *args, **kw):
        ids = real(session, *args, **kw)
        attempts.append(ids)
        if len(attempts) == 1:  # the database gave up on this transaction after the work was done
            raise OperationalError("INSERT ...", {}, Deadlock("deadlock detected"))
        return ids

    monkeypatch.setattr(service, name, deadlocks_once)
    person = make.person(email="retried@example.gov.in")
    s = statement("retried@example.gov.in", COMPLETED, "https://example.org/c/retried", id=new_id())
    if method == "POST":
        r = client.post("/xapi/statements", json=s, headers=auth)
        assert r.status_code == 200 and r.json() == [s["id"]]
    else:
        r = client.put("/xapi/statements", params={"statementId": s["id"]}, json=s, headers=auth)
        assert r.status_code == 204
    assert len(attempts) == 2
    # the second attempt found nothing of the first (rolled back), so it stored and announced the statement again
    assert [(e.person_id, e.statement_id) for e in seen.events] == [(person.id, s["id"])] * 2


def test_account_actors_of_one_batch_are_matched_together(client, make, auth, seen):
    home = "https://hrms.example.gov.in"
    people = [make.person(external_system_name=home, external_system_id=f"EMP-B{n}") for n in range(3)]
    batch = []
    for n in range(4):  # EMP-B3 is nobody (yet)
        s = statement()
        s["actor"] = {"account": {"homePage": home, "name": f"EMP-B{n}"}}
        batch.append(s)
    assert client.post("/xapi/statements", json=batch, headers=auth).status_code == 200
    assert sorted(e.person_id for e in seen.events) == sorted(p.id for p in people)


def test_a_timestamp_without_an_offset_is_read_as_utc(client, make, auth, reader, seen):
    """xAPI lets an LRS read a timestamp without a time zone as UTC; such a statement is stored and becomes learning
    (it used to fail the whole batch with a server error)."""
    from datetime import UTC, datetime

    person = make.person(email="naive.clock@example.gov.in")
    s = statement("naive.clock@example.gov.in", COMPLETED, "https://example.org/c/naive", id=new_id())
    s["timestamp"] = "2026-10-21T10:15:00"
    r = client.post("/xapi/statements", json=s, headers=auth)
    assert r.status_code == 200, r.text
    got = client.get("/xapi/statements", params={"statementId": s["id"]}, headers=reader).json()
    assert got["timestamp"] == "2026-10-21T10:15:00"  # returned as sent
    assert [(e.person_id, e.at) for e in seen.events] == [(person.id, datetime(2026, 10, 21, 10, 15, tzinfo=UTC))]
    since = client.get("/xapi/statements", params={"since": "2026-10-21T10:15:00", "limit": 1}, headers=reader)
    assert since.status_code == 200


def test_a_bulk_upload_claims_the_earlier_statements_of_every_new_person(
    client, db, make, auth, settings, factory, seen
):
    """The welcome job announces a whole chunk at once; each new person gets their own statements, by e-mail or
    by account."""
    from saptah.directory.models import Role
    from tests.factories import sign_in
    from tests.onboarding.helpers import csv_bytes, import_file, row

    by_mail = statement("early.bird@mohfw.gov.in", COMPLETED, "https://example.org/c/a", id=new_id())
    by_account = statement(verb=COMPLETED, activity="https://example.org/c/b", id=new_id())
    by_account["actor"] = {"account": {"homePage": "https://hrms.mohfw.gov.in", "name": "HR-77"}}
    stranger = statement("stranger@mohfw.gov.in", COMPLETED, "https://example.org/c/c", id=new_id())
    assert client.post("/xapi/statements", json=[by_mail, by_account, stranger], headers=auth).status_code == 200
    assert seen.events == []
    sign_in(client, make.person("MOHFW", role=Role.MDO_ADMIN).email)
    rows = [
        row(email="early.bird@mohfw.gov.in", ext="HR-1"),
        row(email="account.holder@mohfw.gov.in", ext="HR-77", extname="https://hrms.mohfw.gov.in"),
        row(email="no.statements@mohfw.gov.in", ext="HR-3"),
    ]
    done = import_file(client, factory, settings, csv_bytes(rows))
    assert (done["created"], done["welcomed"]) == (3, 3)
    people = {p.email: p.id for p in db.query(Person).filter(Person.email.like("%@mohfw.gov.in"))}
    claimed = sorted((e.person_id, e.statement_id) for e in seen.events)
    expected = [
        (people["early.bird@mohfw.gov.in"], by_mail["id"]),
        (people["account.holder@mohfw.gov.in"], by_account["id"]),
    ]
    assert claimed == sorted(expected)
