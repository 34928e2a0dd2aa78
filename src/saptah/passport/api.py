"""JSON routes of the passport: my passport with gaps and recommendations, an MDO's needs and gaps."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from saptah.core.errors import InvalidInput
from saptah.passport import service
from saptah.passport.schemas import NeedIn
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["passport"])


@router.get("/passport/me")
def my_passport(db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """What I hold (levels and evidence), my role's gaps, and the courses and events that close them, ranked."""
    person = service.person_for(db, principal, None)
    gaps = service.gaps_of(db, person)
    return {
        "holdings": [asdict(h) for h in service.passport(db, person)],
        "gaps": [asdict(g) for g in gaps],
        "recommendations": [asdict(r) for r in service.recommendations(db, person, gaps)],
    }


@router.get("/orgs/{org_id}/role-needs")
def role_needs(org_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """The needs an organisation set, and those set above it (its admins only)."""
    org = service.admin_org(db, principal, org_id)
    return {
        "needs": [asdict(n) for n in service.org_needs(db, org)],
        "inherited": [asdict(n) for n in service.inherited_needs(db, org)],
    }


@router.post("/orgs/{org_id}/role-needs", status_code=201)
def add_role_need(org_id: int, data: NeedIn, db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    """Add a need for a designation or group (or change its level)."""
    if not (data.designation.strip() or data.group):
        raise InvalidInput("Give a designation or a group.")
    need = service.save_need(db, principal=principal, org_id=org_id, data=data)
    return {"id": need.id, "org_id": need.org_id, "designation": need.designation, "group": need.grp,
            "competency": data.competency, "level": need.level}  # fmt: skip


@router.delete("/role-needs/{need_id}", status_code=204)
def remove_role_need(need_id: int, db: DB, principal: CurrentPrincipal) -> Response:
    """Remove a need (its organisation's admins only)."""
    service.delete_need(db, principal=principal, need_id=need_id)
    return Response(status_code=204)


@router.get("/orgs/{org_id}/competency-gaps")
def competency_gaps(
    org_id: int, db: DB, principal: CurrentPrincipal, campaign: Annotated[int | None, Query()] = None
) -> dict[str, Any]:
    """Per need: staff it applies to, those with a gap, and those who closed it during the campaign."""
    dash = service.gap_dashboard(db, principal=principal, org_id=org_id, campaign_id=campaign)
    rows = [asdict(r) | {"gaps": r.gaps, "closed_share": round(r.closed_share, 4)} for r in dash.rows]
    return {"org_id": dash.org.id, "campaign_id": dash.campaign_id, "rows": rows}
