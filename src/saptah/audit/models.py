"""The audit log's one table; rows are only ever inserted (a database trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One administrative act.

    People are referred to by id only (actor and target), never by name or e-mail, so that erasing a person's
    personal data leaves the append-only log free of it: names are looked up when the log is read.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_org_path_at", "org_path", "at"),
        Index("ix_audit_log_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    act: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the command line or the system
    actor_label: Mapped[str | None] = mapped_column(String(120))  # who at the command line (OS user@host)
    channel: Mapped[str] = mapped_column(String(8))  # web | api | cli | system
    address: Mapped[str | None] = mapped_column(String(64))  # client IP (web, api) or host (cli)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # the subtree the act concerns
    org_path: Mapped[str | None] = mapped_column(String(400))  # None: a national act, seen by national organisers
    target_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    target: Mapped[str | None] = mapped_column(String(200))  # what was acted on, e.g. "plan 12", "campaign 3"
    details: Mapped[str | None] = mapped_column(Text)  # JSON of the act's particulars (no personal data)
