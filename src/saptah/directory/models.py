"""Tables of the directory: organisations (a tree), people and scoped roles."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saptah.core.db import Base, UTCDateTime, utcnow


class OrgType(enum.StrEnum):
    """Kinds of organisation in the MDO tree."""

    MINISTRY = "ministry"
    DEPARTMENT = "department"
    ATTACHED_OFFICE = "attached_office"
    SUBORDINATE_OFFICE = "subordinate_office"
    AUTONOMOUS_BODY = "autonomous_body"
    REGULATORY_BODY = "regulatory_body"
    TRAINING_INSTITUTE = "training_institute"
    PSU = "psu"
    STATE = "state"
    STATE_DEPARTMENT = "state_department"
    ULB = "ulb"
    CONTENT_PROVIDER = "content_provider"
    NATIONAL = "national"


class Group(enum.StrEnum):
    """Service groups as used in staff lists."""

    A = "Group A"
    B = "Group B"
    C = "Group C"
    D = "Group D"
    CONTRACTUAL = "Contractual Staff"
    OTHERS = "Others"


class Role(enum.StrEnum):
    """Roles beyond learner (which everyone is)."""

    MDO_ADMIN = "mdo_admin"
    MDO_LEADER = "mdo_leader"
    NATIONAL_ORGANISER = "national_organiser"
    CONTENT_PROVIDER = "content_provider"


class Organisation(Base):
    """An MDO, state, local body or provider; `path` is the materialised path '/1/5/23/'."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_hi: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(30))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True)
    depth: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # off: its people (and those of every organisation below it) sign in only through single sign-on
    password_sign_in: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], lazy="raise")


# A person's own fields, as a staff list (the iGOT template) carries them and in its order: what an upload may set,
# and (but for name, e-mail and group) what an erasure empties.
PERSON_FIELDS = (
    "full_name",
    "email",
    "mobile",
    "group",
    "designation",
    "gender",
    "category",
    "dob",
    "mother_tongue",
    "employee_id",
    "office_pin",
    "external_system_id",
    "external_system_name",
    "tags",
)


class Person(Base):
    """Someone who learns; everyone is a learner."""

    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_org_ext", "org_id", "external_system_id"),
        Index("ix_people_org_name", "org_id", "full_name"),
        Index("ix_people_employee_id", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    mobile: Mapped[str | None] = mapped_column(String(10))
    group: Mapped[str | None] = mapped_column(String(30))
    designation: Mapped[str | None] = mapped_column(String(200))
    gender: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(20))
    dob: Mapped[date | None] = mapped_column(Date)
    mother_tongue: Mapped[str | None] = mapped_column(String(60))
    employee_id: Mapped[str | None] = mapped_column(String(30))
    office_pin: Mapped[str | None] = mapped_column(String(6))
    external_system_id: Mapped[str | None] = mapped_column(String(30))
    external_system_name: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[str | None] = mapped_column(Text)  # '|'-separated
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    preferred_language: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[str] = mapped_column(String(12), default="active")
    joined_on: Mapped[date | None] = mapped_column(Date)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    first_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    org: Mapped[Organisation] = relationship(lazy="raise")

    @property
    def tag_list(self) -> list[str]:
        """Tags as a list."""
        return [t for t in (self.tags or "").split("|") if t]


class RoleGrant(Base):
    """A role held over an organisation subtree (org_id NULL: the whole country)."""

    __tablename__ = "role_grants"
    __table_args__ = (Index("ix_role_grants_person_role", "person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(30))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_on: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoleChange(Base):
    """The record of every grant and revoke: who, when, what."""

    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # grant | revoke
    role: Mapped[str] = mapped_column(String(30))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    expires_on: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ErasedIdentity(Base):
    """A tombstone of an erased person: the SHA-256 of their e-mail, never the e-mail itself.

    It lets an import recognise a row of the erased person (a staff list uploaded again, an upload resumed) and
    refuse to register them anew, without keeping who they were; it refers to no person row.
    """

    __tablename__ = "erased_identities"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
