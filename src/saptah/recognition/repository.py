"""Every query of recognition."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, delete, func, literal, null, select, true, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from saptah.core import bulk
from saptah.core.pairs import pairs_in
from saptah.recognition.models import Certificate, HonourRoll, HonourRollEntry, KarmaEntry, OrgHonourEntry

# ---------------------------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------------------------


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def certificate_by_code(session: Session, code: str) -> Certificate | None:
    """A certificate by its public code."""
    return session.scalar(select(Certificate).where(Certificate.code == code))


def certificate_for(session: Session, person_id: int, kind: str, subject_id: int) -> Certificate | None:
    """The certificate a person holds for a subject, if any."""
    stmt = select(Certificate).where(
        Certificate.person_id == person_id, Certificate.kind == kind, Certificate.subject_id == subject_id
    )
    return session.scalar(stmt)


def certificate_holders(session: Session, kind: str, subject_id: int, person_ids: list[int]) -> set[int]:
    """Of these people, those who already hold the certificate for a subject."""
    c = Certificate
    stmt = select(c.person_id).where(c.kind == kind, c.subject_id == subject_id, c.person_id.in_(person_ids))
    return set(session.scalars(stmt))


def insert_certificates(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert certificates, skipping any (person, kind, subject) already issued; returns how many were new."""
    if not rows:
        return 0
    name = session.get_bind().dialect.name
    table = cast(Table, Certificate.__table__)
    ins = postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)
    stmt = ins.on_conflict_do_nothing(index_elements=["person_id", "kind", "subject_id"]).returning(table.c.id)
    return len(session.connection().execute(stmt, rows).all())


def certificates_of(session: Session, person_id: int) -> list[Certificate]:
    """A person's certificates, newest first."""
    stmt = select(Certificate).where(Certificate.person_id == person_id).order_by(Certificate.issued_at.desc())
    return list(session.scalars(stmt))


# ---------------------------------------------------------------------------------------------------------------
# Karma and leaderboards (recognition engineer) go below this line.
# ---------------------------------------------------------------------------------------------------------------


def insert_karma(session: Session, row: dict[str, Any]) -> bool:
    """Insert a karma entry unless (person, reason, object) already has one; True when inserted."""
    name = session.get_bind().dialect.name
    table = cast(Table, KarmaEntry.__table__)
    ins = postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)
    stmt = ins.values(row).on_conflict_do_nothing(index_elements=["person_id", "reason", "object_key"])
    return bool(session.execute(stmt.returning(table.c.id)).first())


def insert_karma_many(session: Session, rows: list[dict[str, Any]]) -> set[tuple[int, str, str]]:
    """Insert karma entries in one statement, skipping keys that already have one; the keys inserted."""
    if not rows:
        return set()
    table = cast(Table, KarmaEntry.__table__)
    ins, params = bulk.insert_rows(session, table, rows)  # one statement text whatever the number of rows
    stmt = ins.on_conflict_do_nothing(index_elements=["person_id", "reason", "object_key"])
    returning = stmt.returning(table.c.person_id, table.c.reason, table.c.object_key)
    return {(r[0], r[1], r[2]) for r in bulk.run(session, returning, params)}


def karma_entry(session: Session, person_id: int, reason: str, object_key: str) -> KarmaEntry | None:
    """One karma entry by its unique key."""
    k = KarmaEntry
    stmt = select(k).where(k.person_id == person_id, k.reason == reason, k.object_key == object_key)
    return session.scalar(stmt)


def karma_keys(session: Session, pairs: Sequence[tuple[int, str]], reasons: Sequence[str]) -> set[tuple[int, str, str]]:
    """The (person, reason, object) keys with an entry, of these (person, object) pairs and reasons."""
    if not pairs:
        return set()
    k = KarmaEntry
    stmt = select(k.person_id, k.reason, k.object_key).where(
        pairs_in(session, k.person_id, k.object_key, pairs), k.reason.in_(reasons)
    )
    return {(r[0], r[1], r[2]) for r in session.execute(stmt)}


def paid_outside_plan_many(session: Session, pairs: Sequence[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Completions outside the plan that earned points, per (person, IST month) pair (the monthly cap counts
    these), in one query (absent: none)."""
    if not pairs:
        return {}
    k = KarmaEntry
    stmt = (
        select(k.person_id, k.month, func.count())
        .where(
            pairs_in(session, k.person_id, k.month, pairs),
            k.reason == "course_completed",
            k.in_plan.is_(False),
            k.points > 0,
        )
        .group_by(k.person_id, k.month)
    )
    return {(r[0], r[1]): int(r[2]) for r in session.execute(stmt)}


def karma_of(session: Session, person_id: int, *, limit: int = 100) -> tuple[int, list[KarmaEntry]]:
    """A person's karma total and their latest entries."""
    k = KarmaEntry
    total = session.scalar(select(func.coalesce(func.sum(k.points), 0)).where(k.person_id == person_id))
    rows = session.scalars(select(k).where(k.person_id == person_id).order_by(k.at.desc(), k.id.desc()).limit(limit))
    return int(total or 0), list(rows)


def honour_roll(session: Session, roll_id: int) -> HonourRoll | None:
    """An honour roll by id."""
    return session.get(HonourRoll, roll_id)


def honour_rolls(session: Session, campaign_id: int, *, published_only: bool) -> list[HonourRoll]:
    """A campaign's honour rolls, newest first."""
    stmt = select(HonourRoll).where(HonourRoll.campaign_id == campaign_id)
    if published_only:
        stmt = stmt.where(HonourRoll.status == "published")
    return list(session.scalars(stmt.order_by(HonourRoll.id.desc())))


def honour_entries(session: Session, roll_id: int) -> list[HonourRollEntry]:
    """The people on a roll, in order."""
    e = HonourRollEntry
    return list(session.scalars(select(e).where(e.roll_id == roll_id).order_by(e.position)))


def replace_honour_entries(session: Session, roll_id: int, rows: list[HonourRollEntry]) -> None:
    """Set a draft roll's entries."""
    session.execute(delete(HonourRollEntry).where(HonourRollEntry.roll_id == roll_id))
    session.flush()
    add(session, *rows)


def org_honour_entries(session: Session, roll_id: int) -> list[OrgHonourEntry]:
    """The organisations on a roll, by band, measure and position."""
    e = OrgHonourEntry
    return list(session.scalars(select(e).where(e.roll_id == roll_id).order_by(e.band, e.measure, e.position)))


def replace_org_honour_entries(session: Session, roll_id: int, rows: list[OrgHonourEntry]) -> None:
    """Set a draft roll's organisations."""
    session.execute(delete(OrgHonourEntry).where(OrgHonourEntry.roll_id == roll_id))
    session.flush()
    add(session, *rows)


def published_org_rolls(session: Session, campaign_id: int | None) -> list[HonourRoll]:
    """Published rolls of organisations, newest first."""
    stmt = select(HonourRoll).where(HonourRoll.kind == "organisations", HonourRoll.status == "published")
    if campaign_id is not None:
        stmt = stmt.where(HonourRoll.campaign_id == campaign_id)
    return list(session.scalars(stmt.order_by(HonourRoll.published_at.desc(), HonourRoll.id.desc())))


def org_honour_by_code(session: Session, code: str) -> tuple[OrgHonourEntry, HonourRoll] | None:
    """An organisation's certificate (its entry on a published roll) by its public code."""
    stmt = (
        select(OrgHonourEntry, HonourRoll)
        .join(HonourRoll, HonourRoll.id == OrgHonourEntry.roll_id)
        .where(OrgHonourEntry.certificate_code == code, HonourRoll.status == "published")
    )
    row = session.execute(stmt).first()
    return (row[0], row[1]) if row is not None else None


def withhold_names(session: Session, person_id: int, name: str) -> None:
    """Replace the holder's name on every certificate of a person (an erasure)."""
    session.execute(update(Certificate).where(Certificate.person_id == person_id).values(recipient_name=name))


def packed_rolls_of(session: Session, person_id: int) -> list[HonourRoll]:
    """Published rolls whose packed certificates include this person."""
    stmt = (
        select(HonourRoll)
        .join(HonourRollEntry, HonourRollEntry.roll_id == HonourRoll.id)
        .where(HonourRollEntry.person_id == person_id, HonourRoll.archive.is_not(None))
        .order_by(HonourRoll.id)
    )
    return list(session.scalars(stmt))


def karma_between(session: Session, start: datetime, end: datetime) -> Iterable[Any]:
    """Karma entries earned in [start, end] ordered by person, streamed: person_id, reason, object_key, points,
    note, at."""
    k = KarmaEntry
    stmt = (
        select(k.person_id, k.reason, k.object_key, k.points, k.note, k.at)
        .where(k.at >= start, k.at <= end)
        .order_by(k.person_id, k.reason, k.object_key)
        .execution_options(yield_per=20000)
    )
    return bulk.streamed(session.connection().execute(stmt))


def karma_records(start: datetime, end: datetime) -> Any:
    """Karma entries earned in [start, end] as a query of campaign record columns (`karma._record` in SQL)."""
    k = KarmaEntry
    key = literal("karma:") + sql_cast(k.person_id, String) + ":" + k.reason + ":" + k.object_key
    return select(
        func.substr(key, 1, 120).label("source_key"),
        k.person_id.label("person_id"),
        literal("karma").label("kind"),
        k.at.label("occurred_at"),
        sql_cast(null(), Integer).label("object_id"),
        literal(0).label("minutes"),
        k.points.label("karma"),
        true().label("competency_linked"),
        true().label("attended"),
        sql_cast(null(), Integer).label("organiser_org_id"),
        func.substr(k.note, 1, 200).label("label"),
    ).where(k.at >= start, k.at <= end)


def karma_off_scale(session: Session, start: datetime, end: datetime, points: dict[str, int]) -> list[Any]:
    """Fixed awards in [start, end] whose points differ from their scale: person_id, reason, object_key, points."""
    k = KarmaEntry
    stmt = (
        select(k.person_id, k.reason, k.object_key, k.points)
        .where(k.at >= start, k.at <= end, k.reason.in_(list(points)))
        .order_by(k.person_id, k.reason, k.object_key)
    )
    return [row for row in session.execute(stmt) if row.points not in (0, points[row.reason])]


def paid_outside_plan_between(session: Session, start: datetime, end: datetime) -> list[Any]:
    """Per person and IST month of [start, end]: completions outside a plan that earned points, and the last one's
    moment (person_id, month, paid, last_at)."""
    k = KarmaEntry
    stmt = (
        select(k.person_id, k.month, func.count(), func.max(k.at))
        .where(k.at >= start, k.at <= end, k.reason == "course_completed", k.in_plan.is_(False), k.points > 0)
        .group_by(k.person_id, k.month)
        .order_by(k.person_id, k.month)
    )
    return list(session.execute(stmt))
