"""Pydantic shapes of recognition's JSON routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OrgRollIn(BaseModel):
    """Draw an honour roll of organisations: the top `size` (3, 5 or 10) of each size band by each measure."""

    model_config = ConfigDict(extra="forbid")

    size: int = Field(5, description="3, 5 or 10 organisations per size band and measure")
    signatory_name: str = Field("", max_length=200)
    signatory_title: str = Field("", max_length=200)


class LeaveOutOrg(BaseModel):
    """An organisation to leave off a draft roll at review."""

    model_config = ConfigDict(extra="forbid")

    org_id: int
