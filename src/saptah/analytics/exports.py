"""Downloads: every dashboard table and people list as CSV or XLSX (formula-injection safe), and report PDFs."""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from sqlalchemy.orm import Session

from saptah.analytics import mdo, service
from saptah.analytics.models import Report
from saptah.analytics.schemas import Scope, Table
from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core.errors import Conflict, InvalidInput, NotFound
from saptah.core.exports import to_csv, to_xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DASHBOARD_TABLES = (
    "figures",
    "trend",
    "breakdown",
    "top_courses",
    "by_area",
    "by_provider",
    "by_language",
    "central_webinars",
    "mdo_webinars",
    "webinar_stats",
    "organisations",
)


def table_for(session: Session, scope: Scope, key: str) -> tuple[str, list[str], Any]:
    """(title, header, rows) of a table by key; people lists stream every row."""
    if key in mdo.LISTS:
        rows = (list(r[1:]) for r in mdo.people_rows(session, scope, key, limit=None))
        return mdo.LISTS[key], mdo.PEOPLE_HEADER, rows
    if key == "trend":
        t: Table = service.trend(session, scope)
        return t.title, t.header, t.rows
    if key == "compliance":
        from saptah.core.db import utcnow
        from saptah.core.timeutil import ist_day

        t = mdo.compliance(session, scope, today=ist_day(utcnow()))
        return t.title, t.header, t.rows
    if key not in DASHBOARD_TABLES:
        raise NotFound("There is no table '{key}' to export.", key=key)
    t = service.dashboard(session, scope).tables[key]
    return t.title, t.header, t.rows


def render(session: Session, scope: Scope, key: str, fmt: str) -> tuple[bytes, str]:
    """The file's bytes and its name."""
    if fmt not in FORMATS:
        raise InvalidInput("Choose csv or xlsx.")
    title, header, rows = table_for(session, scope, key)
    body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, sheet=title)
    org = f"-org{scope.org_id}" if scope.org_id else ""
    return body, f"{key}-campaign{scope.campaign_id}{org}-{scope.start}-{scope.end}.{fmt}"


def _root(paths: list[str] | None) -> int | None:
    """The organisation at the top of the reader's first subtree (a path is its ids: '/1/5/23/'); None: national."""
    return int(paths[0].strip("/").split("/")[-1]) if paths else None


def response(session: Session, scope: Scope, key: str, fmt: str, *, actor_id: int) -> Response:
    """A download response for a table; a list of people is an export of personal data, recorded in the audit log."""
    body, name = render(session, scope, key, fmt)
    if key in mdo.LISTS:
        audit.record(
            session,
            act=Act.PERSONAL_DATA_EXPORT,
            actor_id=actor_id,
            org_id=scope.org_id or _root(scope.paths),
            target=f"people list {key}",
            details={"export": key, "format": fmt, "campaign_id": scope.campaign_id, "group": scope.group},
        )
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


def pdf_response(report: Report) -> Response:
    """The report PDF, or a clear message while it is being written."""
    if report.status == "failed":
        raise NotFound(report.error or "The report could not be generated.")
    if report.status != "done" or report.pdf is None:
        raise Conflict("The report is still being written; try again in a moment.")
    name = f"campaign-report-{report.campaign_id}-{report.id}.pdf"
    return Response(
        report.pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
