"""Recognition pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.campaigns import service as campaigns_service
from saptah.core.errors import Conflict, NotFound
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.recognition import karma, org_honours, service
from saptah.web.deps import CSRF, DB, CurrentPrincipal, MaybePrincipal, SettingsDep
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)

# ---------------------------------------------------------------------------------------------------------------
# Certificates: my certificates, the PDF, the public verification page, an admin's revoke.
# ---------------------------------------------------------------------------------------------------------------


@router.get("/my/certificates", response_class=HTMLResponse)
def my_certificates(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Every certificate the signed-in person holds."""
    certs = service.certificates_of(db, principal.person_id)
    return render(request, "my_certificates.html", {"certificates": certs})


@router.get("/certificates/{code}.pdf")
def certificate_pdf(db: DB, principal: CurrentPrincipal, settings: SettingsDep, code: str) -> Response:
    """Download a certificate as PDF (its holder, or an admin of the holder's organisation)."""
    cert = service.own_certificate(db, principal, code)
    pdf = service.certificate_pdf(cert, base_url=settings.base_url, lang=service.holder_language(db, cert))
    headers = {"Content-Disposition": f'attachment; filename="certificate-{cert.code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, code: Annotated[str, Query(max_length=64)] = "") -> Response:
    """Type a certificate code to check it (public)."""
    if code.strip():
        return RedirectResponse(f"/verify/{service.normalise_code(code)}", status_code=303)
    return render(request, "verify.html", {"v": None})


@router.get("/verify/{code}", response_class=HTMLResponse)
def verify(request: Request, db: DB, code: str) -> Response:
    """Public: is this certificate valid? Shows the name, title and date, nothing else."""
    try:
        v = service.verify(db, code)
    except NotFound:
        return render(request, "verify.html", {"v": None, "not_found": True}, status_code=404)
    response = render(request, "verify.html", {"v": v})
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/certificates/manage", response_class=HTMLResponse)
def manage(
    request: Request, db: DB, principal: CurrentPrincipal, code: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """Admins look up a certificate by code to see or revoke it."""
    directory.require_admin(principal)
    cert = service.own_certificate(db, principal, code) if code.strip() else None
    return render(request, "certificate_manage.html", {"cert": cert, "code": code})


@router.post("/certificates/{code}/revoke", dependencies=[CSRF])
def revoke(
    db: DB, principal: CurrentPrincipal, code: str, reason: Annotated[str, Form(max_length=2000)] = ""
) -> Response:
    """Revoke a certificate with a reason (admins of the holder's organisation, national organisers)."""
    cert = service.revoke_certificate(db, principal=principal, code=code, reason=reason)
    return RedirectResponse(f"/certificates/manage?code={cert.code}", status_code=303)


# ---------------------------------------------------------------------------------------------------------------
# Karma and leaderboards (recognition engineer) go below this line.
# ---------------------------------------------------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/leaderboard", response_class=HTMLResponse)
def leaderboard(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    campaign_id: int,
    settings: SettingsDep,
    board: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """A public board: top 20 and my position with neighbours; national, ministry/state or organisation."""
    key = board or service.default_board(db, principal)
    result = service.leaderboard(
        db, campaign_id=campaign_id, board=key, viewer_id=principal.person_id, max_age=settings.dashboard_max_age
    )
    own = directory.repo.get_org(db, principal.org_id)
    choices = [("n", "National")]
    if own is not None:
        top_id = int(own.path.strip("/").split("/")[1]) if own.depth >= 1 else own.id
        top = directory.repo.get_org(db, top_id)
        if top is not None and top.depth == 1:
            choices.append((f"t{top.id}", f"{top.name_en} (whole ministry/state)"))
        choices.append((f"o{own.id}", own.name_en))
    if key not in {c for c, _ in choices}:
        choices.append((key, result.label))
    campaign = campaigns_service.get(db, campaign_id)
    ctx = {"b": result, "campaign": campaign, "choices": choices, "max_age": settings.dashboard_max_age}
    return render(request, "leaderboard.html", ctx)


@router.get("/campaigns/{campaign_id}/organisations", response_class=HTMLResponse)
def organisation_board(
    request: Request, db: DB, principal: CurrentPrincipal, campaign_id: int, settings: SettingsDep
) -> Response:
    """Organisations in size bands, ranked by the share of staff who reached the target (shared by its readers
    for up to SAPTAH_DASHBOARD_MAX_AGE seconds; the page says when it was computed)."""
    campaign = campaigns_service.get(db, campaign_id)
    max_age = settings.dashboard_max_age
    bands, as_of = campaigns_service.shared_org_board(db, campaign_id, max_age=max_age)
    ctx = {"campaign": campaign, "bands": bands, "as_of": as_of, "max_age": max_age}
    return render(request, "org_board.html", ctx)


@router.get("/my/karma", response_class=HTMLResponse)
def my_karma(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """My karma points and why each was given."""
    total, entries = karma.karma_of(db, principal.person_id)
    return render(request, "karma.html", {"total": total, "entries": entries})


@router.get("/campaigns/{campaign_id}/honour-rolls", response_class=HTMLResponse)
def honour_rolls(request: Request, db: DB, principal: CurrentPrincipal, campaign_id: int) -> Response:
    """Published honour rolls; national organisers also see drafts and draw a new one."""
    campaign = campaigns_service.get(db, campaign_id)
    rolls = service.honour_rolls(db, principal, campaign_id)
    boards = service.board_choices(db) if principal.is_national else []
    return render(request, "honour_rolls.html", {"campaign": campaign, "rolls": rolls, "boards": boards})


@router.post("/campaigns/{campaign_id}/honour-rolls", dependencies=[CSRF])
async def draft_honour_roll(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    campaign_id: int,
    board: Annotated[str, Form(max_length=16)] = "n",
    size: Annotated[int, Form()] = 10,
    signatory_name: Annotated[str, Form(max_length=200)] = "",
    signatory_title: Annotated[str, Form(max_length=200)] = "",
    signature: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Draw a draft honour roll from the top of a board (national organisers)."""
    image = await signature.read(service.SIGNATURE_MAX_BYTES + 1) if signature is not None else None
    roll = service.draft_honour_roll(
        db,
        principal=principal,
        campaign_id=campaign_id,
        board=board,
        size=size,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        signature=image,
    )
    return RedirectResponse(f"/honour-rolls/{roll.id}", status_code=303)


@router.get("/honour-rolls/{roll_id}", response_class=HTMLResponse)
def honour_roll(request: Request, db: DB, principal: CurrentPrincipal, roll_id: int) -> Response:
    """An honour roll: public once published; a draft to review for national organisers."""
    roll, entries = service.honour_roll(db, principal, roll_id)
    if roll.kind == org_honours.KIND:
        return _org_roll_page(request, db, principal, roll_id)
    public = campaigns_service.people_public(db, [e.person_id for e in entries])
    campaign = campaigns_service.get(db, roll.campaign_id)
    ctx = {"roll": roll, "entries": entries, "public": public, "campaign": campaign}
    return render(request, "honour_roll.html", ctx)


@router.post("/honour-rolls/{roll_id}/exclude", dependencies=[CSRF])
def exclude(db: DB, principal: CurrentPrincipal, roll_id: int, person_id: Annotated[int, Form()]) -> Response:
    """Leave someone off a draft roll at review; the next on the board moves up."""
    service.exclude_from_roll(db, principal=principal, roll_id=roll_id, person_id=person_id)
    return RedirectResponse(f"/honour-rolls/{roll_id}", status_code=303)


@router.post("/honour-rolls/{roll_id}/publish", dependencies=[CSRF])
def publish(db: DB, principal: CurrentPrincipal, roll_id: int) -> Response:
    """Publish a reviewed roll; certificates are generated in the background."""
    service.publish_honour_roll(db, principal=principal, roll_id=roll_id)
    return RedirectResponse(f"/honour-rolls/{roll_id}", status_code=303)


@router.get("/honour-rolls/{roll_id}/certificates.zip")
def honour_archive(db: DB, principal: CurrentPrincipal, roll_id: int) -> Response:
    """All honour certificates of a roll in one ZIP (national organisers), once generated."""
    directory.require_national(principal)
    roll, _entries = service.honour_roll(db, principal, roll_id)
    if roll.archive is None:
        raise Conflict("The certificates are still being generated; try again in a moment.")
    headers = {"Content-Disposition": f'attachment; filename="honour-roll-{roll.id}.zip"'}
    return Response(roll.archive, media_type="application/zip", headers=headers)


# ---------------------------------------------------------------------------------------------------------------
# Ministry-level honours: organisations by size band, drawn, reviewed and published; a public page; certificates.
# ---------------------------------------------------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/honour-rolls/organisations", dependencies=[CSRF])
async def draft_org_roll(
    db: DB,
    principal: CurrentPrincipal,
    campaign_id: int,
    size: Annotated[int, Form()] = 5,
    signatory_name: Annotated[str, Form(max_length=200)] = "",
    signatory_title: Annotated[str, Form(max_length=200)] = "",
    signature: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Draw a draft honour roll of organisations, the top of each size band by each measure (national organisers)."""
    image = await signature.read(service.SIGNATURE_MAX_BYTES + 1) if signature is not None else None
    roll = org_honours.draft(
        db,
        principal=principal,
        campaign_id=campaign_id,
        size=size,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        signature=image,
    )
    return RedirectResponse(f"/honour-rolls/{roll.id}", status_code=303)


@router.post("/honour-rolls/{roll_id}/exclude-organisation", dependencies=[CSRF])
def exclude_org(db: DB, principal: CurrentPrincipal, roll_id: int, org_id: Annotated[int, Form()]) -> Response:
    """Leave an organisation off a draft roll at review; the next in its band moves up."""
    org_honours.exclude(db, principal=principal, roll_id=roll_id, org_id=org_id)
    return RedirectResponse(f"/honour-rolls/{roll_id}", status_code=303)


def _org_roll_page(
    request: Request, db: DB, principal: Principal | None, roll_id: int, *, public: bool = False
) -> Response:
    roll, sections = org_honours.roll_of(db, None if public else principal, roll_id)
    campaign = campaigns_service.get(db, roll.campaign_id)
    orgs = directory.repo.orgs_by_ids(db, sorted({e.org_id for s in sections for e in s.entries}))
    mine = {oid for oid, org in orgs.items() if org_honours.may_download(principal, org.path)}
    ctx = {"roll": roll, "sections": sections, "campaign": campaign, "mine": mine, "bands": org_honours.BAND_TEXT}
    response = render(request, "org_honour_roll.html", ctx | {"measures": org_honours.MEASURE_TEXT})
    if roll.status != "published":
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/honours", response_class=HTMLResponse)
def honours(request: Request, db: DB) -> Response:
    """Public: every published honour roll of organisations (no sign-in needed)."""
    rolls = org_honours.published(db)
    names = {cid: campaigns_service.get(db, cid).name for cid in sorted({r.campaign_id for r in rolls})}
    return render(request, "honours.html", {"rolls": rolls, "campaigns": names})


@router.get("/honours/{roll_id}", response_class=HTMLResponse)
def honours_roll(request: Request, db: DB, principal: MaybePrincipal, roll_id: int) -> Response:
    """Public: one published honour roll of organisations; organisation names and figures only."""
    return _org_roll_page(request, db, principal, roll_id, public=True)


@router.get("/organisation-certificates/{code}.pdf")
def org_certificate(db: DB, principal: CurrentPrincipal, settings: SettingsDep, code: str) -> Response:
    """An organisation's honour certificate as PDF (its admins and leaders, national organisers)."""
    roll, entry = org_honours.certificate(db, principal, code)
    pdf = org_honours.certificate_pdf(roll, entry, base_url=settings.base_url)
    headers = {"Content-Disposition": f'attachment; filename="honour-{entry.certificate_code}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
