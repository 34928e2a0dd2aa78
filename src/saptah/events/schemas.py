"""Pydantic shapes of events: what is sent in and what the API shows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from saptah.events.models import EventKind, EventMode


class EventIn(BaseModel):
    """A new event (start in IST when no zone is given)."""

    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    title_en: str = Field(min_length=3, max_length=255)
    title_hi: str | None = Field(None, max_length=255)
    theme: str = Field(min_length=2, max_length=80)
    speakers: list[str] = Field(default_factory=list, max_length=30)
    description: str | None = Field(None, max_length=5000)
    organiser_org_code: str | None = None  # default: the creator's organisation (central: DOPT)
    starts_at: datetime
    duration_minutes: int = Field(ge=5, le=1440)
    mode: EventMode
    stream_url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    venue: str | None = Field(None, max_length=300)
    capacity: int | None = Field(None, ge=1, le=10_000_000)
    language: str = Field("English", min_length=2, max_length=20)
    competencies: list[str] = Field(default_factory=list, max_length=20)
    access: str = Field("open", pattern=r"^(open|closed)$")
    nomination_quota: int | None = Field(None, ge=1, le=1000)
    nomination_unit: str = Field("department", pattern=r"^(department|ministry)$")
    nomination_levels: list[str] = Field(default_factory=list, max_length=10)


class EventUpdate(BaseModel):
    """What may change after an event is scheduled."""

    model_config = ConfigDict(extra="forbid")

    recording_url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    stream_url: str | None = Field(None, max_length=500, pattern=r"^https?://\S+$")
    summary: str | None = Field(None, max_length=20000)


class EventOut(BaseModel):
    """An event as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title_en: str
    title_hi: str | None
    theme: str
    speakers: str | None
    organiser_org_id: int
    starts_at: datetime
    duration_minutes: int
    mode: str
    stream_url: str | None
    venue: str | None
    capacity: int | None
    language: str
    competencies: list[str]
    recording_url: str | None
    access: str
    nomination_quota: int | None
    nomination_unit: str
    nomination_levels: list[str]
    summary: str | None


class EventCreated(BaseModel):
    """A scheduled event and the warnings (overlaps) its organiser should see."""

    event: EventOut
    warnings: list[str]


class EventPage(BaseModel):
    """One page of the calendar."""

    total: int
    page: int
    size: int
    items: list[EventOut]


class PingIn(BaseModel):
    """A presence report from the watch page: which tab, its sequence, seconds visible since the last."""

    model_config = ConfigDict(extra="forbid")

    tab: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    seq: int = Field(ge=1, le=1_000_000)
    seconds: int = Field(ge=0, le=3600)
    person_id: int | None = None  # if sent, must be the signed-in person


class PingOut(BaseModel):
    """The person's attendance after the ping."""

    counted: bool
    reason: str | None = None
    seconds: int
    minutes: int
    attended: bool
    server_time: datetime


class NominationIn(BaseModel):
    """Nominate one officer of your organisation."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    level: str = Field(min_length=2, max_length=60)
    mobile: str | None = Field(None, pattern=r"^[0-9]{10}$")
    designation: str | None = Field(None, max_length=200)


class NominationOut(BaseModel):
    """A nomination."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    person_id: int
    ministry_id: int
    level: str
    full_name: str
    designation: str | None
    mobile: str | None
    email: str


class PerformanceOut(BaseModel):
    """How an event did."""

    event_id: int
    registrations: int
    attendees: int
    peak_viewers: int
    average_minutes: float
    share_over_half: float
    by_organisation: list[dict[str, object]]
