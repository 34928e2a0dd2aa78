"""Directory pages: the home page per role, people, the organisation tree, roles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saptah.core.errors import NotFound
from saptah.core.timeutil import ist_today
from saptah.directory import repository as repo
from saptah.directory import service
from saptah.directory.models import Role
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.templating import HOME_PANELS, ordered_panels, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB, principal: CurrentPrincipal, settings: SettingsDep) -> Response:
    """The home page of the person's main role."""
    person = repo.get_person(db, principal.person_id)
    org = repo.get_org(db, principal.org_id)
    panels = ordered_panels([make(db, principal, settings) for make in HOME_PANELS])
    ctx: dict[str, object] = {"person": person, "org": org, "role": principal.home_role, "panels": panels}
    paths = service.admin_paths(principal)
    if principal.is_national:
        ctx["roots"] = repo.children(db, None)
        ctx["people_total"] = repo.count_people(db, None)
        ctx["org_total"] = repo.count_orgs(db)
    elif paths:
        ctx["scope_orgs"] = [repo.get_org(db, s.org_id) for s in principal.scopes if s.org_id and s.path in paths]
        ctx["people_total"] = repo.count_people(db, paths)
    return render(request, "home.html", ctx)


@router.get("/people", response_class=HTMLResponse)
def people(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    """Searchable, paginated people of the admin's subtree."""
    service.require_admin(principal)
    total, rows = repo.search_people(db, paths=service.admin_paths(principal), q=q, page=page, size=PAGE_SIZE)
    orgs = {o.id: o for o in (repo.get_org(db, oid) for oid in {p.org_id for p in rows}) if o}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request, "people.html", {"rows": rows, "orgs": orgs, "total": total, "page": page, "pages": pages, "q": q or ""}
    )


@router.get("/people/{person_id}", response_class=HTMLResponse)
def person_detail(request: Request, db: DB, principal: CurrentPrincipal, person_id: int) -> Response:
    """A person's record, for themselves or an admin of their organisation."""
    person = service.visible_person(db, principal, person_id)
    org = repo.get_org(db, person.org_id)
    grants = repo.active_grants(db, person.id, ist_today())
    history = repo.role_history(db, person.id)
    return render(
        request,
        "person.html",
        {"person": person, "org": org, "grants": grants, "history": history, "roles": [r.value for r in Role]},
    )


@router.get("/organisations", response_class=HTMLResponse)
def organisations(
    request: Request, db: DB, principal: CurrentPrincipal, parent: Annotated[int | None, Query()] = None
) -> Response:
    """Browse the organisation tree (national organisers: all; admins: their subtrees)."""
    service.require_admin(principal)
    if parent is None:
        paths = service.admin_paths(principal)
        nodes = repo.children(db, None) if paths is None else [o for o in repo.subtree(db, paths) if o.path in paths]
        current = None
    else:
        current = service.require_org_admin(db, principal, parent)
        nodes = repo.children(db, parent)
    counts = {o.id: repo.count_people(db, [o.path]) for o in nodes}
    return render(request, "organisations.html", {"nodes": nodes, "current": current, "counts": counts})


@router.post("/people/{person_id}/roles", dependencies=[CSRF])
def grant(
    db: DB,
    principal: CurrentPrincipal,
    person_id: int,
    role: Annotated[Role, Form()],
    org_code: Annotated[str, Form()] = "",
    expires_on: Annotated[date | None, Form()] = None,
    action: Annotated[str, Form()] = "grant",
) -> Response:
    """Grant or revoke a role from the person page."""
    person = service.visible_person(db, principal, person_id)
    org = service.org_by_code(db, org_code) if org_code.strip() else None
    if action == "revoke":
        service.revoke_role(db, actor=principal, person=person, role=role, org=org)
    elif action == "grant":
        service.grant_role(db, actor=principal, person=person, role=role, org=org, expires_on=expires_on)
    else:
        raise NotFound("Unknown action.")
    return RedirectResponse(f"/people/{person_id}", status_code=303)
