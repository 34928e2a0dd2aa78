"""Tables of the competency passport: evidence, the levels each person reached and when, and what roles need."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class PassportEvidence(Base):
    """One competency a person showed by one piece of learning (a completed course, a passed assessment, an
    attended event), at the level that learning is worth. Rebuilt from the sources by `saptah passport rebuild`."""

    __tablename__ = "passport_evidence"
    __table_args__ = (UniqueConstraint("person_id", "source_key", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), index=True)
    source_key: Mapped[str] = mapped_column(String(40))  # course:<id> | event:<id>
    kind: Mapped[str] = mapped_column(String(12))  # course | assessment | event
    object_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[int] = mapped_column(SmallInteger)  # what this evidence is worth (declared, raised by score)
    score: Mapped[int | None] = mapped_column(SmallInteger)  # best assessment score, percent
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PassportLevel(Base):
    """A level a person reached in a competency and when they first reached it (levels 1..held, one row each), so
    "who holds level 2" and "who reached it during the campaign" are plain lookups."""

    __tablename__ = "passport_levels"
    # read by person only (the primary key): a (competency, level) index tempted the planner into scanning every
    # holder of a level for each person of the gaps dashboard

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleNeed(Base):
    """A competency and level an organisation's staff of one designation or group need (the Annual Capacity
    Building Plan's role-competency mapping); applies to the organisation's whole subtree. '' means any."""

    __tablename__ = "role_needs"
    __table_args__ = (UniqueConstraint("org_id", "designation_key", "grp", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    designation: Mapped[str] = mapped_column(String(200), default="")
    designation_key: Mapped[str] = mapped_column(String(200), default="")  # lower-cased, spaces collapsed
    grp: Mapped[str] = mapped_column(String(30), default="")  # Group A | Group B | ...
    competency_id: Mapped[int] = mapped_column(ForeignKey("competencies.id"))
    level: Mapped[int] = mapped_column(SmallInteger)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NeedTotal(Base):
    """Per (role need, home organisation): active staff the need applies to and how many hold its level. Kept by
    the transaction that changes levels, needs or staff, and rebuilt by `saptah passport rebuild`, so the gaps
    dashboard sums a few rows per need instead of reading every person (subtrees roll up by organisation path)."""

    __tablename__ = "passport_need_totals"

    need_id: Mapped[int] = mapped_column(ForeignKey("role_needs.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)
    staff: Mapped[int] = mapped_column(Integer, default=0)
    holding: Mapped[int] = mapped_column(Integer, default=0)


class NeedDayTotal(Base):
    """Per (role need, home organisation, IST day): staff the need applies to who reached its level that day (the
    dashboard's "closed during the campaign" is the sum over the campaign's days)."""

    __tablename__ = "passport_need_days"
    __table_args__ = (Index("ix_passport_need_days_day", "day", "need_id"),)

    need_id: Mapped[int] = mapped_column(ForeignKey("role_needs.id", ondelete="CASCADE"), primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reached: Mapped[int] = mapped_column(Integer, default=0)
