"""Plan pages: My learning, authoring and publishing, compliance with CSV/XLSX export."""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from saptah.catalog import service as catalog
from saptah.core.errors import InvalidInput, NotFound
from saptah.core.exports import to_csv, to_xlsx
from saptah.core.timeutil import ist_today
from saptah.directory import service as directory
from saptah.directory.models import Group, Role
from saptah.jobs import service as jobs
from saptah.plans import repository as repo
from saptah.plans import service, status
from saptah.plans.models import PlanStatus
from saptah.plans.schemas import ItemIn, ItemStatus
from saptah.plans.views import (
    APAR_HEADER,
    EXPORT_JOB_KIND,
    XLSX_DIRECT_ROWS,
    XLSX_TYPE,
    deadline_text,
    export_name,
    export_rows_for,
    plan_out,
)
from saptah.web.deps import CSRF, DB, CurrentPrincipal
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _today() -> date:
    return ist_today()


def _status(text: str) -> ItemStatus | None:
    """A status filter from the query string ('' means any)."""
    if not text.strip():
        return None
    try:
        return ItemStatus(text.strip())
    except ValueError as exc:
        raise InvalidInput("Status must be one of: {values}.", values=", ".join(s.value for s in ItemStatus)) from exc


@router.get("/my/learning", response_class=HTMLResponse)
def my_learning(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Everything assigned to or recommended for the signed-in person."""
    rows = status.my_learning(db, principal.person_id, today=_today())
    return render(request, "my_learning.html", {"rows": rows, "today": _today()})


@router.get("/plans/compliance", response_class=HTMLResponse)
def compliance(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    plan: Annotated[int | None, Query()] = None,
    org: Annotated[str, Query(max_length=40)] = "",
    state_text: Annotated[str, Query(alias="status", max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    """People × mandated items of a plan in the admin's subtree, with a summary per sub-organisation."""
    directory.require_admin(principal)
    state = _status(state_text)
    paths = directory.admin_paths(principal)
    plans = [p for p in repo.plans_in_scope(db, paths) if p.status == PlanStatus.PUBLISHED.value]
    ctx: dict[str, object] = {"plans": plans, "plan": None, "org": org, "state": state, "q": q, "page": page}
    ctx["statuses"] = list(ItemStatus)
    ctx["org_choices"] = directory.orgs_in_scope(db, principal)
    if plan is not None:
        chosen = service.visible_plan(db, principal, plan)
        org_path = directory.org_by_code(db, org).path if org.strip() else None
        if org_path is not None and paths is not None and not any(org_path.startswith(p) for p in paths):
            raise NotFound("No such organisation in your scope.")
        total, orgs = status.summary(db, chosen, paths, today=_today(), org_path=org_path)
        rows, more = [], False
        stream = status.compliance_rows(db, chosen, paths, today=_today(), org_path=org_path, q=q or None, status=state)
        for i, row in enumerate(stream):
            if i >= page * PAGE_SIZE:
                more = True
                break
            if i >= (page - 1) * PAGE_SIZE:
                rows.append(row)
        names = directory.repo.orgs_by_ids(db, list({r.org_id for r in rows}))
        ctx.update(plan=chosen, total=total, orgs=orgs, rows=rows, more=more, names=names)
        ctx["national"] = paths is None
    return render(request, "compliance.html", ctx)


def _export_scope(db: DB, principal: CurrentPrincipal, plan: int, org: str, state_text: str, q: str) -> dict[str, Any]:
    """What an APAR export covers, checked against the admin's scope: the job's payload as it is."""
    chosen = service.visible_plan(db, principal, plan)
    state = _status(state_text)
    paths = directory.admin_paths(principal)
    org_path = directory.org_by_code(db, org).path if org.strip() else None
    if org_path is not None and paths is not None and not any(org_path.startswith(p) for p in paths):
        raise NotFound("No such organisation in your scope.")
    return {
        "plan_id": chosen.id, "paths": paths, "org_path": org_path, "q": q or None,
        "status": state.value if state else None, "today": _today().isoformat(),
    }  # fmt: skip


@router.get("/plans/compliance.{fmt}")
def compliance_export(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    fmt: str,
    plan: Annotated[int, Query()],
    org: Annotated[str, Query(max_length=40)] = "",
    state_text: Annotated[str, Query(alias="status", max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The APAR export (CSV or XLSX) of the admin's subtree, streamed from the database in chunks.

    CSV streams at any size. An XLSX of more than XLSX_DIRECT_ROWS rows costs seconds per 100,000 rows to
    write, so the page offers to prepare it in the background instead of holding the request.
    """
    if fmt not in ("csv", "xlsx"):
        raise NotFound("Exports are CSV or XLSX.")
    scope = _export_scope(db, principal, plan, org, state_text, q)
    service.record_export(db, principal, scope, fmt)
    rows = export_rows_for(db, scope)
    name = export_name(scope, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return StreamingResponse(
            iter([to_csv(APAR_HEADER, rows, cells_safe=True)]), media_type="text/csv; charset=utf-8", headers=headers
        )
    first = list(islice(rows, XLSX_DIRECT_ROWS + 1))
    if len(first) <= XLSX_DIRECT_ROWS:
        return Response(to_xlsx(APAR_HEADER, first, sheet="Compliance"), media_type=XLSX_TYPE, headers=headers)
    ctx = {"plan": plan, "org": org, "state": state_text, "q": q, "limit": XLSX_DIRECT_ROWS}
    return render(request, "export_large.html", ctx)


@router.post("/plans/compliance.xlsx", dependencies=[CSRF])
def prepare_xlsx(
    db: DB,
    principal: CurrentPrincipal,
    plan: Annotated[int, Form()],
    org: Annotated[str, Form(max_length=40)] = "",
    state_text: Annotated[str, Form(alias="status", max_length=20)] = "",
    q: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Queue a large XLSX export; its page shows progress and then the download."""
    scope = _export_scope(db, principal, plan, org, state_text, q)
    service.record_export(db, principal, scope, "xlsx")
    job = jobs.enqueue(db, kind=EXPORT_JOB_KIND, payload=scope, created_by=principal.person_id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _plans_ctx(db: DB, principal: CurrentPrincipal) -> dict[str, Any]:
    directory.require_admin(principal)
    paths = directory.admin_paths(principal)
    orgs = [s for s in principal.scopes if s.org_id is not None and s.role in (Role.MDO_ADMIN, Role.MDO_LEADER)]
    owners = [directory.repo.get_org(db, s.org_id) for s in orgs if s.org_id is not None]
    return {
        "plans": repo.plans_in_scope(db, paths),
        "owners": list({o.id: o for o in owners if o}.values()),
        "national": principal.is_national,
        "groups": [g.value for g in Group],
        "orgs": directory.orgs_in_scope(db, principal),
        "designations": service.audience_choices(db, principal),
        "chosen": {},
    }


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Plans of the admin's organisations and those reaching into them; a form for a new one."""
    return render(request, "plans.html", _plans_ctx(db, principal))


@router.get("/plans/audience", response_class=HTMLResponse)
def audience(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    title: Annotated[str, Query(max_length=300)] = "",
    owner_org_code: Annotated[str, Query(max_length=40)] = "",
    audience_org_code: Annotated[str, Query(max_length=40)] = "",
    groups: Annotated[list[str] | None, Query()] = None,
    designations: Annotated[list[str] | None, Query()] = None,
    tags: Annotated[str, Query(max_length=1000)] = "",
    joined_after: Annotated[str, Query(max_length=10)] = "",
    circular_ref: Annotated[str, Query(max_length=300)] = "",
    circular_date: Annotated[str, Query(max_length=10)] = "",
    reminder_days: Annotated[str, Query(max_length=40)] = "7, 1",
    csrf_token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The new-plan form again, as filled in, with how many people its audience reaches (works without JS)."""
    fields = {
        "title": title, "owner_org_code": owner_org_code, "audience_org_code": audience_org_code,
        "groups": groups or [], "designations": designations or [], "tags": tags, "joined_after": joined_after,
        "circular_ref": circular_ref, "circular_date": circular_date, "reminder_days": reminder_days,
    }  # fmt: skip
    count = service.audience_count(db, principal, service.audience_in(**fields))  # type: ignore[arg-type]
    ctx = _plans_ctx(db, principal) | {"chosen": fields, "count": count}
    return render(request, "plans.html", ctx)


@router.post("/plans", dependencies=[CSRF])
def create(
    db: DB,
    principal: CurrentPrincipal,
    title: Annotated[str, Form()],
    owner_org_code: Annotated[str, Form()] = "",
    circular_ref: Annotated[str, Form()] = "",
    circular_date: Annotated[str, Form()] = "",
    audience_org_code: Annotated[str, Form()] = "",
    groups: Annotated[list[str] | None, Form()] = None,
    designations: Annotated[list[str] | None, Form()] = None,
    tags: Annotated[str, Form()] = "",
    joined_after: Annotated[str, Form()] = "",
    reminder_days: Annotated[str, Form()] = "7, 1",
) -> Response:
    """Draft a plan from the form."""
    data = service.audience_in(
        title=title,
        owner_org_code=owner_org_code,
        circular_ref=circular_ref,
        circular_date=circular_date,
        audience_org_code=audience_org_code,
        groups=groups,
        designations=designations,
        tags=tags,
        joined_after=joined_after,
        reminder_days=reminder_days,
    )
    if not title.strip():
        raise InvalidInput("Title: give the plan a title.")
    plan = service.create_plan(db, principal, data)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    plan_id: int,
    course_q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """A plan version: its items, audience, history; forms to edit a draft and to publish."""
    plan = service.visible_plan(db, principal, plan_id)
    out = plan_out(db, plan)
    warnings = service.publication_warnings(db, plan, _today()) if plan.status != PlanStatus.WITHDRAWN.value else []
    owner = directory.repo.get_org(db, plan.owner_org_id) if plan.owner_org_id else None
    audience = directory.repo.get_org(db, plan.audience_org_id) if plan.audience_org_id else None
    may_publish = principal.is_national if owner is None else principal.covers(owner.path, Role.MDO_LEADER)
    ctx = {
        "plan": plan,
        "out": out,
        "owner": owner,
        "audience": audience,
        "warnings": warnings,
        "versions": repo.versions(db, plan.lineage_id or plan.id),
        "may_author": service.may_author(db, principal, plan),
        "may_publish": may_publish,
        "deadline_text": deadline_text,
        "course_q": course_q,
        "picks": catalog.pick(db, course_q) if course_q.strip() else [],
        "reach": service.plan_audience_count(db, plan) if plan.status == PlanStatus.DRAFT.value else None,
    }
    return render(request, "plan.html", ctx)


@router.post("/plans/{plan_id}/items", dependencies=[CSRF])
def add_item(
    db: DB,
    principal: CurrentPrincipal,
    plan_id: int,
    course_codes: Annotated[list[str] | None, Form()] = None,
    program_code: Annotated[str, Form()] = "",
    choose_k: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "mandatory",
    deadline_date: Annotated[str, Form()] = "",
    deadline_days: Annotated[str, Form()] = "",
    deadline_basis: Annotated[str, Form()] = "joined",
) -> Response:
    """Add an item from the form."""
    plan = service.visible_plan(db, principal, plan_id)
    if kind not in ("mandatory", "recommended"):
        raise InvalidInput("An item is mandatory or recommended.")
    if (choose_k.strip() and not choose_k.strip().isdigit()) or (
        deadline_days.strip() and not deadline_days.strip().isdigit()
    ):
        raise InvalidInput("'Complete how many' and 'days after' are whole numbers.")
    days = int(deadline_days) if deadline_days.strip() else None
    data = service.validated(
        ItemIn,
        course_codes=list(dict.fromkeys(c for text in course_codes or [] for c in service.split_list(text))),
        program_code=program_code.strip() or None,
        choose_k=int(choose_k) if choose_k.strip() else None,
        mandatory=kind == "mandatory",
        deadline_date=service.form_date(deadline_date, "Deadline"),
        deadline_days=days,
        deadline_basis=deadline_basis if days else None,
    )
    service.add_item(db, principal, plan, data)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.post("/plans/{plan_id}/items/{item_id}/delete", dependencies=[CSRF])
def remove_item(db: DB, principal: CurrentPrincipal, plan_id: int, item_id: int) -> Response:
    """Remove an item from a draft."""
    plan = service.visible_plan(db, principal, plan_id)
    service.remove_item(db, principal, plan, item_id)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.post("/plans/{plan_id}/publish", dependencies=[CSRF])
def publish(db: DB, principal: CurrentPrincipal, plan_id: int) -> Response:
    """Publish a draft (leaders)."""
    plan = service.visible_plan(db, principal, plan_id)
    service.publish(db, principal, plan, today=_today())
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)


@router.post("/plans/{plan_id}/versions", dependencies=[CSRF])
def new_version(db: DB, principal: CurrentPrincipal, plan_id: int) -> Response:
    """Start the next version of a published plan."""
    plan = service.visible_plan(db, principal, plan_id)
    draft = service.new_version(db, principal, plan)
    return RedirectResponse(f"/plans/{draft.id}", status_code=303)


@router.post("/plans/{plan_id}/withdraw", dependencies=[CSRF])
def withdraw(db: DB, principal: CurrentPrincipal, plan_id: int) -> Response:
    """Withdraw a plan in force (leaders)."""
    plan = service.visible_plan(db, principal, plan_id)
    service.withdraw(db, principal, plan)
    return RedirectResponse(f"/plans/{plan.id}", status_code=303)
