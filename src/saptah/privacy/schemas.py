"""Shapes of personal-data requests."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EraseIn(BaseModel):
    """An erasure request: its reason or reference (kept in the audit log; no personal data in it)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=5, max_length=300)


class ErasedOut(BaseModel):
    """The erased person as they now stand."""

    id: int
    status: str
    full_name: str
