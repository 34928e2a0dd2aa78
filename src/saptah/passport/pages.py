"""Passport pages: a learner's passport (and its PDF), an MDO's role needs and its gaps dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.core.errors import InvalidInput, PayloadTooLarge
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.passport import pdf, service
from saptah.passport.levels import MAX_LEVEL
from saptah.passport.schemas import GROUPS, NeedIn
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
LANGS = ("en", "hi")


@router.get("/my/passport", response_class=HTMLResponse)
def my_passport(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """What I hold (with the evidence), the gaps my role has, and the courses and events that close them."""
    person = service.person_for(db, principal, None)
    gaps = service.gaps_of(db, person)
    ctx = {
        "holdings": service.passport(db, person),
        "gaps": gaps,
        "recommendations": service.recommendations(db, person, gaps),
    }
    return render(request, "passport.html", ctx)


@router.get("/my/passport.pdf")
def my_passport_pdf(
    db: DB, principal: CurrentPrincipal, lang: Annotated[str | None, Query(max_length=2)] = None
) -> Response:
    """My passport as a PDF, in English or Hindi (my interface language unless chosen)."""
    person = service.person_for(db, principal, None)
    chosen = lang or person.preferred_language or "en"
    if chosen not in LANGS:
        raise InvalidInput("The passport is printed in English (en) or Hindi (hi).")
    org = people.get_org(db, person.org_id)
    content = pdf.render_passport(
        person.full_name,
        (org.name_hi if chosen == "hi" and org and org.name_hi else org.name_en) if org else "",
        service.passport(db, person),
        service.gaps_of(db, person),
        lang=chosen,
    )
    headers = {"Content-Disposition": f'attachment; filename="competency-passport-{chosen}.pdf"'}
    return Response(content, media_type="application/pdf", headers=headers)


def _needs_context(db: DB, principal: CurrentPrincipal, org_id: int | None) -> dict[str, Any]:
    org = service.admin_org(db, principal, org_id)
    return {
        "org": org,
        "orgs": directory.orgs_in_scope(db, principal),
        "needs": service.org_needs(db, org),
        "inherited": service.inherited_needs(db, org),
        "competencies": service.competency_choices(db),
        "groups": GROUPS,
        "levels": range(1, MAX_LEVEL + 1),
        "errors": [],
    }


@router.get("/passport/needs", response_class=HTMLResponse)
def needs_page(
    request: Request, db: DB, principal: CurrentPrincipal, org: Annotated[int | None, Query()] = None
) -> Response:
    """What each designation or group of an organisation needs: the list, a form to add one, an upload."""
    return render(request, "passport_needs.html", _needs_context(db, principal, org))


@router.post("/passport/needs", dependencies=[CSRF])
def add_need(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    org: Annotated[int, Form()],
    competency: Annotated[str, Form(max_length=40)],
    level: Annotated[int, Form(ge=1, le=MAX_LEVEL)],
    designation: Annotated[str, Form(max_length=200)] = "",
    group: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    """Add a need (or change its level)."""
    if not designation.strip() and not group:
        raise InvalidInput("Give a designation or a group.")
    data = NeedIn(designation=designation, group=group, competency=competency, level=level)
    service.save_need(db, principal=principal, org_id=org, data=data)
    response = RedirectResponse(f"/passport/needs?org={org}", status_code=303)
    flash(request, response, "The need is saved.")
    return response


@router.post("/passport/needs/{need_id}/delete", dependencies=[CSRF])
def delete_need(request: Request, db: DB, principal: CurrentPrincipal, need_id: int) -> Response:
    """Remove a need."""
    org_id = service.delete_need(db, principal=principal, need_id=need_id)
    response = RedirectResponse(f"/passport/needs?org={org_id}", status_code=303)
    flash(request, response, "The need is removed.")
    return response


@router.post("/passport/needs/upload", response_class=HTMLResponse, dependencies=[CSRF])
async def upload_needs(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    org: Annotated[int, Form()],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Needs from a CSV or XLSX: stored all together, or none and every row's problem shown."""
    ctx = _needs_context(db, principal, org)
    limit = settings.max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("The file is larger than {max_upload_mb} MB.", max_upload_mb=settings.max_upload_mb)
    result = service.import_needs(
        db, principal=principal, org=ctx["org"], filename=file.filename or "needs.csv", content=content
    )
    if result.errors:
        return render(request, "passport_needs.html", {**ctx, "errors": result.errors}, status_code=400)
    response = RedirectResponse(f"/passport/needs?org={org}", status_code=303)
    flash(request, response, "{count} needs stored from the file.", count=result.stored)
    return response


@router.get("/passport/gaps", response_class=HTMLResponse)
def gaps_dashboard(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    org: Annotated[int | None, Query()] = None,
    campaign: Annotated[int | None, Query()] = None,
) -> Response:
    """An MDO's competency gaps by competency and designation or group, and the share closed during a campaign."""
    dash = service.gap_dashboard(db, principal=principal, org_id=org, campaign_id=campaign)
    ctx = {"dash": dash, "orgs": directory.orgs_in_scope(db, principal), "campaigns": service.campaign_choices(db)}
    return render(request, "passport_gaps.html", ctx)
