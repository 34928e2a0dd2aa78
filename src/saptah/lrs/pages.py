"""LRS pages: national organisers issue and revoke provider credentials; cmi5 launch and fetch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from saptah.directory import service as directory
from saptah.lrs import cmi5
from saptah.lrs import repository as repo
from saptah.lrs.clients import create_client, revoke_client
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)


def _clients_page(request: Request, db: DB, issued: dict[str, str] | None = None) -> Response:
    clients = repo.list_clients(db)
    orgs = {c.org_id: directory.repo.get_org(db, c.org_id) for c in clients if c.org_id}
    return render(request, "lrs_clients.html", {"clients": clients, "orgs": orgs, "issued": issued})


@router.get("/lrs/clients", response_class=HTMLResponse)
def clients(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Every provider's xAPI credentials, for national organisers."""
    directory.require_national(principal)
    return _clients_page(request, db)


@router.post("/lrs/clients", response_class=HTMLResponse, dependencies=[CSRF])
def issue(
    request: Request,
    db: DB,
    settings: SettingsDep,
    principal: CurrentPrincipal,
    name: Annotated[str, Form(max_length=200)],
    org_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Issue a key and secret; the secret is shown once on the page that answers."""
    directory.require_national(principal)
    org_id = directory.org_by_code(db, org_code.strip().upper()).id if org_code.strip() else None
    client, secret = create_client(db, name=name, org_id=org_id, created_by=principal.person_id)
    issued = {"name": client.name, "key": client.key, "secret": secret, "endpoint": f"{settings.base_url}/xapi/"}
    return _clients_page(request, db, issued)


@router.post("/lrs/clients/{client_id}/revoke", dependencies=[CSRF])
def revoke(db: DB, principal: CurrentPrincipal, client_id: int) -> Response:
    """Revoke a client's credentials at once."""
    directory.require_national(principal)
    revoke_client(db, client_id, actor_id=principal.person_id)
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
