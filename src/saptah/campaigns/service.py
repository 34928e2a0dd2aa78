"""Campaign rules: campaigns and their recorded rule changes, progress, boards.

Writing credit (live ingest and recompute) is in `ledger.py`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.campaigns import repository as repo
from saptah.campaigns.credit import in_window, judge, outside_reason
from saptah.campaigns.models import Campaign, CampaignRuleVersion
from saptah.campaigns.schemas import (
    CATEGORY,
    CampaignCreate,
    CampaignRules,
    LedgerLine,
    RecordIn,
    RuleBook,
    RulesChangeIn,
)
from saptah.core import live
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.core.text import N_
from saptah.core.timeutil import fmt_ist
from saptah.directory import service as directory

DEFAULT_KARMA_CAP = 4
RECOMPUTE_JOB = "campaigns.recompute"


def rules_of(campaign: Campaign) -> CampaignRules:
    """The campaign's current rules (its newest version)."""
    return CampaignRules.model_validate(campaign.rules)


def rule_book(session: Session, campaign: Campaign) -> RuleBook:
    """Every version of the campaign's rules with the moment it takes effect (one query once rules changed)."""
    if campaign.rules_version <= 1:
        return RuleBook.single(rules_of(campaign))
    versions = sorted(repo.rule_versions(session, campaign.id), key=lambda v: v.version)
    return book_of([(v.effective_at, v.rules) for v in versions])


def book_of(versions: Sequence[tuple[datetime, dict[str, Any]]]) -> RuleBook:
    """A rule book from (effective moment, rules) in version order; the first version's moment does not matter."""
    rules = tuple(CampaignRules.model_validate(r) for _at, r in versions)
    return RuleBook(tuple(at for at, _r in versions[1:]), rules)


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
    """Every recorded rule version with the moment it took effect, newest first."""
    return repo.rule_versions(session, campaign_id)


def create(session: Session, *, actor_id: int | None, data: CampaignCreate) -> Campaign:
    """Create a campaign with its first rules version; existing records are credited by a recompute job."""
    if repo.get_campaign_by_name(session, data.name.strip()):
        raise Conflict("A campaign named '{name}' already exists.", name=data.name.strip())
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
    _record_version(session, campaign, rules, "Campaign created", None, actor_id, Act.CAMPAIGN_CREATE)
    repo.refresh_org_sizes(session, campaign.id)
    _enqueue_recompute(session, campaign, actor_id)
    return campaign


def extend(
    session: Session,
    *,
    campaign_id: int,
    actor_id: int | None,
    extended_to: date,
    reason: str,
    effective_at: datetime | None = None,
) -> Campaign:
    """Extend the window to a later last day: a recorded act; credit is recomputed from the stored records.

    An extension only concerns the days after the old last day, so by default it takes effect when the old window
    ends (or now, if that is sooner): activity on the added days counts even when the extension is decided later.
    """
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    if extended_to <= rules.last_day:
        raise InvalidInput(
            "The window already runs to {last_day}; pick a later day.", last_day=format(rules.last_day, "%d-%m-%Y")
        )
    new = rules.model_copy(update={"extended_to": extended_to})
    change = N_("Window extended from {last_day} to {extended_to}").format(
        last_day=format(rules.last_day, "%d-%m-%Y"), extended_to=format(extended_to, "%d-%m-%Y")
    )
    if effective_at is None:
        floor = _latest_effective(session, campaign)
        effective_at = max(min(utcnow(), rules.window_end), floor) if floor else min(utcnow(), rules.window_end)
    return _apply_rules(session, campaign, new, change, reason, actor_id, effective_at, Act.CAMPAIGN_EXTEND)


def change_rules(session: Session, *, campaign_id: int, actor_id: int | None, data: RulesChangeIn) -> Campaign:
    """Change rules from a moment on (default now): target, karma cap, ranking, caps, the event-tag rule.

    A recorded act, then a recompute; records from before that moment keep being judged by the earlier rules.
    """
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    updates = data.model_dump(exclude={"reason", "effective_at"}, exclude_none=True)
    updates = {k: v for k, v in updates.items() if getattr(rules, k) != v}
    if not updates:
        raise InvalidInput("Nothing changes: every value given is already the rule.")
    change = "; ".join(f"{k.replace('_', ' ')}: {getattr(rules, k)} → {v}" for k, v in sorted(updates.items()))
    new = rules.model_copy(update=updates)
    return _apply_rules(
        session, campaign, new, change, data.reason, actor_id, data.effective_at or utcnow(), Act.CAMPAIGN_RULES
    )


def _latest_effective(session: Session, campaign: Campaign) -> datetime | None:
    """When the newest version after the first took effect (the first rules everything before the second)."""
    if campaign.rules_version <= 1:
        return None
    return max(v.effective_at for v in repo.rule_versions(session, campaign.id) if v.version > 1)


def _apply_rules(
    session: Session,
    campaign: Campaign,
    rules: CampaignRules,
    change: str,
    reason: str,
    actor_id: int | None,
    effective_at: datetime,
    act: Act,
) -> Campaign:
    floor = _latest_effective(session, campaign)
    if floor is not None and effective_at < floor:
        raise InvalidInput(
            "Rules cannot take effect before the version in force from {moment} IST.",
            moment=fmt_ist(floor, "%d-%m-%Y %H:%M"),
        )
    campaign.rules = _dump(CampaignRules.model_validate(_dump(rules)))
    campaign.rules_version += 1
    _record_version(session, campaign, rules, change, reason.strip(), actor_id, act, effective_at)
    _enqueue_recompute(session, campaign, actor_id)
    return campaign


def _record_version(
    session: Session,
    campaign: Campaign,
    rules: CampaignRules,
    change: str,
    reason: str | None,
    actor_id: int | None,
    act: Act,
    effective_at: datetime | None = None,
) -> None:
    now = utcnow()
    version = CampaignRuleVersion(
        campaign_id=campaign.id,
        version=campaign.rules_version,
        rules=_dump(rules),
        change=change[:300],
        reason=reason,
        changed_by=actor_id,
        changed_at=now,
        effective_at=effective_at or now,
    )
    repo.add(session, version)
    audit.record(
        session,
        act=act,
        actor_id=actor_id,
        target=f"campaign {campaign.id}",
        details={"version": campaign.rules_version, "change": change[:300], "reason": reason},
    )


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
    running then, by the rules in force then (the default without one); the campaigns are read once."""
    books = [rule_book(session, c) for c in repo.list_campaigns(session)] if moments else []
    out = []
    for at in moments:
        caps = [r.karma_monthly_cap for r in (b.at(at) for b in books) if in_window(r, at)]
        out.append(max(caps) if caps else DEFAULT_KARMA_CAP)
    return out


def discussion_karma(session: Session, at: datetime, org_path: str) -> int:
    """Karma points a day of taking part in discussions earns at a moment, for a person of this organisation: the
    highest of the campaigns running then that the organisation takes part in, by the rules in force then; 0 (no
    karma) without one. Discussions never credit learning minutes."""
    points = [
        r.discussion_karma
        for r in (rule_book(session, c).at(at) for c in repo.list_campaigns(session))
        if in_window(r, at) and r.covers_path(org_path)
    ]
    return max(points, default=0)


def event_tag_rule(session: Session, at: datetime | None = None) -> list[str]:
    """Names of the campaigns that count events only when tagged with a competency: those whose window holds
    the moment, by the rules in force then; without a moment, those not yet closed, by their newest rules."""
    names = []
    for campaign in repo.list_campaigns(session):
        if at is None:
            rules = rules_of(campaign)
            if rules.events_need_competency and status(campaign) != "closed":
                names.append(campaign.name)
            continue
        rules = rule_book(session, campaign).at(at)
        if rules.events_need_competency and in_window(rules, at):
            names.append(campaign.name)
    return names


def reached_of(session: Session, campaign_id: int, person_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    """Of these people, those who hold the campaign's target now: person -> (total minutes, when reached)."""
    return repo.reached_of(session, campaign_id, person_ids)


# --- progress ---------------------------------------------------------------------------------------------------

OUTSIDE_MARGIN = timedelta(days=90)


def progress(session: Session, campaign_id: int, person_id: int, *, max_age: float = 0) -> dict[str, Any]:
    """A person's bar, breakdown, ranks (counted against the boards' scores as of at most `max_age` seconds ago),
    and every line that counted or did not (with why)."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    book = rule_book(session, campaign)
    total = repo.get_total(session, campaign_id, person_id)
    lines = [_line(row.source_key, label, row) for row, label in repo.ledger_lines(session, campaign_id, person_id)]
    outside = []
    for rec in repo.records_of_person(session, person_id):
        near = rules.window_start - OUTSIDE_MARGIN <= rec.occurred_at <= rules.window_end + OUTSIDE_MARGIN
        if rec.kind != "karma" and near and judge(book, rec) is None:
            outside.append(_outside_line(book.at(rec.occurred_at), rec))
    minutes = total.total_minutes if total else 0
    ranks: dict[str, int | None] = {"national": None, "organisation": None}
    ranks_as_of = None
    if total is not None and total.score > 0:
        national = board_ranks(session, campaign_id, "n", max_age=max_age)
        ranks = {
            "national": national.rank(total.score),
            "organisation": board_ranks(session, campaign_id, f"o{total.org_id}", max_age=max_age).rank(total.score),
        }
        ranks_as_of = national.as_of
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
        "ranks_as_of": ranks_as_of,
        "ranks_max_age": max_age,
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


@dataclass(frozen=True)
class BoardScores:
    """A board's distinct scores as of a moment: a dense rank is a bisection, not a count over the histogram.

    At national scale the board holds a few thousand distinct scores spread over the histogram's shards; counting
    those above a score on every request cost 30-40 ms. Readers share one reading for up to `max_age` seconds
    (core.live, as dashboards do); a score reached since then ranks among the scores of that moment.
    """

    scores: list[int]  # lowest first
    as_of: datetime

    def rank(self, score: int) -> int:
        """Dense rank of a score: one more than the distinct scores above it."""
        return len(self.scores) - bisect.bisect_right(self.scores, score) + 1


@dataclass(frozen=True)
class CountedRanks:
    """Exact ranks for one request (max age 0): each rank counts only the distinct scores above it, so a reader
    near the top reads a few histogram rows, not the whole board's."""

    session: Session
    campaign_id: int
    board: str
    as_of: datetime

    def rank(self, score: int) -> int:
        """Dense rank of a score: one more than the distinct scores above it."""
        return repo.dense_rank(self.session, self.campaign_id, self.board, score)


def board_ranks(session: Session, campaign_id: int, board: str, *, max_age: float = 0) -> BoardScores | CountedRanks:
    """Dense ranks on a board: from its distinct scores read at most once per `max_age` seconds by this process,
    or (max age 0) counted exactly for each rank asked."""
    if max_age <= 0:
        return CountedRanks(session, campaign_id, board, utcnow())
    scores, as_of = live.shared(
        session,
        ("board-scores", campaign_id, board),
        lambda s: repo.board_scores(s, campaign_id, board),
        max_age=max_age,
    )
    return BoardScores(scores, as_of)


def _ranked(scores: BoardScores | CountedRanks, rows: list[Any]) -> list[tuple[int, Any]]:
    """Dense ranks for contiguous rows in board order: the first by the board's scores, then +1 per new score."""
    out: list[tuple[int, Any]] = []
    for row in rows:
        if not out:
            rank = scores.rank(row.score)
        elif row.score != out[-1][1].score:
            rank = out[-1][0] + 1
        out.append((rank, row))
    return out


def board_top(
    session: Session, campaign_id: int, board: str, limit: int = 20, *, scores: BoardScores | CountedRanks | None = None
) -> list[tuple[int, Any]]:
    """The top of a board, with dense ranks (equal scores share a rank; earlier to reach listed first)."""
    rows = repo.board_rows(session, repo.board_filter(campaign_id, board), limit=limit)
    return _ranked(scores or board_ranks(session, campaign_id, board), rows)


def board_around(
    session: Session,
    campaign_id: int,
    board: str,
    person_id: int,
    span: int = 2,
    *,
    scores: BoardScores | CountedRanks | None = None,
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
    return _ranked(scores or board_ranks(session, campaign_id, board), [*above, me, *below])


def board_size(session: Session, campaign_id: int, board: str) -> int:
    """How many people have a score on a board."""
    return repo.board_people(session, campaign_id, board)


def band_of(registered: int) -> str:
    """The size band of an organisation by registered people."""
    return next(name for name, floor in BANDS if registered > floor or floor == 0)


def org_board(session: Session, campaign_id: int) -> dict[str, list[dict[str, Any]]]:
    """Organisations by size band, ranked by share of staff who reached the target."""
    campaign = get(session, campaign_id)
    rules = rules_of(campaign)
    rollup = repo.org_rollup(session, campaign_id)
    events = repo.events_organised(session, rules.window_start, rules.window_end)
    bands: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in BANDS}
    for org in repo.sized_orgs(session, campaign_id):
        org_id, registered = org.id, org.registered
        if not rules.covers_path(org.path):
            continue
        minutes, completions, active, reached = rollup.get(org_id, (0, 0, 0, 0))
        bands[band_of(registered)].append(
            {
                "org": org,
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


def shared_org_board(
    session: Session, campaign_id: int, *, max_age: int
) -> tuple[dict[str, list[dict[str, Any]]], datetime]:
    """The organisation board as of at most `max_age` seconds ago, shared by its readers as dashboards are
    (core.live: one computation over every organisation's totals per process and `max_age`), and when it was
    computed. Its rows hold plain values (Core rows), safe to share between sessions."""
    return live.shared(session, ("org board", campaign_id), lambda s: org_board(s, campaign_id), max_age=max_age)


def refresh_sizes(session: Session, campaign_id: int) -> int:
    """Snapshot registered people per organisation for the size bands."""
    get(session, campaign_id)
    return repo.refresh_org_sizes(session, campaign_id)


def people_public(session: Session, person_ids: Sequence[int]) -> dict[int, tuple[str, str | None, str]]:
    """Name, designation and organisation of people (what public boards show)."""
    return repo.people_public(session, person_ids)
