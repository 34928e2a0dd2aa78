"""Catalogue rules: courses, enrolment, completion (by any path), ratings and xAPI statements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute, Session

from saptah.catalog import repository as repo
from saptah.catalog.models import (
    Collection,
    Competency,
    CompetencyArea,
    Course,
    CourseCompletion,
    CourseStatus,
    Enrolment,
    Rating,
)
from saptah.catalog.repository import CourseFilter
from saptah.catalog.time_on_task import TimeRules, unusually_short
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.directory import service as directory
from saptah.directory.schemas import Principal

SOURCES = ("native", "xapi", "bulk")
VERB_COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VERB_PASSED = "http://adlnet.gov/expapi/verbs/passed"
VERB_FAILED = "http://adlnet.gov/expapi/verbs/failed"
PAGE_SIZE = 20


def get_course(session: Session, course_id: int) -> Course:
    """A course by id, or a clear 404."""
    course = repo.get_course(session, course_id)
    if course is None:
        raise NotFound("There is no such course.")
    return course


def course_by_code(session: Session, code: str) -> Course:
    """A course by code, or a clear 404."""
    course = repo.course_by_code(session, code.strip())
    if course is None:
        raise NotFound("No course has code {code}.", code=code)
    return course


def visible_course(session: Session, principal: Principal | None, course_id: int) -> Course:
    """A course the principal may see: live or retired for everyone; drafts for its provider and organisers."""
    course = get_course(session, course_id)
    if not seen_by_everyone(course) and not may_manage(principal, course):
        raise NotFound("There is no such course.")
    return course


def seen_by_everyone(course: Course) -> bool:
    """Whether every signed-in person may see a course (published: live, or retired with its history)."""
    return course.status != CourseStatus.DRAFT.value


def seen_by_everyone_where(course_id: ColumnElement[int] | InstrumentedAttribute[int | None]) -> ColumnElement[bool]:
    """SQL condition, the same rule as `seen_by_everyone`: the course with this id is one everyone may see (for
    other domains' lists of things attached to courses, e.g. discussion spaces)."""
    return repo.course_where(course_id, Course.status != CourseStatus.DRAFT.value)


def may_manage(principal: Principal | None, course: Course) -> bool:
    """National organisers and the providing organisation's content staff manage a course."""
    if principal is None:
        return False
    if principal.is_national:
        return True
    return principal.org_id == course.provider_org_id and principal.home_role == "content_provider"


def require_publisher(principal: Principal) -> None:
    """Only content providers and national organisers publish and import courses."""
    if not (principal.is_national or principal.home_role == "content_provider"):
        raise Forbidden("This is for content providers and national organisers.")


def may_read_catalogue(principal: Principal) -> bool:
    """Admins, organisers and providers see course codes and may export the whole catalogue."""
    return principal.is_national or principal.home_role in ("mdo_admin", "mdo_leader", "content_provider")


TRANSITIONS = {"draft": {"live"}, "live": {"retired"}, "retired": {"live"}}


def set_status(session: Session, *, principal: Principal, course: Course, status: CourseStatus) -> Course:
    """Publish (draft to live), retire (live to retired) or bring back a course."""
    if not may_manage(principal, course):
        raise Forbidden("Only the course's provider or a national organiser changes its status.")
    if status.value == course.status:
        return course
    if status.value not in TRANSITIONS.get(course.status, set()):
        raise Conflict("A {status} course cannot become {new_status}.", status=course.status, new_status=status.value)
    if status == CourseStatus.LIVE and course.launch_kind == "native" and not repo.modules_of(session, course.id):
        raise Conflict("Add at least one module before publishing a native course.")
    if status == CourseStatus.LIVE and course.launch_kind == "scorm" and not repo.has_scorm_package(session, course.id):
        raise Conflict("Upload the SCORM package before publishing the course.")
    course.status = status.value
    session.flush()
    return course


@dataclass(frozen=True)
class ProgramProgress:
    """A program's courses in order, which the person completed, and whether its rule is met."""

    program: Collection
    courses: list[Course]
    done: set[int]
    needed: int

    @property
    def complete(self) -> bool:
        """True when the program's completion rule is met."""
        return len(self.done) >= self.needed


def program_progress(session: Session, *, person_id: int, collection_id: int) -> ProgramProgress:
    """A program's courses, the person's completions among them, and its rule (all, or N of them)."""
    coll = repo.get_collection(session, collection_id)
    if coll is None:
        raise NotFound("There is no such program.")
    ids = repo.collection_course_ids(session, coll.id)
    courses = repo.courses_by_ids(session, ids)
    done = repo.completed_course_ids(session, person_id, ids)
    needed = len(ids) if coll.rule == "all" else min(len(ids), coll.required_count or len(ids))
    return ProgramProgress(coll, [courses[i] for i in ids if i in courses], done, needed)


def save_competency(
    session: Session,
    *,
    principal: Principal,
    competency_id: int | None,
    code: str,
    area: str,
    theme: str,
    sub_theme: str | None,
    description: str | None,
    active: bool = True,
) -> Competency:
    """National organisers add to or edit the competency dictionary (entries are retired, never deleted)."""
    directory.require_national(principal)
    if area not in {a.value for a in CompetencyArea}:
        raise InvalidInput("Area must be one of: {values}.", values=", ".join(a.value for a in CompetencyArea))
    code, theme = code.strip().upper(), theme.strip()
    if not code or len(code) > 40 or not theme or len(theme) > 120:
        raise InvalidInput("A competency needs a code (up to 40 characters) and a theme (up to 120).")
    clash = repo.competencies_by_codes(session, [code]).get(code)
    if competency_id is None:
        if clash is not None:
            raise Conflict("A competency with code {code} already exists.", code=code)
        comp = Competency(code=code)
    else:
        found = repo.get_competency(session, competency_id)
        if found is None:
            raise NotFound("There is no such competency.")
        if clash is not None and clash.id != found.id:
            raise Conflict("A competency with code {code} already exists.", code=code)
        comp = found
    comp.code, comp.area, comp.theme, comp.active = code, area, theme, active
    comp.sub_theme = (sub_theme or "").strip()[:160] or None
    comp.description = (description or "").strip()[:2000] or None
    repo.add(session, comp)
    return comp


def competency_choices(session: Session) -> list[tuple[str, str]]:
    """The active competencies as (code, "area: theme – sub-theme") for pickers, in dictionary order."""
    out = []
    for c in repo.competencies(session):
        name = f"{c.theme} – {c.sub_theme}" if c.sub_theme else c.theme
        out.append((c.code, f"{c.area.title()}: {name}"))
    return out


def known_competency_codes(session: Session, codes: Sequence[str]) -> list[str]:
    """Which of these competency codes the dictionary holds."""
    return sorted(repo.competencies_by_codes(session, codes))


def is_competency_linked(session: Session, course: Course | int) -> bool:
    """True when the course builds at least one competency (only such learning earns campaign credit)."""
    return repo.has_competency(session, course if isinstance(course, int) else course.id)


def search(session: Session, f: CourseFilter, *, page: int = 1, size: int = PAGE_SIZE) -> tuple[int, list[Course]]:
    """One page of the catalogue matching the filter, and the total."""
    return repo.search_courses(session, f, page=page, size=size)


def enrol(session: Session, *, person_id: int, course_id: int, by: int | None = None) -> Enrolment:
    """Enrol a person in a live course; enrolling twice changes nothing."""
    course = get_course(session, course_id)
    existing = repo.get_enrolment(session, person_id, course.id)
    if existing is not None:
        return existing
    _check_open(course)
    enrolment = Enrolment(person_id=person_id, course_id=course.id, enrolled_by=by, enrolled_at=utcnow())
    if not repo.insert_once(session, enrolment):  # a concurrent request enrolled first
        return _stored_enrolment(session, person_id, course.id)
    signals.publish(session, signals.CourseEnrolled(person_id, course.id, enrolment.enrolled_at))
    return enrolment


def _stored_enrolment(session: Session, person_id: int, course_id: int) -> Enrolment:
    stored = repo.get_enrolment(session, person_id, course_id)
    assert stored is not None
    return stored


def may_take(course: Course) -> bool:
    """A person may enrol in (take) a course only while it is live: the rule enrolment and recommendations share."""
    return course.status == CourseStatus.LIVE.value


def _check_open(course: Course) -> None:
    if may_take(course):
        return
    if course.status == CourseStatus.RETIRED.value:
        raise Conflict("“{title}” has been retired and takes no new enrolments.", title=course.title_en)
    if course.status != CourseStatus.LIVE.value:
        raise Conflict("“{title}” is not published yet.", title=course.title_en)


def enrol_many(session: Session, *, principal: Principal, course_id: int, emails: Sequence[str]) -> dict[str, object]:
    """An admin enrols people of their subtree by e-mail; unknown or foreign people are reported, not enrolled."""
    directory.require_admin(principal)
    course = get_course(session, course_id)
    _check_open(course)
    added, already, problems = 0, 0, []
    for raw in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        person = directory.repo.get_person_by_email(session, raw)
        try:
            if person is None:
                raise NotFound("no such person")
            directory.visible_person(session, principal, person.id)
        except NotFound:
            problems.append(f"{raw}: no one with this e-mail in your organisation")
            continue
        if repo.get_enrolment(session, person.id, course.id) is not None:
            already += 1
            continue
        enrol(session, person_id=person.id, course_id=course.id, by=principal.person_id)
        added += 1
    return {"enrolled": added, "already": already, "problems": problems}


def complete_course(
    session: Session,
    *,
    person_id: int,
    course_id: int,
    at: datetime,
    source: str,
    assessment_passed: bool = False,
) -> CourseCompletion:
    """Record a completion once per person and course, announce it once, and issue the certificate."""
    if source not in SOURCES:
        raise InvalidInput("Completion source must be one of {values}.", values=", ".join(SOURCES))
    course = get_course(session, course_id)
    existing = repo.get_completion(session, person_id, course.id)
    if existing is not None:
        if assessment_passed and not existing.assessment_passed:
            existing.assessment_passed = True
            session.flush()
            signals.publish(session, signals.AssessmentPassed(person_id, course.id, at))
        return existing
    enrolment = repo.get_enrolment(session, person_id, course.id)
    if enrolment is None:  # an xAPI or bulk completion implies the enrolment
        enrolment = enrol_quietly(session, person_id=person_id, course=course, at=at)
    enrolment.progress_percent = 100
    completion = CourseCompletion(
        person_id=person_id, course_id=course.id, completed_at=at, source=source, assessment_passed=assessment_passed
    )
    if not repo.insert_once(session, completion):  # a concurrent path completed first: announce nothing
        stored = repo.get_completion(session, person_id, course.id)
        assert stored is not None
        return stored
    linked = is_competency_linked(session, course)
    event = signals.CourseCompleted(
        person_id, course.id, at, course.duration_minutes, linked, assessment_passed, source, course.title_en
    )
    signals.publish(session, event)
    _issue_certificate(session, course, person_id, at)
    return completion


@dataclass(frozen=True)
class CompletionIn:
    """One (person, course) completion of a batch: its first completing statement's moment and assessment
    result, and whether a later completing statement of the batch passed the assessment."""

    person_id: int
    course: Course
    at: datetime
    assessment_passed: bool
    passed_later: bool = False


def complete_courses(session: Session, completions: Sequence[CompletionIn], *, source: str) -> None:
    """`complete_course` for a batch of (person, course) pairs whose enrolments are written already (at 100%):
    one insert for the completions (those stored before, or by a concurrent transaction, are skipped and only
    take a passed assessment), each new one announced once, and one insert for their certificates."""
    if source not in SOURCES:
        raise InvalidInput("Completion source must be one of {values}.", values=", ".join(SOURCES))
    if not completions:
        return
    now = utcnow()
    ordered = sorted(completions, key=lambda c: (c.person_id, c.course.id))  # one lock order
    rows = [
        {
            "person_id": c.person_id,
            "course_id": c.course.id,
            "completed_at": c.at,
            "source": source,
            "assessment_passed": c.assessment_passed or c.passed_later,
            "recorded_at": now,
        }
        for c in ordered
    ]
    inserted = repo.insert_completions(session, rows)
    fresh = [c for c in ordered if (c.person_id, c.course.id) in inserted]
    passing = {
        (c.person_id, c.course.id): c.at
        for c in ordered
        if (c.person_id, c.course.id) not in inserted and (c.assessment_passed or c.passed_later)
    }
    for pid, course_id in sorted(repo.mark_assessment_passed(session, sorted(passing))):
        signals.publish(session, signals.AssessmentPassed(pid, course_id, passing[(pid, course_id)]))
    linked = repo.competency_linked(session, [c.course.id for c in fresh])
    for c in fresh:
        course = c.course
        signals.publish(
            session,
            signals.CourseCompleted(
                c.person_id,
                course.id,
                c.at,
                course.duration_minutes,
                course.id in linked,
                c.assessment_passed or c.passed_later,  # completed, then passed in the same batch: passed
                source,
                course.title_en,
            ),
        )
    _issue_certificates(session, fresh)


def _issue_certificates(session: Session, completions: list[CompletionIn]) -> None:
    from saptah.recognition import service as recognition

    if not completions:
        return
    providers = directory.repo.orgs_by_ids(session, sorted({c.course.provider_org_id for c in completions}))
    recognition.issue_certificates(
        session,
        [
            recognition.CertificateIn(
                person_id=c.person_id,
                kind="course",
                subject_id=c.course.id,
                title=c.course.title_en,
                title_hi=c.course.title_hi,
                issuer=providers[c.course.provider_org_id].name_en if c.course.provider_org_id in providers else None,
                duration_minutes=c.course.duration_minutes,
                achieved_at=c.at,
            )
            for c in completions
        ],
    )


def enrol_quietly(session: Session, *, person_id: int, course: Course, at: datetime) -> Enrolment:
    """Enrol regardless of status (a completion from outside proves the person took it); announced once."""
    enrolment = Enrolment(person_id=person_id, course_id=course.id, enrolled_at=min(at, utcnow()))
    if not repo.insert_once(session, enrolment):
        return _stored_enrolment(session, person_id, course.id)
    signals.publish(session, signals.CourseEnrolled(person_id, course.id, enrolment.enrolled_at))
    return enrolment


def _issue_certificate(session: Session, course: Course, person_id: int, at: datetime) -> None:
    from saptah.recognition import service as recognition

    provider = directory.repo.get_org(session, course.provider_org_id)
    recognition.issue_certificate(
        session,
        person_id=person_id,
        kind="course",
        subject_id=course.id,
        title=course.title_en,
        title_hi=course.title_hi,
        issuer=provider.name_en if provider else None,
        duration_minutes=course.duration_minutes,
        achieved_at=at,
    )


def completions_for(
    session: Session, *, person_ids: Sequence[int], course_ids: Sequence[int]
) -> dict[tuple[int, int], datetime]:
    """When each of these people completed each of these courses (absent: not completed)."""
    return {(p, c): at for p, c, at in repo.completions(session, person_ids, course_ids)}  # type: ignore[misc]


def progress_for(
    session: Session, *, person_ids: Sequence[int], course_ids: Sequence[int]
) -> dict[tuple[int, int], int]:
    """Percent progress of each enrolment of these people in these courses (absent: not enrolled)."""
    return {(p, c): pct for p, c, pct in repo.progress(session, person_ids, course_ids)}


def rate(session: Session, *, person_id: int, course_id: int, stars: int, review: str | None = None) -> Rating:
    """Rate a course 1-5 stars once per person (a second rating changes the first); announced once."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput("A rating is 1 to 5 stars.")
    course = get_course(session, course_id)
    if repo.get_enrolment(session, person_id, course.id) is None:
        raise Conflict("Enrol in the course before rating it.")
    review = (review or "").strip() or None
    if review is not None and len(review) > 2000:
        raise InvalidInput("A review can be at most 2,000 characters.")
    rating = repo.get_rating(session, person_id, course.id)
    if rating is not None:
        rating.stars, rating.review = stars, review
        session.flush()
        return rating
    rating = Rating(person_id=person_id, course_id=course.id, stars=stars, review=review)
    if not repo.insert_once(session, rating):  # a concurrent first rating won; this one changes it
        return rate(session, person_id=person_id, course_id=course.id, stars=stars, review=review)
    signals.publish(session, signals.CourseRated(person_id, course.id, rating.created_at or utcnow()))
    return rating


PICK_LIMIT = 20


def pick(session: Session, q: str) -> list[dict[str, object]]:
    """Courses for a search-as-you-type picker: code, title, duration and provider of the best matches."""
    return [
        {"id": c.id, "code": c.code, "title": c.title_en, "minutes": c.duration_minutes, "provider": provider}
        for c, provider in repo.pick_courses(session, q, limit=PICK_LIMIT)
    ]


def provider_orgs(principal: Principal) -> list[int] | None:
    """The provider organisations whose courses this person publishes (None: every one, a national organiser)."""
    require_publisher(principal)
    if principal.is_national:
        return None
    return [s.org_id for s in principal.scopes if s.role == "content_provider" and s.org_id is not None]


def my_courses(session: Session, principal: Principal) -> list[dict[str, object]]:
    """A provider's own courses with their learners' figures: enrolments, completions, average minutes on task
    (of those enrolled, from the native player's time in use) and ratings where there are any."""
    return [
        {
            "course": c, "enrolments": enrolled, "completions": done, "avg_minutes": round(secs / 60, 1),
            "completion_pct": round(100 * done / enrolled, 1) if enrolled else 0.0,
            "rating": round(avg, 1) if avg is not None else None, "ratings": rated,
        }
        for c, enrolled, done, secs, avg, rated in repo.provider_course_stats(session, provider_orgs(principal))
    ]  # fmt: skip


def completions_between(session: Session, start: datetime, end: datetime) -> Iterator[signals.CourseCompleted]:
    """Every completion in [start, end] announced again from the stored completions, ordered by person: what the
    campaign engine rebuilds course credit from (the course's duration, title and competencies as they are now)."""
    facts = repo.course_facts(session)
    for pid, course_id, at, passed, source in repo.completions_between(session, start, end):
        minutes, title, linked = facts[course_id]
        yield signals.CourseCompleted(pid, course_id, at, minutes, linked, passed, source, title)


@dataclass(frozen=True)
class ShortCompletion:
    """A native completion whose time on task was unusually short."""

    person_id: int
    name: str
    email: str
    completed_at: datetime
    minutes_on_task: float


def short_completions(
    session: Session, *, principal: Principal, course_id: int, rules: TimeRules
) -> tuple[Course, int, list[ShortCompletion]]:
    """For the course's managers: its native completions, and those whose time on task was under the share of the
    declared duration the player requires (completed before the rule, or by a fast-forwarded video)."""
    course = get_course(session, course_id)
    if not may_manage(principal, course):
        raise Forbidden("Only the course's provider and national organisers see its completions' time on task.")
    rows = repo.completions_with_time(session, course.id)
    short = [r for r in rows if unusually_short(r[2], course.duration_minutes, rules)]
    people = directory.repo.people_by_ids(session, [pid for pid, _at, _s in short])
    out = [
        ShortCompletion(pid, people[pid].full_name, people[pid].email, at, round(seconds / 60, 1))
        for pid, at, seconds in short
        if pid in people
    ]
    return course, len(rows), out


# --- what the competency passport reads ---------------------------------------------------------------------------


def competency_levels(session: Session, course_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Each course's (competency id, declared level) pairs."""
    return repo.competency_levels(session, course_ids)


def best_scores(session: Session, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The best assessment score (percent) of each (person, course) with an attempt."""
    return repo.best_scores(session, pairs)


def takeable_courses_building(session: Session, competency_ids: Sequence[int]) -> list[tuple[Course, int, int]]:
    """Courses a person may take that build any of these competencies: (course, competency id, declared level)."""
    return [row for row in repo.live_courses_building(session, competency_ids) if may_take(row[0])]


def competency_dictionary(session: Session) -> list[Competency]:
    """The active competency dictionary, in area and theme order."""
    return repo.competencies(session)


def competencies_by_codes(session: Session, codes: Sequence[str]) -> dict[str, Competency]:
    """Competencies keyed by code (unknown codes are absent)."""
    return repo.competencies_by_codes(session, codes)


def completed_course_ids(session: Session, person_id: int, course_ids: Sequence[int]) -> set[int]:
    """Which of these courses the person completed."""
    return repo.completed_course_ids(session, person_id, course_ids)


def completions_announced(session: Session, pairs: Sequence[tuple[int, int]]) -> list[signals.CourseCompleted]:
    """The stored completions of these (person, course) pairs as their CourseCompleted would announce them now."""
    out = []
    courses = repo.courses_by_ids(session, sorted({c for _p, c in pairs}))
    linked = repo.competency_linked(session, list(courses))
    for pid, cid in sorted(set(pairs)):
        done, course = repo.get_completion(session, pid, cid), courses.get(cid)
        if done is not None and course is not None:
            out.append(
                signals.CourseCompleted(
                    pid, cid, done.completed_at, course.duration_minutes, cid in linked, done.assessment_passed,
                    done.source, course.title_en,
                )
            )  # fmt: skip
    return out
