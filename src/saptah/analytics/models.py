"""Tables of analytics: small aggregates of completions (by course, by group) and the campaign report jobs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow

NATIONAL = 0  # org_id of the national roll-up rows, so national reads never group across organisations


class CourseDayTotal(Base):
    """Completions and their declared minutes per (IST day, organisation, course); org 0 is the national roll-up.

    Maintained in the same transaction as each completion, so reads cost the same on day 9 as on day 1.
    """

    __tablename__ = "analytics_course_day_totals"
    __table_args__ = (
        # the key, carrying the two sums so a dashboard's course tables are an index-only scan (past days' rows
        # never change, so their pages stay all-visible); an MDO's 17,000 rows were 14,000 heap pages apart
        Index(
            "uq_analytics_course_day_totals_org_id_day_course_id",
            "org_id",
            "day",
            "course_id",
            unique=True,
            postgresql_include=["completions", "minutes"],
        ),
        Index("ix_analytics_course_day_totals_day", "day", "org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    course_id: Mapped[int] = mapped_column(Integer)
    completions: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)


class GroupDayTotal(Base):
    """Completions and minutes per (IST day, organisation, service group); org 0 is the national roll-up."""

    __tablename__ = "analytics_group_day_totals"
    __table_args__ = (UniqueConstraint("org_id", "day", "grp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    grp: Mapped[str] = mapped_column(String(30))
    completions: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[int] = mapped_column(Integer, default=0)


class Report(Base):
    """A campaign report PDF, generated in the background; `figures` are the key figures it printed."""

    __tablename__ = "analytics_reports"
    __table_args__ = (Index("ix_analytics_reports_campaign", "campaign_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # None: national
    requested_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | done | failed
    job_id: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    figures: Mapped[str | None] = mapped_column(Text)  # JSON of the key figures printed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
