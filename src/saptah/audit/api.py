"""JSON routes of the audit log under /api/v1/audit: read and export a subtree's log."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel

from saptah.audit import service
from saptah.audit.schemas import AuditEntryOut, Filters
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def filters(
    actor: Annotated[str | None, Query(max_length=100, description="name, e-mail or entry point (cli)")] = None,
    act: Annotated[str | None, Query(max_length=40, description="one act, e.g. role.grant")] = None,
    since: Annotated[date | None, Query(description="first IST day")] = None,
    until: Annotated[date | None, Query(description="last IST day")] = None,
) -> Filters:
    """Log filters from the query string."""
    return Filters(actor=actor, act=act, since=since, until=until)


FiltersDep = Annotated[Filters, Depends(filters)]


class AuditPage(BaseModel):
    """A page of the log and how many entries the filters give."""

    total: int
    entries: list[AuditEntryOut]


@router.get("", response_model=AuditPage)
def read_log(
    db: DB,
    principal: CurrentPrincipal,
    f: FiltersDep,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    """The audit log of the caller's subtree (national organisers: all; MDO leaders: their organisation)."""
    total, rows = service.read(db, paths=service.reader_paths(principal), filters=f, offset=offset, limit=limit)
    return AuditPage(total=total, entries=rows)


@router.get(
    "/export.{fmt}",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/csv": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            },
            "description": "the filtered log as a file",
        }
    },
)
def export_log(db: DB, principal: CurrentPrincipal, fmt: Literal["csv", "xlsx"], f: FiltersDep) -> Response:
    """The filtered log as CSV or XLSX (cells safe against formula injection); the export is itself recorded."""
    body, media = service.export_for(db, principal, filters=f, fmt=fmt)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-log.{fmt}"'})
