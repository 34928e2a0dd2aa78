"""Dashboard pages: national (/dashboard), an MDO's (/dashboard/mdo), report downloads, and a learner's week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.analytics import charts, exports, mdo, report, service
from saptah.analytics.api import FiltersDep
from saptah.analytics.schemas import GROUPS, Dashboard, Filters, Scope
from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput
from saptah.core.timeutil import ist_day
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import DEFAULT, N_, translate
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
SECTIONS = (
    (N_("Daily course-completion trend"), ("trend",)),
    (N_("Breakdown"), ("breakdown",)),
    (N_("Course completion and learning metrics"), ("top_courses", "by_area", "by_provider", "by_language")),
    (N_("Central webinar performance"), ("central_webinars",)),
    (N_("Ministry and department webinar performance"), ("mdo_webinars",)),
    (N_("Webinar statistics"), ("webinar_stats",)),
    (N_("Organisations ranked"), ("organisations",)),
)


def _context(db: DB, dash: Dashboard, *, mdo_view: bool, lang: str) -> dict[str, object]:
    svgs = {k: charts.chart_for(t, lang=lang) for k, t in dash.tables.items()}
    scope = dash.scope
    return {
        "dash": dash,
        "scope": scope,
        "svgs": svgs,
        "sections": SECTIONS,
        "campaigns": service.campaigns_for(db),
        "groups": GROUPS,
        "mdo_view": mdo_view,
        "reports": report.latest(db, scope),
        "export_base": "/dashboard/mdo/export" if mdo_view else "/dashboard/export",
    }


@router.get("/dashboard", response_class=HTMLResponse)
def national(request: Request, db: DB, principal: CurrentPrincipal, f: FiltersDep, settings: SettingsDep) -> Response:
    """The national dashboard (MDO admins and leaders go to their own)."""
    if not principal.is_national:
        service.resolve(db, principal, f)  # a learner gets a clear 403 here
        return RedirectResponse(f"/dashboard/mdo?{request.url.query}".rstrip("?"), status_code=303)
    scope = service.resolve(db, principal, f)
    dash = service.shared_dashboard(db, scope, max_age=settings.dashboard_max_age)
    return render(request, "dashboard.html", _context(db, dash, mdo_view=False, lang=_lang(request)))


def _mdo_scope(db: DB, principal: CurrentPrincipal, f: Filters) -> Scope:
    """An MDO dashboard always shows one organisation: the chosen one, else the reader's first."""
    if f.org is None:
        first = report.first_scope_org(principal)
        if first is None and not principal.is_national:
            raise InvalidInput("You administer no organisation.")
        if first is not None:
            f = f.model_copy(update={"org": first})
    return service.resolve(db, principal, f)


@router.get("/dashboard/mdo", response_class=HTMLResponse)
def mdo_dashboard(
    request: Request, db: DB, principal: CurrentPrincipal, f: FiltersDep, settings: SettingsDep
) -> Response:
    """An MDO's dashboard: the same figures for its subtree, plus its people and plan compliance.

    Its figures, people lists and compliance are shared by the subtree's readers for up to
    SAPTAH_DASHBOARD_MAX_AGE seconds, as the national dashboard's are (the page says when they were computed)."""
    scope = _mdo_scope(db, principal, f)
    if scope.org_id is None:
        return RedirectResponse("/dashboard", status_code=303)
    dash, lists, compliance = mdo.shared_page(db, scope, max_age=settings.dashboard_max_age, today=ist_day(utcnow()))
    ctx = _context(db, dash, mdo_view=True, lang=_lang(request))
    # reminder counts are read live: an admin who has just sent reminders sees them counted at once
    ctx.update(lists=lists, compliance=compliance)
    ctx["reminders"] = {k: mdo.reminder_counts(db, scope, k) for k, table in lists.items() if table.rows}
    return render(request, "dashboard.html", ctx)


@router.get("/dashboard/export/{key}.{fmt}")
def export(db: DB, principal: CurrentPrincipal, key: str, fmt: str, f: FiltersDep) -> Response:
    """Download a table of the dashboard."""
    return exports.response(db, service.resolve(db, principal, f), key, fmt, actor_id=principal.person_id)


@router.get("/dashboard/mdo/export/{key}.{fmt}")
def mdo_export(db: DB, principal: CurrentPrincipal, key: str, fmt: str, f: FiltersDep) -> Response:
    """Download a table or people list of an MDO dashboard."""
    return exports.response(db, _mdo_scope(db, principal, f), key, fmt, actor_id=principal.person_id)


@router.post("/dashboard/remind", dependencies=[CSRF])
def remind(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    campaign: Annotated[int, Form()],
    org: Annotated[int, Form()],
    kind: Annotated[str, Form()],
    group: Annotated[str, Form()] = "",
) -> Response:
    """Queue reminder e-mails to everyone on a people list (once a day per person and list)."""
    scope = service.resolve(db, principal, Filters(campaign=campaign, org=org, group=group or None))
    job, will, already = mdo.request_reminders(
        db, scope=scope, kind=kind, actor_id=principal.person_id, base_url=settings.base_url
    )
    response = RedirectResponse(f"/dashboard/mdo?{scope.query()}", status_code=303)
    name = translate(mdo.LISTS[kind], getattr(request.state, "lang", DEFAULT))
    if job is None:
        flash(
            request,
            response,
            "No one was reminded: all {already} people on “{list}” were already reminded today.",
            already=already,
            list=name,
        )
    elif already:
        flash(
            request,
            response,
            "Reminding {will} people on “{list}” now; {already} already reminded today are skipped.",
            will=will,
            already=already,
            list=name,
        )
    else:
        flash(request, response, "Reminding {will} people on “{list}” now.", will=will, list=name)
    return response


def _lang(request: Request) -> str:
    return str(getattr(request.state, "lang", DEFAULT))


@router.post("/dashboard/report", dependencies=[CSRF])
def request_report(
    db: DB,
    principal: CurrentPrincipal,
    campaign: Annotated[int, Form()],
    org: Annotated[str, Form()] = "",
) -> Response:
    """Queue the campaign report PDF and show its page."""
    org_id = int(org) if org.strip().isdigit() else None
    scope = service.resolve(db, principal, Filters(campaign=campaign, org=org_id))
    made = report.request(db, principal, scope)
    return RedirectResponse(f"/dashboard/reports/{made.id}", status_code=303)


@router.get("/dashboard/reports/{report_id}.pdf")
def report_pdf(db: DB, principal: CurrentPrincipal, report_id: int) -> Response:
    """Download the report PDF."""
    return exports.pdf_response(report.visible_report(db, principal, report_id))


@router.get("/dashboard/reports/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, db: DB, principal: CurrentPrincipal, report_id: int) -> Response:
    """A report's status, and its download once written."""
    made = report.visible_report(db, principal, report_id)
    return render(request, "report.html", {"report": made})


@router.get("/my/week", response_class=HTMLResponse)
def my_week(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The learner's week at a glance."""
    from saptah.analytics.learner import my_week as week

    data = week(db, principal, None)
    svg = charts.chart_for(data["days"], lang=_lang(request)) if data else None
    return render(request, "my_week.html", {"data": data, "svg": svg})
