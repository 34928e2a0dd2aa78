"""Plan rules: drafting, items and choice groups, publishing (leader only), versions."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core import validation
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.core.text import Message
from saptah.directory import service as directory
from saptah.directory.models import Group, Organisation, Role
from saptah.directory.schemas import Principal
from saptah.plans import courses
from saptah.plans import repository as repo
from saptah.plans.models import DeadlineBasis, Plan, PlanItem, PlanItemOption, PlanStatus
from saptah.plans.schemas import ItemIn, PlanIn

M = TypeVar("M", bound=BaseModel)
NATIONAL_PATH = "/"  # a national plan's audience when no organisation is named: everyone


def _clean(values: list[str]) -> list[str]:
    return sorted({v.strip() for v in values if v and v.strip()})


def _check_audience(session: Session, principal: Principal, owner: Organisation | None, code: str | None) -> tuple:
    """The audience organisation and path, refused when outside what the author may target."""
    if not code:
        if owner is None:
            return None, NATIONAL_PATH
        return owner, owner.path
    org = directory.org_by_code(session, code)
    if owner is not None and not org.path.startswith(owner.path):
        raise Forbidden(
            "{org} is outside {owner}: a plan can only target its own organisation.",
            org=org.name_en,
            owner=owner.name_en,
        )
    if not principal.covers(org.path, *directory.ADMIN_ROLES):
        raise Forbidden("You do not administer {name}, so you cannot target it.", name=org.name_en)
    return org, org.path


def _audience_plan(session: Session, principal: Principal, data: PlanIn) -> tuple[Plan, Organisation | None]:
    """An unsaved plan holding the audience of `data`, checked against what the author may target."""
    directory.require_admin(principal)
    owner = None
    if data.owner_org_code:
        owner = directory.org_by_code(session, data.owner_org_code)
        if not principal.covers(owner.path, *directory.ADMIN_ROLES):
            raise Forbidden("You do not administer {name}.", name=owner.name_en)
    else:
        directory.require_national(principal)
    audience_org, audience_path = _check_audience(session, principal, owner, data.audience_org_code)
    groups = _clean(data.groups)
    known = {g.value for g in Group}
    bad = [g for g in groups if g not in known]
    if bad:
        raise InvalidInput(
            "Unknown group {values}; use one of: {known}.", values=", ".join(bad), known=", ".join(sorted(known))
        )
    days = sorted({d for d in data.reminder_days}, reverse=True)
    if any(d < 1 or d > 90 for d in days):
        raise InvalidInput("Reminder days must be between 1 and 90 days before the deadline.")
    plan = Plan(
        title=data.title,
        owner_org_id=owner.id if owner else None,
        circular_ref=data.circular_ref or None,
        circular_date=data.circular_date,
        notes=data.notes or None,
        audience_org_id=audience_org.id if audience_org else None,
        audience_path=audience_path,
        audience_groups="|".join(groups) or None,
        audience_designations="|".join(_clean(data.designations)) or None,
        audience_tags="|".join(_clean(data.tags)) or None,
        joined_after=data.joined_after,
        reminder_days="|".join(str(d) for d in days),
        created_by=principal.person_id,
        status=PlanStatus.DRAFT.value,
        version=1,
    )
    return plan, owner


def audience_count(session: Session, principal: Principal, data: PlanIn) -> int:
    """How many people the audience described in `data` reaches today (the audience builder, before saving)."""
    plan, _ = _audience_plan(session, principal, data)
    return repo.count_audience(session, plan, None)


def plan_audience_count(session: Session, plan: Plan) -> int:
    """How many people a plan reaches today (shown before publishing)."""
    return repo.count_audience(session, plan, None)


def audience_choices(session: Session, principal: Principal) -> list[str]:
    """Designations held in the admin's subtrees, for the audience builder."""
    return repo.designations_in(session, directory.admin_paths(principal))


def create_plan(session: Session, principal: Principal, data: PlanIn) -> Plan:
    """A new draft plan, owned by an MDO the author administers or national (organisers only)."""
    plan, _ = _audience_plan(session, principal, data)
    repo.add(session, plan)
    plan.lineage_id = plan.id
    session.flush()
    return plan


def visible_plan(session: Session, principal: Principal, plan_id: int) -> Plan:
    """A plan the principal may see as an author or admin; another MDO's plan is a 404."""
    directory.require_admin(principal)
    plan = repo.get_plan(session, plan_id)
    if plan is None or plan.id not in {p.id for p in repo.plans_in_scope(session, directory.admin_paths(principal))}:
        if plan is not None and plan.status == PlanStatus.SUPERSEDED.value and may_author(session, principal, plan):
            return plan
        raise NotFound("No such plan.")
    return plan


def _owner(session: Session, plan: Plan) -> Organisation | None:
    if plan.owner_org_id is None:
        return None
    org = directory.repo.get_org(session, plan.owner_org_id)
    assert org is not None
    return org


def may_author(session: Session, principal: Principal, plan: Plan) -> bool:
    owner = _owner(session, plan)
    if owner is None:
        return principal.is_national
    return principal.covers(owner.path, *directory.ADMIN_ROLES)


def require_author(session: Session, principal: Principal, plan: Plan) -> None:
    """Only admins of the owning MDO (national organisers for national plans) change a plan."""
    if not may_author(session, principal, plan):
        raise Forbidden("Only the owning organisation's admins can change this plan.")


def _require_draft(plan: Plan) -> None:
    if plan.status != PlanStatus.DRAFT.value:
        raise Conflict("A published plan is never edited: start a new version to change it.")


def _deadline(data: ItemIn) -> tuple[date | None, int | None, str | None]:
    if data.deadline_date is not None and data.deadline_days is not None:
        raise InvalidInput("Give either a deadline date or a number of days, not both.")
    if data.deadline_days is not None:
        return None, data.deadline_days, data.deadline_basis or DeadlineBasis.JOINED.value
    if data.deadline_basis:
        raise InvalidInput("'Days after' needs a number of days.")
    return data.deadline_date, None, None


def _options(session: Session, data: ItemIn) -> tuple[list[courses.CourseRef], int | None, int, str]:
    """The courses of an item, its program (if any), k and a default title."""
    if data.program_code and data.course_codes:
        raise InvalidInput("An item is either a program or a list of courses, not both.")
    if data.program_code:
        program = courses.program_by_code(session, data.program_code)
        if program is None:
            raise InvalidInput("No program has code {program_code}.", program_code=data.program_code)
        refs = [r for r in (courses.course(session, cid) for cid in program.course_ids) if r is not None]
        return refs, program.id, program.required, program.title
    codes = list(dict.fromkeys(c.strip() for c in data.course_codes if c.strip()))
    if not codes:
        raise InvalidInput("Name at least one course (by its code) or a program.")
    refs = []
    for code in codes:
        ref = courses.course_by_code(session, code)
        if ref is None:
            raise InvalidInput("No course has code {code}.", code=code)
        refs.append(ref)
    k = data.choose_k if data.choose_k is not None else len(refs)
    title = refs[0].title if len(refs) == 1 else f"Any {k} of: " + "; ".join(r.title for r in refs)
    if k == len(refs) and len(refs) > 1:
        title = "All of: " + "; ".join(r.title for r in refs)
    return refs, None, k, title


def add_item(session: Session, principal: Principal, plan: Plan, data: ItemIn) -> PlanItem:
    """Add a course, a 'k of these n' choice group or a program to a draft."""
    require_author(session, principal, plan)
    _require_draft(plan)
    refs, program_id, k, title = _options(session, data)
    if program_id is not None and data.choose_k is not None:
        k = data.choose_k
    if k < 1:
        raise InvalidInput("A choice group needs k of at least 1.")
    if k > len(refs):
        raise InvalidInput(
            "Cannot require {k} of {count} courses: k must not exceed the number of options.", k=k, count=len(refs)
        )
    retired = [r for r in refs if r.status == "retired"]
    if retired:
        raise InvalidInput(
            "{title} ({code}) is retired and cannot be mandated or recommended.",
            title=retired[0].title,
            code=retired[0].code,
        )
    unpublished = [r for r in refs if r.status != "live"]
    if unpublished:
        raise InvalidInput(
            "{title} ({code}) is not published yet.", title=unpublished[0].title, code=unpublished[0].code
        )
    deadline_date, days, basis = _deadline(data)
    item = PlanItem(
        plan_id=plan.id,
        position=repo.next_position(session, plan.id),
        title=(data.title or title)[:300],
        mandatory=data.mandatory,
        choose_k=k,
        program_id=program_id,
        deadline_date=deadline_date,
        deadline_days=days,
        deadline_basis=basis,
    )
    repo.add(session, item)
    repo.add(session, *[PlanItemOption(item_id=item.id, course_id=r.id, position=i) for i, r in enumerate(refs, 1)])
    return item


def remove_item(session: Session, principal: Principal, plan: Plan, item_id: int) -> None:
    """Take an item out of a draft."""
    require_author(session, principal, plan)
    _require_draft(plan)
    item = session.get(PlanItem, item_id)
    if item is None or item.plan_id != plan.id:
        raise NotFound("No such item in this plan.")
    repo.delete_item(session, item)


def publication_warnings(session: Session, plan: Plan, today: date) -> list[str]:
    """What a publisher should know: deadlines already past, an audience that matches nobody."""
    warnings: list[str] = []
    for item in repo.items_of(session, [plan.id]):
        if item.deadline_date is not None and item.deadline_date < today:
            warnings.append(
                Message(
                    "The deadline of '{title}' ({deadline_date}) is already past: "
                    "everyone who has not completed it is overdue.",
                    title=item.title,
                    deadline_date=format(item.deadline_date, "%d-%m-%Y"),
                )
            )
    if not repo.audience_exists(session, plan):
        warnings.append("The audience matches nobody yet; people who join or move later will be covered.")
    return warnings


def publish(session: Session, principal: Principal, plan: Plan, *, today: date) -> list[str]:
    """Publish a draft: MDO leaders for an MDO plan, national organisers for a national one; returns warnings."""
    owner = _owner(session, plan)
    if owner is None:
        if not principal.is_national:
            raise Forbidden("Only national organisers publish a national plan.")
    elif not principal.covers(owner.path, Role.MDO_LEADER):
        raise Forbidden("Only an MDO leader of {name} can publish this plan; an admin drafts it.", name=owner.name_en)
    _require_draft(plan)
    if not repo.items_of(session, [plan.id]):
        raise InvalidInput("Add at least one course before publishing.")
    warnings = publication_warnings(session, plan, today)
    plan.status = PlanStatus.PUBLISHED.value
    plan.published_by = principal.person_id
    plan.published_at = utcnow()
    session.flush()
    repo.supersede(session, plan.lineage_id or plan.id, plan.id)
    session.flush()
    audit.record(
        session,
        act=Act.PLAN_PUBLISH,
        actor_id=principal.person_id,
        org_id=owner.id if owner else None,
        target=f"plan {plan.id}",
        details={"title": plan.title, "version": plan.version},
    )
    return warnings


def withdraw(session: Session, principal: Principal, plan: Plan) -> None:
    """Withdraw a published plan (leaders): it stops applying; its history stays."""
    owner = _owner(session, plan)
    if owner is None:
        directory.require_national(principal)
    elif not principal.covers(owner.path, Role.MDO_LEADER):
        raise Forbidden("Only an MDO leader of {name} can withdraw this plan.", name=owner.name_en)
    if plan.status != PlanStatus.PUBLISHED.value:
        raise Conflict("Only a plan in force can be withdrawn.")
    plan.status = PlanStatus.WITHDRAWN.value
    session.flush()


def new_version(session: Session, principal: Principal, plan: Plan) -> Plan:
    """A draft copy of a published plan, to edit and publish in its place."""
    require_author(session, principal, plan)
    if plan.status == PlanStatus.DRAFT.value:
        raise Conflict("This is already a draft: edit it directly.")
    lineage = plan.lineage_id or plan.id
    if repo.draft_in_lineage(session, lineage) is not None:
        raise Conflict("A draft of the next version already exists.")
    latest = repo.versions(session, lineage)[0]
    copy = Plan(
        **{c: getattr(plan, c) for c in _COPIED},
        lineage_id=lineage,
        version=latest.version + 1,
        status=PlanStatus.DRAFT.value,
        created_by=principal.person_id,
    )
    repo.add(session, copy)
    items = repo.items_of(session, [plan.id])
    options = repo.options_of(session, [i.id for i in items])
    for item in items:
        new = PlanItem(plan_id=copy.id, **{c: getattr(item, c) for c in _ITEM_COPIED})
        repo.add(session, new)
        repo.add(
            session,
            *[PlanItemOption(item_id=new.id, course_id=o.course_id, position=o.position) for o in options[item.id]],
        )
    return copy


_COPIED = (
    "owner_org_id",
    "title",
    "circular_ref",
    "circular_date",
    "notes",
    "audience_org_id",
    "audience_path",
    "audience_groups",
    "audience_designations",
    "audience_tags",
    "joined_after",
    "reminder_days",
)
_ITEM_COPIED = (
    "position",
    "title",
    "mandatory",
    "choose_k",
    "program_id",
    "deadline_date",
    "deadline_days",
    "deadline_basis",
)


def record_export(session: Session, principal: Principal, scope: dict[str, Any], fmt: str) -> None:
    """An APAR export names people: record it in the audit log (scope: the export's payload)."""
    paths = scope.get("paths")
    # the reader's own subtree (the first they administer), so its leaders see the export; national: national
    org_id = None if paths is None else next((s.org_id for s in principal.scopes if s.path in paths), None)
    audit.record(
        session,
        act=Act.PERSONAL_DATA_EXPORT,
        actor_id=principal.person_id,
        org_id=org_id,
        target=f"plan {scope['plan_id']} compliance",
        details={"export": "apar_compliance", "format": fmt, "status": scope.get("status"), "q": scope.get("q")},
    )


# ---------------------------------------------------------------- form fields (pages and the audience count)


def validated(model: type[M], **fields: object) -> M:
    """Build a request model from form fields; a rule it breaks becomes a clear 400."""
    try:
        return model(**fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"]).replace("_", " ")
        raise InvalidInput("{field}: {problem}.", field=where.capitalize(), problem=validation.problem(err)) from exc


def split_list(text: str) -> list[str]:
    """The items of a comma- or line-separated form field."""
    return [x.strip() for x in text.replace("\n", ",").split(",") if x.strip()]


def form_date(text: str, label: str) -> date | None:
    """A YYYY-MM-DD form field (empty: none); anything else is a clear 400."""
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput("{label} must be a date (YYYY-MM-DD).", label=label) from exc


def audience_in(
    *,
    title: str = "",
    owner_org_code: str = "",
    audience_org_code: str = "",
    groups: list[str] | None = None,
    designations: list[str] | None = None,
    tags: str = "",
    joined_after: str = "",
    circular_ref: str = "",
    circular_date: str = "",
    reminder_days: str = "7, 1",
) -> PlanIn:
    """The new-plan form (or just its audience part) as a PlanIn; a field it gets wrong is a clear 400."""
    try:
        days = [int(x) for x in split_list(reminder_days)]
    except ValueError as exc:
        raise InvalidInput("Reminder days are whole numbers separated by commas, such as 7, 1.") from exc
    return validated(
        PlanIn,
        title=title or "Audience",
        owner_org_code=owner_org_code or None,
        circular_ref=circular_ref or None,
        circular_date=form_date(circular_date, "Circular date"),
        audience_org_code=audience_org_code or None,
        groups=groups or [],
        designations=[d for text in designations or [] for d in split_list(text)],
        tags=split_list(tags),
        joined_after=form_date(joined_after, "Joined after"),
        reminder_days=days,
    )
