"""Shapes shared by the JSON routes, the pages and the exports: plan views and the APAR export rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from saptah.core.timeutil import fmt_ist
from saptah.plans import repository as repo
from saptah.plans.models import Plan
from saptah.plans.schemas import ComplianceRow, ItemOut, ItemStatus, OptionOut, PlanOut
from saptah.plans.status import load_bundle

APAR_HEADER = (
    "Name",
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
    """How an item's deadline rule reads."""
    if item.deadline_date:
        return f"{item.deadline_date:%d-%m-%Y}"
    if item.deadline_days:
        basis = "joining" if item.deadline_basis == "joined" else "being added"
        return f"{item.deadline_days} days after {basis}"
    return "No deadline"


def apar_rows(rows: Iterable[ComplianceRow], org_names: dict[int, str]) -> Iterator[list[Any]]:
    """Export rows with the columns an APAR cell needs (dates formatted once per distinct value)."""
    days: dict[Any, str] = {None: ""}
    for r in rows:
        deadline = days.get(r.deadline)
        if deadline is None:
            deadline = days[r.deadline] = f"{r.deadline:%d-%m-%Y}" if isinstance(r.deadline, date) else ""
        done = days.get(r.completed_at)
        if done is None:
            done = days[r.completed_at] = fmt_ist(r.completed_at, "%d-%m-%Y")
        st = r.status
        yield [
            r.name,
            r.designation or "",
            r.group or "",
            r.employee_id or "",
            org_names[r.org_id],
            r.item,
            "Mandatory" if r.mandatory else "Recommended",
            deadline,
            st.label,
            done,
            "Yes" if st is ItemStatus.COMPLETED_ON_TIME else ("No" if st is ItemStatus.COMPLETED_LATE else ""),
        ]


class OrgNames(dict[int, str]):
    """Organisation names looked up lazily while an export streams."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def __missing__(self, key: int) -> str:
        found = repo.orgs_by_ids(self.session, [key])
        name = found[key].name_en if key in found else ""
        self[key] = name
        return name

    def get(self, key: int, default: Any = None) -> str:
        """The name (looked up once)."""
        return self[key]
