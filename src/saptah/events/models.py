"""Tables of events: the events, registrations, nominations and compact per-person attendance."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class EventKind(enum.StrEnum):
    """The kinds of event the week runs."""

    CENTRAL_WEBINAR = "central_webinar"
    MDO_WEBINAR = "mdo_webinar"
    SAMUHIK_CHARCHA = "samuhik_charcha"
    OFFLINE_WORKSHOP = "offline_workshop"
    INAUGURAL = "inaugural"


class EventMode(enum.StrEnum):
    """Where an event happens."""

    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"


THEMES = (
    "Indian Knowledge Systems",
    "Infrastructure",
    "Inspirational stories",
    "Economy",
    "Technology",
    "Citizen centricity",
    "Finance",
    "Geopolitics",
    "Agriculture",
    "Health",
    "Education",
    "Climate / Disaster Management",
    "International Affairs",
    "Governance",
    "Leadership",
    "Wellness",
)

LEVELS = (
    "Secretary",
    "Additional Secretary",
    "Joint Secretary (Training)",
    "CBU head / nodal officer",
    "Other officer",
)


class Event(Base):
    """One event; `starts_at` is stored in UTC and shown in IST."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_org_start", "organiser_org_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title_en: Mapped[str] = mapped_column(String(255))
    title_hi: Mapped[str | None] = mapped_column(String(255))
    theme: Mapped[str] = mapped_column(String(80))
    speakers: Mapped[str | None] = mapped_column(Text)  # one per line
    description: Mapped[str | None] = mapped_column(Text)
    organiser_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(12))
    stream_url: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(20), default="English")
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    recording_url: Mapped[str | None] = mapped_column(String(500))
    access: Mapped[str] = mapped_column(String(10), default="open")  # open | closed (invitation list)
    nomination_quota: Mapped[int | None] = mapped_column(Integer)  # per quota unit; None: no nominations
    # the level the quota applies to: "department" (each ministry or department has its own seats) or "ministry"
    nomination_unit: Mapped[str] = mapped_column(String(12), default="department", server_default="ministry")
    nomination_levels: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)  # what a Samuhik Charcha discussed
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # attendance closed and published
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Registration(Base):
    """A person registered for (or invited to) an event."""

    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    source: Mapped[str] = mapped_column(String(10))  # self | invited | nominated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nomination(Base):
    """An officer an MDO nominated for an event, counted against the ministry's quota."""

    __tablename__ = "event_nominations"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        Index("ix_event_nominations_quota", "event_id", "ministry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    ministry_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    level: Mapped[str] = mapped_column(String(60))
    full_name: Mapped[str] = mapped_column(String(200))
    designation: Mapped[str | None] = mapped_column(String(200))
    mobile: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254))
    nominated_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    """One compact row per (event, person): merged live presence plus imported minutes.

    Live presence is kept as `closed_seconds` (merged intervals already closed) and one open interval
    [`open_start`, `open_end`]; a ping extends the open interval or closes it and starts another, so a
    ping costs one row update whatever the history. `tabs` remembers the last sequence per browser tab
    so a replayed ping changes nothing.
    """

    __tablename__ = "event_attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "person_id"),
        Index("ix_event_attendance_event_org", "event_id", "org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    closed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    open_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_minute: Mapped[int] = mapped_column(Integer, default=-1)  # minute of the event last counted as viewing
    tabs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pings: Mapped[int] = mapped_column(Integer, default=0)
    imported_minutes: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(10), default="live")  # live | report | sheet
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # current total, capped at the event's length
    attended: Mapped[bool] = mapped_column(Boolean, default=False)  # present for more than half the event
    published_minutes: Mapped[int] = mapped_column(Integer, default=-1)  # last total sent to the campaign engine
    published_attended: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ViewerMinute(Base):
    """Viewers counted in one minute of an event, spread over shards so a busy minute has no hot row."""

    __tablename__ = "event_viewer_minutes"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    minute: Mapped[int] = mapped_column(Integer, primary_key=True)
    shard: Mapped[int] = mapped_column(Integer, primary_key=True)
    viewers: Mapped[int] = mapped_column(Integer, default=0)


class AttendanceImport(Base):
    """An uploaded attendance report or sheet, with its per-row results for the result file."""

    __tablename__ = "event_attendance_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(10))  # report | sheet
    filename: Mapped[str] = mapped_column(String(255))
    rows_ok: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    header: Mapped[list[str]] = mapped_column(JSON, default=list)
    results: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)  # original cells + Status, Error Details
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
