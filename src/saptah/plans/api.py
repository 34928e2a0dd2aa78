"""JSON routes of plans: authoring, publishing, My learning, compliance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from saptah.core.timeutil import ist_today
from saptah.directory import service as directory
from saptah.plans import service, status
from saptah.plans.schemas import ItemIn, ItemStatus, LearningItemOut, OptionOut, PlanIn, PlanOut
from saptah.plans.views import plan_out
from saptah.web.deps import DB, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["plans"])


def _today() -> date:
    return ist_today()


@router.get("/my/learning", response_model=list[LearningItemOut])
def my_learning(db: DB, principal: CurrentPrincipal) -> list[LearningItemOut]:
    """Every plan item that applies to you, with why, deadline and status."""
    return [
        LearningItemOut(
            plan_id=r.plan_id,
            plan_title=r.plan_title,
            circular_ref=r.circular_ref,
            item_id=r.item_id,
            title=r.title,
            mandatory=r.mandatory,
            choose_k=r.choose_k,
            deadline=r.deadline,
            status=r.status,
            completed_at=r.completed_at,
            options_left=[OptionOut(course_id=o.course_id, code=o.code, title=o.title) for o in r.options_left],
        )
        for r in status.my_learning(db, principal.person_id, today=_today())
    ]


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, db: DB, principal: CurrentPrincipal) -> PlanOut:
    """Draft a plan for an organisation you administer (national organisers: a national plan)."""
    return plan_out(db, service.create_plan(db, principal, body))


@router.get("/plans/audience-count")
def audience_count(
    db: DB,
    principal: CurrentPrincipal,
    owner_org_code: Annotated[str, Query(max_length=40)] = "",
    audience_org_code: Annotated[str, Query(max_length=40)] = "",
    groups: Annotated[list[str] | None, Query()] = None,
    designations: Annotated[list[str] | None, Query()] = None,
    tags: Annotated[str, Query(max_length=1000)] = "",
    joined_after: Annotated[str, Query(max_length=10)] = "",
) -> dict[str, int]:
    """How many people an audience (as the new-plan form describes it) reaches today, before the plan is saved."""
    data = service.audience_in(
        owner_org_code=owner_org_code,
        audience_org_code=audience_org_code,
        groups=groups,
        designations=designations,
        tags=tags,
        joined_after=joined_after,
    )
    return {"people": service.audience_count(db, principal, data)}


@router.get("/plans/{plan_id}", response_model=PlanOut)
def get_plan(plan_id: int, db: DB, principal: CurrentPrincipal) -> PlanOut:
    """A plan version you may see."""
    return plan_out(db, service.visible_plan(db, principal, plan_id))


@router.post("/plans/{plan_id}/items", response_model=PlanOut, status_code=201)
def add_item(plan_id: int, body: ItemIn, db: DB, principal: CurrentPrincipal) -> PlanOut:
    """Add a course, a 'k of n' choice group or a program to a draft."""
    plan = service.visible_plan(db, principal, plan_id)
    service.add_item(db, principal, plan, body)
    return plan_out(db, plan)


@router.post("/plans/{plan_id}/publish", response_model=PlanOut)
def publish(plan_id: int, db: DB, principal: CurrentPrincipal) -> PlanOut:
    """Publish a draft (MDO leader; national organiser for national plans); warnings come back with it."""
    plan = service.visible_plan(db, principal, plan_id)
    warnings = service.publish(db, principal, plan, today=_today())
    return plan_out(db, plan, warnings)


@router.post("/plans/{plan_id}/versions", response_model=PlanOut, status_code=201)
def new_version(plan_id: int, db: DB, principal: CurrentPrincipal) -> PlanOut:
    """Start the next version of a published plan as a draft."""
    plan = service.visible_plan(db, principal, plan_id)
    return plan_out(db, service.new_version(db, principal, plan))


@router.get("/plans/{plan_id}/compliance")
def compliance(
    plan_id: int,
    db: DB,
    principal: CurrentPrincipal,
    status_filter: Annotated[ItemStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, object]:
    """Summary per sub-organisation and the first rows of people × mandatory items (your subtree only)."""
    plan = service.visible_plan(db, principal, plan_id)
    paths = directory.admin_paths(principal)
    total, orgs = status.summary(db, plan, paths, today=_today())
    rows = []
    for row in status.compliance_rows(db, plan, paths, today=_today(), status=status_filter):
        rows.append(
            {
                "person_id": row.person_id,
                "name": row.name,
                "item": row.item,
                "deadline": row.deadline,
                "status": row.status.value,
                "completed_at": row.completed_at,
            }
        )
        if len(rows) >= limit:
            break
    summary = [
        {
            "org_id": s.org_id,
            "name": s.name,
            "people": s.people,
            "pct_complete": s.pct_complete,
            "pct_overdue": s.pct_overdue,
        }
        for s in orgs
    ]
    return {
        "people": total.people,
        "pct_complete": total.pct_complete,
        "pct_overdue": total.pct_overdue,
        "organisations": summary,
        "rows": rows,
    }
