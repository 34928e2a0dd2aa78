"""LRS pages: content providers (their own) and national organisers issue and revoke credentials; cmi5."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from saptah.directory import service as directory
from saptah.lrs import cmi5, scorm_pages
from saptah.lrs.clients import (
    ALL_SCOPES,
    DEFAULT_SCOPES,
    PROVIDER_SCOPES,
    clients_for,
    issue_for,
    provider_orgs,
    revoke_for,
)
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(scorm_pages.router)


def _clients_page(
    request: Request, db: DB, principal: CurrentPrincipal, issued: dict[str, str] | None = None
) -> Response:
    clients = clients_for(db, principal)
    orgs = {c.org_id: directory.repo.get_org(db, c.org_id) for c in clients if c.org_id}
    mine = provider_orgs(principal)
    providers = [
        o for o in directory.repo.subtree(db, None) if o.type == "content_provider" and (mine is None or o.id in mine)
    ]
    ctx = {
        "clients": clients, "orgs": orgs, "issued": issued, "providers": providers, "national": mine is None,
        "scopes": ALL_SCOPES if mine is None else PROVIDER_SCOPES, "default_scopes": DEFAULT_SCOPES.split(),
    }  # fmt: skip
    return render(request, "lrs_clients.html", ctx)


@router.get("/lrs/clients", response_class=HTMLResponse)
def clients(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """xAPI credentials: a content provider's own, or every provider's for national organisers."""
    return _clients_page(request, db, principal)


@router.post("/lrs/clients", response_class=HTMLResponse, dependencies=[CSRF])
def issue(
    request: Request,
    db: DB,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=200)],
    org_code: Annotated[str, Form(max_length=40)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Issue a key and secret with the chosen scopes; the secret is shown once on the page that answers."""
    org_id = directory.org_by_code(db, org_code.strip().upper()).id if org_code.strip() else None
    chosen = scopes if scopes is not None else DEFAULT_SCOPES.split()
    client, secret = issue_for(db, principal, name=name, org_id=org_id, scopes=chosen)
    issued = {
        "name": client.name, "key": client.key, "secret": secret, "endpoint": f"{settings.base_url}/xapi/",
        "scopes": client.scopes,
    }  # fmt: skip
    return _clients_page(request, db, principal, issued)


@router.post("/lrs/clients/{client_id}/revoke", dependencies=[CSRF])
def revoke(db: DB, principal: CurrentPrincipal, client_id: int) -> Response:
    """Revoke a client's credentials at once."""
    revoke_for(db, principal, client_id)
    return RedirectResponse("/lrs/clients", status_code=303)


@router.get("/cmi5/launch/{course_id}/{au_id:path}")
def launch(db: DB, settings: SettingsDep, principal: CurrentPrincipal, course_id: int, au_id: str) -> Response:
    """Launch a cmi5 AU for the signed-in learner: registration, LaunchData, fetch token, redirect."""
    url = cmi5.launch(db, base_url=settings.base_url, person_id=principal.person_id, course_id=course_id, au_id=au_id)
    return RedirectResponse(url, status_code=303)


@router.post("/cmi5/fetch/{token}")
def fetch(db: DB, token: str) -> Response:
    """The cmi5 fetch URL: answers the auth token once, then a cmi5 error."""
    status, body = cmi5.fetch(db, token)
    return JSONResponse(body, status_code=status)
