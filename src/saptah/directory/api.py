"""JSON routes of the directory: organisations, people, roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from saptah.core.errors import NotFound
from saptah.directory import repository as repo
from saptah.directory import service
from saptah.directory.schemas import (
    GrantIn,
    OrgCreate,
    OrgOut,
    PeoplePage,
    PersonCreate,
    PersonOut,
    RoleGrantOut,
)
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["directory"])


@router.get("/me", response_model=PersonOut)
def me(db: DB, principal: CurrentPrincipal) -> PersonOut:
    """The signed-in person."""
    return PersonOut.model_validate(service.visible_person(db, principal, principal.person_id))


@router.get("/organisations", response_model=list[OrgOut])
def list_orgs(db: DB, principal: CurrentPrincipal, parent: Annotated[int | None, Query()] = None) -> list[OrgOut]:
    """Children of an organisation you administer (no parent: your top organisations)."""
    service.require_admin(principal)
    if parent is not None:
        service.require_org_admin(db, principal, parent)
        return [OrgOut.model_validate(o) for o in repo.children(db, parent)]
    paths = service.admin_paths(principal)
    if paths is None:
        return [OrgOut.model_validate(o) for o in repo.children(db, None)]
    return [OrgOut.model_validate(o) for o in repo.subtree(db, paths) if o.path in paths]


@router.post("/organisations", response_model=OrgOut, status_code=201)
def create_org(body: OrgCreate, db: DB, principal: CurrentPrincipal) -> OrgOut:
    """Add an organisation under one you administer."""
    service.require_admin(principal)
    if body.parent_code is None:
        service.require_national(principal)
    else:
        service.require_org_admin(db, principal, service.org_by_code(db, body.parent_code).id)
    org = service.create_org(
        db, code=body.code, name_en=body.name_en, name_hi=body.name_hi, type=body.type, parent_code=body.parent_code
    )
    return OrgOut.model_validate(org)


@router.get("/people", response_model=PeoplePage)
def list_people(
    db: DB,
    principal: CurrentPrincipal,
    q: Annotated[str | None, Query(max_length=100)] = None,
    org: Annotated[int | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PeoplePage:
    """People of your subtree (or of one organisation in it), searchable and paginated."""
    service.require_admin(principal)
    paths = service.admin_paths(principal)
    if org is not None:
        paths = [service.require_org_admin(db, principal, org).path]
    total, rows = repo.search_people(db, paths=paths, q=q, page=page, size=size)
    return PeoplePage(total=total, page=page, size=size, items=[PersonOut.model_validate(p) for p in rows])


@router.post("/people", response_model=PersonOut, status_code=201)
def create_person(body: PersonCreate, db: DB, principal: CurrentPrincipal) -> PersonOut:
    """Register one person in an organisation you administer."""
    org = service.org_by_code(db, body.org_code)
    service.require_org_admin(db, principal, org.id)
    person = service.create_person(
        db,
        full_name=body.full_name,
        email=str(body.email),
        org=org,
        mobile=body.mobile,
        group=body.group,
        designation=body.designation,
        employee_id=body.employee_id,
        joined_on=body.joined_on,
    )
    return PersonOut.model_validate(person)


@router.get("/people/{person_id}", response_model=PersonOut)
def get_person(person_id: int, db: DB, principal: CurrentPrincipal) -> PersonOut:
    """One person: yourself, or someone in your subtree."""
    return PersonOut.model_validate(service.visible_person(db, principal, person_id))


@router.post("/roles", response_model=RoleGrantOut, status_code=201)
def grant_role(body: GrantIn, db: DB, principal: CurrentPrincipal) -> RoleGrantOut:
    """Grant a role over a subtree (leaders: admin roles in their subtree; organisers: any)."""
    person = repo.get_person_by_email(db, str(body.email))
    if person is None:
        raise NotFound("No one is registered with that e-mail.")
    service.visible_person(db, principal, person.id)
    org = service.org_by_code(db, body.org_code) if body.org_code else None
    grant = service.grant_role(db, actor=principal, person=person, role=body.role, org=org, expires_on=body.expires_on)
    return RoleGrantOut.model_validate(grant)


@router.delete("/roles", status_code=204)
def revoke_role(body: GrantIn, db: DB, principal: CurrentPrincipal) -> None:
    """Revoke a role."""
    person = repo.get_person_by_email(db, str(body.email))
    if person is None:
        raise NotFound("No one is registered with that e-mail.")
    service.visible_person(db, principal, person.id)
    org = service.org_by_code(db, body.org_code) if body.org_code else None
    service.revoke_role(db, actor=principal, person=person, role=body.role, org=org)
