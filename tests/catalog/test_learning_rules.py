"""Enrolment, completion by any path, ratings and the native player's rules, on both databases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from saptah.catalog import learning, service
from saptah.core import signals
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.recognition import service as recognition
from tests.catalog.conftest import QUIZ

START = datetime(2024, 10, 21, 4, 30, tzinfo=UTC)
MINUTES = itertools.count(1)  # the test clock: every reported minute passes once


def take(db, person, course, module, minutes=8):
    """Spend `minutes` on a module (the page reporting a minute at a time as time passes), then mark it done."""
    for _ in range(minutes):
        learning.ping(
            db, person_id=person.id, course_id=course.id, module_id=module.id, seconds=60,
            now=START + timedelta(minutes=next(MINUTES)),
        )  # fmt: skip
    return learning.mark_done(db, person_id=person.id, course_id=course.id, module_id=module.id)


def test_enrolling_twice_changes_nothing_and_is_announced_once(db, make, courses, events):
    person = make.person()
    course = courses.make()
    first = service.enrol(db, person_id=person.id, course_id=course.id)
    again = service.enrol(db, person_id=person.id, course_id=course.id)
    assert first.id == again.id
    assert [(e.person_id, e.course_id) for e in events.of(signals.CourseEnrolled)] == [(person.id, course.id)]


def test_retired_draft_and_unknown_courses_refuse_enrolment(db, make, courses):
    person = make.person()
    retired = courses.make(status="retired")
    draft = courses.make(status="draft")
    with pytest.raises(Conflict, match="retired"):
        service.enrol(db, person_id=person.id, course_id=retired.id)
    with pytest.raises(Conflict, match="not published"):
        service.enrol(db, person_id=person.id, course_id=draft.id)
    with pytest.raises(NotFound):
        service.enrol(db, person_id=person.id, course_id=999999)
    assert service.progress_for(db, person_ids=[person.id], course_ids=[retired.id, draft.id]) == {}


def test_completion_is_recorded_announced_and_certified_once(db, make, courses, events):
    person = make.person(full_name="अंजलि वर्मा")
    course = courses.make(duration_minutes=63)
    at = datetime(2024, 10, 21, 6, 30, tzinfo=UTC)
    one = service.complete_course(db, person_id=person.id, course_id=course.id, at=at, source="xapi")
    two = service.complete_course(db, person_id=person.id, course_id=course.id, at=at, source="native")
    assert one.id == two.id and two.source == "xapi"
    done = events.of(signals.CourseCompleted)
    assert len(done) == 1
    assert (done[0].duration_minutes, done[0].competency_linked, done[0].source) == (63, True, "xapi")
    assert len(events.of(signals.CourseEnrolled)) == 1  # a completion from outside implies the enrolment
    certs = recognition.certificates_of(db, person.id)
    assert [(c.title, c.recipient_name) for c in certs] == [(course.title_en, "अंजलि वर्मा")]
    assert service.completions_for(db, person_ids=[person.id], course_ids=[course.id]) == {(person.id, course.id): at}
    assert service.progress_for(db, person_ids=[person.id], course_ids=[course.id]) == {(person.id, course.id): 100}


def test_a_course_without_competencies_is_not_competency_linked(db, make, courses, events):
    person = make.person()
    course = courses.make(competencies=[])
    assert service.is_competency_linked(db, course) is False
    service.complete_course(db, person_id=person.id, course_id=course.id, at=datetime.now(UTC), source="bulk")
    assert events.of(signals.CourseCompleted)[0].competency_linked is False


def test_unknown_completion_source_is_refused(db, make, courses):
    person = make.person()
    course = courses.make()
    with pytest.raises(InvalidInput):
        service.complete_course(db, person_id=person.id, course_id=course.id, at=datetime.now(UTC), source="magic")


def test_rating_is_1_to_5_once_per_person_and_changeable(db, make, courses, events):
    person = make.person()
    course = courses.make()
    with pytest.raises(Conflict):
        service.rate(db, person_id=person.id, course_id=course.id, stars=4)
    service.enrol(db, person_id=person.id, course_id=course.id)
    for bad in (0, 6, -1):
        with pytest.raises(InvalidInput, match="1 to 5"):
            service.rate(db, person_id=person.id, course_id=course.id, stars=bad)
    service.rate(db, person_id=person.id, course_id=course.id, stars=4, review="Useful")
    changed = service.rate(db, person_id=person.id, course_id=course.id, stars=2)
    assert (changed.stars, changed.review) == (2, None)
    assert len(events.of(signals.CourseRated)) == 1


def test_native_player_resumes_where_the_learner_left_off(db, make, courses):
    person = make.person()
    course = courses.make()
    service.enrol(db, person_id=person.id, course_id=course.id)
    st = learning.state(db, person_id=person.id, course_id=course.id)
    first, second = st.modules
    assert st.current.id == first.id
    take(db, person, course, first)
    st = learning.state(db, person_id=person.id, course_id=course.id)
    assert st.current.id == second.id and st.enrolment.progress_percent == 50


def test_all_modules_done_completes_a_course_without_assessment(db, make, courses, events):
    person = make.person()
    course = courses.make()
    service.enrol(db, person_id=person.id, course_id=course.id)
    for m in learning.state(db, person_id=person.id, course_id=course.id).modules:
        st = take(db, person, course, m)
    assert st.completed_at is not None
    assert events.of(signals.CourseCompleted)[0].source == "native"


def test_assessment_needs_modules_then_a_pass_and_refuses_after_attempts_run_out(db, make, courses, events):
    person, other = make.person(), make.person()
    course = courses.make(assessment=QUIZ)
    for who in (person, other):
        service.enrol(db, person_id=who.id, course_id=course.id)
    with pytest.raises(Conflict, match="Finish every module"):
        learning.submit_assessment(db, person_id=person.id, course_id=course.id, answers=[1, 0])
    for who in (person, other):
        for m in learning.state(db, person_id=who.id, course_id=course.id).modules:
            take(db, who, course, m)
    assert events.of(signals.CourseCompleted) == []  # the assessment is still to pass
    with pytest.raises(InvalidInput, match="Answer all 2"):
        learning.submit_assessment(db, person_id=person.id, course_id=course.id, answers=[1])
    failed = learning.submit_assessment(db, person_id=person.id, course_id=course.id, answers=[0, 0])
    assert (failed.score_percent, failed.passed) == (50, False)
    passed = learning.submit_assessment(db, person_id=person.id, course_id=course.id, answers=[1, 0])
    assert passed.passed and passed.attempt_no == 2
    done = events.of(signals.CourseCompleted)
    assert len(done) == 1 and done[0].assessment_passed is True
    with pytest.raises(Conflict, match="already passed"):
        learning.submit_assessment(db, person_id=person.id, course_id=course.id, answers=[1, 0])
    for _ in range(2):
        learning.submit_assessment(db, person_id=other.id, course_id=course.id, answers=[0, 1])
    with pytest.raises(Conflict, match="used all 2 attempts"):
        learning.submit_assessment(db, person_id=other.id, course_id=course.id, answers=[1, 0])
    assert service.completions_for(db, person_ids=[other.id], course_ids=[course.id]) == {}


def test_time_in_use_is_capped_per_ping(db, make, courses):
    person = make.person()
    course = courses.make()
    service.enrol(db, person_id=person.id, course_id=course.id)
    module = learning.state(db, person_id=person.id, course_id=course.id).modules[0]
    at = {"person_id": person.id, "course_id": course.id, "module_id": module.id}
    assert learning.ping(db, **at, seconds=30, now=START).spent_seconds == 30
    # a second ping straight away cannot claim another half hour: only the time that passed counts (at most a
    # minute before the first ping), however the pings are sent
    assert learning.ping(db, **at, seconds=1800, now=START).spent_seconds == 60
    for _ in range(20):
        learning.ping(db, **at, seconds=60, now=START + timedelta(seconds=1))
    assert learning.ping(db, **at, seconds=60, now=START + timedelta(seconds=2)).spent_seconds == 62
    with pytest.raises(InvalidInput):
        learning.ping(db, person_id=person.id, course_id=course.id, module_id=module.id, seconds=0)


def test_player_refuses_the_unenrolled_and_foreign_modules(db, make, courses):
    person = make.person()
    course, other = courses.make(), courses.make()
    with pytest.raises(Conflict, match="Enrol"):
        learning.state(db, person_id=person.id, course_id=course.id)
    service.enrol(db, person_id=person.id, course_id=course.id)
    foreign = learning.state.__globals__["repo"].modules_of(db, other.id)[0]
    with pytest.raises(NotFound):
        learning.mark_done(db, person_id=person.id, course_id=course.id, module_id=foreign.id)


def test_program_rule_all_and_any_n(db, make, reference):
    from saptah.catalog import repository as repo

    person = make.person()
    prarambh = repo.collection_by_code(db, "KARMAYOGI-PRARAMBH")
    wellbeing = repo.collection_by_code(db, "NLW-WELLBEING")
    ids = repo.collection_course_ids(db, prarambh.id)
    assert len(ids) == 8
    stress, yoga = repo.course_by_code(db, "DOPT-STRESS"), repo.course_by_code(db, "AYUSH-YBREAK")
    for c in (stress, yoga):
        service.complete_course(db, person_id=person.id, course_id=c.id, at=datetime.now(UTC), source="bulk")
    prog = service.program_progress(db, person_id=person.id, collection_id=prarambh.id)
    assert (len(prog.done), prog.needed, prog.complete) == (2, 8, False)
    well = service.program_progress(db, person_id=person.id, collection_id=wellbeing.id)
    assert (well.needed, well.complete) == (2, True)


def test_a_completion_racing_another_is_stored_and_announced_once(db, make, courses, events, monkeypatch):
    from saptah.catalog import repository as repo

    person = make.person()
    course = courses.make()
    at = datetime(2024, 10, 23, 4, 0, tzinfo=UTC)
    first = service.complete_course(db, person_id=person.id, course_id=course.id, at=at, source="xapi")
    real = repo.get_completion
    calls = iter([None])  # the racing path looked before the other transaction's row was visible
    monkeypatch.setattr(repo, "get_completion", lambda s, p, c: next(calls, "x") and real(s, p, c))
    again = service.complete_course(db, person_id=person.id, course_id=course.id, at=at, source="native")
    assert again.id == first.id
    assert len(events.of(signals.CourseCompleted)) == 1
    assert len(recognition.certificates_of(db, person.id)) == 1
