"""Campaign rules: campaigns and their recorded rule changes, credit ingest, recompute, progress."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import repository as repo
from saptah.campaigns.credit import evaluate, footprint_diff, outside_reason, summarise
from saptah.campaigns.models import Campaign, CampaignRuleVersion
from saptah.campaigns.schemas import (
    CATEGORY,
    CampaignCreate,
    CampaignRules,
    CampaignTargetsReached,
    LedgerLine,
    RecordIn,
    RulesChangeIn,
    Summary,
    Verdict,
)
from saptah.core import bulk, signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.directory import service as directory

BATCH = 500
DEFAULT_KARMA_CAP = 4
RECOMPUTE_JOB = "campaigns.recompute"
QUEUED = "campaigns.records"  # records waiting for the end of a signals batch


def rules_of(campaign: Campaign) -> CampaignRules:
    """The campaign's current rules."""
    return CampaignRules.model_validate(campaign.rules)


def status(campaign: Campaign, now: datetime | None = None) -> str:
    """upcoming, running or closed, by the IST window."""
    rules, now = rules_of(campaign), now or utcnow()
    if now < rules.window_start:
        return "upcoming"
    return "running" if now <= rules.window_end else "closed"


def get(session: Session, campaign_id: int) -> Campaign:
    """A campaign, or a clear 404."""
    campaign = repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.")
    return campaign


def list_all(session: Session) -> list[Campaign]:
    """Every campaign, newest first."""
    return repo.list_campaigns(session)


def current(session: Session, now: datetime | None = None) -> Campaign | None:
    """The running campaign (newest), else the most recent one."""
    campaigns = repo.list_campaigns(session)
    running = [c for c in campaigns if status(c, now) == "running"]
    pool = running or campaigns
    return pool[0] if pool else None


def history(session: Session, campaign_id: int) -> list[CampaignRuleVersion]:
    """Every recorded rule change, newest first."""
    return repo.rule_versions(session, campaign_id)


def create(session: Session, *, actor_id: int | None, data: CampaignCreate) -> Campaign:
    """Create a campaign with its first rules version; existing records are credited by a recompute job."""
    if repo.get_campaign_by_name(session, data.name.strip()):
        raise Conflict(f"A campaign named '{data.name.strip()}' already exists.")
    org_ids = org_paths = None
    if data.org_codes:
        orgs = [directory.org_by_code(session, code) for code in data.org_codes]
        org_ids, org_paths = [o.id for o in orgs], [o.path for o in orgs]
    try:
        rules = CampaignRules(
            **data.model_dump(exclude={"name", "description", "org_codes"}), org_ids=org_ids, org_paths=org_paths
        )
    except ValueError as exc:
        raise InvalidInput(_first_error(exc)) from exc
    campaign = Campaign(name=data.name.strip(), description=data.description, rules=_dump(rules), created_by=actor_id)
    repo.add(session, campaign)
    _record_version(session, campaign, rules, "Campaign created", None, actor_id)
    repo.refresh_org_sizes(session, campaign.id)
    _enqueue_recompute(session, campaign, actor_id)
    return campaign


def extend(session: Session, *, campaign_id: int, actor_id: int | None, extended_to: date, reason: str) -> Campaign:
    """Extend the window to a later last day: a recorded act; credit is recomputed from the stored records."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    if extended_to <= rules.last_day:
        raise InvalidInput(f"The window already runs to {rules.last_day:%d-%m-%Y}; pick a later day.")
    new = rules.model_copy(update={"extended_to": extended_to})
    change = f"Window extended from {rules.last_day:%d-%m-%Y} to {extended_to:%d-%m-%Y}"
    return _apply_rules(session, campaign, new, change, reason, actor_id)


def change_rules(session: Session, *, campaign_id: int, actor_id: int | None, data: RulesChangeIn) -> Campaign:
    """Change rules from now on (target, karma cap, ranking, caps): a recorded act, then a recompute."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    updates = data.model_dump(exclude={"reason"}, exclude_none=True)
    updates = {k: v for k, v in updates.items() if getattr(rules, k) != v}
    if not updates:
        raise InvalidInput("Nothing changes: every value given is already the rule.")
    change = "; ".join(f"{k.replace('_', ' ')}: {getattr(rules, k)} → {v}" for k, v in sorted(updates.items()))
    return _apply_rules(session, campaign, rules.model_copy(update=updates), change, data.reason, actor_id)


def _apply_rules(
    session: Session, campaign: Campaign, rules: CampaignRules, change: str, reason: str, actor_id: int | None
) -> Campaign:
    campaign.rules = _dump(CampaignRules.model_validate(_dump(rules)))
    campaign.rules_version += 1
    _record_version(session, campaign, rules, change, reason.strip(), actor_id)
    _enqueue_recompute(session, campaign, actor_id)
    return campaign


def _record_version(
    session: Session, campaign: Campaign, rules: CampaignRules, change: str, reason: str | None, actor_id: int | None
) -> None:
    version = CampaignRuleVersion(
        campaign_id=campaign.id,
        version=campaign.rules_version,
        rules=_dump(rules),
        change=change[:300],
        reason=reason,
        changed_by=actor_id,
    )
    repo.add(session, version)


def _enqueue_recompute(session: Session, campaign: Campaign, actor_id: int | None) -> None:
    from saptah.jobs import service as jobs

    key = f"campaign-recompute:{campaign.id}"
    with suppress(Conflict):  # a recompute is already queued; it reads the rules when it starts
        jobs.enqueue(
            session, kind=RECOMPUTE_JOB, payload={"campaign_id": campaign.id}, lock_key=key, created_by=actor_id
        )


def _dump(rules: CampaignRules) -> dict[str, Any]:
    return rules.model_dump(mode="json")


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first.get("msg", exc)).removeprefix("Value error, ")
    return str(exc)


def karma_monthly_caps(session: Session, moments: Sequence[datetime]) -> list[int]:
    """Completions outside a plan that earn karma in a month, at each moment: the highest cap of the campaigns
    running then (the default without one); the campaigns are read once."""
    listed = repo.list_campaigns(session) if moments else []
    out = []
    for at in moments:
        caps = [rules_of(c).karma_monthly_cap for c in listed if status(c, at) == "running"]
        out.append(max(caps) if caps else DEFAULT_KARMA_CAP)
    return out


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
    rules = rules_of(campaign)
    recs = [r for r in stored if r.person_id in people and rules.covers_path(people[r.person_id][1])]
    shared = _Shared()
    for batch in _by_person(recs, BATCH):
        _apply(session, campaign, rules, batch, people, shared)
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
    rules: CampaignRules,
    recs: Sequence[RecordIn],
    people: dict[int, tuple[int, str]],
    shared: _Shared,
) -> None:
    verdicts = {rec.source_key: evaluate(rules, rec) for rec in recs}
    gone = [(r.person_id, r.source_key) for r in recs if verdicts[r.source_key] is None]
    touched = {r.person_id for r in recs if verdicts[r.source_key] is not None}
    touched |= repo.people_with_sources(session, campaign.id, gone) if gone else set()
    if not touched:
        return
    recs = [r for r in recs if r.person_id in touched]
    people = {pid: people[pid] for pid in touched}
    locked = repo.lock_totals(session, campaign.id, people)  # serialises concurrent ingest per person
    ledger = repo.ledger_for(session, campaign.id, sorted(people))
    old = {pid: summarise(rules, rows.items()) for pid, rows in ledger.items()}
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
    new = {pid: summarise(rules, ledger[pid].items()) for pid in changed}
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
        for board in ("n", f"t{top_id}", f"o{org_id}"):
            if old[pid].score > 0:
                scores[(board, old[pid].score)] -= 1
            if new[pid].score > 0:
                scores[(board, new[pid].score)] += 1
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
    """Rebuild a campaign's ledger and aggregates from the stored records, with the current rules."""
    from saptah.campaigns.rebuild import Rebuild

    campaign = repo.lock_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign.")
    rules = rules_of(campaign)
    before = repo.reached_people(session, campaign_id)
    repo.clear_campaign(session, campaign_id)
    rebuild = Rebuild(session, campaign_id, rules, progress)
    for row in repo.records_between(session, rules.window_start, rules.window_end):
        rebuild.add(row)
    result = rebuild.finish()
    campaign.computed_at = utcnow()
    _announce(session, campaign, sorted(pid for pid in rebuild.reached if pid not in before))
    return result


def reached_of(session: Session, campaign_id: int, person_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    """Of these people, those who hold the campaign's target now: person -> (total minutes, when reached)."""
    return repo.reached_of(session, campaign_id, person_ids)


# --- progress ---------------------------------------------------------------------------------------------------

OUTSIDE_MARGIN = timedelta(days=90)


def progress(session: Session, campaign_id: int, person_id: int) -> dict[str, Any]:
    """A person's bar, breakdown, ranks, and every line that counted or did not (with why)."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    total = repo.get_total(session, campaign_id, person_id)
    lines = [_line(row.source_key, label, row) for row, label in repo.ledger_lines(session, campaign_id, person_id)]
    outside = []
    for rec in repo.records_of_person(session, person_id):
        near = rules.window_start - OUTSIDE_MARGIN <= rec.occurred_at <= rules.window_end + OUTSIDE_MARGIN
        if rec.kind != "karma" and near and evaluate(rules, rec) is None:
            outside.append(_outside_line(rules, rec))
    minutes = total.total_minutes if total else 0
    ranks: dict[str, int | None] = {"national": None, "organisation": None}
    if total is not None and total.score > 0:
        ranks = {
            "national": repo.dense_rank(session, campaign_id, "n", total.score),
            "organisation": repo.dense_rank(session, campaign_id, f"o{total.org_id}", total.score),
        }
    return {
        "campaign": campaign,
        "rules": rules,
        "status": status(campaign),
        "total": total,
        "minutes": minutes,
        "percent": min(100, minutes * 100 // rules.target_minutes),
        "lines": lines,
        "outside": outside,
        "rank_national": ranks["national"],
        "rank_organisation": ranks["organisation"],
    }


def _line(key: str, label: str | None, row: Any) -> LedgerLine:
    return LedgerLine(
        source=key,
        label=label,
        category=row.category,
        minutes=row.minutes,
        karma=row.karma,
        counted=row.counted,
        reason=row.reason,
        earned_at=row.earned_at,
    )


def _outside_line(rules: CampaignRules, rec: RecordIn) -> LedgerLine:
    return LedgerLine(
        source=rec.source_key,
        label=rec.label,
        category=CATEGORY[rec.kind],
        minutes=0,
        karma=0,
        counted=False,
        reason=outside_reason(rules, rec),
        earned_at=rec.occurred_at,
    )


# --- boards (read only the aggregates) --------------------------------------------------------------------------

BANDS = (("XL", 50_000), ("L", 10_000), ("M", 1_000), ("S", 500), ("XS", 0))


def board_key(kind: str, org_id: int | None = None) -> str:
    """The key of a board: national, a ministry/state subtree, or one organisation."""
    if kind == "national" or org_id is None:
        return "n"
    return f"t{org_id}" if kind == "ministry" else f"o{org_id}"


def _ranked(session: Session, campaign_id: int, board: str, rows: list[Any]) -> list[tuple[int, Any]]:
    """Dense ranks for contiguous rows in board order: one histogram count for the first, then +1 per new score."""
    out: list[tuple[int, Any]] = []
    for row in rows:
        if not out:
            rank = repo.dense_rank(session, campaign_id, board, row.score)
        elif row.score != out[-1][1].score:
            rank = out[-1][0] + 1
        out.append((rank, row))
    return out


def board_top(session: Session, campaign_id: int, board: str, limit: int = 20) -> list[tuple[int, Any]]:
    """The top of a board, with dense ranks (equal scores share a rank; earlier to reach listed first)."""
    rows = repo.board_rows(session, repo.board_filter(campaign_id, board), limit=limit)
    return _ranked(session, campaign_id, board, rows)


def board_around(
    session: Session, campaign_id: int, board: str, person_id: int, span: int = 2
) -> list[tuple[int, Any]] | None:
    """A person's position on a board with `span` neighbours each side; None when they have no score there."""
    me = repo.get_total(session, campaign_id, person_id)
    if me is None or me.score <= 0:
        return None
    cond = repo.board_filter(campaign_id, board)
    if (board[0], int(board[1:] or 0)) not in {("n", 0), ("t", me.top_org_id), ("o", me.org_id)}:
        return None
    key = (me.score, me.tie, me.person_id)
    above = list(reversed(repo.board_rows(session, cond, limit=span, before=key)))
    below = repo.board_rows(session, cond, limit=span, after=key)
    return _ranked(session, campaign_id, board, [*above, me, *below])


def board_size(session: Session, campaign_id: int, board: str) -> int:
    """How many people have a score on a board."""
    return sum(n for (b, _s), n in repo.score_counts_of(session, campaign_id).items() if b == board)


def band_of(registered: int) -> str:
    """The size band of an organisation by registered people."""
    return next(name for name, floor in BANDS if registered > floor or floor == 0)


def org_board(session: Session, campaign_id: int) -> dict[str, list[dict[str, Any]]]:
    """Organisations by size band, ranked by share of staff who reached the target."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    sizes = repo.org_sizes(session, campaign_id)
    rollup = repo.org_rollup(session, campaign_id)
    events = repo.events_organised(session, rules.window_start, rules.window_end)
    orgs = repo.orgs_named(session, sizes)
    bands: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in BANDS}
    for org_id, registered in sizes.items():
        if registered <= 0 or org_id not in orgs or not rules.covers_path(orgs[org_id].path):
            continue
        minutes, completions, active, reached = rollup.get(org_id, (0, 0, 0, 0))
        bands[band_of(registered)].append(
            {
                "org": orgs[org_id],
                "registered": registered,
                "reached": reached,
                "active": active,
                "share": reached / registered,
                "avg_minutes": round(minutes / registered, 1),
                "hours": round(minutes / 60, 1),
                "completions": completions,
                "events": events.get(org_id, 0),
            }
        )
    for rows in bands.values():
        rows.sort(key=lambda r: (-r["share"], -r["avg_minutes"], r["org"].name_en))
        for i, row in enumerate(rows):
            row["rank"] = i + 1 if i == 0 or row["share"] != rows[i - 1]["share"] else rows[i - 1]["rank"]
    return bands


def refresh_sizes(session: Session, campaign_id: int) -> int:
    """Snapshot registered people per organisation for the size bands."""
    get(session, campaign_id)
    return repo.refresh_org_sizes(session, campaign_id)


def people_public(session: Session, person_ids: Sequence[int]) -> dict[int, tuple[str, str | None, str]]:
    """Name, designation and organisation of people (what public boards show)."""
    return repo.people_public(session, person_ids)
