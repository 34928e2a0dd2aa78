"""xAPI statements reaching the completion service, and catalogue search on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from saptah.catalog import repository as repo
from saptah.catalog import service
from saptah.catalog.repository import CourseFilter
from saptah.core import signals

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
PROGRESSED = "http://adlnet.gov/expapi/verbs/progressed"
AT = datetime(2024, 10, 22, 5, 0, tzinfo=UTC)


def statement(person_id, activity, verb, *, n=1, completion=None, success=None, score=None, progress=None):
    return signals.LearningStatement(
        person_id=person_id,
        statement_id=f"00000000-0000-0000-0000-{n:012d}",
        verb=verb,
        activity_id=activity,
        registration=None,
        completion=completion,
        success=success,
        scaled_score=score,
        progress=progress,
        at=AT,
    )


def test_an_xapi_completion_ends_in_the_same_completion_service(db, make, courses, events):
    person = make.person()
    course = courses.make(launch_kind="external", launch_url="https://p.example/c", modules=[])
    signals.publish(db, statement(person.id, course.activity_id, PROGRESSED, progress=40))
    assert service.progress_for(db, person_ids=[person.id], course_ids=[course.id]) == {(person.id, course.id): 40}
    signals.publish(db, statement(person.id, course.activity_id, COMPLETED, n=2))
    signals.publish(db, statement(person.id, course.activity_id, COMPLETED, n=3))  # a replay
    done = events.of(signals.CourseCompleted)
    assert [(e.source, e.completed_at) for e in done] == [("xapi", AT)]
    assert service.completions_for(db, person_ids=[person.id], course_ids=[course.id]) == {(person.id, course.id): AT}


def test_statements_for_unknown_activities_are_ignored(db, make, courses, events):
    person = make.person()
    signals.publish(db, statement(person.id, "https://nowhere.example/x", COMPLETED))
    assert events.seen == []


def test_cmi5_course_completes_when_every_au_is_satisfied(db, make, courses, events):
    person = make.person()
    aus = [
        {"id": "https://p.example/au/1", "url": "https://p.example/1", "moveOn": "Completed"},
        {"id": "https://p.example/au/2", "url": "https://p.example/2", "moveOn": "Passed", "masteryScore": 0.8},
    ]
    course = courses.make(launch_kind="cmi5", cmi5_aus=aus, modules=[])
    signals.publish(db, statement(person.id, aus[0]["id"], COMPLETED))
    assert events.of(signals.CourseCompleted) == []
    assert service.progress_for(db, person_ids=[person.id], course_ids=[course.id])[(person.id, course.id)] == 50
    signals.publish(db, statement(person.id, aus[1]["id"], PASSED, n=2, success=True, score=0.5))  # below mastery
    assert events.of(signals.CourseCompleted) == []
    signals.publish(db, statement(person.id, aus[1]["id"], PASSED, n=3, success=True, score=0.9))
    done = events.of(signals.CourseCompleted)
    assert len(done) == 1 and done[0].assessment_passed is True


def test_search_finds_words_and_prefixes_in_title_and_description(db, courses):
    courses.make(title_en="Stress Management at Work", description="Breathing and breaks")
    courses.make(title_en="Office Procedures", description="Noting, drafting and record management")
    courses.make(title_en="Draft yoga course", status="draft")
    titles = lambda q: [c.title_en for c in service.search(db, CourseFilter(q=q))[1]]  # noqa: E731
    assert titles("stress") == ["Stress Management at Work"]
    assert titles("manag") == ["Office Procedures", "Stress Management at Work"]
    assert titles("breathing breaks") == ["Stress Management at Work"]
    assert titles("yoga") == []  # drafts are not in the catalogue
    assert titles("!!!") == []


def test_filters_combine_and_pages_are_stable(db, courses):
    hindi = courses.make(title_en="Hindi course", languages="en|hi", duration_minutes=25, category="Moderated Course")
    courses.make(title_en="English course", languages="en", duration_minutes=120, competencies=["FUN-CYBER"])
    courses.make(title_en="AWS course", provider="CP_AWS", duration_minutes=60)
    f = CourseFilter
    assert [c.id for c in service.search(db, f(language="hi"))[1]] == [hindi.id]
    assert [c.id for c in service.search(db, f(max_minutes=30))[1]] == [hindi.id]
    assert [c.id for c in service.search(db, f(category="Moderated Course"))[1]] == [hindi.id]
    cyber = repo.competencies_by_codes(db, ["FUN-CYBER"])["FUN-CYBER"]
    assert [c.title_en for c in service.search(db, f(competency_id=cyber.id))[1]] == ["English course"]
    aws = service.course_by_code(db, "T-3").provider_org_id
    assert [c.title_en for c in service.search(db, f(provider_org_id=aws, q="course"))[1]] == ["AWS course"]
    total, first = service.search(db, f(q="course"), page=1, size=2)
    _, second = service.search(db, f(q="course"), page=2, size=2)
    assert total == 3 and len(first) == 2 and len(second) == 1
    assert {c.id for c in first}.isdisjoint({c.id for c in second})


def test_search_sees_renamed_courses(db, courses):
    course = courses.make(title_en="Old name")
    course.title_en = "Brand new title"
    db.flush()
    assert [c.id for c in service.search(db, CourseFilter(q="brand"))[1]] == [course.id]
    assert service.search(db, CourseFilter(q="old"))[0] == 0


def test_full_size_generator_makes_16_languages_and_200_providers(db):
    import random

    from saptah.catalog import generator
    from saptah.catalog.tasks import load_competencies

    load_competencies(db)
    added = generator.generate(db, random.Random(1), courses=300, providers=200)
    assert added == 300
    rows = repo.all_courses(db)
    langs = {lang for c in rows for lang in c.language_list}
    assert len(langs) == 16
    assert generator.generate(db, random.Random(1), courses=300, providers=200) == 0  # idempotent


def test_hindi_titles_are_searchable_by_whole_words_and_prefixes(db, courses):
    course = courses.make(title_en="Stress Management", title_hi="तनाव प्रबंधन")
    for q in ("तनाव", "प्रबंधन", "प्रबं"):
        assert [c.id for c in service.search(db, CourseFilter(q=q))[1]] == [course.id], q
