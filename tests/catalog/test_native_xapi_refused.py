"""A provider's xAPI "completed" for a native course (one Saptah plays, subject to time on task) is stored but does
not complete or credit the course, and the learner is told why; external content keeps trusting its provider."""

from __future__ import annotations

from datetime import timedelta

from saptah.campaigns import repository as campaigns_repo
from saptah.catalog import repository as repo
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from tests.campaigns.helpers import campaign
from tests.factories import sign_in
from tests.lrs.helpers import COMPLETED, issue, statement


def _completed(email: str, activity: str, at: str) -> dict:
    return statement(email, COMPLETED, activity, result={"completion": True}, timestamp=at)


def test_a_providers_completion_of_a_native_course_is_kept_but_not_credited(client, db, make, courses):
    today = ist_day(utcnow())
    c = campaign(db, "Native truth", starts_on=today - timedelta(days=2), ends_on=today)
    learner = make.person("MOHFW", email="kiran.native@mohfw.gov.in")
    native = courses.make(title_en="Know Your Ministry", duration_minutes=165)
    external = courses.make(
        title_en="Provider course", launch_kind="external", launch_url="https://p.example/c", modules=[]
    )
    auth = issue(db)
    at = (utcnow() - timedelta(hours=1)).isoformat()
    for course in (native, external):
        r = client.post("/xapi/statements", json=_completed(learner.email, course.activity_id, at), headers=auth)
        assert r.status_code == 200, r.text
        [statement_id] = r.json()
        # the statement is stored as sent, whatever it credits
        stored = client.get("/xapi/statements", params={"statementId": statement_id}, headers=auth)
        assert stored.status_code == 200 and stored.json()["object"]["id"] == course.activity_id
    db.expire_all()
    # the external course completes and credits its duration; the native one neither completes nor credits
    assert repo.get_completion(db, learner.id, external.id) is not None
    assert repo.get_completion(db, learner.id, native.id) is None
    records = {r.source_key: r.minutes for r in campaigns_repo.records_of_person(db, learner.id)}
    courses_credited = {k: m for k, m in records.items() if k.startswith("course:")}
    assert courses_credited == {f"course:{learner.id}:{external.id}": external.duration_minutes}
    assert not [k for k in records if k.endswith(f"course:{native.id}")]  # no karma for it either
    assert campaigns_repo.get_total(db, c.id, learner.id).courses == external.duration_minutes
    enrolment = repo.get_enrolment(db, learner.id, native.id)
    assert enrolment is not None and enrolment.progress_percent < 100
    assert enrolment.xapi_completion_refused_at is not None
    # the learner sees why on the course page (the native course stays open to be taken in the player)
    sign_in(client, learner.email)
    page = client.get(f"/courses/{native.id}")
    assert page.status_code == 200
    assert "A content provider reported this course completed on" in page.text
    assert "each of its modules was taken here" in page.text
    assert 'data-testid="completed"' not in page.text
    assert "A content provider reported" not in client.get(f"/courses/{external.id}").text
