"""The credit ledger and its aggregates, written: live ingest of records (batched, queued to the end of a
signals batch, locks in one global order) and recompute of a campaign from the original activity."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import repository as repo
from saptah.campaigns import sources
from saptah.campaigns.credit import footprint_diff, judge, summarise
from saptah.campaigns.models import BOARD_SIZE, Campaign
from saptah.campaigns.schemas import CampaignTargetsReached, RecordIn, RuleBook, Summary, Verdict
from saptah.campaigns.service import rule_book
from saptah.core import bulk, signals
from saptah.core.db import utcnow
from saptah.core.errors import NotFound

BATCH = 500
_person_of = itemgetter(1)  # the person of a stored row (`repo.stored_for_rebuild`)
QUEUED = "campaigns.records"  # records waiting for the end of a signals batch


# --- ingest -----------------------------------------------------------------------------------------------------


def ingest(session: Session, records: Sequence[RecordIn]) -> int:
    """Store records and credit them in every campaign that covers them, with aggregates, in this transaction.

    Every ingest takes its row locks in one global order (records by person and source; then, campaign by
    campaign, people ascending and that campaign's shared aggregates in key order), so concurrent ingests may
    wait for each other but never deadlock, however many batches each one holds.
    """
    with bulk.fewer_gc_passes():
        return _ingest(session, records)


def _ingest(session: Session, records: Sequence[RecordIn]) -> int:
    session.flush()  # the statements below go to the connection directly: pending people must be written first
    merged: dict[str, RecordIn] = {}
    for rec in records:
        merged[rec.source_key] = merged[rec.source_key].merge(rec) if rec.source_key in merged else rec
    ordered = sorted(merged.values(), key=_lock_order)
    stored: list[RecordIn] = []
    for start in range(0, len(ordered), BATCH):
        stored += repo.upsert_records(session, ordered[start : start + BATCH])  # row-locks each source (PG)
    campaigns = repo.campaigns_for_ingest(session)
    if campaigns:
        stored.sort(key=_lock_order)
        people = repo.person_orgs(session, {r.person_id for r in stored})
        for campaign in campaigns:
            _credit(session, campaign, stored, people)
    return len(ordered)


def ingest_soon(session: Session, records: Sequence[RecordIn]) -> None:
    """Credit records now, or once at the end of the caller's `signals.batch` (for subscribers).

    A batch of events then becomes one `ingest`, with one lock order, instead of one ingest per event whose
    aggregate writes could interleave with a concurrent batch's and deadlock.
    """
    signals.collect(session, QUEUED, records, _ingest_collected, last=True)


def _ingest_collected(session: Session, records: list[RecordIn]) -> None:
    ingest(session, records)  # looked up when it runs (tests wrap `ingest`)


def _lock_order(rec: RecordIn) -> tuple[int, str]:
    return rec.person_id, rec.source_key


@dataclass
class _Shared:
    """What one ingest adds to a campaign's shared aggregates: written once, at the end, in key order."""

    org_days: defaultdict[tuple[int, date], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0] * 4))
    scores: Counter[tuple[str, int]] = field(default_factory=Counter)
    reached: list[int] = field(default_factory=list)


def _credit(
    session: Session, campaign: Campaign, stored: Sequence[RecordIn], people: dict[int, tuple[int, str]]
) -> None:
    book = rule_book(session, campaign)
    recs = [r for r in stored if r.person_id in people and book.latest.covers_path(people[r.person_id][1])]
    shared = _Shared()
    for batch in _by_person(recs, BATCH):
        _apply(session, campaign, book, batch, people, shared)
    shard = repo.pick_shard(session)  # concurrent ingests mostly write different rows: no queue on hot rows
    repo.add_org_days(session, campaign.id, shard, dict(shared.org_days))
    repo.add_score_counts(session, campaign.id, shard, dict(shared.scores))
    _announce(session, campaign, sorted(shared.reached))


def _by_person(recs: Sequence[RecordIn], size: int) -> Iterator[list[RecordIn]]:
    """Batches of about `size` records (in person order) that never split one person's records."""
    batch: list[RecordIn] = []
    for rec in recs:
        if len(batch) >= size and rec.person_id != batch[-1].person_id:
            yield batch
            batch = []
        batch.append(rec)
    if batch:
        yield batch


def _apply(
    session: Session,
    campaign: Campaign,
    book: RuleBook,
    recs: Sequence[RecordIn],
    people: dict[int, tuple[int, str]],
    shared: _Shared,
) -> None:
    verdicts = {rec.source_key: judge(book, rec) for rec in recs}
    gone = [(r.person_id, r.source_key) for r in recs if verdicts[r.source_key] is None]
    touched = {r.person_id for r in recs if verdicts[r.source_key] is not None}
    touched |= repo.people_with_sources(session, campaign.id, gone) if gone else set()
    if not touched:
        return
    recs = [r for r in recs if r.person_id in touched]
    people = {pid: people[pid] for pid in touched}
    locked = repo.lock_totals(session, campaign.id, people)  # serialises concurrent ingest per person
    ledger = repo.ledger_for(session, campaign.id, sorted(people))
    old = {pid: summarise(book, rows.items()) for pid, rows in ledger.items()}
    upserts: list[tuple[int, str, Verdict]] = []
    deletes: list[tuple[int, str]] = []
    for rec in recs:
        verdict, rows = verdicts[rec.source_key], ledger[rec.person_id]
        if verdict is None and rec.source_key in rows:
            del rows[rec.source_key]
            deletes.append((rec.person_id, rec.source_key))
        elif verdict is not None and rows.get(rec.source_key) != verdict:
            rows[rec.source_key] = verdict
            upserts.append((rec.person_id, rec.source_key, verdict))
    if not upserts and not deletes:
        return
    repo.write_ledger(session, campaign.id, upserts, deletes)
    changed = {pid for pid, *_ in upserts} | {pid for pid, _ in deletes}
    new = {pid: summarise(book, ledger[pid].items()) for pid in changed}
    _write_aggregates(session, campaign, {pid: locked[pid] for pid in changed}, old, new, shared)


def _write_aggregates(
    session: Session,
    campaign: Campaign,
    locked: dict[int, tuple[int, int, int]],
    old: dict[int, Summary],
    new: dict[int, Summary],
    shared: _Shared,
) -> None:
    org_days, scores = shared.org_days, shared.scores
    for pid, (org_id, top_id, _score) in locked.items():
        for day, delta in footprint_diff(old[pid], new[pid]).items():
            acc = org_days[(org_id, day)]  # type: ignore[index]
            for i, d in enumerate(delta):
                acc[i] += d
        joined = (new[pid].score > 0) - (old[pid].score > 0)  # +1 onto the boards, -1 off them
        for board in ("n", f"t{top_id}", f"o{org_id}"):
            if old[pid].score > 0:
                scores[(board, old[pid].score)] -= 1
            if new[pid].score > 0:
                scores[(board, new[pid].score)] += 1
            if joined:
                scores[(board, BOARD_SIZE)] += joined
    repo.write_totals(session, campaign.id, {pid: totals_values(new[pid]) for pid in locked})
    shared.reached += [pid for pid in locked if old[pid].reached_target_at is None and new[pid].reached_target_at]


def _announce(session: Session, campaign: Campaign, person_ids: Sequence[int]) -> None:
    """Tell recognition who newly reached the target; it certifies them in a background job, not here."""
    if person_ids:
        signals.publish(session, CampaignTargetsReached(campaign.id, tuple(person_ids)))


def totals_values(s: Summary) -> dict[str, Any]:
    """The totals row's columns for a summary."""
    return {
        "courses": s.courses,
        "webinars": s.webinars,
        "mdo_events": s.mdo_events,
        "offline": s.offline,
        "total_minutes": s.total_minutes,
        "completions": s.completions,
        "karma": s.karma,
        "score": s.score,
        "score_at": s.score_at,
        "tie": -int(s.score_at.timestamp() * 1000) if s.score_at else 0,
        "reached_target_at": s.reached_target_at,
    }


# --- recompute --------------------------------------------------------------------------------------------------


def recompute(session: Session, campaign_id: int, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Rebuild a campaign's ledger and aggregates from the original activity, each record judged by the rules in
    force at its own moment (the same verdicts live ingest gave).

    First the stored records are made to agree with their sources: missing or different ones are written as the
    source says, those whose source is gone are deleted. Inside the database when every source has a query form
    (`sources.repair`: only the differences are written, and the rebuild then streams the stored records, now
    the sources' own, as plain rows); otherwise compared person by person in Python (`sources.reconcile`).
    """
    from saptah.campaigns.rebuild import Rebuild

    campaign = repo.lock_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.")
    book = rule_book(session, campaign)
    before = repo.reached_people(session, campaign_id)
    repo.clear_campaign(session, campaign_id)
    rebuild = Rebuild(session, campaign_id, book, progress)
    with bulk.fewer_gc_passes():  # millions of short-lived rows and verdicts, no cycles (as in ingest)
        repaired = sources.repair(session, *book.span)
        if repaired is not None:
            stored = repo.stored_for_rebuild(session, *book.span)
            for pid, group in itertools.groupby(stored, key=_person_of):
                rows = list(group)  # each row reads as a record (by field name), then org_id and path
                rebuild.add(pid, rows[0][-2], rows[0][-1], rows)
        else:
            repair = _Repair(session)
            for person in sources.reconcile(session, *book.span):
                repair.add(person)
                rebuild.add(person.person_id, person.org_id, person.org_path, person.records)
            repair.write()
            repaired = repair.count
        result = rebuild.finish() | {"repaired": repaired}
    campaign.computed_at = utcnow()
    _announce(session, campaign, sorted(pid for pid in rebuild.reached if pid not in before))
    return result


class _Repair:
    """Stored records made to agree with their sources: written in batches while reading on PostgreSQL (its
    cursors do not see the transaction's later writes), at the end on SQLite."""

    def __init__(self, session: Session) -> None:
        self.session, self.count = session, 0
        self.upserts: list[RecordIn] = []
        self.deletes: list[str] = []
        self.eager = repo.is_pg(session)

    def add(self, person: sources.Person) -> None:
        """Queue what this person's stored records need."""
        if person.missing or person.changed or person.orphans:
            self.upserts += person.missing
            self.upserts += [rec for _, rec in person.changed]
            self.deletes += [str(values[0]) for values in person.orphans]
            if self.eager and len(self.upserts) + len(self.deletes) >= BATCH * 10:
                self.write()

    def write(self) -> None:
        """Write what is queued."""
        self.count += len(self.upserts) + len(self.deletes)
        for start in range(0, len(self.upserts), BATCH):
            repo.replace_records(self.session, self.upserts[start : start + BATCH])
        for start in range(0, len(self.deletes), BATCH):
            repo.delete_records(self.session, self.deletes[start : start + BATCH])
        self.upserts, self.deletes = [], []
