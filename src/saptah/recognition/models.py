"""Tables of recognition."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow

# ---------------------------------------------------------------------------------------------------------------
# Certificates (catalogue engineer): issued once per (person, kind, subject), verified publicly by code.
# ---------------------------------------------------------------------------------------------------------------


class Certificate(Base):
    """A certificate for a course, event, campaign or honour; `code` is unguessable and public."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("person_id", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(10))  # course | event | campaign | honour
    subject_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    title_hi: Mapped[str | None] = mapped_column(String(300))  # printed on certificates in Hindi
    recipient_name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str | None] = mapped_column(String(255))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    achieved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


# ---------------------------------------------------------------------------------------------------------------
# Karma and leaderboards (recognition engineer) go below this line.
# ---------------------------------------------------------------------------------------------------------------


class KarmaEntry(Base):
    """Karma points with a reason; unique per (person, reason, object) so retries never award twice."""

    __tablename__ = "karma_entries"
    __table_args__ = (
        UniqueConstraint("person_id", "reason", "object_key"),
        Index("ix_karma_entries_person_month", "person_id", "month", "reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(String(30))  # first_sign_in | first_enrolment | course_completed | ...
    object_key: Mapped[str] = mapped_column(String(60))  # e.g. course:12, event:7, '' for once-only awards
    points: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it was earned
    month: Mapped[str] = mapped_column(String(7))  # IST month of `at`, e.g. 2024-10 (the monthly cap)
    in_plan: Mapped[bool] = mapped_column(Boolean, default=False)


class HonourRoll(Base):
    """The top 5 or 10 of a campaign board (people), or the top organisations of each size band (organisations),
    reviewed and published by a national organiser."""

    __tablename__ = "honour_rolls"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    kind: Mapped[str] = mapped_column(String(13), default="people", server_default="people")  # people | organisations
    board: Mapped[str] = mapped_column(String(16))  # n | t<org id> | o<org id>
    board_label: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | published
    excluded: Mapped[list[int]] = mapped_column(JSON, default=list)  # people (or organisations) left out at review
    signatory_name: Mapped[str | None] = mapped_column(String(200))
    signatory_title: Mapped[str | None] = mapped_column(String(200))
    signature_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[int | None] = mapped_column(Integer)
    archive: Mapped[bytes | None] = mapped_column(LargeBinary)  # ZIP of the honour certificates
    archive_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class HonourRollEntry(Base):
    """One person on an honour roll, with the rank and score they had when it was drawn."""

    __tablename__ = "honour_roll_entries"
    __table_args__ = (UniqueConstraint("roll_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("honour_rolls.id"))
    position: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    certificate_code: Mapped[str | None] = mapped_column(String(24))


class OrgHonourEntry(Base):
    """One organisation on an organisations' honour roll: its place in a size band by one measure, the figures it
    had when the roll was drawn, and the public code of its certificate (given at publishing)."""

    __tablename__ = "org_honour_entries"
    __table_args__ = (UniqueConstraint("roll_id", "band", "measure", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    roll_id: Mapped[int] = mapped_column(ForeignKey("honour_rolls.id"))
    band: Mapped[str] = mapped_column(String(2))  # XL | L | M | S | XS
    measure: Mapped[str] = mapped_column(String(8))  # share (reached the target) | minutes (average per person)
    position: Mapped[int] = mapped_column(Integer)
    rank: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    org_name: Mapped[str] = mapped_column(String(300))
    registered: Mapped[int] = mapped_column(Integer)
    reached: Mapped[int] = mapped_column(Integer)
    avg_minutes: Mapped[float] = mapped_column(Float)
    citation: Mapped[str] = mapped_column(String(300))
    certificate_code: Mapped[str | None] = mapped_column(String(24), unique=True)
