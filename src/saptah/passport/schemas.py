"""What the passport takes in and gives out: evidence rows, holdings, needs, gaps, recommendations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from saptah.passport.levels import MAX_LEVEL

GROUPS = ("Group A", "Group B", "Group C", "Group D", "Contractual Staff", "Others")


@dataclass(frozen=True)
class EvidenceIn:
    """One competency shown by one piece of learning, before it is stored."""

    person_id: int
    competency_id: int
    source_key: str
    kind: str
    object_id: int
    title: str
    level: int
    score: int | None
    earned_at: datetime


@dataclass(frozen=True)
class Evidence:
    """One piece of evidence as a person reads it (with the certificate that proves it, if any)."""

    kind: str
    object_id: int
    title: str
    level: int
    score: int | None
    earned_at: datetime
    certificate: str | None = None


@dataclass
class Holding:
    """A competency a person holds: the level reached and the evidence behind it."""

    competency_id: int
    code: str
    area: str
    name: str
    level: int
    reached_at: datetime
    evidence: list[Evidence] = field(default_factory=list)


class NeedIn(BaseModel):
    """A competency and level staff of a designation or group need (one row of the upload or the form)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    designation: str = Field("", max_length=200)
    group: str = Field("", max_length=30)
    competency: str = Field(min_length=2, max_length=40)
    level: int = Field(ge=1, le=MAX_LEVEL)

    @field_validator("group")
    @classmethod
    def _known_group(cls, value: str) -> str:
        if value and value not in GROUPS:
            raise ValueError(f"group must be one of: {', '.join(GROUPS)}")
        return value

    @field_validator("competency")
    @classmethod
    def _code(cls, value: str) -> str:
        return value.upper()


@dataclass(frozen=True)
class NeedOut:
    """A stored need, with its competency's code and name."""

    id: int
    org_id: int
    designation: str
    group: str
    competency_id: int
    code: str
    name: str
    level: int


@dataclass
class Gap:
    """A competency a person's role needs at a higher level than they hold."""

    competency_id: int
    code: str
    name: str
    needed: int
    held: int


@dataclass(frozen=True)
class Recommendation:
    """A course or upcoming event that would close one or more gaps, with why it is ranked where it is."""

    kind: str  # course | event
    object_id: int
    title: str
    closes: tuple[str, ...]  # competency codes
    level: int
    language_match: bool
    minutes: int
    starts_at: datetime | None = None


@dataclass(frozen=True)
class GapRow:
    """One row of the MDO dashboard: staff of a designation or group that need a competency at a level."""

    need_id: int
    org_name: str
    designation: str
    group: str
    code: str
    name: str
    level: int
    staff: int
    holding: int
    closed_in_campaign: int

    @property
    def gaps(self) -> int:
        """Staff who do not yet hold the level."""
        return self.staff - self.holding

    @property
    def closed_share(self) -> float:
        """Share of the staff who needed it that reached it during the campaign (0..1)."""
        return self.closed_in_campaign / self.staff if self.staff else 0.0


@dataclass(frozen=True)
class ImportResult:
    """What an upload of needs did: rows stored, or the errors that stopped it (nothing stored then)."""

    stored: int = 0
    errors: list[str] = field(default_factory=list)
