"""Every query of the competency passport."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, case, delete, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from saptah.catalog.models import Competency
from saptah.core.bulk import among, copy_rows, is_pg
from saptah.core.pairs import pairs_in
from saptah.directory.models import Organisation, Person
from saptah.passport.levels import MAX_LEVEL, REPEAT
from saptah.passport.models import PassportEvidence, PassportLevel, RoleNeed
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
        _rebuild_chunk(session, chunk)


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


def remove(session: Session, row: object) -> None:
    """Delete a row."""
    session.delete(row)
    session.flush()


def gap_rows(
    session: Session, *, path: str, start: datetime, end: datetime
) -> list[tuple[int, str, str, str, str, str, int, int, int, int]]:
    """Per need that applies inside the subtree at `path` (defined there or above): (need id, defining org's name,
    designation, group, competency code, its theme, level, staff it applies to, staff holding the level, staff who
    reached it in [start, end]). Active staff only."""
    n, lv = RoleNeed, PassportLevel
    defining = Organisation.__table__.alias("d")
    home = Organisation.__table__.alias("h")
    applies = and_(
        or_(n.designation_key == "", func.lower(Person.designation) == n.designation_key),
        or_(n.grp == "", Person.group == n.grp),
    )
    reached = case((and_(lv.reached_at >= start, lv.reached_at <= end), 1), else_=0)
    stmt = (
        select(
            n.id,
            defining.c.name_en,
            n.designation,
            n.grp,
            Competency.code,
            Competency.theme,
            n.level,
            func.count(Person.id),
            func.count(lv.person_id),
            func.coalesce(func.sum(reached), 0),
        )
        .select_from(n)
        .join(defining, defining.c.id == n.org_id)
        .join(Competency, Competency.id == n.competency_id)
        .join(home, home.c.path.startswith(path, autoescape=True))
        .join(Person, and_(Person.org_id == home.c.id, Person.status == "active", applies))
        .outerjoin(lv, and_(lv.person_id == Person.id, lv.competency_id == n.competency_id, lv.level == n.level))
        .where(
            or_(defining.c.path.startswith(path, autoescape=True), literal(path).startswith(defining.c.path)),
            home.c.path.startswith(defining.c.path),
        )
        .group_by(n.id, defining.c.name_en, n.designation, n.grp, Competency.code, Competency.theme, n.level)
        .order_by(Competency.code, n.designation, n.grp, n.level)
    )
    return [tuple(r) for r in session.execute(stmt).all()]
