"""Pydantic shapes of sign-in APIs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TokenCreate(BaseModel):
    """Ask for a new API token."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(default_factory=lambda: ["read"])


class TokenOut(BaseModel):
    """An API token (the raw value only at creation)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    scopes: str
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = None
