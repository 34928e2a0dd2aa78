"""JSON routes of analytics under /api/v1/analytics: dashboards, the trend, exports, reports, my week."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict

from saptah.analytics import exports, mdo, report, service
from saptah.analytics.models import Report
from saptah.analytics.schemas import Dashboard, DashboardOut, FigureOut, Filters, ReportOut, TableOut
from saptah.core.errors import InvalidInput
from saptah.web import openapi
from saptah.web.deps import DB, CurrentPrincipal, SettingsDep

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])


def filters(
    campaign: Annotated[int | None, Query(description="campaign id (default: current)")] = None,
    start: Annotated[date | None, Query(description="first IST day")] = None,
    end: Annotated[date | None, Query(description="last IST day")] = None,
    org: Annotated[int | None, Query(description="organisation id of the subtree")] = None,
    group: Annotated[str | None, Query(max_length=30, description="service group")] = None,
) -> Filters:
    """Dashboard filters from the query string."""
    return Filters(campaign=campaign, start=start, end=end, org=org, group=group)


FiltersDep = Annotated[Filters, Depends(filters)]


def _out(dash: Dashboard) -> DashboardOut:
    s = dash.scope
    return DashboardOut(
        campaign_id=s.campaign_id,
        campaign_name=s.campaign_name,
        start=s.start,
        end=s.end,
        org_id=s.org_id,
        org_name=s.org_name,
        group=s.group,
        as_of=dash.as_of,
        max_age_seconds=dash.max_age,
        figures=[FigureOut(**f.__dict__) for f in dash.figures],
        tables=[TableOut(key=t.key, title=t.title, header=t.header, rows=t.rows) for t in dash.tables.values()],
    )


@router.get("/dashboard", response_model=DashboardOut)
def dashboard(db: DB, principal: CurrentPrincipal, f: FiltersDep, settings: SettingsDep) -> DashboardOut:
    """Key figures and every table (national organisers: everything; MDO admins and leaders: their subtrees).

    The figures may be up to `max_age_seconds` old (setting SAPTAH_DASHBOARD_MAX_AGE); `as_of` says when they
    were computed."""
    scope = service.resolve(db, principal, f)
    return _out(service.shared_dashboard(db, scope, max_age=settings.dashboard_max_age))


@router.get("/trend", response_model=TableOut)
def trend(db: DB, principal: CurrentPrincipal, f: FiltersDep) -> TableOut:
    """The daily course-completion trend alone (IST days)."""
    t = service.trend(db, service.resolve(db, principal, f))
    return TableOut(key=t.key, title=t.title, header=t.header, rows=t.rows)


@router.get("/tables/{key}.{fmt}", response_class=Response, responses=openapi.files(openapi.CSV, openapi.XLSX))
def export_table(db: DB, principal: CurrentPrincipal, key: str, fmt: str, f: FiltersDep) -> Response:
    """One dashboard table (or an MDO people list) as CSV or XLSX."""
    return exports.response(db, service.resolve(db, principal, f), key, fmt, actor_id=principal.person_id)


@router.get("/people/{kind}", response_model=TableOut)
def people(
    db: DB, principal: CurrentPrincipal, kind: str, f: FiltersDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> TableOut:
    """People of an organisation who have not started (not_started) or are close to the target (close)."""
    t = mdo.people_table(db, service.resolve(db, principal, f), kind, limit=limit)
    return TableOut(key=t.key, title=t.title, header=t.header, rows=t.rows)


class ReportIn(BaseModel):
    """Ask for a campaign report of the whole window: national, or one organisation's subtree."""

    model_config = ConfigDict(extra="forbid")

    campaign: int | None = None
    org: int | None = None


def _report_out(r: Report) -> ReportOut:
    out = ReportOut.model_validate(r)
    out.download = f"/api/v1/analytics/reports/{r.id}/pdf" if r.status == "done" else None
    return out


@router.post("/reports", response_model=ReportOut, status_code=202)
def request_report(body: ReportIn, db: DB, principal: CurrentPrincipal) -> ReportOut:
    """Queue a campaign report PDF; poll it, then download it."""
    scope = service.resolve(db, principal, Filters(campaign=body.campaign, org=body.org))
    return _report_out(report.request(db, principal, scope))


@router.get("/reports/{report_id}", response_model=ReportOut)
def get_report(report_id: int, db: DB, principal: CurrentPrincipal) -> ReportOut:
    """A report's status."""
    return _report_out(report.visible_report(db, principal, report_id))


@router.get("/reports/{report_id}/pdf", response_class=Response, responses=openapi.files(openapi.PDF))
def report_pdf(report_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """The report PDF, once written."""
    return exports.pdf_response(report.visible_report(db, principal, report_id))


@router.get("/my-week")
def my_week(db: DB, principal: CurrentPrincipal, campaign: Annotated[int | None, Query()] = None) -> dict[str, object]:
    """The signed-in person's week: minutes per IST day, completed items, recommended next."""
    from saptah.analytics.learner import my_week as week

    data = week(db, principal, campaign)
    if data is None:
        raise InvalidInput("There is no campaign yet.")
    return {
        "campaign_id": data["campaign_id"],
        "days": [{"day": r[0], "minutes": r[1]} for r in data["days"].rows],
        "completed": [{"title": r[0], "minutes": r[1], "when": r[2]} for r in data["completed"].rows],
        "recommended": data["recommended"],
    }
