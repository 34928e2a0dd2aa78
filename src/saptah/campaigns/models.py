"""Tables of the campaign engine: campaigns, versioned rules, raw records, the credit ledger, aggregates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class Campaign(Base):
    """A learning campaign; its rules live in versions, the current one copied into `rules`."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last full recompute


class CampaignRuleVersion(Base):
    """A recorded act: who changed a campaign's rules, when, why, and the rules in force from `effective_at` on.

    Records are judged by the version in force at their own moment; version 1 also rules everything earlier.
    """

    __tablename__ = "campaign_rule_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    change: Mapped[str] = mapped_column(String(300))  # what changed, for people
    reason: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Records of events an organisation organised. A literal (not bound) condition, so that the planner can use the
# partial index below also in a prepared statement's generic plan.
ORGANISED_KINDS = "kind IN ('mdo_event', 'offline')"


class CampaignRecord(Base):
    """One source of credit for a person, as last received: a course completion, an event's attendance, karma."""

    __tablename__ = "campaign_records"
    __table_args__ = (
        Index("ix_campaign_records_person", "person_id", "occurred_at"),
        Index("ix_campaign_records_occurred", "occurred_at"),
        # the organisation board's "events organised": only MDO and offline event records, all columns it reads
        Index(
            "ix_campaign_records_organised",
            "organiser_org_id",
            "object_id",
            "occurred_at",
            postgresql_where=text(ORGANISED_KINDS),
            sqlite_where=text(ORGANISED_KINDS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(120), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(12))  # course | webinar | mdo_event | offline | karma
    object_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    karma: Mapped[int] = mapped_column(Integer, default=0)
    competency_linked: Mapped[bool] = mapped_column(Boolean, default=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=True)
    organiser_org_id: Mapped[int | None] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditLedger(Base):
    """At most one row per (campaign, person, source): what the source credited, when, and why (or why not)."""

    __tablename__ = "credit_ledger"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id", "source_key"),  # also finds a source's row: its person is known
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    person_id: Mapped[int] = mapped_column(Integer)
    source_key: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(12))  # courses | webinars | mdo_events | offline | karma
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    karma: Mapped[int] = mapped_column(Integer, default=0)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(String(300))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime)


# What a person's campaign totals row adds up (its columns after the keys and the organisation), in table order;
# `tie` is derived from `score_at`.
PERSON_TOTAL_FIGURES = (
    "courses",
    "webinars",
    "mdo_events",
    "offline",
    "total_minutes",
    "completions",
    "karma",
    "score",
    "score_at",
    "tie",
    "reached_target_at",
)


class CampaignPersonTotal(Base):
    """A person's progress in a campaign; `score` is what boards rank by (minutes or karma)."""

    __tablename__ = "campaign_person_totals"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        # scanned backwards: score DESC, tie DESC (= earlier first), person DESC
        Index("ix_cpt_board", "campaign_id", "score", "tie", "person_id"),
        Index("ix_cpt_top_board", "campaign_id", "top_org_id", "score", "tie", "person_id"),
        Index("ix_cpt_org_board", "campaign_id", "org_id", "score", "tie", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    person_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(Integer)
    top_org_id: Mapped[int] = mapped_column(Integer)  # the ministry or state the organisation sits under
    org_path: Mapped[str] = mapped_column(String(400))
    courses: Mapped[int] = mapped_column(Integer, default=0)
    webinars: Mapped[int] = mapped_column(Integer, default=0)
    mdo_events: Mapped[int] = mapped_column(Integer, default=0)
    offline: Mapped[int] = mapped_column(Integer, default=0)
    total_minutes: Mapped[int] = mapped_column(Integer, default=0)
    completions: Mapped[int] = mapped_column(Integer, default=0)
    karma: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the current score was reached
    tie: Mapped[int] = mapped_column(BigInteger, default=0)  # minus score_at in ms: higher is earlier
    reached_target_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


BOARD_SIZE = 0  # the score under which campaign_score_counts keeps how many people are on the board


class CampaignScoreCount(Base):
    """How many people hold each score on a board (n: national, t<id>: ministry/state, o<id>: organisation).

    Dense ranks are a count of the distinct scores above, read from this small table. A count is the sum over
    its shards (see `shard` below). The row of score 0 (`BOARD_SIZE`; nobody with score 0 is on a board) counts
    everyone on the board, so a board's size is a few rows, not a sum over its whole histogram.
    """

    __tablename__ = "campaign_score_counts"
    __table_args__ = (UniqueConstraint("campaign_id", "board", "score", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    board: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    # Each ingest transaction adds its deltas to one shard picked at random, so concurrent ingests do not queue on
    # the same hot rows; a shard's count may be negative. Recompute writes shard 0 only.
    shard: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    people: Mapped[int] = mapped_column(Integer, default=0)


class CampaignOrgDayTotal(Base):
    """Per (campaign, organisation, IST day): minutes, completions, people who became active or reached target.

    Sharded like the score histograms: a value is the sum over the key's shards.
    """

    __tablename__ = "campaign_org_day_totals"
    __table_args__ = (UniqueConstraint("campaign_id", "org_id", "day", "shard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    org_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    shard: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    completions: Mapped[int] = mapped_column(Integer, default=0)
    active_people: Mapped[int] = mapped_column(Integer, default=0)  # people whose first credited day this is
    reached_people: Mapped[int] = mapped_column(Integer, default=0)  # people who reached the target that day


class CampaignOrgSize(Base):
    """Registered people of an organisation, snapshotted for the size bands of the organisation board."""

    __tablename__ = "campaign_org_sizes"
    __table_args__ = (UniqueConstraint("campaign_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    org_id: Mapped[int] = mapped_column(Integer)
    registered: Mapped[int] = mapped_column(Integer, default=0)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
