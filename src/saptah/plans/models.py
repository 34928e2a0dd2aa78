"""Tables of learning plans: versioned plans, their items (choice groups) and the options of each item."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class PlanStatus(enum.StrEnum):
    """A plan version's life: drafted, published (in force), superseded by a newer version, withdrawn."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class DeadlineBasis(enum.StrEnum):
    """What 'N days after' counts from."""

    JOINED = "joined"  # the person's date of joining
    ADDED = "added"  # when the person came under the plan (added to Saptah or plan published, the later)


class Plan(Base):
    """One version of a learning plan; `lineage_id` ties the versions of the same plan together.

    The audience is a rule evaluated at read time (an organisation subtree narrowed by groups, designations,
    tags and a joined-after date), so people who join or move later are covered without materialising anyone.
    """

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("lineage_id", "version"),
        Index("ix_plans_status_path", "status", "audience_path"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lineage_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(12), default=PlanStatus.DRAFT.value)
    owner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)  # None: national
    title: Mapped[str] = mapped_column(String(300))
    circular_ref: Mapped[str | None] = mapped_column(String(300))
    circular_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    audience_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # None: everyone
    audience_path: Mapped[str] = mapped_column(String(400))
    audience_groups: Mapped[str | None] = mapped_column(Text)  # '|'-separated; None: every group
    audience_designations: Mapped[str | None] = mapped_column(Text)  # '|'-separated; None: any
    audience_tags: Mapped[str | None] = mapped_column(Text)  # '|'-separated; a person with any of them
    joined_after: Mapped[date | None] = mapped_column(Date)  # new recruits: joined on or after
    reminder_days: Mapped[str] = mapped_column(String(40), default="7|1")  # days before a deadline
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def split(value: str | None) -> list[str]:
        """A '|'-separated field as a list."""
        return [x for x in (value or "").split("|") if x]

    @property
    def group_list(self) -> list[str]:
        """Groups the audience is narrowed to (empty: all)."""
        return self.split(self.audience_groups)

    @property
    def designation_list(self) -> list[str]:
        """Designations the audience is narrowed to (empty: all)."""
        return self.split(self.audience_designations)

    @property
    def tag_list(self) -> list[str]:
        """Tags the audience is narrowed to (empty: all)."""
        return self.split(self.audience_tags)

    @property
    def reminder_list(self) -> list[int]:
        """Days before a deadline on which reminders go out, largest first."""
        return sorted({int(x) for x in self.split(self.reminder_days)}, reverse=True)


class PlanItem(Base):
    """A requirement of a plan: complete `choose_k` of its options (one option: a plain course item).

    A program item lists the program's courses as options with the program's own rule as k.
    """

    __tablename__ = "plan_items"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(300))
    mandatory: Mapped[bool] = mapped_column(Boolean, default=True)
    choose_k: Mapped[int] = mapped_column(SmallInteger, default=1)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id"))
    deadline_date: Mapped[date | None] = mapped_column(Date)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    deadline_basis: Mapped[str | None] = mapped_column(String(8))


class PlanItemOption(Base):
    """A course that counts toward an item."""

    __tablename__ = "plan_item_options"
    __table_args__ = (UniqueConstraint("item_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("plan_items.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    position: Mapped[int] = mapped_column(SmallInteger)
