"""Every query of the catalogue, including full-text search on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saptah.catalog.models import (
    SEARCH_EXPR,
    AssessmentAttempt,
    Collection,
    CollectionItem,
    Competency,
    Course,
    CourseCompetency,
    CourseCompletion,
    CourseModule,
    CourseStatus,
    Enrolment,
    LaunchKind,
    ModuleProgress,
    Rating,
    ScormPackage,
)
from saptah.core import fulltext
from saptah.core.bulk import streamed
from saptah.core.pairs import pairs_in
from saptah.directory.models import Organisation

# Letters and digits, with the combining vowel signs of Indic and Arabic scripts (Python's \w splits "तनाव").


@dataclass(frozen=True)
class CourseFilter:
    """What a catalogue search asks for; None means "any"."""

    q: str | None = None
    competency_id: int | None = None
    provider_org_id: int | None = None
    language: str | None = None
    category: str | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    statuses: tuple[str, ...] = ("live",)


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def insert_once(session: Session, row: object) -> bool:
    """Insert a row guarded by a unique key; False when another transaction stored the same key first."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return False
    return True


def get_course(session: Session, course_id: int) -> Course | None:
    """A course by id."""
    return session.get(Course, course_id)


def course_by_code(session: Session, code: str) -> Course | None:
    """A course by its code."""
    return session.scalar(select(Course).where(Course.code == code))


def courses_by_ids(session: Session, ids: Sequence[int]) -> dict[int, Course]:
    """Courses keyed by id."""
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Course).where(Course.id.in_(set(ids))))}


def course_by_activity(session: Session, activity_id: str) -> Course | None:
    """The course whose activity IRI this is."""
    return session.scalar(select(Course).where(Course.activity_id == activity_id))


def cmi5_courses(session: Session) -> list[Course]:
    """Courses launched as cmi5 packages (few; their AU lists are searched in Python)."""
    return list(session.scalars(select(Course).where(Course.launch_kind == LaunchKind.CMI5.value)))


def existing_codes(session: Session, codes: Sequence[str]) -> set[str]:
    """Which of these course codes are stored."""
    if not codes:
        return set()
    return set(session.scalars(select(Course.code).where(Course.code.in_(set(codes)))))


def _search_stmt(session: Session, f: CourseFilter) -> Select[Course]:
    stmt = select(Course)
    if f.statuses:
        stmt = stmt.where(Course.status.in_(f.statuses))
    if f.q and f.q.strip():
        stmt = stmt.where(_text_match(session, f.q))
    if f.competency_id is not None:
        linked = select(CourseCompetency.course_id).where(CourseCompetency.competency_id == f.competency_id)
        stmt = stmt.where(Course.id.in_(linked))
    if f.provider_org_id is not None:
        stmt = stmt.where(Course.provider_org_id == f.provider_org_id)
    if f.language:
        stmt = stmt.where(("|" + Course.languages + "|").contains(f"|{f.language}|", autoescape=True))
    if f.category:
        stmt = stmt.where(Course.category == f.category)
    if f.min_minutes is not None:
        stmt = stmt.where(Course.duration_minutes >= f.min_minutes)
    if f.max_minutes is not None:
        stmt = stmt.where(Course.duration_minutes <= f.max_minutes)
    return stmt


def _text_match(session: Session, q: str) -> ColumnElement[bool]:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        tsq = fulltext.pg_tsquery(q)
        if tsq is None:
            return literal_column("false")
        return text(f"{SEARCH_EXPR} @@ to_tsquery('simple', :tsq)").bindparams(tsq=tsq)  # type: ignore[return-value]
    fts = fulltext.fts5_query(q)
    if fts is None:
        return literal_column("0 = 1")
    matched = text("SELECT rowid FROM courses_fts WHERE courses_fts MATCH :fts").bindparams(fts=fts)
    return Course.id.in_(matched)


def search_courses(session: Session, f: CourseFilter, *, page: int, size: int) -> tuple[int, list[Course]]:
    """One page of matching courses (title order) and how many match in all."""
    stmt = _search_stmt(session, f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Course.title_en, Course.id).offset((page - 1) * size).limit(size))
    return total, list(rows)


def all_courses(session: Session, statuses: Sequence[str] | None = None) -> list[Course]:
    """Every course (for exports), by code."""
    stmt = select(Course).order_by(Course.code)
    if statuses:
        stmt = stmt.where(Course.status.in_(statuses))
    return list(session.scalars(stmt))


def competencies(session: Session, *, active_only: bool = True) -> list[Competency]:
    """The competency dictionary in area/theme order."""
    stmt = select(Competency).order_by(Competency.area, Competency.theme, Competency.sub_theme)
    if active_only:
        stmt = stmt.where(Competency.active.is_(True))
    return list(session.scalars(stmt))


def competencies_by_codes(session: Session, codes: Sequence[str]) -> dict[str, Competency]:
    """Competencies keyed by code."""
    if not codes:
        return {}
    return {c.code: c for c in session.scalars(select(Competency).where(Competency.code.in_(set(codes))))}


def get_competency(session: Session, competency_id: int) -> Competency | None:
    """A competency by id."""
    return session.get(Competency, competency_id)


def competencies_of(session: Session, course_ids: Sequence[int]) -> dict[int, list[Competency]]:
    """Each course's competencies."""
    out: dict[int, list[Competency]] = {cid: [] for cid in course_ids}
    if not course_ids:
        return out
    stmt = (
        select(CourseCompetency.course_id, Competency)
        .join(Competency, Competency.id == CourseCompetency.competency_id)
        .where(CourseCompetency.course_id.in_(set(course_ids)))
        .order_by(Competency.theme)
    )
    for cid, comp in session.execute(stmt):
        out.setdefault(cid, []).append(comp)
    return out


def has_competency(session: Session, course_id: int) -> bool:
    """True when the course builds at least one competency."""
    stmt = select(CourseCompetency.course_id).where(CourseCompetency.course_id == course_id).limit(1)
    return session.scalar(stmt) is not None


def set_competencies(
    session: Session, course_id: int, competency_ids: Sequence[int], levels: dict[int, int] | None = None
) -> None:
    """Replace a course's competencies (with the level each is declared at; 1 when not given)."""
    session.query(CourseCompetency).filter(CourseCompetency.course_id == course_id).delete()
    session.add_all(
        CourseCompetency(course_id=course_id, competency_id=cid, level=(levels or {}).get(cid, 1))
        for cid in dict.fromkeys(competency_ids)
    )
    session.flush()


def competency_levels(session: Session, course_ids: Sequence[int]) -> dict[int, list[tuple[int, int]]]:
    """Each course's (competency id, declared level) pairs."""
    out: dict[int, list[tuple[int, int]]] = {}
    if not course_ids:
        return out
    cc = CourseCompetency
    stmt = select(cc.course_id, cc.competency_id, cc.level).where(cc.course_id.in_(set(course_ids)))
    for cid, comp, level in session.execute(stmt).all():
        out.setdefault(int(cid), []).append((int(comp), int(level)))
    return out


def best_scores(session: Session, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The best assessment score (percent) of each (person, course) that has an attempt."""
    if not pairs:
        return {}
    a = AssessmentAttempt
    people = sorted({p for p, _c in pairs})
    courses = sorted({c for _p, c in pairs})
    stmt = (
        select(a.person_id, a.course_id, func.max(a.score_percent))
        .where(a.person_id.in_(people), a.course_id.in_(courses))
        .group_by(a.person_id, a.course_id)
    )
    wanted = set(pairs)
    return {(int(p), int(c)): int(s) for p, c, s in session.execute(stmt).all() if (p, c) in wanted}


def live_courses_building(session: Session, competency_ids: Sequence[int]) -> list[tuple[Course, int, int]]:
    """Live courses that build any of these competencies: (course, competency id, declared level)."""
    if not competency_ids:
        return []
    cc = CourseCompetency
    stmt = (
        select(Course, cc.competency_id, cc.level)
        .join(cc, cc.course_id == Course.id)
        .where(cc.competency_id.in_(set(competency_ids)), Course.status == CourseStatus.LIVE.value)
        .order_by(Course.id)
    )
    return [(course, int(comp), int(level)) for course, comp, level in session.execute(stmt).all()]


def modules_of(session: Session, course_id: int) -> list[CourseModule]:
    """A course's modules in order."""
    stmt = select(CourseModule).where(CourseModule.course_id == course_id).order_by(CourseModule.position)
    return list(session.scalars(stmt))


def get_module(session: Session, module_id: int) -> CourseModule | None:
    """A module by id."""
    return session.get(CourseModule, module_id)


def get_enrolment(session: Session, person_id: int, course_id: int) -> Enrolment | None:
    """A person's enrolment in a course."""
    stmt = select(Enrolment).where(Enrolment.person_id == person_id, Enrolment.course_id == course_id)
    return session.scalar(stmt)


def enrolled_person_ids(session: Session, course_id: int, person_ids: Sequence[int]) -> set[int]:
    """Which of these people are already enrolled in the course."""
    if not person_ids:
        return set()
    stmt = select(Enrolment.person_id).where(Enrolment.course_id == course_id, Enrolment.person_id.in_(person_ids))
    return set(session.scalars(stmt))


def enrolments_of(session: Session, person_id: int) -> list[Enrolment]:
    """A person's enrolments, newest first."""
    stmt = select(Enrolment).where(Enrolment.person_id == person_id).order_by(Enrolment.enrolled_at.desc())
    return list(session.scalars(stmt))


def get_completion(session: Session, person_id: int, course_id: int) -> CourseCompletion | None:
    """A person's completion of a course."""
    stmt = select(CourseCompletion).where(
        CourseCompletion.person_id == person_id, CourseCompletion.course_id == course_id
    )
    return session.scalar(stmt)


def completions(
    session: Session, person_ids: Sequence[int], course_ids: Sequence[int]
) -> list[tuple[int, int, object]]:
    """(person, course, completed_at) for these people and courses."""
    if not person_ids or not course_ids:
        return []
    stmt = select(CourseCompletion.person_id, CourseCompletion.course_id, CourseCompletion.completed_at).where(
        CourseCompletion.person_id.in_(set(person_ids)), CourseCompletion.course_id.in_(set(course_ids))
    )
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def progress(session: Session, person_ids: Sequence[int], course_ids: Sequence[int]) -> list[tuple[int, int, int]]:
    """(person, course, percent) of enrolments for these people and courses."""
    if not person_ids or not course_ids:
        return []
    stmt = select(Enrolment.person_id, Enrolment.course_id, Enrolment.progress_percent).where(
        Enrolment.person_id.in_(set(person_ids)), Enrolment.course_id.in_(set(course_ids))
    )
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def module_progress(session: Session, person_id: int, course_id: int) -> dict[int, ModuleProgress]:
    """A person's progress rows for a course, keyed by module."""
    stmt = select(ModuleProgress).where(ModuleProgress.person_id == person_id, ModuleProgress.course_id == course_id)
    return {m.module_id: m for m in session.scalars(stmt)}


def attempts(session: Session, person_id: int, course_id: int) -> list[AssessmentAttempt]:
    """A person's assessment attempts for a course, in order."""
    stmt = (
        select(AssessmentAttempt)
        .where(AssessmentAttempt.person_id == person_id, AssessmentAttempt.course_id == course_id)
        .order_by(AssessmentAttempt.attempt_no)
    )
    return list(session.scalars(stmt))


def get_rating(session: Session, person_id: int, course_id: int) -> Rating | None:
    """A person's rating of a course."""
    return session.scalar(select(Rating).where(Rating.person_id == person_id, Rating.course_id == course_id))


def rating_summary(session: Session, course_id: int) -> tuple[float | None, int]:
    """Average stars and number of ratings."""
    row = session.execute(
        select(func.avg(Rating.stars), func.count(Rating.id)).where(Rating.course_id == course_id)
    ).one()
    return (float(row[0]) if row[0] is not None else None, int(row[1]))


def get_collection(session: Session, collection_id: int) -> Collection | None:
    """A collection by id."""
    return session.get(Collection, collection_id)


def collection_by_code(session: Session, code: str) -> Collection | None:
    """A collection by code."""
    return session.scalar(select(Collection).where(Collection.code == code))


def collections(session: Session) -> list[Collection]:
    """Every collection and program."""
    return list(session.scalars(select(Collection).order_by(Collection.title_en)))


def collection_course_ids(session: Session, collection_id: int) -> list[int]:
    """The courses of a collection, in order."""
    stmt = (
        select(CollectionItem.course_id)
        .where(CollectionItem.collection_id == collection_id)
        .order_by(CollectionItem.position)
    )
    return list(session.scalars(stmt))


def collections_containing(session: Session, course_id: int) -> list[Collection]:
    """Collections that include a course."""
    stmt = (
        select(Collection)
        .join(CollectionItem, CollectionItem.collection_id == Collection.id)
        .where(CollectionItem.course_id == course_id)
    )
    return list(session.scalars(stmt))


def completed_course_ids(session: Session, person_id: int, course_ids: Sequence[int]) -> set[int]:
    """Which of these courses the person has completed."""
    if not course_ids:
        return set()
    stmt = select(CourseCompletion.course_id).where(
        CourseCompletion.person_id == person_id, CourseCompletion.course_id.in_(set(course_ids))
    )
    return set(session.scalars(stmt))


def count_courses(session: Session) -> int:
    """How many courses are stored."""
    return session.scalar(select(func.count(Course.id))) or 0


def courses_by_activities(session: Session, activity_ids: Sequence[str]) -> dict[str, Course]:
    """Courses by their xAPI activity IRI (one query for a batch of statements)."""
    if not activity_ids:
        return {}
    stmt = select(Course).where(Course.activity_id.in_(set(activity_ids)))
    return {c.activity_id: c for c in session.scalars(stmt)}


def completed_of(session: Session, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these exact (person, course) pairs are completed."""
    if not pairs:
        return set()
    c = CourseCompletion
    stmt = select(c.person_id, c.course_id).where(pairs_in(session, c.person_id, c.course_id, pairs))
    return {(p, k) for p, k in session.execute(stmt).tuples()}


@dataclass(frozen=True)
class Progress:
    """An enrolment's progress columns, as an xAPI batch reads and writes them."""

    id: int
    progress_percent: int
    last_active_at: datetime | None


def progress_for_update(session: Session, pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], Progress]:
    """The enrolments of these exact (person, course) pairs, locked in id order (PostgreSQL) so that concurrent
    batches updating the same enrolments take their locks in one order and read each other's progress."""
    if not pairs:
        return {}
    e = Enrolment
    stmt = (
        select(e.id, e.person_id, e.course_id, e.progress_percent, e.last_active_at)
        .where(pairs_in(session, e.person_id, e.course_id, pairs))
        .order_by(e.id)
        .with_for_update()
    )
    return {(r[1], r[2]): Progress(r[0], r[3], r[4]) for r in session.execute(stmt).tuples()}


def refuse_xapi_completions(session: Session, refused: Sequence[tuple[int, int, datetime]]) -> None:
    """Remember, on each (person, course) enrolment, the first xAPI statement that claimed a native course's
    completion (which is not credited)."""
    if not refused:
        return
    t: Table = Enrolment.__table__  # type: ignore[assignment]
    col = t.c.xapi_completion_refused_at
    stmt = (
        update(t)
        .where(t.c.person_id == bindparam("p"), t.c.course_id == bindparam("c"))
        .values(xapi_completion_refused_at=func.coalesce(col, bindparam("at", type_=col.type)))
    )
    session.connection().execute(stmt, [{"p": p, "c": c, "at": at} for p, c, at in sorted(refused)])


def write_progress(session: Session, rows: Sequence[Progress]) -> None:
    """Set these enrolments' progress and last activity: one statement (PostgreSQL) or one executemany."""
    if not rows:
        return
    rows = sorted(rows, key=lambda r: r.id)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "UPDATE enrolments SET progress_percent = v.p, last_active_at = v.l "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:ps AS smallint[]), CAST(:ls AS timestamptz[])) "
                "AS v(id, p, l) WHERE enrolments.id = v.id"
            ),
            {
                "ids": [r.id for r in rows],
                "ps": [r.progress_percent for r in rows],
                "ls": [r.last_active_at for r in rows],
            },
        )
        return
    table: Table = Enrolment.__table__  # type: ignore[assignment]
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(progress_percent=bindparam("_p"), last_active_at=bindparam("_l"))
    )
    session.connection().execute(stmt, [{"_id": r.id, "_p": r.progress_percent, "_l": r.last_active_at} for r in rows])


def insert_completions(session: Session, rows: list[dict[str, object]]) -> set[tuple[int, int]]:
    """Insert completions in one statement, skipping any (person, course) already completed (by a concurrent
    transaction too); returns the (person, course) pairs inserted."""
    if not rows:
        return set()
    from sqlalchemy.dialects import postgresql, sqlite

    table: Table = CourseCompletion.__table__  # type: ignore[assignment]
    pg = session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql.insert(table) if pg else sqlite.insert(table)).values(rows)
    stmt = stmt.on_conflict_do_nothing(index_elements=["person_id", "course_id"])
    returning = stmt.returning(table.c.person_id, table.c.course_id)
    return {(r[0], r[1]) for r in session.execute(returning)}


def mark_assessment_passed(session: Session, pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Record that these (person, course) completions' assessments were passed; the pairs that were not yet."""
    if not pairs:
        return set()
    c = CourseCompletion
    changed = session.execute(
        update(c)
        .where(pairs_in(session, c.person_id, c.course_id, pairs), c.assessment_passed.is_(False))
        .values(assessment_passed=True)
        .returning(c.person_id, c.course_id)
        .execution_options(synchronize_session=False)
    )
    return {(int(pid), int(course_id)) for pid, course_id in changed}


def competency_linked(session: Session, course_ids: Sequence[int]) -> set[int]:
    """Which of these courses build at least one competency."""
    if not course_ids:
        return set()
    stmt = select(CourseCompetency.course_id).where(CourseCompetency.course_id.in_(set(course_ids))).distinct()
    return set(session.scalars(stmt))


def course_facts(session: Session) -> dict[int, tuple[int, str, bool]]:
    """Every course's duration, title and whether it builds a competency (what a completion credits)."""
    linked = set(session.scalars(select(CourseCompetency.course_id).distinct()))
    rows = session.execute(select(Course.id, Course.duration_minutes, Course.title_en))
    return {cid: (minutes, title, cid in linked) for cid, minutes, title in rows}


def completions_between(session: Session, start: datetime, end: datetime) -> Iterable[Any]:
    """Completions in [start, end] ordered by person and course, streamed as Core rows: person_id, course_id,
    completed_at, assessment_passed, source."""
    c = CourseCompletion
    stmt = (
        select(c.person_id, c.course_id, c.completed_at, c.assessment_passed, c.source)
        .where(c.completed_at >= start, c.completed_at <= end)
        .order_by(c.person_id, c.course_id)
        .execution_options(yield_per=20000)
    )
    return streamed(session.connection().execute(stmt))


def completion_rows(start: datetime, end: datetime) -> Any:
    """Completions in [start, end] as a query with the columns of `signals.CourseCompleted` (the course's duration,
    title and competencies as they are now, as `completions_between` announces them)."""
    c = CourseCompletion
    linked = select(CourseCompetency.course_id).where(CourseCompetency.course_id == c.course_id).exists()
    return (
        select(
            c.person_id,
            c.course_id,
            c.completed_at,
            Course.duration_minutes.label("duration_minutes"),
            linked.label("competency_linked"),
            c.assessment_passed,
            c.source,
            Course.title_en.label("title"),
        )
        .join(Course, Course.id == c.course_id)
        .where(c.completed_at >= start, c.completed_at <= end)
    )


def insert_enrolments(session: Session, rows: list[dict[str, object]]) -> set[tuple[int, int]]:
    """Insert enrolments, skipping any a concurrent transaction stored first; returns the (person, course) added."""
    if not rows:
        return set()
    from sqlalchemy.dialects import postgresql, sqlite

    table: Table = Enrolment.__table__  # type: ignore[assignment]
    pg = session.get_bind().dialect.name == "postgresql"
    stmt = (postgresql.insert(table) if pg else sqlite.insert(table)).on_conflict_do_nothing(
        index_elements=["person_id", "course_id"]
    )
    stmt = stmt.returning(table.c.person_id, table.c.course_id)  # type: ignore[assignment]
    result = session.connection().execute(stmt, rows)
    return {(r[0], r[1]) for r in result}


def pick_courses(session: Session, q: str, *, limit: int) -> list[tuple[Course, str]]:
    """Live courses for a picker, with their provider's name: every word of `q` in the title (as typed, so
    'yog' finds Yoga), or the code starting with it; title order."""
    words = [w for w in q.lower().split() if w][:8]
    if not words:
        return []
    in_title = and_(*[func.lower(Course.title_en).contains(w, autoescape=True) for w in words])
    by_code = func.upper(Course.code).startswith(q.strip().upper(), autoescape=True)
    stmt = (
        select(Course, Organisation.name_en)
        .join(Organisation, Organisation.id == Course.provider_org_id)
        .where(Course.status == CourseStatus.LIVE.value, or_(in_title, by_code))
        .order_by(by_code.desc(), Course.title_en, Course.id)
        .limit(limit)
    )
    return [(c, name) for c, name in session.execute(stmt).tuples()]


def provider_course_stats(
    session: Session, org_ids: Sequence[int] | None
) -> list[tuple[Course, int, int, float, float | None, int]]:
    """Each course of these providers (None: all) with its enrolments, completions, average seconds on task of
    the enrolled, average rating and number of ratings: one grouped subquery per figure."""
    enrolled = (
        select(Enrolment.course_id, func.count().label("n"), func.avg(Enrolment.seconds_in_use).label("secs"))
        .group_by(Enrolment.course_id)
        .subquery()
    )
    completed = (
        select(CourseCompletion.course_id, func.count().label("n")).group_by(CourseCompletion.course_id).subquery()
    )
    rated = (
        select(Rating.course_id, func.avg(Rating.stars).label("avg"), func.count().label("n"))
        .group_by(Rating.course_id)
        .subquery()
    )
    stmt = (
        select(
            Course,
            func.coalesce(enrolled.c.n, 0),
            func.coalesce(completed.c.n, 0),
            func.coalesce(enrolled.c.secs, 0),
            rated.c.avg,
            func.coalesce(rated.c.n, 0),
        )
        .outerjoin(enrolled, enrolled.c.course_id == Course.id)
        .outerjoin(completed, completed.c.course_id == Course.id)
        .outerjoin(rated, rated.c.course_id == Course.id)
        .order_by(Course.title_en, Course.id)
    )
    if org_ids is not None:
        stmt = stmt.where(Course.provider_org_id.in_(list(org_ids)))
    return [
        (c, int(e), int(d), float(s or 0), float(a) if a is not None else None, int(n))
        for c, e, d, s, a, n in session.execute(stmt).tuples()
    ]


def completions_with_time(session: Session, course_id: int, *, limit: int = 5000) -> list[tuple[int, datetime, int]]:
    """A course's completions in the native player with the time on task its enrolment recorded, shortest first:
    (person id, completed at, seconds)."""
    stmt = (
        select(CourseCompletion.person_id, CourseCompletion.completed_at, Enrolment.seconds_in_use)
        .join(
            Enrolment,
            (Enrolment.person_id == CourseCompletion.person_id) & (Enrolment.course_id == CourseCompletion.course_id),
        )
        .where(CourseCompletion.course_id == course_id, CourseCompletion.source == "native")
        .order_by(Enrolment.seconds_in_use, CourseCompletion.person_id)
        .limit(limit)
    )
    return [(r[0], r[1], int(r[2] or 0)) for r in session.execute(stmt)]


def has_scorm_package(session: Session, course_id: int) -> bool:
    """True when a course has a SCORM package."""
    return session.scalar(select(ScormPackage.id).where(ScormPackage.course_id == course_id).limit(1)) is not None


def course_where(course_id: Any, condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """SQL condition: the course with this id (a column of another table) meets `condition`."""
    return exists().where(Course.id == course_id, condition)
