"""Every query of the competency passport."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from saptah.catalog.models import Competency
from saptah.core.bulk import among, copy_rows, is_pg
from saptah.core.pairs import pairs_in
from saptah.directory.models import Organisation, Person
from saptah.passport.levels import MAX_LEVEL, REPEAT
from saptah.passport.models import NeedDayTotal, NeedTotal, PassportEvidence, PassportLevel, RoleNeed
from saptah.passport.schemas import EvidenceIn

EVIDENCE: Table = PassportEvidence.__table__  # type: ignore[assignment]
LEVELS: Table = PassportLevel.__table__  # type: ignore[assignment]
CHUNK = 5000  # people whose levels are rebuilt in one statement


# --- evidence and levels ------------------------------------------------------------------------------------------


def replace_evidence(session: Session, keys: Sequence[tuple[int, str]], rows: Sequence[EvidenceIn]) -> None:
    """Make the stored evidence of these (person, source key) pairs exactly `rows` (replays converge)."""
    if keys:
        e = PassportEvidence
        session.execute(delete(e).where(pairs_in(session, e.person_id, e.source_key, keys)))
    if rows:
        ins = _upsert(session, EVIDENCE)
        keep = {c: ins.excluded[c] for c in ("kind", "object_id", "title", "level", "score", "earned_at")}
        stmt = ins.on_conflict_do_update(index_elements=["person_id", "source_key", "competency_id"], set_=keep)
        session.execute(stmt, [_row(r) for r in sorted(rows, key=_order)])


def _order(r: EvidenceIn) -> tuple[int, str, int]:
    return (r.person_id, r.source_key, r.competency_id)


def _row(r: EvidenceIn) -> dict[str, Any]:
    return {
        "person_id": r.person_id, "competency_id": r.competency_id, "source_key": r.source_key, "kind": r.kind,
        "object_id": r.object_id, "title": r.title[:300], "level": r.level, "score": r.score,
        "earned_at": r.earned_at,
    }  # fmt: skip


def copy_evidence(session: Session, rows: Sequence[EvidenceIn]) -> None:
    """Bulk-insert evidence (the rebuild's path: COPY on PostgreSQL)."""
    copy_rows(session, EVIDENCE, [_row(r) for r in rows])


def forget_person(session: Session, person_id: int) -> None:
    """Delete a person's passport: their evidence and levels (erasure)."""
    session.execute(delete(PassportLevel).where(PassportLevel.person_id == person_id))
    session.execute(delete(PassportEvidence).where(PassportEvidence.person_id == person_id))


def clear_all(session: Session) -> None:
    """Forget every passport (before a rebuild from the sources)."""
    session.execute(delete(PassportLevel))
    session.execute(delete(PassportEvidence))


def rebuild_levels(session: Session, person_ids: Sequence[int] | None) -> None:
    """Recompute the levels these people reached (everyone's when None) from their evidence, set-based.

    The arithmetic of `levels.held_after`: after each piece of evidence in time order, the held level is the best
    evidence so far plus one for every REPEAT more pieces; each level up to it is reached at the first such moment.
    """
    if person_ids is not None and not person_ids:
        return
    chunks = [None] if person_ids is None else [person_ids[i : i + CHUNK] for i in range(0, len(person_ids), CHUNK)]
    for chunk in chunks:
        if chunk is None:
            _rebuild_chunk(session, None)
            refresh_totals(session)
            continue
        before = reached_days(session, chunk)  # the gaps dashboard's totals follow in the same transaction
        _rebuild_chunk(session, chunk)
        after = reached_days(session, chunk)
        add_reached(session, {k: after.get(k, 0) - before.get(k, 0) for k in before.keys() | after.keys()})


def _rebuild_chunk(session: Session, person_ids: Sequence[int] | None) -> None:
    e = PassportEvidence
    window: dict[str, Any] = {
        "partition_by": (e.person_id, e.competency_id),
        "order_by": (e.earned_at, e.id),
        "rows": (None, 0),
    }
    held = (func.max(e.level).over(**window) + (func.count().over(**window) - 1) // REPEAT).label("held")
    run = select(e.person_id, e.competency_id, e.earned_at, held)
    if person_ids is not None:
        session.execute(delete(PassportLevel).where(among(session, PassportLevel.person_id, person_ids)))
        run = run.where(among(session, e.person_id, person_ids))
    runs = run.subquery("r")
    steps = union_all(*[select(literal(n).label("level")) for n in range(1, MAX_LEVEL + 1)]).subquery("l")
    source = (
        select(runs.c.person_id, runs.c.competency_id, steps.c.level, func.min(runs.c.earned_at))
        .join(steps, runs.c.held >= steps.c.level)
        .group_by(runs.c.person_id, runs.c.competency_id, steps.c.level)
    )
    cols = ["person_id", "competency_id", "level", "reached_at"]
    if person_ids is None:  # everyone's: start from empty
        session.execute(delete(PassportLevel))
        session.execute(insert(LEVELS).from_select(cols, source))
        return
    # two transactions of one person (two completions at once) may both rebuild: the later one wins, no error
    ins = _upsert(session, LEVELS).from_select(cols, source)
    session.execute(ins.on_conflict_do_update(index_elements=cols[:3], set_={"reached_at": ins.excluded.reached_at}))


def _upsert(session: Session, table: Table) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if is_pg(session) else sqlite.insert)(table)


def holdings(session: Session, person_id: int) -> list[tuple[Competency, int, datetime]]:
    """The competencies a person holds: (competency, level, when that level was reached), by area and theme."""
    lv = PassportLevel
    top = (
        select(lv.competency_id, func.max(lv.level).label("level"))
        .where(lv.person_id == person_id)
        .group_by(lv.competency_id)
        .subquery()
    )
    stmt = (
        select(Competency, top.c.level, lv.reached_at)
        .join(top, top.c.competency_id == Competency.id)
        .join(lv, and_(lv.person_id == person_id, lv.competency_id == top.c.competency_id, lv.level == top.c.level))
        .order_by(Competency.area, Competency.theme, Competency.code)
    )
    return [(c, int(level), at) for c, level, at in session.execute(stmt).all()]


def held_levels(session: Session, person_id: int) -> dict[int, int]:
    """Each competency the person holds, with the level."""
    lv = PassportLevel
    stmt = select(lv.competency_id, func.max(lv.level)).where(lv.person_id == person_id).group_by(lv.competency_id)
    return {int(c): int(level) for c, level in session.execute(stmt).all()}


def evidence_of(session: Session, person_id: int) -> list[PassportEvidence]:
    """A person's evidence, newest first."""
    e = PassportEvidence
    stmt = select(e).where(e.person_id == person_id).order_by(e.earned_at.desc(), e.id)
    return list(session.scalars(stmt))


def count_evidence(session: Session) -> int:
    """How many evidence rows are stored."""
    return int(session.scalar(select(func.count()).select_from(PassportEvidence)) or 0)


def all_levels(session: Session) -> list[tuple[int, int, int, datetime]]:
    """Every stored level row (tests and checks compare rebuilds with live ingest)."""
    lv = PassportLevel
    stmt = select(lv.person_id, lv.competency_id, lv.level, lv.reached_at).order_by(
        lv.person_id, lv.competency_id, lv.level
    )
    return [(int(p), int(c), int(level), at) for p, c, level, at in session.execute(stmt).all()]


# --- needs --------------------------------------------------------------------------------------------------------


def get_need(session: Session, need_id: int) -> RoleNeed | None:
    """A need by id."""
    return session.get(RoleNeed, need_id)


def needs_of_orgs(session: Session, org_ids: Sequence[int]) -> list[tuple[RoleNeed, Competency]]:
    """The needs these organisations defined, with their competencies."""
    if not org_ids:
        return []
    n = RoleNeed
    stmt = (
        select(n, Competency)
        .join(Competency, Competency.id == n.competency_id)
        .where(n.org_id.in_(set(org_ids)))
        .order_by(n.org_id, n.designation_key, n.grp, Competency.code)
    )
    return [(need, comp) for need, comp in session.execute(stmt).all()]


def find_need(session: Session, org_id: int, designation_key: str, grp: str, competency_id: int) -> RoleNeed | None:
    """The need of this organisation for this designation, group and competency."""
    n = RoleNeed
    stmt = select(n).where(
        n.org_id == org_id, n.designation_key == designation_key, n.grp == grp, n.competency_id == competency_id
    )
    return session.scalar(stmt)


def add(session: Session, row: object) -> None:
    """Stage and flush a row."""
    session.add(row)
    session.flush()


def remove_need(session: Session, need: RoleNeed) -> None:
    """Delete a need and its totals."""
    session.execute(delete(NeedDayTotal).where(NeedDayTotal.need_id == need.id))
    session.execute(delete(NeedTotal).where(NeedTotal.need_id == need.id))
    session.delete(need)
    session.flush()


# --- the gaps dashboard's running totals --------------------------------------------------------------------------
#
# A person counts toward (need, their organisation) when active and the need, defined at or above their
# organisation, matches their designation and group; they hold it at the need's level. The same joins serve the
# rebuild (everything, one need, some organisations: recomputed from the source) and live level changes (the
# difference of a few people's contribution before and after, added to the rows).

TOTALS: Table = NeedTotal.__table__  # type: ignore[assignment]
DAYS: Table = NeedDayTotal.__table__  # type: ignore[assignment]


def _ist_day(session: Session, col: Any) -> Any:
    """The Indian Standard Time date of a stored UTC timestamp, in SQL."""
    if is_pg(session):
        return type_coerce(func.date(func.timezone("Asia/Kolkata", col)), Date)
    return type_coerce(func.date(col, "+330 minutes"), Date)


def _contributions(session: Session, *, by_day: bool, where: Sequence[Any]) -> Any:
    """SELECT need, home organisation[, day], staff or reached, for the people and needs `where` keeps."""
    n, lv = RoleNeed, PassportLevel
    defining = Organisation.__table__.alias("d")
    home = Organisation.__table__.alias("h")
    applies = and_(
        Person.status == "active",
        or_(n.designation_key == "", func.lower(Person.designation) == n.designation_key),
        or_(n.grp == "", Person.group == n.grp),
    )
    base = (
        select()
        .select_from(n)
        .join(defining, defining.c.id == n.org_id)
        .join(Person, applies)
        .join(home, and_(home.c.id == Person.org_id, home.c.path.startswith(defining.c.path)))
    )
    held = and_(lv.person_id == Person.id, lv.competency_id == n.competency_id, lv.level == n.level)
    if by_day:
        day = _ist_day(session, lv.reached_at)
        return (
            base.join(lv, held)
            .add_columns(n.id, Person.org_id, day.label("day"), func.count().label("reached"))
            .where(*where)
            .group_by(n.id, Person.org_id, day)
        )
    return (
        base.outerjoin(lv, held)
        .add_columns(n.id, Person.org_id, func.count().label("staff"), func.count(lv.person_id).label("holding"))
        .where(*where)
        .group_by(n.id, Person.org_id)
    )


def refresh_totals(session: Session, *, need_id: int | None = None, org_ids: Sequence[int] | None = None) -> None:
    """Recompute the totals of one need, of some organisations' staff, or (neither given) all of them."""
    where: list[Any] = []
    gone_t, gone_d = delete(NeedTotal), delete(NeedDayTotal)
    if need_id is not None:
        where.append(RoleNeed.id == need_id)
        gone_t, gone_d = gone_t.where(NeedTotal.need_id == need_id), gone_d.where(NeedDayTotal.need_id == need_id)
    if org_ids is not None:
        if not org_ids:
            return
        ids = sorted(set(org_ids))
        where.append(Person.org_id.in_(ids))
        gone_t, gone_d = gone_t.where(NeedTotal.org_id.in_(ids)), gone_d.where(NeedDayTotal.org_id.in_(ids))
    session.execute(gone_d)
    session.execute(gone_t)
    session.execute(
        insert(TOTALS).from_select(
            ["need_id", "org_id", "staff", "holding"], _contributions(session, by_day=False, where=where)
        )
    )
    session.execute(
        insert(DAYS).from_select(
            ["need_id", "org_id", "day", "reached"], _contributions(session, by_day=True, where=where)
        )
    )


def reached_days(session: Session, person_ids: Sequence[int]) -> dict[tuple[int, int, date], int]:
    """These people's contribution to the day totals: (need, organisation, day) -> how many reached it."""
    if not person_ids:
        return {}
    stmt = _contributions(session, by_day=True, where=[among(session, Person.id, person_ids)])
    return {(int(nid), int(oid), _as_date(day)): int(k) for nid, oid, day, k in session.execute(stmt).all()}


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def add_reached(session: Session, delta: dict[tuple[int, int, date], int]) -> None:
    """Add the difference in people who reached needs to the day totals and the holders (sorted, so concurrent
    transactions take the rows in the same order)."""
    changed = sorted((k, v) for k, v in delta.items() if v)
    if not changed:
        return
    ins = _upsert(session, DAYS)
    rows = [{"need_id": n, "org_id": o, "day": d, "reached": v} for (n, o, d), v in changed]
    session.execute(
        ins.on_conflict_do_update(
            index_elements=["need_id", "org_id", "day"], set_={"reached": DAYS.c.reached + ins.excluded.reached}
        ),
        rows,
    )
    holders: dict[tuple[int, int], int] = defaultdict(int)
    for (n, o, _d), v in changed:
        holders[(n, o)] += v
    stmt = (
        update(TOTALS)
        .where(TOTALS.c.need_id == bindparam("n"), TOTALS.c.org_id == bindparam("o"))
        .values(holding=TOTALS.c.holding + bindparam("v"))
    )
    session.connection().execute(stmt, [{"n": n, "o": o, "v": v} for (n, o), v in sorted(holders.items()) if v])


def gap_totals(
    session: Session, *, path: str, start: date, end: date
) -> list[tuple[int, str, str, str, str, str, int, int, int, int]]:
    """Per need that applies inside the subtree at `path` (defined there or above): (need id, defining org's name,
    designation, group, competency code, its theme, level, staff it applies to, staff holding the level, staff who
    reached it in the IST days [start, end]), summed from the running totals of the subtree's organisations."""
    n = RoleNeed
    defining = Organisation.__table__.alias("d")
    home = Organisation.__table__.alias("h")
    inside = home.c.path.startswith(path, autoescape=True)
    relevant = or_(defining.c.path.startswith(path, autoescape=True), literal(path).startswith(defining.c.path))
    closed = (
        select(NeedDayTotal.need_id, func.sum(NeedDayTotal.reached).label("closed"))
        .join(home, home.c.id == NeedDayTotal.org_id)
        .where(NeedDayTotal.day >= start, NeedDayTotal.day <= end, inside)
        .group_by(NeedDayTotal.need_id)
        .subquery("c")
    )
    t = NeedTotal
    stmt = (
        select(
            n.id, defining.c.name_en, n.designation, n.grp, Competency.code, Competency.theme, n.level,
            func.sum(t.staff), func.sum(t.holding), func.coalesce(func.max(closed.c.closed), 0),
        )
        .select_from(t)
        .join(home, home.c.id == t.org_id)
        .join(n, n.id == t.need_id)
        .join(defining, defining.c.id == n.org_id)
        .join(Competency, Competency.id == n.competency_id)
        .outerjoin(closed, closed.c.need_id == n.id)
        .where(inside, relevant)
        .group_by(n.id, defining.c.name_en, n.designation, n.grp, Competency.code, Competency.theme, n.level)
        .having(func.sum(t.staff) > 0)
        .order_by(Competency.code, n.designation, n.grp, n.level)
    )  # fmt: skip
    return [tuple(r) for r in session.execute(stmt).all()]


def all_totals(session: Session) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, date, int]]]:
    """Every non-empty totals row, ordered (tests and checks compare live updates with a rebuild)."""
    t, d = NeedTotal, NeedDayTotal
    totals = session.execute(
        select(t.need_id, t.org_id, t.staff, t.holding).where(t.staff != 0).order_by(t.need_id, t.org_id)
    ).all()
    days = session.execute(
        select(d.need_id, d.org_id, d.day, d.reached).where(d.reached != 0).order_by(d.need_id, d.org_id, d.day)
    ).all()
    return [(int(n), int(o), int(k), int(h)) for n, o, k, h in totals], [
        (int(n), int(o), dd, int(k)) for n, o, dd, k in days
    ]
