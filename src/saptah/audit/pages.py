"""The audit log page: a subtree's administrative acts, filtered, and its export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from saptah.audit import service
from saptah.audit.api import FiltersDep
from saptah.web.deps import DB, CurrentPrincipal
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    act: Annotated[str | None, Query(max_length=40)] = None,
    since: Annotated[date | Literal[""] | None, Query()] = None,  # an empty date input sends ""
    until: Annotated[date | Literal[""] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The log, newest first, with filters by actor, act and IST days."""
    paths = service.reader_paths(principal)
    f = service.Filters(actor=actor or None, act=act or None, since=since or None, until=until or None)
    total, rows = service.read(db, paths=paths, filters=f, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(
        request,
        "audit.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "f": f,
            "acts": service.acts(),
            "national": paths is None,
        },
    )


@router.get("/audit/export.{fmt}")
def audit_export(db: DB, principal: CurrentPrincipal, fmt: Literal["csv", "xlsx"], f: FiltersDep) -> Response:
    """The filtered log as a CSV or XLSX download."""
    body, media = service.export_for(db, principal, filters=f, fmt=fmt)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="audit-log.{fmt}"'})
