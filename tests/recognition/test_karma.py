"""Karma points: each rule with an example, awarded once per (person, reason, object) whatever retries happen."""

from __future__ import annotations

from datetime import UTC, datetime

from saptah.campaigns import ledger
from saptah.campaigns import service as campaigns
from saptah.campaigns.schemas import RulesChangeIn
from saptah.core import signals
from saptah.directory.models import Role
from saptah.jobs import service as jobs
from saptah.recognition import karma, service
from tests.campaigns.helpers import attend, campaign, complete, ist, totals
from tests.factories import sign_in


def points(db, person_id):
    db.flush()
    total, entries = karma.karma_of(db, person_id)
    return total, {(e.reason, e.object_key): e.points for e in entries}


def test_first_sign_in_and_first_enrolment_earn_five_once(db, make):
    p = make.person("DOHFW")
    for _ in range(3):
        signals.publish(db, signals.PersonSignedIn(p.id, ist(2024, 10, 20)))
    signals.publish(db, signals.CourseEnrolled(p.id, 1, ist(2024, 10, 20)))
    signals.publish(db, signals.CourseEnrolled(p.id, 2, ist(2024, 10, 21)))
    assert points(db, p.id) == (10, {("first_sign_in", ""): 5, ("first_enrolment", ""): 5})


def test_enrolments_of_one_batch_earn_first_enrolment_once_and_credit_it(db, make):
    c = campaign(db)
    p, q = make.person("DOHFW"), make.person("DOHFW")
    signals.publish(db, signals.CourseEnrolled(p.id, 1, ist(2024, 10, 20)))  # outside a batch: at once
    with signals.batch(db):  # an xAPI batch: one insert for all the batch's awards, at the end
        for person, course in ((p, 2), (q, 1), (q, 2), (q, 3)):
            signals.publish(db, signals.CourseEnrolled(person.id, course, ist(2024, 10, 21)))
        assert points(db, q.id) == (0, {})
    assert points(db, p.id) == (5, {("first_enrolment", ""): 5})
    assert points(db, q.id) == (5, {("first_enrolment", ""): 5})
    assert totals(db, c.id, q.id).karma == 5


def test_completion_five_and_passed_assessment_five_more(db, make):
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 20), passed=True)
    complete(db, p.id, 1, ist(2024, 10, 20), passed=True)  # a retry
    complete(db, p.id, 2, ist(2024, 10, 20), passed=False)
    total, entries = points(db, p.id)
    assert total == 15
    assert entries[("assessment_passed", "course:1")] == 5 and ("assessment_passed", "course:2") not in entries


def test_assessment_passed_after_the_completion_earns_five_more_once_unless_the_completion_was_capped(db, make):
    c = campaign(db)
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 20))  # completed first, the assessment passed later (as cmi5 may report)
    for _ in range(2):  # a retry changes nothing
        signals.publish(db, signals.AssessmentPassed(p.id, 1, ist(2024, 10, 20, 10)))
    assert points(db, p.id) == (10, {("course_completed", "course:1"): 5, ("assessment_passed", "course:1"): 5})
    assert totals(db, c.id, p.id).karma == 10
    for i in range(4):  # four more completions outside the plan this month: the last is over the cap of 4
        complete(db, p.id, 100 + i, ist(2024, 10, 21, 9 + i))
    signals.publish(db, signals.AssessmentPassed(p.id, 103, ist(2024, 10, 21, 15)))
    assert points(db, p.id)[1][("assessment_passed", "course:103")] == 0
    signals.publish(db, signals.AssessmentPassed(p.id, 555, ist(2024, 10, 21)))  # no completion karma: nothing
    assert ("assessment_passed", "course:555") not in points(db, p.id)[1]


def test_rating_two_points_once_per_course_and_event_ten(db, make):
    p = make.person("DOHFW")
    signals.publish(db, signals.CourseRated(p.id, 4, ist(2024, 10, 20)))
    signals.publish(db, signals.CourseRated(p.id, 4, ist(2024, 10, 21)))
    attend(db, p.id, 9, 50, ist(2024, 10, 21))
    attend(db, p.id, 9, 55, ist(2024, 10, 21))
    attend(db, p.id, 10, 5, ist(2024, 10, 22), attended=False)  # not present for half the event
    assert points(db, p.id) == (12, {("course_rated", "course:4"): 2, ("event_attended", "event:9"): 10})


def test_monthly_cap_of_four_reached_mid_day(db, make):
    p = make.person("DOHFW")
    for i in range(5):
        complete(db, p.id, 100 + i, ist(2024, 10, 20, 9 + i))
    total, entries = points(db, p.id)
    assert total == 20 and entries[("course_completed", "course:104")] == 0
    note = karma.karma_of(db, p.id)[1][0].note
    assert "monthly limit of 4" in note
    complete(db, p.id, 200, ist(2024, 11, 1, 9))  # a new month starts afresh
    assert points(db, p.id)[0] == 25


def test_cap_raised_by_the_campaign_during_the_week_applies_from_then_on(db, make):
    c = campaign(db, "Cap campaign")
    p = make.person("DOHFW")
    for i in range(5):
        complete(db, p.id, 300 + i, ist(2024, 10, 20, 9 + i))
    assert points(db, p.id)[0] == 20
    raised = RulesChangeIn(reason="NLW", karma_monthly_cap=8, effective_at=ist(2024, 10, 21, 0))
    campaigns.change_rules(db, campaign_id=c.id, actor_id=None, data=raised)
    complete(db, p.id, 305, ist(2024, 10, 21, 9))
    total, entries = points(db, p.id)
    assert total == 25 and entries[("course_completed", "course:304")] == 0  # the earlier one stays unpaid
    assert totals(db, c.id, p.id).karma == 25  # and the campaign's totals know the karma


def test_completions_arriving_after_a_cap_raise_are_judged_by_the_cap_in_force_when_completed(client, db, make):
    # NLW: the cap is 4 completions outside a plan a month; on 24 October it is raised to 6. Six completions made
    # on 19-23 October reach the platform only afterwards (a provider's late batch): the cap of 4 applies to them.
    c = campaign(db, "Cap as it stood")
    p = make.person("DOHFW")
    make.person("DOPT", role=Role.NATIONAL_ORGANISER, email="cap.organiser@example.gov.in")
    db.commit()
    sign_in(client, "cap.organiser@example.gov.in")
    body = {"reason": "More from the 24th", "karma_monthly_cap": 6, "effective_at": "2024-10-24T00:00:00+05:30"}
    assert client.post(f"/api/v1/campaigns/{c.id}/rules", json=body).status_code == 200
    db.expire_all()  # the change was made by the app's own session
    for i in range(6):
        complete(db, p.id, 700 + i, ist(2024, 10, 19 + i % 5, 9 + i))
    assert points(db, p.id)[0] == 20  # 4 × 5; not 30
    complete(db, p.id, 710, ist(2024, 10, 24, 9))  # from the 24th the cap is 6: a fifth completion this month pays
    assert points(db, p.id)[0] == 25
    db.commit()
    me = client.get(f"/api/v1/campaigns/{c.id}/progress/{p.id}").json()
    assert me["karma"] == 25
    versions = client.get(f"/api/v1/campaigns/{c.id}/history").json()
    assert versions[0]["effective_at"].startswith("2024-10-23T18:30:00")


def test_plan_course_on_time_ten_late_less_and_outside_cap(db, make):
    p = make.person("DOHFW")
    deadline = datetime(2024, 10, 31, 18, 29, 59, tzinfo=UTC)  # 31-10-2024 23:59:59 IST
    for i in range(4):
        complete(db, p.id, 400 + i, ist(2024, 10, 20, 9 + i))
    complete(db, p.id, 410, ist(2024, 10, 25))  # over the cap as it arrives ...
    signals.publish(db, signals.PlanItemCompleted(p.id, 410, 1, deadline, ist(2024, 10, 25)))
    total, entries = points(db, p.id)
    assert entries[("course_completed", "course:410")] == 5  # ... but plan courses do not count against it
    assert entries[("plan_course", "course:410")] == 10
    assert total == 20 + 5 + 10


def test_plan_course_late_loses_a_point_per_started_month(db, make):
    assert karma.plan_points(ist(2024, 10, 31, 23, 59, 59), ist(2024, 11, 5)) == 9
    assert karma.plan_points(ist(2024, 10, 31, 12), ist(2024, 12, 1)) == 8
    assert karma.plan_points(ist(2024, 1, 31), ist(2025, 1, 31, 13)) == 0  # never below zero
    assert karma.plan_points(None, ist(2025, 1, 1)) == 10


def test_plan_signal_before_completion_keeps_completion_out_of_the_cap(db, make):
    p = make.person("DOHFW")
    for i in range(4):
        complete(db, p.id, 500 + i, ist(2024, 10, 20, 9 + i))
    signals.publish(db, signals.PlanItemCompleted(p.id, 510, 1, None, ist(2024, 10, 22)))
    complete(db, p.id, 510, ist(2024, 10, 22))
    assert points(db, p.id)[1][("course_completed", "course:510")] == 5


def campaign_certs(db, person_id):
    db.expire_all()
    return [x for x in service.certificates_of(db, person_id) if x.kind == "campaign"]


def run_jobs(db, factory, settings):
    db.commit()
    while jobs.run_one(factory, settings):
        pass


def test_reaching_target_issues_the_campaign_certificate_once_in_the_background(db, make, factory, settings):
    c = campaign(db, "Cert campaign")
    p = make.person("DOHFW", full_name="Meera Nair")
    complete(db, p.id, 1, ist(2024, 10, 20), 200)
    run_jobs(db, factory, settings)
    assert not campaign_certs(db, p.id)
    complete(db, p.id, 2, ist(2024, 10, 21), 60)
    assert not campaign_certs(db, p.id)  # crediting never waits for the certificate: a job issues it
    run_jobs(db, factory, settings)
    certs = campaign_certs(db, p.id)
    assert len(certs) == 1 and certs[0].title == c.name and certs[0].subject_id == c.id
    assert certs[0].recipient_name == "Meera Nair" and certs[0].duration_minutes == 260
    assert certs[0].achieved_at == ist(2024, 10, 21)
    complete(db, p.id, 3, ist(2024, 10, 22), 60)
    ledger.recompute(db, c.id)
    run_jobs(db, factory, settings)
    assert [x.id for x in campaign_certs(db, p.id)] == [certs[0].id]


def test_no_campaign_certificate_when_the_target_moved_out_of_reach_before_the_job_ran(db, make, factory, settings):
    c = campaign(db, "Moving target")
    p = make.person("DOHFW")
    complete(db, p.id, 1, ist(2024, 10, 20), 250)
    change = RulesChangeIn(reason="Longer week", target_minutes=300, effective_at=ist(2024, 10, 19, 0))
    campaigns.change_rules(db, campaign_id=c.id, actor_id=None, data=change)
    ledger.recompute(db, c.id)
    run_jobs(db, factory, settings)
    assert totals(db, c.id, p.id).reached_target_at is None
    assert not campaign_certs(db, p.id)
    complete(db, p.id, 2, ist(2024, 10, 21), 60)
    run_jobs(db, factory, settings)
    assert [x.duration_minutes for x in campaign_certs(db, p.id)] == [310]


def test_a_batch_of_completions_earns_what_one_at_a_time_would(db, make):
    """In a signals batch (an xAPI batch) completions' karma is awarded at its end: the cap counts the batch's
    earlier completions, and a plan course announced in the batch stays outside the cap."""
    c = campaign(db, "Batch campaign")
    p, q = make.person("DOHFW"), make.person("DOHFW")
    with signals.batch(db):
        for i in range(5):
            complete(db, p.id, 600 + i, ist(2024, 10, 20, 9 + i), passed=i in (0, 4))
        signals.publish(db, signals.PlanItemCompleted(q.id, 610, 1, None, ist(2024, 10, 22)))
        for i in range(4):
            complete(db, q.id, 620 + i, ist(2024, 10, 20, 9 + i))
        complete(db, q.id, 610, ist(2024, 10, 22))
        assert points(db, p.id) == (0, {})
    total, entries = points(db, p.id)
    assert total == 25 and entries[("course_completed", "course:604")] == 0
    assert entries[("assessment_passed", "course:600")] == 5 and entries[("assessment_passed", "course:604")] == 0
    total, entries = points(db, q.id)
    assert total == 20 + 10 + 5 and entries[("course_completed", "course:610")] == 5
    assert totals(db, c.id, p.id).karma == 25 and totals(db, c.id, q.id).karma == 35
    with signals.batch(db):  # the same completions again: nothing more
        complete(db, p.id, 600, ist(2024, 10, 20, 9), passed=True)
    assert points(db, p.id)[0] == 25 and totals(db, c.id, p.id).karma == 25
