"""Pydantic shapes of bulk onboarding."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class UploadOut(BaseModel):
    """An upload with its status, counts and live progress."""

    id: int
    org_id: int
    org_name: str
    uploaded_by: str
    filename: str
    mode: str
    preview: bool
    status: str  # queued | running | done | failed
    error: str | None
    total: int
    done: int
    percent: int
    created: int
    updated: int
    unchanged: int
    failed: int
    welcomed: int
    resumed: bool = False
    created_at: datetime
    finished_at: datetime | None
    result_csv: str | None
    result_xlsx: str | None


class ResultRow(BaseModel):
    """One row of the result: its row number in the file, who, and what happened."""

    number: int
    name: str
    email: str
    status: str
    errors: str


class ResultRows(BaseModel):
    """A page of result rows."""

    upload_id: int
    items: list[ResultRow]
