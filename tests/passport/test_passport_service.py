"""The passport: what completions, assessments and attendance add; levels; rebuild; needs, gaps and scoping."""

from __future__ import annotations

import random

import pytest

from saptah.catalog import service as catalog
from saptah.catalog.models import AssessmentAttempt, CourseStatus
from saptah.core.errors import Forbidden, InvalidInput
from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.events import attendance
from saptah.events import service as events
from saptah.events.schemas import EventIn
from saptah.passport import ingest, service
from saptah.passport import repository as repo
from saptah.passport.levels import held_after
from saptah.passport.models import PassportEvidence
from saptah.passport.schemas import NeedIn
from tests.passport.conftest import when


def levels_of(db, person):
    return {h.code: h.level for h in service.passport(db, person)}


def test_a_completion_adds_each_competency_at_its_declared_level_with_evidence(db, make, kit):
    person = make.person("MOHFW")
    course = kit.course("BEH-SELF:2|FUN-AI", title_en="Mindful Governance")
    at = when(1)
    kit.complete(person, course, at)
    holdings = {h.code: h for h in service.passport(db, person)}
    assert {c: h.level for c, h in holdings.items()} == {"BEH-SELF": 2, "FUN-AI": 1}
    [evidence] = holdings["BEH-SELF"].evidence
    assert (evidence.kind, evidence.title, evidence.object_id) == ("course", "Mindful Governance", course.id)
    assert evidence.earned_at == at and evidence.certificate  # the course's certificate is the proof


def test_repetition_and_a_high_assessment_score_raise_the_level(db, make, kit):
    person = make.person("MOHFW")
    first, second, third = (kit.course("BEH-TEAM") for _ in range(3))
    kit.complete(person, first, when(5))
    kit.complete(person, second, when(4))
    assert levels_of(db, person)["BEH-TEAM"] == 1  # two pieces of level 1: not yet
    kit.complete(person, third, when(3))
    assert levels_of(db, person)["BEH-TEAM"] == 2  # a third raises it
    scored = kit.course("FUN-CYBER")
    db.add(AssessmentAttempt(person_id=person.id, course_id=scored.id, attempt_no=1, score_percent=90, passed=True,
                             answers=[]))  # fmt: skip
    kit.complete(person, scored, when(2), passed=True)
    holding = {h.code: h for h in service.passport(db, person)}["FUN-CYBER"]
    assert holding.level == 2 and holding.evidence[0].kind == "assessment" and holding.evidence[0].score == 90


def test_a_pass_recorded_after_the_completion_raises_the_evidence(db, make, kit):
    person = make.person("MOHFW")
    course = kit.course("FUN-DATA")
    kit.complete(person, course, when(2))
    assert levels_of(db, person)["FUN-DATA"] == 1
    db.add(AssessmentAttempt(person_id=person.id, course_id=course.id, attempt_no=1, score_percent=85, passed=True,
                             answers=[]))  # fmt: skip
    kit.complete(person, course, when(2), passed=True)  # the catalogue announces AssessmentPassed
    assert levels_of(db, person)["FUN-DATA"] == 2


def _webinar(db, make, codes, *, start):
    who = load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id)
    data = EventIn(kind="central_webinar", title_en="Digital Public Infrastructure", theme="Technology",
                   starts_at=start, duration_minutes=60, mode="online", stream_url="https://stream.example.in/x",
                   competencies=codes)  # fmt: skip
    event, _ = events.create_event(db, who, data)
    db.commit()
    return event


def test_attending_an_event_adds_its_competencies_and_falling_below_half_removes_them(db, make, kit):
    person = make.person("MOHFW")
    event = _webinar(db, make, ["FUN-DIGITAL", "FUN-AI"], start=when(1))
    attendance.set_imported(db, event, person_id=person.id, minutes=45, source="report")
    db.commit()
    assert levels_of(db, person) == {"FUN-DIGITAL": 1, "FUN-AI": 1}
    ev = {h.code: h for h in service.passport(db, person)}["FUN-AI"].evidence[0]
    assert ev.kind == "event" and ev.object_id == event.id
    attendance.set_imported(db, event, person_id=person.id, minutes=10, source="report")
    db.commit()
    assert levels_of(db, person) == {}  # a corrected sheet: 10 of 60 minutes is not attending


def test_rebuild_from_the_sources_gives_what_live_ingest_gave(db, make, kit):
    people = [make.person("MOHFW") for _ in range(3)]
    courses = [kit.course(c) for c in ("BEH-SELF:3|FUN-AI", "BEH-SELF", "BEH-SELF|DOM-LAW:2", "FUN-AI")]
    rng = random.Random(7)
    for p in people:
        for i, c in enumerate(rng.sample(courses, k=3)):
            kit.complete(p, c, when(10 - i))
    event = _webinar(db, make, ["BEH-SELF"], start=when(1))
    attendance.set_imported(db, event, person_id=people[0].id, minutes=50, source="report")
    db.commit()
    live_levels = repo.all_levels(db)
    live_evidence = sorted((e.person_id, e.source_key, e.competency_id, e.level) for e in db.query(PassportEvidence))
    db.query(PassportEvidence).filter(PassportEvidence.person_id == people[1].id).delete()  # a lost batch
    result = ingest.rebuild(db)
    assert result["evidence"] == len(live_evidence)
    assert repo.all_levels(db) == live_levels
    rebuilt = sorted((e.person_id, e.source_key, e.competency_id, e.level) for e in db.query(PassportEvidence))
    assert rebuilt == live_evidence


def test_the_set_based_levels_follow_the_rule_stated_in_python(db, make, kit):
    person = make.person("MOHFW")
    comp = catalog.competencies_by_codes(db, ["DOM-ENV"])["DOM-ENV"]
    rng = random.Random(3)
    evidence = [(when(30 - i), rng.randint(1, 3)) for i in range(9)]
    for i, (at, level) in enumerate(evidence):
        db.add(PassportEvidence(person_id=person.id, competency_id=comp.id, source_key=f"course:{900 + i}",
                                kind="course", object_id=900 + i, title="x", level=level, earned_at=at))  # fmt: skip
    db.flush()
    repo.rebuild_levels(db, [person.id])
    stored = {lvl: at for p, c, lvl, at in repo.all_levels(db) if p == person.id and c == comp.id}
    assert stored == held_after(evidence) and max(stored) >= 4


# --- needs, gaps, recommendations ---------------------------------------------------------------------------------


def _admin(db, make, org):
    return load_principal(db, make.person(org, role=Role.MDO_ADMIN, group="Group A").id)


def test_gaps_and_recommendations_follow_the_needs_and_never_show_a_course_one_may_not_take(db, make, kit):
    admin = _admin(db, make, "MOHFW")
    mohfw = admin.org_id
    service.save_need(db, principal=admin, org_id=mohfw, data=NeedIn(group="Group B", competency="FUN-CYBER", level=2))
    service.save_need(db, principal=admin, org_id=mohfw,
                      data=NeedIn(designation="section  officer", competency="BEH-SELF", level=1))  # fmt: skip
    learner = make.person("DOHFW", group="Group B", designation="Section Officer", preferred_language="hi")
    other = make.person("DOHFW", group="Group C", designation="Assistant")
    held = kit.course("BEH-SELF")
    kit.complete(learner, held, when(3))
    short_hi = kit.course("FUN-CYBER:2", duration_minutes=20, languages="hi|en", title_hi="साइबर सुरक्षा")
    long_en = kit.course("FUN-CYBER:2", duration_minutes=90, languages="en")
    low = kit.course("FUN-CYBER", duration_minutes=10, languages="hi")
    kit.course("FUN-CYBER:2", status="draft")
    retired = kit.course("FUN-CYBER:2")
    catalog.set_status(db, principal=load_principal(db, make.person("DOPT", role=Role.NATIONAL_ORGANISER).id),
                       course=retired, status=CourseStatus.RETIRED)  # fmt: skip
    gaps = service.gaps_of(db, learner)
    assert [(g.code, g.needed, g.held) for g in gaps] == [("FUN-CYBER", 2, 0)]
    assert service.gaps_of(db, other) == []
    recs = service.recommendations(db, learner, gaps)
    assert [r.object_id for r in recs if r.kind == "course"] == [short_hi.id, long_en.id, low.id]
    assert recs[0].title == "साइबर सुरक्षा" and recs[0].language_match and not recs[1].language_match
    kit.complete(learner, short_hi, when(1))
    assert service.gaps_of(db, learner) == []


def test_upcoming_events_that_build_a_gap_are_recommended_closed_ones_only_to_invitees(db, make, kit):
    admin = _admin(db, make, "MOHFW")
    service.save_need(db, principal=admin, org_id=admin.org_id, data=NeedIn(group="Group B", competency="FUN-AI",
                                                                            level=1))  # fmt: skip
    learner = make.person("MOHFW", group="Group B")
    soon = _webinar(db, make, ["FUN-AI"], start=when(-2))
    _webinar(db, make, ["DOM-LAW"], start=when(-2))
    closed = _webinar(db, make, ["FUN-AI"], start=when(-3))
    closed.access = "closed"
    db.flush()
    past = _webinar(db, make, ["FUN-AI"], start=when(3))
    recs = [
        r.object_id for r in service.recommendations(db, learner, service.gaps_of(db, learner)) if r.kind == "event"
    ]
    assert soon.id in recs and closed.id not in recs and past.id not in recs


def test_another_ministrys_admin_cannot_see_or_edit_the_needs_or_gaps(db, make, kit):
    admin = _admin(db, make, "MOHFW")
    need = service.save_need(db, principal=admin, org_id=admin.org_id,
                             data=NeedIn(group="Group B", competency="FUN-AI", level=1))  # fmt: skip
    stranger = _admin(db, make, "MOE")
    learner = load_principal(db, make.person("MOHFW").id)
    for who in (stranger, learner):
        with pytest.raises(Forbidden):
            service.save_need(db, principal=who, org_id=admin.org_id, data=NeedIn(group="Group A", competency="FUN-AI",
                                                                                   level=1))  # fmt: skip
        with pytest.raises(Forbidden):
            service.delete_need(db, principal=who, need_id=need.id)
        with pytest.raises(Forbidden):
            service.gap_dashboard(db, principal=who, org_id=admin.org_id, campaign_id=None)
    assert service.org_needs(db, service.admin_org(db, admin, admin.org_id))[0].id == need.id


def test_needs_from_a_file_are_stored_together_or_not_at_all(db, make, kit):
    admin = _admin(db, make, "MOHFW")
    org = service.admin_org(db, admin, admin.org_id)
    bad = (
        b"Designation,Group,Competency,Level\nSection Officer,,FUN-AI,2\n,Group Z,BEH-SELF,1\n,,DOM-LAW,1\nX,,NOPE,9\n"
    )
    result = service.import_needs(db, principal=admin, org=org, filename="needs.csv", content=bad)
    assert result.stored == 0 and len(result.errors) == 3
    assert "Row 3" in result.errors[0] and "Row 4" in result.errors[1] and "Row 5" in result.errors[2]
    assert service.org_needs(db, org) == []
    good = (
        b"Designation,Group,Competency,Level\nSection Officer,,fun-ai,2\n,Group B,BEH-SELF,1\n"
        b"Section officer,,FUN-AI,3\n"
    )
    result = service.import_needs(db, principal=admin, org=org, filename="needs.csv", content=good)
    assert result.stored == 3 and not result.errors
    assert sorted((n.designation, n.group, n.code, n.level) for n in service.org_needs(db, org)) == [
        ("", "Group B", "BEH-SELF", 1), ("Section officer", "", "FUN-AI", 3)]  # fmt: skip
    with pytest.raises(InvalidInput):
        service.import_needs(db, principal=admin, org=org, filename="needs.csv", content=b"Name,Level\nx,1\n")
    with pytest.raises(InvalidInput):
        service.import_needs(db, principal=admin, org=org, filename="needs.pdf", content=b"%PDF")


def test_the_gap_dashboard_counts_staff_holders_and_who_closed_it_during_the_campaign(db, make, kit):
    from tests.campaigns.helpers import campaign, ist

    admin = _admin(db, make, "MOHFW")
    service.save_need(db, principal=admin, org_id=admin.org_id, data=NeedIn(group="Group B", competency="FUN-AI",
                                                                            level=1))  # fmt: skip
    staff = [make.person("DOHFW", group="Group B") for _ in range(4)]
    make.person("DOHFW", group="Group A")  # the need does not apply
    make.person("MOE", group="Group B")  # another ministry
    nlw = campaign(db)
    course = kit.course("FUN-AI")
    kit.complete(staff[0], course, ist(2024, 10, 10))  # before the campaign
    kit.complete(staff[1], course, ist(2024, 10, 21))  # during it
    kit.complete(staff[2], course, ist(2024, 10, 22))
    dash = service.gap_dashboard(db, principal=admin, org_id=admin.org_id, campaign_id=nlw.id)
    [row] = dash.rows
    assert (row.code, row.group, row.staff, row.holding, row.gaps, row.closed_in_campaign) == (
        "FUN-AI", "Group B", 4, 3, 1, 2)  # fmt: skip
    assert row.closed_share == pytest.approx(0.5)
    department = service.gap_dashboard(db, principal=admin, org_id=staff[0].org_id, campaign_id=nlw.id)
    assert department.rows[0].staff == 4  # a department sees the ministry's need for its own staff
    assert dash.campaign_id == nlw.id


# --- the gaps dashboard's running totals, and the audit of needs --------------------------------------------------


def test_the_dashboards_running_totals_kept_live_equal_a_rebuild_from_the_source(db, make, kit):
    from saptah.directory import service as directory
    from tests.campaigns.helpers import campaign, ist

    admin = _admin(db, make, "MOHFW")
    nlw = campaign(db)
    service.save_need(db, principal=admin, org_id=admin.org_id, data=NeedIn(group="Group B", competency="FUN-AI",
                                                                            level=1))  # fmt: skip
    early = [make.person("DOHFW", group="Group B") for _ in range(2)]
    course, deep = kit.course("FUN-AI"), kit.course("FUN-AI|BEH-SELF")
    kit.complete(early[0], course, ist(2024, 10, 21))
    # a need added after the learning: it counts who already holds it
    section = service.save_need(db, principal=admin, org_id=admin.org_id,
                                data=NeedIn(designation="Section Officer", competency="BEH-SELF", level=2))  # fmt: skip
    officers = [make.person("MOHFW", group="Group A", designation="Section Officer") for _ in range(3)]
    kit.complete(officers[0], deep, ist(2024, 10, 22))
    kit.complete(officers[0], kit.course("BEH-SELF:2"), ist(2024, 10, 23))  # reaches level 2 during the week
    kit.complete(early[1], deep, ist(2024, 11, 2))  # after the week
    kit.complete(officers[1], kit.course("BEH-SELF:2"), ist(2024, 10, 24))
    directory.erase_person(db, person=officers[2])  # no longer staff; their passport is gone
    db.commit()
    dash = {r.code: r for r in service.gap_dashboard(db, principal=admin, org_id=admin.org_id,
                                                    campaign_id=nlw.id).rows}  # fmt: skip
    assert (dash["FUN-AI"].staff, dash["FUN-AI"].holding, dash["FUN-AI"].closed_in_campaign) == (2, 2, 1)
    assert (dash["BEH-SELF"].staff, dash["BEH-SELF"].holding, dash["BEH-SELF"].closed_in_campaign) == (2, 2, 2)
    live = repo.all_totals(db)
    service.rebuild_totals(db)
    assert repo.all_totals(db) == live
    ingest.rebuild(db)  # the full rebuild from completions and attendance gives the same totals too
    assert repo.all_totals(db) == live
    service.save_need(db, principal=admin, org_id=admin.org_id,
                      data=NeedIn(designation="Section Officer", competency="BEH-SELF", level=3))  # fmt: skip
    raised = {r.code: r for r in service.gap_dashboard(db, principal=admin, org_id=admin.org_id,
                                                      campaign_id=nlw.id).rows}  # fmt: skip
    assert (raised["BEH-SELF"].staff, raised["BEH-SELF"].holding) == (2, 0)
    service.delete_need(db, principal=admin, need_id=section.id)
    assert [r.code for r in service.gap_dashboard(db, principal=admin, org_id=admin.org_id,
                                                  campaign_id=nlw.id).rows] == ["FUN-AI"]  # fmt: skip


def test_staff_moved_by_an_upload_move_their_organisations_totals(db, make, kit):
    from saptah.core import signals
    from saptah.directory.models import Person

    admin = _admin(db, make, "MOHFW")
    service.save_need(db, principal=admin, org_id=admin.org_id, data=NeedIn(group="Group B", competency="FUN-AI",
                                                                            level=1))  # fmt: skip
    person = make.person("DOHFW", group="Group B")
    kit.complete(person, kit.course("FUN-AI"), when(2))
    before = {r.code: r.staff for r in service.gap_dashboard(db, principal=admin, org_id=person.org_id,
                                                            campaign_id=None).rows}  # fmt: skip
    assert before == {"FUN-AI": 1}
    old_org, new_org = person.org_id, admin.org_id
    db.query(Person).filter(Person.id == person.id).update({"org_id": new_org, "group": "Group C"})
    signals.publish(db, signals.StaffChanged((old_org, new_org)))  # what an upload announces
    assert service.gap_dashboard(db, principal=admin, org_id=old_org, campaign_id=None).rows == []
    live = repo.all_totals(db)
    service.rebuild_totals(db)
    assert repo.all_totals(db) == live


def test_changes_to_role_needs_are_in_the_audit_log(db, make, kit):
    from sqlalchemy import select

    from saptah.audit.models import AuditEntry

    admin = _admin(db, make, "MOHFW")
    org = service.admin_org(db, admin, admin.org_id)
    need = service.save_need(db, principal=admin, org_id=org.id, data=NeedIn(group="Group B", competency="FUN-AI",
                                                                             level=1))  # fmt: skip
    service.save_need(db, principal=admin, org_id=org.id, data=NeedIn(group="Group B", competency="FUN-AI", level=2))
    csv = b"Designation,Group,Competency,Level\n,Group C,BEH-SELF,1\n,Group B,FUN-AI,3\n"
    service.import_needs(db, principal=admin, org=org, filename="acbp.csv", content=csv)
    service.delete_need(db, principal=admin, need_id=need.id)
    rows = db.scalars(select(AuditEntry).where(AuditEntry.act.like("role_need.%")).order_by(AuditEntry.id)).all()
    assert [(r.act, r.actor_id, r.org_id) for r in rows] == [
        ("role_need.save", admin.person_id, org.id), ("role_need.save", admin.person_id, org.id),
        ("role_need.import", admin.person_id, org.id), ("role_need.delete", admin.person_id, org.id),
    ]  # fmt: skip
    assert '"level_before": 1' in (rows[1].details or "") and rows[2].target == "acbp.csv"
    assert '"changed": 1' in (rows[2].details or "") and '"new": 1' in (rows[2].details or "")
    assert '"competency": "FUN-AI"' in (rows[3].details or "")
