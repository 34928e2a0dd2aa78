"""Tables of bulk onboarding: each upload (the history) and its committed chunks of row outcomes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from saptah.core.db import Base, UTCDateTime, utcnow


class Upload(Base):
    """One staff list uploaded into an organisation: who, when, which file, how it went."""

    __tablename__ = "onboarding_uploads"
    __table_args__ = (Index("ix_onboarding_uploads_org_id_id", "org_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: the CLI
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_kind: Mapped[str] = mapped_column(String(4))  # csv | xlsx
    encoding: Mapped[str] = mapped_column(String(20), default="utf-8")
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    sheet: Mapped[str | None] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10))  # create | upsert
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)  # preview: change nothing
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    welcome_chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    welcomed: Mapped[int] = mapped_column(Integer, default=0)
    result_name: Mapped[str | None] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UploadChunk(Base):
    """Outcomes of one committed chunk of rows; written in the same transaction as its people.

    The key (upload, chunk) makes a resumed or repeated run skip what is already done.
    """

    __tablename__ = "onboarding_chunks"

    upload_id: Mapped[int] = mapped_column(ForeignKey("onboarding_uploads.id"), primary_key=True)
    chunk_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcomes: Mapped[bytes] = mapped_column(LargeBinary)  # zlib(JSON): per-row [status, errors], created ids
