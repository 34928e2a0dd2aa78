"""Shapes shared by the JSON routes, the pages and the exports: plan views and the APAR export rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from saptah.core.errors import NotFound
from saptah.core.exports import safe_cell
from saptah.core.text import Message
from saptah.core.timeutil import fmt_ist
from saptah.plans import repository as repo
from saptah.plans.models import Plan
from saptah.plans.schemas import ItemOut, ItemStatus, OptionOut, PlanOut
from saptah.plans.status import (
    P_DESIGNATION,
    P_EMAIL,
    P_EMPLOYEE_ID,
    P_GROUP,
    P_NAME,
    P_ORG_NAME,
    Evaluated,
    evaluated_rows,
    load_bundle,
)

APAR_HEADER = (
    "Name",
    "E-mail",
    "Designation",
    "Group",
    "Employee ID",
    "Organisation",
    "Item",
    "Mandatory",
    "Deadline",
    "Status",
    "Completed on",
    "On time",
)


def plan_out(session: Session, plan: Plan, warnings: list[str] | None = None) -> PlanOut:
    """A plan with its items and options."""
    bundle = load_bundle(session, [plan])
    items = []
    for item in bundle.items[plan.id]:
        opts = [
            OptionOut(course_id=o.course_id, code=ref.code, title=ref.title)
            for o in bundle.options[item.id]
            if (ref := bundle.course_refs.get(o.course_id)) is not None
        ]
        items.append(
            ItemOut(
                id=item.id,
                position=item.position,
                title=item.title,
                mandatory=item.mandatory,
                choose_k=item.choose_k,
                program_id=item.program_id,
                deadline_date=item.deadline_date,
                deadline_days=item.deadline_days,
                deadline_basis=item.deadline_basis,
                options=opts,
            )
        )
    return PlanOut(
        id=plan.id,
        lineage_id=plan.lineage_id,
        version=plan.version,
        status=plan.status,
        title=plan.title,
        owner_org_id=plan.owner_org_id,
        circular_ref=plan.circular_ref,
        circular_date=plan.circular_date,
        audience_org_id=plan.audience_org_id,
        groups=plan.group_list,
        designations=plan.designation_list,
        tags=plan.tag_list,
        joined_after=plan.joined_after,
        reminder_days=plan.reminder_list,
        published_at=plan.published_at,
        items=items,
        warnings=warnings or [],
    )


def deadline_text(item: ItemOut) -> str:
    """How an item's deadline rule reads (a message translated where shown)."""
    if item.deadline_date:
        return f"{item.deadline_date:%d-%m-%Y}"
    if item.deadline_days:
        if item.deadline_basis == "joined":
            return Message("{days} days after joining", days=item.deadline_days)
        return Message("{days} days after being added", days=item.deadline_days)
    return Message("No deadline")


def apar_rows(rows: Iterable[Evaluated]) -> Iterator[list[Any]]:
    """Export rows with the columns an APAR cell needs, every cell already safe against formula injection
    (each person's and item's text made safe once, not per row; dates and labels formatted once per value)."""
    days: dict[Any, str] = {None: ""}
    labels = {s: s.label for s in ItemStatus}
    on_time = {s: "" for s in ItemStatus} | {ItemStatus.COMPLETED_ON_TIME: "Yes", ItemStatus.COMPLETED_LATE: "No"}
    titles: dict[int, list[str]] = {}
    last: Any = None
    person: list[Any] = []
    for p, rule, deadline_at, st, at in rows:
        if p is not last:
            last = p
            person = [safe_cell(p[i]) for i in (P_NAME, P_EMAIL, P_DESIGNATION, P_GROUP, P_EMPLOYEE_ID, P_ORG_NAME)]
        item = titles.get(rule.id)
        if item is None:
            item = titles[rule.id] = [safe_cell(rule.title), "Mandatory" if rule.mandatory else "Recommended"]
        deadline = days.get(deadline_at)
        if deadline is None:
            deadline = days[deadline_at] = f"{deadline_at:%d-%m-%Y}"
        done = days.get(at)
        if done is None:
            done = days[at] = fmt_ist(at, "%d-%m-%Y")
        yield [*person, *item, deadline, labels[st], done, on_time[st]]


EXPORT_JOB_KIND = "plans.export_xlsx"
XLSX_DIRECT_ROWS = 20_000  # about a second of XlsxWriter; a larger XLSX is prepared by a job
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_rows_for(session: Session, scope: dict[str, Any]) -> Iterator[list[Any]]:
    """The APAR rows of an export scope (as `pages._export_scope` checked it, or a job's payload)."""
    plan = repo.get_plan(session, scope["plan_id"])
    if plan is None:
        raise NotFound("No such plan.")
    status = ItemStatus(scope["status"]) if scope["status"] else None
    today = date.fromisoformat(scope["today"])
    org_path, q = scope["org_path"], scope["q"]
    return export_rows(session, plan, scope["paths"], today=today, org_path=org_path, q=q, status=status)


def export_name(scope: dict[str, Any], fmt: str) -> str:
    """The download's file name."""
    return f"compliance-plan-{scope['plan_id']}-{date.fromisoformat(scope['today']):%Y%m%d}.{fmt}"


def export_rows(
    session: Session,
    plan: Plan,
    paths: Sequence[str] | None,
    *,
    today: date,
    org_path: str | None = None,
    q: str | None = None,
    status: ItemStatus | None = None,
) -> Iterator[list[Any]]:
    """The APAR export of a plan in the caller's subtrees, streamed from one query."""
    rows = evaluated_rows(session, plan, paths, today=today, org_path=org_path, q=q)
    if status is not None:
        rows = (r for r in rows if r[3] is status)
    return apar_rows(rows)
