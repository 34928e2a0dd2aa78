"""Every query of plans. Audience rules become SQL here, once, for people and for plans."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, exists, false, func, literal, or_, select, true, update
from sqlalchemy.orm import Session

from saptah.directory.models import Organisation, Person, Role, RoleGrant
from saptah.directory.repository import in_subtrees
from saptah.plans.models import Plan, PlanItem, PlanItemOption, PlanStatus

CHUNK = 5000


def get_plan(session: Session, plan_id: int) -> Plan | None:
    """A plan version by id."""
    return session.get(Plan, plan_id)


def add(session: Session, *rows: object) -> None:
    """Stage rows and flush."""
    session.add_all(rows)
    session.flush()


def items_of(session: Session, plan_ids: Sequence[int]) -> list[PlanItem]:
    """Items of plans, in plan and position order."""
    if not plan_ids:
        return []
    stmt = select(PlanItem).where(PlanItem.plan_id.in_(list(plan_ids))).order_by(PlanItem.plan_id, PlanItem.position)
    return list(session.scalars(stmt))


def options_of(session: Session, item_ids: Sequence[int]) -> dict[int, list[PlanItemOption]]:
    """Options of items keyed by item id, in position order."""
    out: dict[int, list[PlanItemOption]] = {i: [] for i in item_ids}
    if not item_ids:
        return out
    stmt = select(PlanItemOption).where(PlanItemOption.item_id.in_(list(item_ids))).order_by(PlanItemOption.position)
    for opt in session.scalars(stmt):
        out[opt.item_id].append(opt)
    return out


def next_position(session: Session, plan_id: int) -> int:
    """Position for a new item at the end of a plan."""
    return (session.scalar(select(func.max(PlanItem.position)).where(PlanItem.plan_id == plan_id)) or 0) + 1


def delete_item(session: Session, item: PlanItem) -> None:
    """Remove an item and its options."""
    for opt in session.scalars(select(PlanItemOption).where(PlanItemOption.item_id == item.id)):
        session.delete(opt)
    session.delete(item)
    session.flush()


def supersede(session: Session, lineage_id: int, keep_id: int) -> None:
    """Mark the other published versions of a plan superseded."""
    session.execute(
        update(Plan)
        .where(Plan.lineage_id == lineage_id, Plan.id != keep_id, Plan.status == PlanStatus.PUBLISHED.value)
        .values(status=PlanStatus.SUPERSEDED.value)
    )


def draft_in_lineage(session: Session, lineage_id: int) -> Plan | None:
    """The open draft of a plan, if any."""
    stmt = select(Plan).where(Plan.lineage_id == lineage_id, Plan.status == PlanStatus.DRAFT.value)
    return session.scalars(stmt).first()


def versions(session: Session, lineage_id: int) -> list[Plan]:
    """Every version of a plan, newest first."""
    stmt = select(Plan).where(Plan.lineage_id == lineage_id).order_by(Plan.version.desc())
    return list(session.scalars(stmt))


def applying_plans(session: Session, org_path: str, joined_on: date | None) -> list[Plan]:
    """Published plans whose audience subtree holds this organisation path (narrowing is checked after)."""
    stmt = select(Plan).where(
        Plan.status == PlanStatus.PUBLISHED.value,
        literal(org_path, String).startswith(Plan.audience_path),
    )
    if joined_on is None:
        stmt = stmt.where(Plan.joined_after.is_(None))
    else:
        stmt = stmt.where(or_(Plan.joined_after.is_(None), Plan.joined_after <= joined_on))
    return list(session.scalars(stmt.order_by(Plan.published_at, Plan.id)))


def plans_with_courses(session: Session, course_ids: Sequence[int]) -> list[tuple[Plan, PlanItem, int]]:
    """Published plans with an item that counts one of these courses, as (plan, item, course id)."""
    if not course_ids:
        return []
    stmt = (
        select(Plan, PlanItem, PlanItemOption.course_id)
        .join(PlanItem, PlanItem.plan_id == Plan.id)
        .join(PlanItemOption, PlanItemOption.item_id == PlanItem.id)
        .where(Plan.status == PlanStatus.PUBLISHED.value, PlanItemOption.course_id.in_(set(course_ids)))
        .order_by(Plan.id, PlanItem.id)
    )
    return [(p, i, c) for p, i, c in session.execute(stmt).tuples()]


def _in_orgs_under(path: str) -> ColumnElement[bool]:
    """People whose organisation lies under the path, as an id list so PostgreSQL uses the people.org_id index."""
    if path == "/":
        return true()
    return Person.org_id.in_(select(Organisation.id).where(Organisation.path.startswith(path, autoescape=True)))


def audience_condition(plan: Plan) -> ColumnElement[bool]:
    """SQL: a person (joined to their organisation) is in the plan's audience."""
    conds: list[ColumnElement[bool]] = [
        _in_orgs_under(plan.audience_path),
        Person.status == "active",
    ]
    if plan.group_list:
        conds.append(Person.group.in_(plan.group_list))
    if plan.designation_list:
        conds.append(func.lower(Person.designation).in_([d.lower() for d in plan.designation_list]))
    if plan.tag_list:
        padded = literal("|") + func.coalesce(Person.tags, "") + literal("|")
        conds.append(or_(*[padded.like(f"%|{t}|%") for t in plan.tag_list]))
    if plan.joined_after is not None:
        conds.append(Person.joined_on >= plan.joined_after)
    return and_(*conds)


def audience_stmt(plan: Plan, paths: Sequence[str] | None, extra: Sequence[ColumnElement[Any]] = ()) -> Select:
    """Columns of the plan's audience inside the caller's subtrees (plain rows, not entities: exports are large),
    followed by the caller's `extra` columns (correlated on Person.id)."""
    return (
        select(
            Person.id,
            Person.full_name,
            Person.email,
            Person.designation,
            Person.group,
            Person.employee_id,
            Person.joined_on,
            Person.created_at,
            Person.org_id,
            Organisation.path.label("org_path"),
            Organisation.name_en.label("org_name"),
            *extra,
        )
        .join(Organisation, Person.org_id == Organisation.id)
        .where(audience_condition(plan))
        .where(true() if paths is None else or_(*[_in_orgs_under(p) for p in paths]) if paths else false())
    )


def audience_exists(session: Session, plan: Plan) -> bool:
    """True when at least one person is in the plan's audience."""
    inner = select(Person.id).join(Organisation, Person.org_id == Organisation.id).where(audience_condition(plan))
    return bool(session.scalar(select(exists(inner))))


def stream_audience(
    session: Session,
    plan: Plan,
    paths: Sequence[str] | None,
    *,
    org_path: str | None = None,
    q: str | None = None,
    extra: Sequence[ColumnElement[Any]] = (),
) -> Iterator[Sequence[Any]]:
    """The audience in chunks of plain tuples, read with a server-side cursor so 50,000 people never sit in
    memory at once; `extra` columns (per-person subqueries) come after the audience columns."""
    stmt = audience_stmt(plan, paths, extra)
    if org_path:
        stmt = stmt.where(_in_orgs_under(org_path))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Person.full_name).like(like), Person.employee_id == q.strip()))
    stmt = stmt.order_by(Organisation.path, Person.full_name, Person.id).execution_options(yield_per=CHUNK)
    result = session.execute(stmt).tuples()
    yield from result.partitions(CHUNK)


def plans_in_scope(session: Session, paths: Sequence[str] | None) -> list[Plan]:
    """Plans an admin may see: owned inside their subtrees, or published and reaching into them."""
    stmt = select(Plan).where(Plan.status != PlanStatus.SUPERSEDED.value)
    if paths is not None:
        owner = select(Organisation.path).where(Organisation.id == Plan.owner_org_id).scalar_subquery()
        reach = [
            or_(
                Plan.audience_path.startswith(p, autoescape=True),
                literal(p, String).startswith(Plan.audience_path),
            )
            for p in paths
        ]
        stmt = stmt.where(
            or_(
                in_subtrees(paths, owner),
                and_(Plan.status == PlanStatus.PUBLISHED.value, or_(*reach) if reach else true()),
            )
        )
    return list(session.scalars(stmt.order_by(Plan.status, Plan.created_at.desc(), Plan.id.desc())))


def published_plans(session: Session) -> list[Plan]:
    """Every plan in force."""
    stmt = select(Plan).where(Plan.status == PlanStatus.PUBLISHED.value).order_by(Plan.id)
    return list(session.scalars(stmt))


def admins_in(session: Session, plan: Plan) -> list[tuple[Person, str]]:
    """MDO admins whose subtree overlaps the plan's audience, with the path they administer."""
    stmt = (
        select(Person, Organisation.path)
        .join(RoleGrant, RoleGrant.person_id == Person.id)
        .join(Organisation, RoleGrant.org_id == Organisation.id)
        .where(
            RoleGrant.role == Role.MDO_ADMIN.value,
            RoleGrant.revoked_at.is_(None),
            Person.status == "active",
            or_(
                Organisation.path.startswith(plan.audience_path, autoescape=True),
                literal(plan.audience_path, String).startswith(Organisation.path),
            ),
        )
    )
    return [(p, path) for p, path in session.execute(stmt).all()]


def count_audience(session: Session, plan: Plan, paths: Sequence[str] | None) -> int:
    """How many people a plan (saved or not) reaches inside the caller's subtrees."""
    inner = audience_stmt(plan, paths).with_only_columns(Person.id).subquery()
    return int(session.scalar(select(func.count()).select_from(inner)) or 0)


def designations_in(session: Session, paths: Sequence[str] | None, *, limit: int = 300) -> list[str]:
    """The designations people hold inside these subtrees, most common first (the audience builder's choices)."""
    stmt = (
        select(Person.designation)
        .join(Organisation, Person.org_id == Organisation.id)
        .where(in_subtrees(paths), Person.designation.is_not(None), Person.status == "active")
        .group_by(Person.designation)
        .order_by(func.count().desc(), Person.designation)
        .limit(limit)
    )
    return sorted(d for d in session.scalars(stmt) if d)
