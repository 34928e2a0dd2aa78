"""Campaign rules (versioned data), records in, and the shapes the API returns."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from saptah.core.strict_types import Day, Flag
from saptah.core.timeutil import ist_end, ist_start

KINDS = ("course", "webinar", "mdo_event", "offline", "karma")
# Records of these kinds carry their source's current state (an attendance total: a corrected sheet may lower it),
# so the newest replaces what is stored; the others are facts (a completion, a karma award) merged commutatively.
RUNNING_KINDS = ("webinar", "mdo_event", "offline")
CATEGORY = {
    "course": "courses",
    "webinar": "webinars",
    "mdo_event": "mdo_events",
    "offline": "offline",
    "karma": "karma",
}


class CampaignRules(BaseModel):
    """A campaign's credit rules: window (IST days), target, caps, ranking, participating organisations."""

    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date
    extended_to: date | None = None
    target_minutes: int = Field(240, ge=1, le=100_000)
    karma_monthly_cap: int = Field(4, ge=0, le=1000, description="completions outside a plan earning karma, a month")
    rank_by: Literal["minutes", "karma"] = "minutes"
    mdo_events_cap: int = Field(240, ge=0, le=100_000, description="most minutes an MDO's own events credit a person")
    competency_only: bool = Field(True, description="only courses linked to a competency count")
    events_need_competency: bool = Field(False, description="events count only when tagged with a competency")
    discussion_karma: int = Field(
        0, ge=0, le=100, description="karma points a day of taking part in discussions earns (0: none); never minutes"
    )
    org_ids: list[int] | None = None  # None: every organisation takes part
    org_paths: list[str] | None = None  # resolved from org_ids when saved

    @model_validator(mode="after")
    def _check_window(self) -> CampaignRules:
        if self.ends_on < self.starts_on:
            raise ValueError("The campaign must end on or after the day it starts.")
        if self.extended_to is not None and self.extended_to <= self.ends_on:
            raise ValueError("An extension must end after the original last day.")
        return self

    @property
    def last_day(self) -> date:
        """The last IST day of the window, extension included."""
        return self.extended_to or self.ends_on

    @property
    def window_start(self) -> datetime:
        """00:00 IST of the first day, in UTC."""
        return ist_start(self.starts_on)

    @property
    def window_end(self) -> datetime:
        """The last instant of the last IST day, in UTC."""
        return ist_end(self.last_day)

    def covers_path(self, org_path: str) -> bool:
        """True when an organisation with this path takes part."""
        return self.org_paths is None or any(org_path.startswith(p) for p in self.org_paths)


@dataclass(frozen=True)
class RuleBook:
    """A campaign's rule versions in the order they take effect; a moment is judged by the version in force then.

    The first version also rules every moment before the second takes effect (a campaign may be set up after
    the records it credits); `latest` holds board-wide choices (ranking, participating organisations).
    """

    starts: tuple[datetime, ...]  # when each version after the first takes effect (UTC), ascending
    versions: tuple[CampaignRules, ...]  # one more than `starts`

    @classmethod
    def single(cls, rules: CampaignRules) -> RuleBook:
        """A book of one version."""
        return cls((), (rules,))

    def at(self, moment: datetime) -> CampaignRules:
        """The rules in force at a moment."""
        if not self.starts:
            return self.versions[0]
        return self.versions[bisect_right(self.starts, moment)]

    @property
    def latest(self) -> CampaignRules:
        """The newest version."""
        return self.versions[-1]

    @property
    def span(self) -> tuple[datetime, datetime]:
        """The widest window any version gives: records outside it never credit."""
        return min(r.window_start for r in self.versions), max(r.window_end for r in self.versions)


@dataclass(frozen=True)
class RecordIn:
    """One source of credit as received. Facts (completions, karma) merge commutatively, so replays converge; an
    attendance total (RUNNING_KINDS) is its source's current state, sent in order under the source's lock, so the
    newest replaces the stored one (a corrected sheet lowers the credit instead of leaving the old total)."""

    source_key: str
    person_id: int
    kind: str
    occurred_at: datetime
    object_id: int | None = None
    minutes: int = 0
    karma: int = 0
    competency_linked: bool = True
    attended: bool = True
    organiser_org_id: int | None = None
    label: str | None = None

    def merge(self, other: RecordIn) -> RecordIn:
        """The same source seen twice (`other` later): an attendance total is replaced by the newer one; a fact
        keeps the earliest time, most minutes and points, linked/attended if ever so."""
        if other.kind in RUNNING_KINDS:
            return other
        return RecordIn(
            source_key=self.source_key,
            person_id=self.person_id,
            kind=self.kind,
            occurred_at=min(self.occurred_at, other.occurred_at),
            object_id=self.object_id if self.object_id is not None else other.object_id,
            minutes=max(self.minutes, other.minutes),
            karma=max(self.karma, other.karma),
            competency_linked=self.competency_linked or other.competency_linked,
            attended=self.attended or other.attended,
            organiser_org_id=self.organiser_org_id if self.organiser_org_id is not None else other.organiser_org_id,
            label=max(self.label or "", other.label or "") or None,
        )


@dataclass(frozen=True)
class Verdict:
    """What one record credits in one campaign, and why."""

    category: str
    minutes: int
    karma: int
    counted: bool
    reason: str
    earned_at: datetime


@dataclass
class Summary:
    """A person's totals in a campaign, and their footprint per IST day for the organisation aggregates."""

    courses: int = 0
    webinars: int = 0
    mdo_events: int = 0
    offline: int = 0
    total_minutes: int = 0
    completions: int = 0
    karma: int = 0
    score: int = 0
    score_at: datetime | None = None
    reached_target_at: datetime | None = None
    days: dict[date, list[int]] = field(default_factory=dict)  # day -> [minutes, completions, active, reached]


class CampaignCreate(BaseModel):
    """A new campaign."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=200)
    description: str | None = Field(None, max_length=2000)
    starts_on: Day
    ends_on: Day
    target_minutes: int = Field(240, ge=1, le=100_000)
    karma_monthly_cap: int = Field(4, ge=0, le=1000)
    rank_by: Literal["minutes", "karma"] = "minutes"
    mdo_events_cap: int = Field(240, ge=0, le=100_000)
    competency_only: Flag = True
    events_need_competency: Flag = False
    discussion_karma: int = Field(0, ge=0, le=100)
    org_codes: list[str] | None = Field(None, description="participating subtrees; omit for every organisation")


class ExtendIn(BaseModel):
    """Extend the window to a later last day."""

    model_config = ConfigDict(extra="forbid")

    extended_to: Day
    reason: str = Field(min_length=3, max_length=1000)
    effective_at: AwareDatetime | None = Field(
        None, description="when the extension takes effect; default: the end of the current window, or now if sooner"
    )


class RulesChangeIn(BaseModel):
    """Change some rules from a moment on (default: now); omitted fields stay as they are."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)
    effective_at: AwareDatetime | None = Field(None, description="when the change takes effect; default: now")
    target_minutes: int | None = Field(None, ge=1, le=100_000)
    karma_monthly_cap: int | None = Field(None, ge=0, le=1000)
    rank_by: Literal["minutes", "karma"] | None = None
    mdo_events_cap: int | None = Field(None, ge=0, le=100_000)
    competency_only: Flag | None = None
    events_need_competency: Flag | None = None
    discussion_karma: int | None = Field(None, ge=0, le=100)


class CampaignOut(BaseModel):
    """A campaign as the API shows it."""

    id: int
    name: str
    description: str | None
    rules: CampaignRules
    rules_version: int
    status: str


class RuleVersionOut(BaseModel):
    """One recorded change of rules."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    change: str
    reason: str | None
    changed_by: int | None
    changed_at: datetime
    effective_at: datetime


class LedgerLine(BaseModel):
    """One line of 'what counted and what did not, and why'."""

    source: str
    label: str | None
    category: str
    minutes: int
    karma: int
    counted: bool
    reason: str
    earned_at: datetime


class ProgressOut(BaseModel):
    """A person's progress in a campaign."""

    campaign_id: int
    person_id: int
    target_minutes: int
    courses: int
    webinars: int
    mdo_events: int
    offline: int
    total_minutes: int
    completions: int
    karma: int
    percent: int
    reached_target_at: datetime | None
    rank_national: int | None
    rank_organisation: int | None
    lines: list[LedgerLine]


@dataclass(frozen=True)
class CampaignTargetsReached:
    """People reached a campaign's target: one event per transaction that has any (recognition certifies them).

    Each person is announced once per campaign, unless a rule change takes the target back out of reach.
    """

    campaign_id: int
    person_ids: tuple[int, ...]
