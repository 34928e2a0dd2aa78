"""Tables of the LRS: statements, their related agents/activities, documents, attachments, clients, cmi5."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class LrsClient(Base):
    """Basic-auth credentials issued to a content provider; the secret is kept only as a SHA-256 hash."""

    __tablename__ = "lrs_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    scopes: Mapped[str] = mapped_column(String(300))  # space-separated xAPI scopes
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Statement(Base):
    """One stored statement: its canonical JSON and the columns every query filters on."""

    __tablename__ = "lrs_statements"
    __table_args__ = (
        Index("ix_lrs_statements_actor", "actor_ifi", "id"),
        Index(  # an agent or group as the object is rare: the index holds only those rows
            "ix_lrs_statements_object_agent",
            "object_ifi",
            "id",
            postgresql_where=text("object_ifi IS NOT NULL"),
            sqlite_where=text("object_ifi IS NOT NULL"),
        ),
        Index("ix_lrs_statements_activity", "activity_id", "id"),
        Index("ix_lrs_statements_verb", "verb", "id"),
        Index("ix_lrs_statements_registration", "registration", "id"),
        Index("ix_lrs_statements_stored", "stored"),
        Index(  # statements waiting for their actor to be registered (few): a bulk upload asks for its new people's
            "ix_lrs_statements_unmatched",
            "actor_ifi",
            "id",
            postgresql_where=text("person_id IS NULL"),
            sqlite_where=text("person_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    actor_ifi: Mapped[str | None] = mapped_column(String(400))
    object_ifi: Mapped[str | None] = mapped_column(String(400))  # when the object is an agent or group
    verb: Mapped[str] = mapped_column(String(400))
    activity_id: Mapped[str | None] = mapped_column(String(1000))
    registration: Mapped[str | None] = mapped_column(String(36))
    voided_target: Mapped[str | None] = mapped_column(String(36))  # set on voiding statements
    stored: Mapped[datetime] = mapped_column(UTCDateTime)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("lrs_clients.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    content_hash: Mapped[str] = mapped_column(String(64))  # of the statement as sent, to spot a re-POST
    has_attachments: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON with id, stored, authority, version


class StatementRelated(Base):
    """Agents and activities a statement mentions beyond its actor and object (for related_* queries)."""

    __tablename__ = "lrs_statement_related"
    __table_args__ = (
        Index("ix_lrs_statement_related_value", "kind", "value", "statement_id"),
        Index(  # a statement's StatementRef chain, the only lookup by statement id
            "ix_lrs_statement_related_statement_id",
            "statement_id",
            postgresql_where=text("kind = 'r'"),
            sqlite_where=text("kind = 'r'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    statement_id: Mapped[str] = mapped_column(String(36))  # no pk round trip on ingest
    kind: Mapped[str] = mapped_column(String(1))  # a: agent IFI, c: activity IRI
    value: Mapped[str] = mapped_column(String(1000))


class Attachment(Base):
    """Attachment content, stored once per SHA-2 hash."""

    __tablename__ = "lrs_attachments"

    sha2: Mapped[str] = mapped_column(String(128), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(255))
    length: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Activity(Base):
    """The merged canonical definition of an activity, from every statement that defined it."""

    __tablename__ = "lrs_activities"

    activity_id: Mapped[str] = mapped_column(String(1000), primary_key=True)
    definition: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StateDocument(Base):
    """A state document: (activity, agent, registration, stateId); '' stands for no registration."""

    __tablename__ = "lrs_state_documents"
    __table_args__ = (UniqueConstraint("activity_id", "agent_ifi", "registration", "state_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(1000))
    agent_ifi: Mapped[str] = mapped_column(String(400))
    registration: Mapped[str] = mapped_column(String(36), default="")
    state_id: Mapped[str] = mapped_column(String(400))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("lrs_clients.id"))


class ActivityProfile(Base):
    """An activity profile document."""

    __tablename__ = "lrs_activity_profiles"
    __table_args__ = (UniqueConstraint("activity_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(1000))
    profile_id: Mapped[str] = mapped_column(String(400))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentProfile(Base):
    """An agent profile document."""

    __tablename__ = "lrs_agent_profiles"
    __table_args__ = (UniqueConstraint("agent_ifi", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_ifi: Mapped[str] = mapped_column(String(400))
    profile_id: Mapped[str] = mapped_column(String(400))
    content_type: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class Cmi5Session(Base):
    """One cmi5 launch: the registration, the AU, the learner and the one-time fetch token."""

    __tablename__ = "lrs_cmi5_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration: Mapped[str] = mapped_column(String(36), index=True)
    session_id: Mapped[str] = mapped_column(String(36), unique=True)
    course_id: Mapped[int] = mapped_column(Integer, index=True)
    au_id: Mapped[str] = mapped_column(String(1000))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    move_on: Mapped[str] = mapped_column(String(30))
    mastery_score: Mapped[float | None] = mapped_column()
    fetch_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    auth_key: Mapped[str] = mapped_column(String(64), unique=True)
    auth_secret_hash: Mapped[str] = mapped_column(String(64))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScormAttempt(Base):
    """A learner's attempt at one SCO: its CMI data (resumed on any device), status and credited time."""

    __tablename__ = "lrs_scorm_attempts"
    __table_args__ = (
        UniqueConstraint("person_id", "package_id", "sco_id", "attempt_no"),
        Index("ix_lrs_scorm_attempts_package", "package_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    package_id: Mapped[int] = mapped_column(Integer)  # catalog scorm_packages.id
    sco_id: Mapped[str] = mapped_column(String(200))
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    cmi: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the last committed CMI data model, as sent
    completion: Mapped[str] = mapped_column(String(20), default="not attempted")  # lesson_status / completion_status
    success: Mapped[str] = mapped_column(String(10), default="unknown")  # passed | failed | unknown
    score_scaled: Mapped[float | None] = mapped_column(Float)
    exit: Mapped[str] = mapped_column(String(20), default="")
    total_seconds: Mapped[int] = mapped_column(Integer, default=0)
    session_no: Mapped[int] = mapped_column(SmallInteger, default=0)
    session_seconds: Mapped[int] = mapped_column(Integer, default=0)  # credited in the current session
    session_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    terminated: Mapped[bool] = mapped_column(Boolean, default=False)
    satisfied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
