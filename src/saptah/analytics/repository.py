"""Every query of analytics. Dashboards read aggregates only, never raw records.

The campaign engine's aggregates (`campaign_org_day_totals`, `campaign_person_totals`, `campaign_org_sizes`)
are read here as read-only tables: they are the engine's published read model, and a dashboard needs
grouped SQL over them that no per-person service call could give at national scale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from saptah.analytics.models import NATIONAL, CourseDayTotal, GroupDayTotal, Report
from saptah.campaigns.models import CampaignOrgDayTotal, CampaignOrgSize, CampaignPersonTotal
from saptah.directory.models import Organisation, Person
from saptah.directory.repository import in_subtrees


def add_totals(
    session: Session,
    *,
    courses: dict[tuple[int, date, int], tuple[int, int]],
    groups: dict[tuple[int, date, str], tuple[int, int]],
) -> None:
    """Add (completions, minutes) to course and group day totals: one upsert per key, keys in sorted order.

    Every writer takes these shared rows course table first, each in key order, so concurrent
    transactions wait for each other instead of deadlocking.
    """
    for model, names, adds in (
        (CourseDayTotal, ("org_id", "day", "course_id"), courses),
        (GroupDayTotal, ("org_id", "day", "grp"), groups),
    ):
        rows = [
            {**dict(zip(names, key, strict=True)), "completions": c, "minutes": m}
            for key, (c, m) in sorted(adds.items())
        ]
        if rows:
            session.connection().execute(_upsert_statement(session, model, names), rows)


def _upsert_statement(session: Session, model: Any, keys: Sequence[str]) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE adding completions and minutes (executemany-able: cached, one shape)."""
    ins = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = model.__table__
    stmt = ins(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={k: getattr(table.c, k) + stmt.excluded[k] for k in ("completions", "minutes")},
    )


def org_rows(session: Session, paths: Sequence[str] | None) -> list[tuple[int, int | None, str, str, str, str, int]]:
    """(id, parent_id, path, code, name, type, depth) of every organisation in the subtrees."""
    stmt = select(
        Organisation.id,
        Organisation.parent_id,
        Organisation.path,
        Organisation.code,
        Organisation.name_en,
        Organisation.type,
        Organisation.depth,
    ).where(in_subtrees(paths))
    return [tuple(r) for r in session.execute(stmt.order_by(Organisation.path)).all()]  # type: ignore[misc]


def _org_in(paths: Sequence[str] | None, org_col: Any) -> ColumnElement[bool]:
    """Organisation-id column lies in the subtrees (None: anywhere)."""
    if paths is None:
        return org_col.is_not(None)
    sub = select(Organisation.id).where(in_subtrees(paths))
    return org_col.in_(sub)


def org_day_by_org(
    session: Session, *, campaign_id: int, paths: Sequence[str] | None, start: date, end: date
) -> dict[int, tuple[int, int, int, int]]:
    """Per organisation: (minutes, completions, became active, reached target) over the days."""
    t = CampaignOrgDayTotal
    stmt = (
        select(
            t.org_id,
            func.sum(t.minutes),
            func.sum(t.completions),
            func.sum(t.active_people),
            func.sum(t.reached_people),
        )
        .where(t.campaign_id == campaign_id, t.day >= start, t.day <= end, _org_in(paths, t.org_id))
        .group_by(t.org_id)
    )
    return {o: (int(m or 0), int(c or 0), int(a or 0), int(r or 0)) for o, m, c, a, r in session.execute(stmt).tuples()}


def org_day_by_day(
    session: Session, *, campaign_id: int, paths: Sequence[str] | None, start: date, end: date
) -> list[tuple[date, int, int, int, int]]:
    """Per IST day: (day, minutes, completions, became active, reached target)."""
    t = CampaignOrgDayTotal
    stmt = (
        select(
            t.day, func.sum(t.minutes), func.sum(t.completions), func.sum(t.active_people), func.sum(t.reached_people)
        )
        .where(t.campaign_id == campaign_id, t.day >= start, t.day <= end, _org_in(paths, t.org_id))
        .group_by(t.day)
        .order_by(t.day)
    )
    return [(d, int(m or 0), int(c or 0), int(a or 0), int(r or 0)) for d, m, c, a, r in session.execute(stmt).all()]


def org_sizes(session: Session, campaign_id: int) -> dict[int, int]:
    """Registered people per organisation as the campaign engine last counted them (empty if never)."""
    t = CampaignOrgSize
    return dict(session.execute(select(t.org_id, t.registered).where(t.campaign_id == campaign_id)).all())


def people_by_org(session: Session, paths: Sequence[str] | None, group: str | None) -> dict[int, int]:
    """Registered (active-status) people per organisation in the subtrees, optionally of one group."""
    stmt = select(Person.org_id, func.count()).where(Person.status == "active", _org_in(paths, Person.org_id))
    if group:
        stmt = stmt.where(Person.group == group)
    return dict(session.execute(stmt.group_by(Person.org_id)).all())


def person_counts(
    session: Session, *, campaign_id: int, paths: Sequence[str] | None, group: str | None, since: Any, until: Any
) -> tuple[int, int]:
    """(active, reached target) from the per-person totals; used when a group filter is on."""
    t = CampaignPersonTotal
    stmt = select(
        func.count(),
        func.count(t.reached_target_at).filter(and_(t.reached_target_at >= since, t.reached_target_at <= until)),
    ).where(t.campaign_id == campaign_id, t.total_minutes > 0, _org_in(paths, t.org_id))
    if group:
        stmt = stmt.join(Person, Person.id == t.person_id).where(Person.group == group)
    row = session.execute(stmt).one()
    return int(row[0] or 0), int(row[1] or 0)


def group_trend(
    session: Session, *, org_ids: Sequence[int], group: str, start: date, end: date
) -> list[tuple[date, int, int]]:
    """Per IST day (day, completions, minutes) of one service group, from the group aggregate."""
    t = GroupDayTotal
    stmt = (
        select(t.day, func.sum(t.completions), func.sum(t.minutes))
        .where(t.org_id.in_(list(org_ids)), t.grp == group, t.day >= start, t.day <= end)
        .group_by(t.day)
        .order_by(t.day)
    )
    return [(d, int(c or 0), int(m or 0)) for d, c, m in session.execute(stmt).all()]


def course_totals(
    session: Session, *, org_ids: Sequence[int] | None, start: date, end: date
) -> list[tuple[int, int, int]]:
    """(course id, completions, minutes) over the days; org_ids None reads the national roll-up."""
    t = CourseDayTotal
    cond = t.org_id == NATIONAL if org_ids is None else t.org_id.in_(list(org_ids))
    stmt = (
        select(t.course_id, func.sum(t.completions), func.sum(t.minutes))
        .where(cond, t.day >= start, t.day <= end)
        .group_by(t.course_id)
    )
    return [(c, int(n or 0), int(m or 0)) for c, n, m in session.execute(stmt).all()]


def people_progress(
    session: Session,
    *,
    campaign_id: int,
    paths: Sequence[str],
    group: str | None,
    kind: str,
    close_from: int,
    limit: int | None,
) -> Iterator[tuple[Any, ...]]:
    """People of the subtrees who have not started, or are close to the target, with their minutes.

    Rows: (person id, name, e-mail, designation, group, organisation, minutes). A full list (exports) is by
    organisation and name. A preview of "not started" (limit) takes the first `limit` people the database finds,
    with no ORDER BY so it stops early (sorting 40,000 not-started people of a ministry to show 50 cost 160 ms),
    and sorts those by organisation and name.
    """
    if kind == "not_started":
        stmt = _not_started(campaign_id, paths, ordered=limit is None)
    else:
        stmt = _close(campaign_id, paths, close_from)
    if group:
        stmt = stmt.where(Person.group == group)
    if limit is None:
        yield from session.execute(stmt.execution_options(yield_per=5000)).tuples()
        return
    rows = list(session.execute(stmt.limit(limit)).tuples())
    if kind == "not_started":
        rows.sort(key=lambda r: (r[5] or "", r[1] or "", r[0]))
    yield from rows


PEOPLE_COLUMNS = (Person.id, Person.full_name, Person.email, Person.designation, Person.group, Organisation.name_en)


def _not_started(campaign_id: int, paths: Sequence[str], *, ordered: bool) -> Any:
    """People of the subtrees with no credited minute (by organisation and name, or unordered for a preview)."""
    t = CampaignPersonTotal
    started = select(t.person_id).where(t.campaign_id == campaign_id, t.person_id == Person.id, t.total_minutes > 0)
    stmt = (
        select(*PEOPLE_COLUMNS, literal(0))
        .join(Organisation, Organisation.id == Person.org_id)
        .where(_org_in(paths, Person.org_id), Person.status == "active", ~started.exists())
    )
    return stmt.order_by(Organisation.name_en, Person.full_name, Person.id) if ordered else stmt


def _close(campaign_id: int, paths: Sequence[str], close_from: int) -> Any:
    """People of the subtrees at or above `close_from` minutes who have not reached the target, most first."""
    t = CampaignPersonTotal
    return (
        select(*PEOPLE_COLUMNS, t.total_minutes)
        .select_from(t)
        .join(Person, Person.id == t.person_id)
        .join(Organisation, Organisation.id == t.org_id)
        .where(
            t.campaign_id == campaign_id,
            _org_in(paths, t.org_id),
            t.total_minutes >= close_from,
            t.reached_target_at.is_(None),
            Person.status == "active",
        )
        .order_by(t.total_minutes.desc(), Person.id)
    )


def person_total(session: Session, campaign_id: int, person_id: int) -> CampaignPersonTotal | None:
    """A person's campaign totals row."""
    t = CampaignPersonTotal
    return session.scalar(select(t).where(t.campaign_id == campaign_id, t.person_id == person_id))


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def get_report(session: Session, report_id: int) -> Report | None:
    """A report by id."""
    return session.get(Report, report_id)


def reports_of(session: Session, campaign_id: int, org_id: int | None, limit: int = 5) -> list[Report]:
    """Latest reports of a campaign and scope (org None: national), newest first."""
    cond = Report.org_id.is_(None) if org_id is None else Report.org_id == org_id
    stmt = select(Report).where(Report.campaign_id == campaign_id, cond).order_by(Report.id.desc()).limit(limit)
    return list(session.scalars(stmt))


def course_rows(session: Session, course_ids: Sequence[int] | None) -> list[tuple[int, str, str | None, str]]:
    """(id, title, provider name, languages) of courses (None: every course; the catalogue's table, read-only)."""
    from saptah.catalog.models import Course

    stmt = select(Course.id, Course.title_en, Organisation.name_en, Course.languages).outerjoin(
        Organisation, Organisation.id == Course.provider_org_id
    )
    if course_ids is not None:
        stmt = stmt.where(Course.id.in_(list(course_ids)))
    return [tuple(r) for r in session.execute(stmt).all()]  # type: ignore[misc]


def course_areas(session: Session, course_ids: Sequence[int] | None) -> dict[int, set[str]]:
    """Competency areas each course builds (None: of every course)."""
    from saptah.catalog.models import Competency, CourseCompetency

    stmt = (
        select(CourseCompetency.course_id, Competency.area)
        .join(Competency, Competency.id == CourseCompetency.competency_id)
        .distinct()
    )
    if course_ids is not None:
        stmt = stmt.where(CourseCompetency.course_id.in_(list(course_ids)))
    out: dict[int, set[str]] = defaultdict(set)
    for cid, area in session.execute(stmt).all():
        out[cid].add(area)
    return out


def events_between(session: Session, kinds: Sequence[str], start: Any, end: Any) -> list[Any]:
    """Events of these kinds starting in [start, end], not cancelled (the events domain's table, read-only)."""
    from saptah.events.models import Event

    stmt = (
        select(Event)
        .where(
            Event.kind.in_(list(kinds)), Event.cancelled_at.is_(None), Event.starts_at >= start, Event.starts_at <= end
        )
        .order_by(Event.starts_at)
    )
    return list(session.scalars(stmt))
