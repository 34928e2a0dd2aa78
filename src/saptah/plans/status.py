"""Where people stand: My learning for one person, compliance for an admin's subtree (evaluated at read time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.core.timeutil import ist_day
from saptah.directory import service as directory
from saptah.directory.models import Person
from saptah.plans import courses
from saptah.plans import repository as repo
from saptah.plans.models import DeadlineBasis, Plan, PlanItem, PlanItemOption
from saptah.plans.schemas import ComplianceRow, ItemStatus, LearningItem, OptionState, OrgSummary


def person_matches(plan: Plan, person: Person) -> bool:
    """The narrowing rules the SQL prefilter leaves to Python for one person (group, designation, tags)."""
    if plan.group_list and person.group not in plan.group_list:
        return False
    if plan.designation_list and (person.designation or "").lower() not in {d.lower() for d in plan.designation_list}:
        return False
    if plan.tag_list and not set(plan.tag_list) & set(person.tag_list):
        return False
    return not (plan.joined_after is not None and (person.joined_on is None or person.joined_on < plan.joined_after))


def item_deadline(plan: Plan, item: PlanItem, person: Person | Any) -> date | None:
    """The person's deadline for an item: a fixed date, or N days after joining / coming under the plan."""
    return deadline_from(plan, item, person.joined_on, person.created_at)


def deadline_from(plan: Plan, item: PlanItem, joined_on: date | None, created_at: datetime) -> date | None:
    """item_deadline from the two person fields it depends on (the export stream has plain tuples)."""
    if item.deadline_date is not None:
        return item.deadline_date
    if item.deadline_days is None:
        return None
    added = ist_day(created_at)
    if item.deadline_basis == DeadlineBasis.ADDED.value:
        start = max(added, ist_day(plan.published_at)) if plan.published_at else added
    else:
        start = joined_on or added
    return start + timedelta(days=item.deadline_days)


def evaluate(
    choose_k: int, done_at: Sequence[datetime | None], any_started: bool, deadline: date | None, today: date
) -> tuple[ItemStatus, datetime | None]:
    """Status of an item from its options' completion times: done when k of them are complete."""
    finished = sorted(d for d in done_at if d is not None)
    if len(finished) >= choose_k:
        at = finished[choose_k - 1]
        late = deadline is not None and ist_day(at) > deadline
        return (ItemStatus.COMPLETED_LATE if late else ItemStatus.COMPLETED_ON_TIME), at
    if deadline is not None and today > deadline:
        return ItemStatus.OVERDUE, None
    if finished or any_started:
        return ItemStatus.IN_PROGRESS, None
    return ItemStatus.NOT_STARTED, None


@dataclass
class PlanBundle:
    """Plans with their items, options and option courses, loaded once."""

    plans: list[Plan]
    items: dict[int, list[PlanItem]]
    options: dict[int, list[PlanItemOption]]
    course_refs: dict[int, courses.CourseRef]

    @property
    def course_ids(self) -> list[int]:
        """Every course that counts toward any item."""
        return sorted({o.course_id for opts in self.options.values() for o in opts})


def load_bundle(session: Session, plans: Sequence[Plan]) -> PlanBundle:
    """Items, options and courses of plans in three queries plus course look-ups."""
    items = repo.items_of(session, [p.id for p in plans])
    by_plan: dict[int, list[PlanItem]] = {p.id: [] for p in plans}
    for item in items:
        by_plan[item.plan_id].append(item)
    options = repo.options_of(session, [i.id for i in items])
    refs = courses.courses(session, [o.course_id for opts in options.values() for o in opts])
    return PlanBundle(list(plans), by_plan, options, refs)


def _states(
    opts: list[PlanItemOption], bundle: PlanBundle, person_id: int, done: dict, started: set
) -> list[OptionState]:
    out = []
    for o in opts:
        ref = bundle.course_refs.get(o.course_id)
        out.append(
            OptionState(
                course_id=o.course_id,
                code=ref.code if ref else "",
                title=ref.title if ref else f"Course {o.course_id}",
                completed_at=done.get((person_id, o.course_id)),
                started=(person_id, o.course_id) in started,
            )
        )
    return out


def plans_for(session: Session, person: Person, org_path: str) -> list[Plan]:
    """Published plans that apply to a person now (subtree and joining date in SQL, the rest checked here)."""
    return [p for p in repo.applying_plans(session, org_path, person.joined_on) if person_matches(p, person)]


def my_learning(session: Session, person_id: int, *, today: date) -> list[LearningItem]:
    """Every item that applies to a person from every plan, with why, deadline and status."""
    person = directory.repo.get_person(session, person_id)
    if person is None:
        return []
    org = directory.repo.get_org(session, person.org_id)
    assert org is not None
    bundle = load_bundle(session, plans_for(session, person, org.path))
    done = courses.completions(session, person_ids=[person.id], course_ids=bundle.course_ids)
    started = courses.started(session, person_ids=[person.id], course_ids=bundle.course_ids)
    rows = []
    for plan in bundle.plans:
        for item in bundle.items[plan.id]:
            states = _states(bundle.options[item.id], bundle, person.id, done, started)
            deadline = item_deadline(plan, item, person)
            status, at = evaluate(
                item.choose_k, [s.completed_at for s in states], any(s.started for s in states), deadline, today
            )
            rows.append(
                LearningItem(
                    plan_id=plan.id,
                    plan_title=plan.title,
                    circular_ref=plan.circular_ref,
                    circular_date=plan.circular_date,
                    item_id=item.id,
                    title=item.title,
                    mandatory=item.mandatory,
                    choose_k=item.choose_k,
                    deadline=deadline,
                    status=status,
                    completed_at=at,
                    options=states,
                )
            )
    rows.sort(key=lambda r: (not r.mandatory, r.status.done, r.deadline or date.max, r.plan_id, r.item_id))
    return rows


@dataclass(slots=True)
class _Rule:
    """An item's fields copied out of the ORM once, with where its courses sit in the stream's rows."""

    item: PlanItem
    id: int
    title: str
    mandatory: bool
    k: int
    columns: list[int]  # row positions of the completion time of each of the item's courses
    enrolled: int  # row position of "has opened one of the item's courses"
    fixed: date | None
    by_person: bool


# Positions in repository.audience_stmt's rows.
P_ID, P_NAME, P_EMAIL, P_DESIGNATION, P_GROUP, P_EMPLOYEE_ID, P_JOINED, P_CREATED, P_ORG, P_PATH, P_ORG_NAME = range(11)
Evaluated = tuple[Sequence[Any], _Rule, date | None, ItemStatus, datetime | None]


def evaluated_rows(
    session: Session,
    plan: Plan,
    paths: Sequence[str] | None,
    *,
    today: date,
    mandatory_only: bool = True,
    org_path: str | None = None,
    q: str | None = None,
) -> Iterator[Evaluated]:
    """(person row, item, deadline, status, completed at) for people × items, from one streamed query.

    Each audience row carries, per course of the plan, when the person completed it, and per item, whether they
    have opened one of its courses (correlated subqueries on the unique (person, course) indexes), so the
    database is asked once however large the audience.
    """
    bundle = load_bundle(session, [plan])
    items = [i for i in bundle.items[plan.id] if i.mandatory or not mandatory_only]
    course_ids = sorted({o.course_id for i in items for o in bundle.options[i.id]})
    base = P_ORG_NAME + 1
    where = {c: base + n for n, c in enumerate(course_ids)}
    rules = [
        _Rule(
            i,
            i.id,
            i.title,
            i.mandatory,
            i.choose_k,
            [where[o.course_id] for o in bundle.options[i.id]],
            base + len(course_ids) + n,
            i.deadline_date,
            i.deadline_date is None and i.deadline_days is not None,
        )
        for n, i in enumerate(items)
    ]
    extra: list[Any] = [courses.completed_at_column(Person.id, c) for c in course_ids]
    extra += [courses.enrolled_column(Person.id, [o.course_id for o in bundle.options[i.id]] or [0]) for i in items]
    days: dict[datetime, date] = {}
    for chunk in repo.stream_audience(session, plan, paths, org_path=org_path, q=q, extra=extra):
        for p in chunk:
            for rule in rules:
                deadline = deadline_from(plan, rule.item, p[P_JOINED], p[P_CREATED]) if rule.by_person else rule.fixed
                times = [t for c in rule.columns if (t := p[c]) is not None]
                at = None
                if len(times) >= rule.k:
                    at = sorted(times)[rule.k - 1] if rule.k > 1 else min(times)
                    day = days.get(at) or days.setdefault(at, ist_day(at))
                    late = deadline is not None and day > deadline
                    st = ItemStatus.COMPLETED_LATE if late else ItemStatus.COMPLETED_ON_TIME
                elif deadline is not None and today > deadline:
                    st = ItemStatus.OVERDUE
                elif times or p[rule.enrolled]:
                    st = ItemStatus.IN_PROGRESS
                else:
                    st = ItemStatus.NOT_STARTED
                yield p, rule, deadline, st, at


def compliance_rows(
    session: Session,
    plan: Plan,
    paths: Sequence[str] | None,
    *,
    today: date,
    mandatory_only: bool = True,
    org_path: str | None = None,
    q: str | None = None,
    status: ItemStatus | None = None,
) -> Iterator[ComplianceRow]:
    """People × items of a plan inside the caller's subtrees, streamed (one query, read in chunks)."""
    stream = evaluated_rows(session, plan, paths, today=today, mandatory_only=mandatory_only, org_path=org_path, q=q)
    for p, rule, deadline, st, at in stream:
        if status is not None and st is not status:
            continue
        yield ComplianceRow(
            p[P_ID],
            p[P_NAME],
            p[P_EMAIL],
            p[P_DESIGNATION],
            p[P_GROUP],
            p[P_EMPLOYEE_ID],
            p[P_ORG],
            p[P_PATH],
            rule.id,
            rule.title,
            rule.mandatory,
            deadline,
            st,
            at,
            p[P_ORG_NAME],
        )


def rollup_key(org_path: str, level: int | None, umbrella: set[int]) -> int:
    """The ancestor a row is summarised under: at `level` segments, or (national, level None) the ministry or
    state: the second segment under an umbrella root such as Government of India, else the root."""
    parts = [int(x) for x in org_path.strip("/").split("/")]
    if level is None:
        level = 1 if parts[0] in umbrella else 0
    return parts[min(level, len(parts) - 1)]


def summary(
    session: Session, plan: Plan, paths: Sequence[str] | None, *, today: date, org_path: str | None = None
) -> tuple[OrgSummary, list[OrgSummary]]:
    """Per sub-organisation (ministry and state for national organisers; the level below `org_path` when narrowed):
    people, % complete, % overdue; and the total."""
    level = summary_level([org_path] if org_path else paths)
    umbrella = {o.id for o in directory.repo.children(session, None) if o.type == "national"}
    per_person: dict[int, tuple[int, bool, bool]] = {}
    for row in compliance_rows(session, plan, paths, today=today, org_path=org_path):
        key, complete, overdue = per_person.get(row.person_id, (rollup_key(row.org_path, level, umbrella), True, False))
        per_person[row.person_id] = (key, complete and row.status.done, overdue or row.status == ItemStatus.OVERDUE)
    orgs: dict[int, OrgSummary] = {}
    for key, complete, overdue in per_person.values():
        s = orgs.setdefault(key, OrgSummary(key, ""))
        s.people += 1
        s.complete += int(complete)
        s.overdue += int(overdue)
    names = directory.repo.orgs_by_ids(session, list(orgs))
    total = OrgSummary(0, "Total")
    for s in orgs.values():
        s.name = names[s.org_id].name_en if s.org_id in names else str(s.org_id)
        total.people += s.people
        total.complete += s.complete
        total.overdue += s.overdue
    ranked = sorted(orgs.values(), key=lambda s: (-s.pct_complete, s.pct_overdue, s.name))
    return total, ranked


def summary_level(paths: Sequence[str] | None) -> int | None:
    """Roll-up depth: None (ministries and states) for national organisers; else the level below an admin's top."""
    if paths is None:
        return None
    depths = [p.strip("/").count("/") for p in paths]
    return min(depths) + 1 if depths else 1
