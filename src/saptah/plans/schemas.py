"""Pydantic shapes of plans, and the evaluated status rows people see."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from saptah.web.i18n import N_


class ItemStatus(enum.StrEnum):
    """Where a person stands on one plan item."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED_ON_TIME = "completed_on_time"
    COMPLETED_LATE = "completed_late"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        """How the status reads on a page."""
        return _LABELS[self.value]

    @property
    def done(self) -> bool:
        """True for either completed status."""
        return self in (ItemStatus.COMPLETED_ON_TIME, ItemStatus.COMPLETED_LATE)


_LABELS = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "completed_on_time": N_("Completed on time"),
    "completed_late": N_("Completed late"),
    "overdue": N_("Overdue"),
}


class PlanIn(BaseModel):
    """A new draft plan."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=3, max_length=300)
    owner_org_code: str | None = Field(None, max_length=40, description="the MDO; empty for a national plan")
    circular_ref: str | None = Field(None, max_length=300)
    circular_date: date | None = None
    notes: str | None = Field(None, max_length=4000)
    audience_org_code: str | None = Field(None, max_length=40, description="subtree covered; empty: the owner")
    groups: list[str] = Field(default_factory=list, max_length=10)
    designations: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=20)
    joined_after: date | None = None
    reminder_days: list[int] = Field(default_factory=lambda: [7, 1], max_length=5)


class ItemIn(BaseModel):
    """A new item: one course, a choice group of courses ('k of these n'), or a program."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    course_codes: list[str] = Field(default_factory=list, max_length=50)
    program_code: str | None = Field(None, max_length=60)
    choose_k: int | None = Field(None, description="how many of the courses complete the item; default all")
    mandatory: bool = True
    title: str | None = Field(None, max_length=300)
    deadline_date: date | None = None
    deadline_days: int | None = Field(None, ge=1, le=3650)
    deadline_basis: str | None = Field(None, pattern="^(joined|added)$")


class OptionOut(BaseModel):
    """A course that counts toward an item."""

    course_id: int
    code: str
    title: str


class ItemOut(BaseModel):
    """An item as the API shows it."""

    id: int
    position: int
    title: str
    mandatory: bool
    choose_k: int
    program_id: int | None
    deadline_date: date | None
    deadline_days: int | None
    deadline_basis: str | None
    options: list[OptionOut]


class PlanOut(BaseModel):
    """A plan version as the API shows it."""

    id: int
    lineage_id: int | None
    version: int
    status: str
    title: str
    owner_org_id: int | None
    circular_ref: str | None
    circular_date: date | None
    audience_org_id: int | None
    groups: list[str]
    designations: list[str]
    tags: list[str]
    joined_after: date | None
    reminder_days: list[int]
    published_at: datetime | None
    items: list[ItemOut]
    warnings: list[str] = Field(default_factory=list)


@dataclass
class OptionState:
    """One option of an item for one person."""

    course_id: int
    code: str
    title: str
    completed_at: datetime | None = None
    started: bool = False


@dataclass
class LearningItem:
    """One plan item for one person: why it applies, by when, and where they stand."""

    plan_id: int
    plan_title: str
    circular_ref: str | None
    circular_date: date | None
    item_id: int
    title: str
    mandatory: bool
    choose_k: int
    deadline: date | None
    status: ItemStatus
    completed_at: datetime | None
    options: list[OptionState] = field(default_factory=list)

    @property
    def options_left(self) -> list[OptionState]:
        """Options not yet completed (empty once the item is done)."""
        if self.status.done:
            return []
        return [o for o in self.options if o.completed_at is None]

    @property
    def remaining(self) -> int:
        """How many more options must be completed."""
        done = sum(1 for o in self.options if o.completed_at is not None)
        return max(0, self.choose_k - done)


class LearningItemOut(BaseModel):
    """A My-learning row as the API shows it."""

    plan_id: int
    plan_title: str
    circular_ref: str | None
    item_id: int
    title: str
    mandatory: bool
    choose_k: int
    deadline: date | None
    status: ItemStatus
    completed_at: datetime | None
    options_left: list[OptionOut]


@dataclass(slots=True)
class ComplianceRow:
    """One person × one item, for the compliance table and the APAR export."""

    person_id: int
    name: str
    email: str
    designation: str | None
    group: str | None
    employee_id: str | None
    org_id: int
    org_path: str
    item_id: int
    item: str
    mandatory: bool
    deadline: date | None
    status: ItemStatus
    completed_at: datetime | None
    org_name: str = ""


@dataclass
class OrgSummary:
    """Compliance of one organisation (or its subtree, rolled up)."""

    org_id: int
    name: str
    people: int = 0
    complete: int = 0
    overdue: int = 0

    @property
    def pct_complete(self) -> float:
        """Share of people who completed every mandatory item."""
        return round(100.0 * self.complete / self.people, 1) if self.people else 0.0

    @property
    def pct_overdue(self) -> float:
        """Share of people with at least one overdue mandatory item."""
        return round(100.0 * self.overdue / self.people, 1) if self.people else 0.0
