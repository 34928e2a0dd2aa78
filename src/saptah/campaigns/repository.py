"""Every query of the campaign engine. Upserts are portable (SQLite and PostgreSQL ON CONFLICT)."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, delete, func, or_, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from saptah.campaigns.models import (
    BOARD_SIZE,
    ORGANISED_KINDS,
    Campaign,
    CampaignOrgDayTotal,
    CampaignOrgSize,
    CampaignPersonTotal,
    CampaignRecord,
    CampaignRuleVersion,
    CampaignScoreCount,
    CreditLedger,
)
from saptah.campaigns.schemas import RUNNING_KINDS, RecordIn, Verdict
from saptah.core import bulk
from saptah.directory.models import Organisation, Person
from saptah.directory.repository import in_subtrees

SHARDS = 8  # of the score histograms and organisation-day totals (see CampaignScoreCount)

# RecordIn's fields in order, so a row of these columns is RecordIn(*row)
RECORD_FIELDS = tuple(f.name for f in fields(RecordIn))


def tbl(model: Any) -> Table:
    """A model's table, typed as one."""
    return cast(Table, model.__table__)


def dialect_insert(session: Session, table: Any) -> Any:
    """An INSERT that knows ON CONFLICT on both SQLite and PostgreSQL."""
    name = session.get_bind().dialect.name
    return postgresql.insert(table) if name == "postgresql" else sqlite.insert(table)


def is_pg(session: Session) -> bool:
    """True on PostgreSQL (row locks mean something there)."""
    return session.get_bind().dialect.name == "postgresql"


def get_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """A campaign by id."""
    return session.get(Campaign, campaign_id)


def get_campaign_by_name(session: Session, name: str) -> Campaign | None:
    """A campaign by exact name."""
    return session.scalar(select(Campaign).where(Campaign.name == name))


def list_campaigns(session: Session) -> list[Campaign]:
    """Every campaign, newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.id.desc())))


def campaigns_for_ingest(session: Session) -> list[Campaign]:
    """Every campaign, share-locked on PostgreSQL so a recompute cannot interleave with ingest."""
    stmt = select(Campaign).order_by(Campaign.id)
    if is_pg(session):
        stmt = stmt.with_for_update(read=True)
    return list(session.scalars(stmt))


def lock_campaign(session: Session, campaign_id: int) -> Campaign | None:
    """A campaign, exclusively locked (recompute)."""
    return session.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def rule_versions(session: Session, campaign_id: int) -> list[CampaignRuleVersion]:
    """The recorded rule changes of a campaign, newest first."""
    stmt = select(CampaignRuleVersion).where(CampaignRuleVersion.campaign_id == campaign_id)
    return list(session.scalars(stmt.order_by(CampaignRuleVersion.version.desc())))


def upsert_records(session: Session, records: Sequence[RecordIn]) -> list[RecordIn]:
    """Store records, merging facts with what is stored (commutatively) and replacing attendance totals (the
    newest state of their source); returns the stored rows (a statement for each of the two)."""
    running = [r for r in records if r.kind in RUNNING_KINDS]
    facts = [r for r in records if r.kind not in RUNNING_KINDS] if running else records
    return _merge_records(session, facts) + _store_records(session, running, returning=True)


def _merge_records(session: Session, records: Sequence[RecordIn]) -> list[RecordIn]:
    if not records:
        return []
    t = tbl(CampaignRecord)
    ins, params = bulk.insert_rows(session, t, [{f: getattr(r, f) for f in RECORD_FIELDS} for r in records])
    ex = ins.excluded
    stmt = ins.on_conflict_do_update(
        index_elements=["source_key"],
        set_={
            "occurred_at": case((ex.occurred_at < t.c.occurred_at, ex.occurred_at), else_=t.c.occurred_at),
            "minutes": case((ex.minutes > t.c.minutes, ex.minutes), else_=t.c.minutes),
            "karma": case((ex.karma > t.c.karma, ex.karma), else_=t.c.karma),
            "competency_linked": or_(t.c.competency_linked, ex.competency_linked),
            "attended": or_(t.c.attended, ex.attended),
            "object_id": func.coalesce(t.c.object_id, ex.object_id),
            "organiser_org_id": func.coalesce(t.c.organiser_org_id, ex.organiser_org_id),
            "label": case((func.coalesce(ex.label, "") > func.coalesce(t.c.label, ""), ex.label), else_=t.c.label),
        },
    )
    rows = bulk.run(session, stmt.returning(*[t.c[f] for f in RECORD_FIELDS]), params)
    return [RecordIn(*row) for row in rows]


def _store_records(session: Session, records: Sequence[RecordIn], *, returning: bool = False) -> list[RecordIn]:
    if not records:
        return []
    t = tbl(CampaignRecord)
    ins, params = bulk.insert_rows(session, t, [{f: getattr(r, f) for f in RECORD_FIELDS} for r in records])
    stmt = ins.on_conflict_do_update(
        index_elements=["source_key"], set_={f: ins.excluded[f] for f in RECORD_FIELDS if f != "source_key"}
    )
    if not returning:
        bulk.run(session, stmt, params)
        return []
    return [RecordIn(*row) for row in bulk.run(session, stmt.returning(*[t.c[f] for f in RECORD_FIELDS]), params)]


def replace_records(session: Session, records: Sequence[RecordIn]) -> None:
    """Store records as given, replacing what is stored (recompute: the source is right, whatever was merged)."""
    _store_records(session, records)


def delete_records(session: Session, source_keys: Sequence[str]) -> None:
    """Delete records whose source is gone."""
    if source_keys:
        r = CampaignRecord
        session.execute(delete(r).where(bulk.among(session, r.source_key, list(source_keys))))


def person_orgs(session: Session, person_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """Each person's organisation id and path."""
    stmt = (
        select(Person.id, Organisation.id, Organisation.path)
        .join(Organisation, Person.org_id == Organisation.id)
        .where(bulk.among(session, Person.id, list(person_ids)))
    )
    return {pid: (oid, path) for pid, oid, path in bulk.run(session, stmt, [])}


def top_org_id(path: str) -> int:
    """The ministry or state an organisation sits under (the node just below the root)."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    return ids[1] if len(ids) > 1 else ids[0]


def lock_totals(
    session: Session, campaign_id: int, people: dict[int, tuple[int, str]]
) -> dict[int, tuple[int, int, int]]:
    """Make sure each person has a totals row and lock them; returns person -> (org_id, top_org_id, score).

    Rows are inserted only for the people who had none a moment before (an insert that meets an existing row
    still costs an index probe and a speculative insertion); a row committed in between is left alone.
    """
    pids = sorted(people)
    c = CampaignPersonTotal
    have = set(
        bulk.run(
            session, select(c.person_id).where(c.campaign_id == campaign_id, bulk.among(session, c.person_id, pids)), []
        ).scalars()
    )
    rows = [
        {"campaign_id": campaign_id, "person_id": pid, "org_id": people[pid][0], "org_path": people[pid][1]}
        | {"top_org_id": top_org_id(people[pid][1])}
        for pid in pids
        if pid not in have
    ]
    if rows:
        ins, params = bulk.insert_rows(session, tbl(CampaignPersonTotal), rows)
        bulk.run(session, ins.on_conflict_do_nothing(index_elements=["campaign_id", "person_id"]), params)
    stmt = (
        select(c.person_id, c.org_id, c.top_org_id, c.score)
        .where(c.campaign_id == campaign_id, bulk.among(session, c.person_id, pids))
        .order_by(c.person_id)
    )
    if is_pg(session):
        stmt = stmt.with_for_update()
    return {pid: (org, top, score) for pid, org, top, score in bulk.run(session, stmt, [])}


def ledger_for(session: Session, campaign_id: int, person_ids: Sequence[int]) -> dict[int, dict[str, Verdict]]:
    """Every ledger row of these people in the campaign."""
    out: dict[int, dict[str, Verdict]] = {pid: {} for pid in person_ids}
    c = CreditLedger
    stmt = select(c.person_id, c.source_key, c.category, c.minutes, c.karma, c.counted, c.reason, c.earned_at).where(
        c.campaign_id == campaign_id, bulk.among(session, c.person_id, person_ids)
    )
    for pid, key, cat, minutes, karma, counted, reason, at in bulk.run(session, stmt, []):  # Core rows: no ORM
        out[pid][key] = Verdict(cat, minutes, karma, counted, reason, at)
    return out


def people_with_sources(session: Session, campaign_id: int, sources: Sequence[tuple[int, str]]) -> set[int]:
    """Of these (person, source) pairs, the people who hold a ledger row for their source in the campaign."""
    c = CreditLedger
    stmt = select(c.person_id, c.source_key).where(
        c.campaign_id == campaign_id,
        bulk.among(session, c.person_id, sorted({pid for pid, _ in sources})),
        bulk.among(session, c.source_key, [key for _, key in sources]),
    )
    wanted = set(sources)
    return {pid for pid, key in bulk.run(session, stmt, []) if (pid, key) in wanted}


def write_ledger(
    session: Session,
    campaign_id: int,
    upserts: Sequence[tuple[int, str, Verdict]],
    deletes: Sequence[tuple[int, str]],
) -> None:
    """Upsert and delete ledger rows."""
    if upserts:
        rows = [_ledger_row(campaign_id, pid, key, v) for pid, key, v in upserts]
        ins, params = bulk.insert_rows(session, tbl(CreditLedger), rows)
        ex = ins.excluded
        stmt = ins.on_conflict_do_update(
            index_elements=["campaign_id", "person_id", "source_key"],
            set_={k: ex[k] for k in ("category", "minutes", "karma", "counted", "reason", "earned_at")},
        )
        bulk.run(session, stmt, params)
    if deletes:
        c = CreditLedger
        session.execute(
            delete(c).where(c.campaign_id == campaign_id, tuple_(c.person_id, c.source_key).in_(list(deletes)))
        )


def _ledger_row(campaign_id: int, pid: int, key: str, v: Verdict) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "person_id": pid,
        "source_key": key,
        "category": v.category,
        "minutes": v.minutes,
        "karma": v.karma,
        "counted": v.counted,
        "reason": v.reason[:300],
        "earned_at": v.earned_at,
    }


def write_totals(session: Session, campaign_id: int, values: dict[int, dict[str, Any]]) -> None:
    """Set the absolute totals of each (locked) person row, in one statement."""
    if not values:
        return
    rows = [{"person_id": pid, **vals} for pid, vals in sorted(values.items())]
    bulk.update_rows(session, tbl(CampaignPersonTotal), {"campaign_id": campaign_id}, "person_id", rows)


def pick_shard(session: Session) -> int:
    """The aggregate shard one ingest transaction writes: random on PostgreSQL, 0 on SQLite (one writer at a time)."""
    return random.randrange(SHARDS) if is_pg(session) else 0


def add_org_days(session: Session, campaign_id: int, shard: int, diffs: dict[tuple[int, date], list[int]]) -> None:
    """Add deltas to one shard of the (organisation, day) aggregates."""
    if not diffs:
        return
    rows = [
        {"campaign_id": campaign_id, "org_id": org, "day": day, "shard": shard, "minutes": d[0]}
        | {"completions": d[1], "active_people": d[2], "reached_people": d[3]}
        for (org, day), d in sorted(diffs.items())
    ]
    t = tbl(CampaignOrgDayTotal)
    ins, params = bulk.insert_rows(session, t, rows)
    ex = ins.excluded
    cols = ("minutes", "completions", "active_people", "reached_people")
    stmt = ins.on_conflict_do_update(
        index_elements=["campaign_id", "org_id", "day", "shard"], set_={k: t.c[k] + ex[k] for k in cols}
    )
    bulk.run(session, stmt, params)


def add_score_counts(session: Session, campaign_id: int, shard: int, diffs: dict[tuple[str, int], int]) -> None:
    """Add deltas to one shard of the per-board score histograms."""
    rows = [
        {"campaign_id": campaign_id, "board": b, "score": s, "shard": shard, "people": n}
        for (b, s), n in sorted(diffs.items())
        if n
    ]
    if not rows:
        return
    t = tbl(CampaignScoreCount)
    ins, params = bulk.insert_rows(session, t, rows)
    stmt = ins.on_conflict_do_update(
        index_elements=["campaign_id", "board", "score", "shard"], set_={"people": t.c.people + ins.excluded.people}
    )
    bulk.run(session, stmt, params)


def clear_campaign(session: Session, campaign_id: int) -> None:
    """Delete a campaign's ledger and aggregates (recompute rebuilds them)."""
    for model in (CreditLedger, CampaignPersonTotal, CampaignOrgDayTotal, CampaignScoreCount):
        session.execute(delete(model).where(model.campaign_id == campaign_id))


def records_between(session: Session, start: datetime, end: datetime, *, batch: int = 20000) -> Iterable[Any]:
    """Stored records in a window with their person's organisation, ordered by person (streamed)."""
    r = CampaignRecord
    stmt = (
        select(r.person_id, Person.org_id, Organisation.path, *[r.__table__.c[f] for f in RECORD_FIELDS])
        .join(Person, Person.id == r.person_id)
        .join(Organisation, Organisation.id == Person.org_id)
        .where(r.occurred_at >= start, r.occurred_at <= end)
        .order_by(r.person_id)
        .execution_options(yield_per=batch)
    )
    return bulk.streamed(session.connection().execute(stmt))  # Core rows: no ORM work per row


def stored_for_rebuild(session: Session, start: datetime, end: datetime, *, batch: int = 20000) -> Iterable[Any]:
    """Stored records in a window ordered by person, streamed as plain rows: the record's fields (readable by
    name, as a record's) followed by the person's organisation id and path."""
    r = CampaignRecord
    stmt = (
        select(*[r.__table__.c[f] for f in RECORD_FIELDS], Person.org_id, Organisation.path)
        .join(Person, Person.id == r.person_id)
        .join(Organisation, Organisation.id == Person.org_id)
        .where(r.occurred_at >= start, r.occurred_at <= end)
        .order_by(r.person_id)
        .execution_options(yield_per=batch)
    )
    return bulk.streamed(session.connection().execute(stmt))


def differing_records(
    session: Session, sources: Any, prefixes: Sequence[str], start: datetime, end: datetime
) -> tuple[list[RecordIn], list[str]]:
    """Where the stored records of [start, end] of the kinds `prefixes` differ from `sources` (a SELECT of record
    fields: those kinds' records of [start, end]), found in one full outer join on the source key inside the
    database: the source records with no stored record in the window or differing from it in any field, and the
    keys of the stored records that no source gives. Only the differences are read."""
    t = tbl(CampaignRecord)
    kinds = or_(*[func.substr(t.c.source_key, 1, len(p) + 1) == f"{p}:" for p in prefixes])
    stored = select(t).where(t.c.occurred_at >= start, t.c.occurred_at <= end, kinds).subquery("stored")
    src = sources.subquery("src")
    fields = RECORD_FIELDS[1:]
    differs = or_(
        src.c.source_key.is_(None),
        stored.c.source_key.is_(None),
        *[src.c[f].is_distinct_from(stored.c[f]) for f in fields],
    )
    stmt = (
        select(stored.c.source_key, *[src.c[f] for f in RECORD_FIELDS])
        .select_from(src.join(stored, src.c.source_key == stored.c.source_key, full=True))
        .where(differs)
    )
    wrong: list[RecordIn] = []
    gone: list[str] = []
    for row in session.connection().execute(stmt):
        if row[1] is None:
            gone.append(row[0])
        else:
            wrong.append(RecordIn(*row[1:]))
    return wrong, gone


def count_records_between(session: Session, start: datetime, end: datetime) -> int:
    """How many stored records fall in a window (for progress bars)."""
    r = CampaignRecord
    return int(session.scalar(select(func.count()).where(r.occurred_at >= start, r.occurred_at <= end)) or 0)


def records_of_person(session: Session, person_id: int, *, limit: int = 200) -> list[RecordIn]:
    """A person's stored records, newest first."""
    r = CampaignRecord
    stmt = select(*[r.__table__.c[f] for f in RECORD_FIELDS]).where(r.person_id == person_id)
    rows = session.execute(stmt.order_by(r.occurred_at.desc()).limit(limit))
    return [RecordIn(*row) for row in rows]


def get_total(session: Session, campaign_id: int, person_id: int) -> CampaignPersonTotal | None:
    """A person's totals row."""
    c = CampaignPersonTotal
    return session.scalar(select(c).where(c.campaign_id == campaign_id, c.person_id == person_id))


def totals_of(session: Session, campaign_id: int) -> list[CampaignPersonTotal]:
    """Every totals row of a campaign (tests and small checks)."""
    c = CampaignPersonTotal
    return list(session.scalars(select(c).where(c.campaign_id == campaign_id).order_by(c.person_id)))


def reached_people(session: Session, campaign_id: int) -> set[int]:
    """People who have reached the target of a campaign."""
    c = CampaignPersonTotal
    stmt = select(c.person_id).where(c.campaign_id == campaign_id, c.reached_target_at.is_not(None))
    return set(session.scalars(stmt))


def reached_of(session: Session, campaign_id: int, person_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    """Of these people, those who have reached the target: person -> (total minutes, when reached)."""
    c = CampaignPersonTotal
    stmt = select(c.person_id, c.total_minutes, c.reached_target_at).where(
        c.campaign_id == campaign_id, c.person_id.in_(list(person_ids)), c.reached_target_at.is_not(None)
    )
    return {pid: (minutes, at) for pid, minutes, at in session.execute(stmt) if at is not None}


def org_days_of(session: Session, campaign_id: int) -> list[Any]:
    """Every (organisation, day) total of a campaign, summed over shards: rows of org_id, day and the four sums."""
    c = CampaignOrgDayTotal
    sums = [func.sum(col).label(col.key) for col in (c.minutes, c.completions, c.active_people, c.reached_people)]
    stmt = select(c.org_id, c.day, *sums).where(c.campaign_id == campaign_id).group_by(c.org_id, c.day)
    return list(session.execute(stmt.order_by(c.org_id, c.day)))


def score_counts_of(session: Session, campaign_id: int) -> dict[tuple[str, int], int]:
    """The non-empty score histograms of a campaign, summed over shards."""
    c = CampaignScoreCount
    stmt = select(c.board, c.score, func.sum(c.people)).where(c.campaign_id == campaign_id).group_by(c.board, c.score)
    return {(b, s): int(n) for b, s, n in session.execute(stmt.having(func.sum(c.people) != 0))}


def board_people(session: Session, campaign_id: int, board: str) -> int:
    """How many people have a score on one board: its size row (one per shard), read by the unique index."""
    c = CampaignScoreCount
    stmt = select(func.coalesce(func.sum(c.people), 0)).where(
        c.campaign_id == campaign_id, c.board == board, c.score == BOARD_SIZE
    )
    return int(session.scalar(stmt) or 0)


def ledger_lines(session: Session, campaign_id: int, person_id: int) -> list[tuple[CreditLedger, str | None]]:
    """A person's ledger rows in a campaign with the record's label, newest first."""
    c = CreditLedger
    stmt = (
        select(c, CampaignRecord.label)
        .join(CampaignRecord, CampaignRecord.source_key == c.source_key)
        .where(c.campaign_id == campaign_id, c.person_id == person_id)
        .order_by(c.earned_at.desc())
    )
    return [(row, label) for row, label in session.execute(stmt)]


def board_filter(campaign_id: int, board: str, path: str | None = None) -> Any:
    """SQL condition selecting a board's people: n (national), t<id> (ministry/state), o<id>, or a subtree path."""
    c = CampaignPersonTotal
    cond = and_(c.campaign_id == campaign_id, c.score > 0)
    if board.startswith("t"):
        return and_(cond, c.top_org_id == int(board[1:]))
    if board.startswith("o"):
        return and_(cond, c.org_id == int(board[1:]))
    if board == "p" and path is not None:
        return and_(cond, in_subtrees([path], cast(Any, c.org_path)))
    return cond


def _held_scores(campaign_id: int, board: str, above: int) -> Select[int]:
    """The distinct scores above `above` that someone holds on a board (its histogram summed over shards)."""
    c = CampaignScoreCount
    return (
        select(c.score)
        .where(c.campaign_id == campaign_id, c.board == board, c.score > above)
        .group_by(c.score)
        .having(func.sum(c.people) > 0)
    )


def dense_rank(session: Session, campaign_id: int, board: str, score: int) -> int:
    """Dense rank of a score on a board: one more than the distinct scores above it (read by index)."""
    above = _held_scores(campaign_id, board, score).subquery()
    return int(session.scalar(select(func.count()).select_from(above)) or 0) + 1


def board_scores(session: Session, campaign_id: int, board: str) -> list[int]:
    """The distinct scores someone holds on a board, lowest first."""
    return list(session.scalars(_held_scores(campaign_id, board, BOARD_SIZE).order_by(CampaignScoreCount.score)))


def board_rows(
    session: Session,
    cond: Any,
    *,
    limit: int,
    after: tuple[int, int, int] | None = None,
    before: tuple[int, int, int] | None = None,
) -> list[CampaignPersonTotal]:
    """Rows of a board in rank order (score, then earlier), optionally just after or before a position."""
    c = CampaignPersonTotal
    key = tuple_(c.score, c.tie, c.person_id)
    stmt = select(c).where(cond)
    if after is not None:
        stmt = stmt.where(key < tuple_(*after)).order_by(c.score.desc(), c.tie.desc(), c.person_id.desc())
    elif before is not None:
        stmt = stmt.where(key > tuple_(*before)).order_by(c.score.asc(), c.tie.asc(), c.person_id.asc())
    else:
        stmt = stmt.order_by(c.score.desc(), c.tie.desc(), c.person_id.desc())
    return list(session.scalars(stmt.limit(limit)))


def count_distinct_above(session: Session, cond: Any, score: int) -> int:
    """Distinct scores above a score on a board with no histogram (deeper subtrees)."""
    c = CampaignPersonTotal
    return int(session.scalar(select(func.count(func.distinct(c.score))).where(cond, c.score > score)) or 0)


def people_public(session: Session, person_ids: Sequence[int]) -> dict[int, tuple[str, str | None, str]]:
    """Name, designation and organisation name only: what public boards may show."""
    stmt = (
        select(Person.id, Person.full_name, Person.designation, Organisation.name_en)
        .join(Organisation, Organisation.id == Person.org_id)
        .where(Person.id.in_(list(person_ids)))
    )
    return {pid: (name, desig, org) for pid, name, desig, org in session.execute(stmt)}


def org_rollup(session: Session, campaign_id: int) -> dict[int, tuple[int, int, int, int]]:
    """Per organisation: minutes, completions, active people, people who reached target."""
    c = CampaignOrgDayTotal
    stmt = (
        select(
            c.org_id,
            func.sum(c.minutes),
            func.sum(c.completions),
            func.sum(c.active_people),
            func.sum(c.reached_people),
        )
        .where(c.campaign_id == campaign_id)
        .group_by(c.org_id)
    )
    return {org: (int(m or 0), int(n or 0), int(a or 0), int(r or 0)) for org, m, n, a, r in session.execute(stmt)}


def refresh_org_sizes(session: Session, campaign_id: int) -> int:
    """Snapshot registered (active) people per organisation; returns how many organisations have staff."""
    session.execute(delete(CampaignOrgSize).where(CampaignOrgSize.campaign_id == campaign_id))
    counts = session.execute(
        select(Person.org_id, func.count()).where(Person.status == "active").group_by(Person.org_id)
    ).all()
    rows = [{"campaign_id": campaign_id, "org_id": org, "registered": n} for org, n in counts]
    if rows:
        session.execute(tbl(CampaignOrgSize).insert(), rows)
    return len(rows)


def events_organised(session: Session, start: datetime, end: datetime) -> dict[int, int]:
    """Distinct MDO and offline events per organising organisation within a window."""
    r = CampaignRecord
    stmt = (
        select(r.organiser_org_id, func.count(func.distinct(r.object_id)))
        .where(text(ORGANISED_KINDS), r.organiser_org_id.is_not(None))
        .where(r.occurred_at >= start, r.occurred_at <= end)
        .group_by(r.organiser_org_id)
    )
    return {int(org): int(n) for org, n in session.execute(stmt) if org is not None}


def sized_orgs(session: Session, campaign_id: int) -> list[Any]:
    """Organisations with a size snapshot: rows of id, code, name_en, path and registered (one join, Core rows)."""
    s, o = CampaignOrgSize, Organisation
    stmt = (
        select(o.id, o.code, o.name_en, o.path, s.registered)
        .join(o, o.id == s.org_id)
        .where(s.campaign_id == campaign_id, s.registered > 0)
    )
    return list(session.execute(stmt))
