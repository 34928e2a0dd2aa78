"""Shapes of analytics: filters in, key figures, tables and the whole dashboard out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

GROUPS = ("Group A", "Group B", "Group C", "Group D", "Contractual Staff", "Others")


class Filters(BaseModel):
    """What a dashboard reader chose: campaign, IST date range, organisation subtree, service group."""

    model_config = ConfigDict(extra="forbid")

    campaign: int | None = Field(None, description="campaign id; default: the current (or latest) campaign")
    start: date | None = Field(None, description="first IST day; default: the campaign's first day")
    end: date | None = Field(None, description="last IST day; default: the campaign's last day")
    org: int | None = Field(None, description="organisation id whose subtree to show")
    group: str | None = Field(None, description="service group, e.g. 'Group A'")


@dataclass(frozen=True)
class Figure:
    """One key figure with the definition a reader can open."""

    key: str
    label: str
    value: int | float | None
    display: str
    definition: str


@dataclass
class Table:
    """A table of numbers: shown under its chart, exported as CSV and XLSX."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    note: str = ""
    links: list[str | None] = field(default_factory=list)  # per row: drill-down address, if any


@dataclass
class Scope:
    """A resolved filter: the campaign, its days, the subtree the reader may see and chose."""

    campaign_id: int
    campaign_name: str
    target_minutes: int
    start: date
    end: date
    window_start: date
    window_end: date
    paths: list[str] | None  # None: the whole country
    org_id: int | None  # the chosen subtree's root (None: the reader's whole scope)
    org_name: str
    group: str | None
    national: bool
    crumbs: list[tuple[int | None, str]] = field(default_factory=list)

    def query(self, **extra: Any) -> str:
        """The filters as a query string (for links and exports)."""
        from urllib.parse import urlencode

        params: dict[str, Any] = {"campaign": self.campaign_id, "start": self.start, "end": self.end}
        if self.org_id is not None:
            params["org"] = self.org_id
        if self.group:
            params["group"] = self.group
        params.update({k: v for k, v in extra.items() if v is not None})
        return urlencode(params)


@dataclass
class Dashboard:
    """Everything one dashboard page shows."""

    scope: Scope
    figures: list[Figure]
    tables: dict[str, Table]
    as_of: datetime | None = None  # when the figures were computed (shared readings: see core.live)
    max_age: int = 0  # seconds the figures may be old (0: computed for this reading)

    def figure(self, key: str) -> Figure:
        """A key figure by key."""
        return next(f for f in self.figures if f.key == key)


class FigureOut(BaseModel):
    """A key figure as the API shows it."""

    key: str
    label: str
    value: int | float | None
    display: str
    definition: str


class TableOut(BaseModel):
    """A table as the API shows it."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]


class DashboardOut(BaseModel):
    """A dashboard as the API shows it."""

    campaign_id: int
    campaign_name: str
    start: date
    end: date
    org_id: int | None
    org_name: str
    group: str | None
    as_of: datetime | None = Field(None, description="when these figures were computed (UTC)")
    max_age_seconds: int = Field(0, description="the figures may be this many seconds old (0: computed now)")
    figures: list[FigureOut]
    tables: list[TableOut]


class ReportOut(BaseModel):
    """A campaign report job."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    status: str
    error: str | None
    download: str | None = None
