"""Plans' background work: completion signals, reminders and digests through the outbox, the demo plan."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.config import Settings
from saptah.core import signals
from saptah.core.db import unit_of_work, utcnow
from saptah.core.exports import to_xlsx
from saptah.core.timeutil import ist_day, ist_end, ist_today
from saptah.directory import service as directory
from saptah.jobs import service as jobs
from saptah.notify import service as notify
from saptah.plans import repository as repo
from saptah.plans.models import Plan
from saptah.plans.schemas import ComplianceRow, ItemStatus
from saptah.plans.status import compliance_rows, item_deadline, person_matches
from saptah.plans.views import APAR_HEADER, EXPORT_JOB_KIND, XLSX_TYPE, export_name, export_rows_for
from saptah.web.i18n import N_, fmt_day, translate
from saptah.web.templating import HOME_PANELS, NAV

JOB_KIND = "plans.remind"
OVERDUE_NOTICE_DAYS = 7  # the 'deadline passed' mail is not sent for deadlines older than this


def on_course_completed(session: Session, event: signals.CourseCompleted) -> None:
    """Announce PlanItemCompleted once per plan in force that counts this course for this person (for a batch of
    completions, once at the end of the batch: one query for the plans of its courses, one for its people)."""
    signals.collect(session, "plans.completions", [event], _plan_items)


def _plan_items(session: Session, events: list[signals.CourseCompleted]) -> None:
    by_course: defaultdict[int, list[tuple[Plan, Any]]] = defaultdict(list)
    for plan, item, course_id in repo.plans_with_courses(session, [e.course_id for e in events]):
        by_course[course_id].append((plan, item))
    events = [e for e in events if by_course.get(e.course_id)]
    if not events:
        return
    people = directory.repo.people_by_ids(session, [e.person_id for e in events])
    orgs = directory.repo.orgs_by_ids(session, [p.org_id for p in people.values()])
    for event in events:
        person = people.get(event.person_id)
        if person is None:
            continue
        org = orgs[person.org_id]
        seen: set[int] = set()
        for plan, item in by_course[event.course_id]:
            if plan.id in seen or not org.path.startswith(plan.audience_path) or not person_matches(plan, person):
                continue
            seen.add(plan.id)
            deadline = item_deadline(plan, item, person)
            signals.publish(
                session,
                signals.PlanItemCompleted(
                    person.id, event.course_id, plan.id, ist_end(deadline) if deadline else None, event.completed_at
                ),
            )


def _reminder_kind(plan: Plan, deadline: date, today: date) -> str | None:
    """Which reminder is due today: the nearest 'N days before', or 'overdue' just after the deadline."""
    if today > deadline:
        return "overdue" if (today - deadline).days <= OVERDUE_NOTICE_DAYS else None
    due = [n for n in plan.reminder_list if today >= deadline - timedelta(days=n)]
    return f"before{min(due)}" if due else None


def _personal_mail(row: ComplianceRow, plan: Plan, kind: str, base_url: str, lang: str = "en") -> tuple[str, str]:
    """A reminder to one person, in the language kept in their profile."""
    deadline = fmt_day(row.deadline, lang) if row.deadline else ""
    why = f"{plan.title}" + (f" ({plan.circular_ref})" if plan.circular_ref else "")
    if kind == "overdue":
        subject = translate("Overdue: {item}", lang, item=row.item)
        lead = translate(
            "The deadline of {deadline} for '{item}' has passed and it is not yet complete.",
            lang,
            deadline=deadline,
            item=row.item,
        )
    else:
        days = int(kind.removeprefix("before"))
        subject = (
            translate("Due in {days} day: {item}", lang, days=days, item=row.item)
            if days == 1
            else translate("Due in {days} days: {item}", lang, days=days, item=row.item)
        )
        lead = translate("'{item}' is due by {deadline}.", lang, item=row.item, deadline=deadline)
    body = translate(
        "Dear {name},\n\n{lead}\nIt is required by: {why}.\n\nSee everything assigned to you: {link}\n\n-- Saptah",
        lang,
        name=row.name,
        lead=lead,
        why=why,
        link=f"{base_url.rstrip('/')}/my/learning",
    )
    return subject, body


REMIND_CHUNK = 1000


def _queue_reminders(
    session: Session, settings: Settings, plan: Plan, due: list[tuple[ComplianceRow, str]], counts: dict[str, int]
) -> None:
    """Queue a chunk of due reminders, each in its person's language (one look-up for the chunk); empties `due`."""
    people = directory.repo.people_by_ids(session, sorted({row.person_id for row, _ in due}))
    for row, kind in due:
        lang = people[row.person_id].preferred_language if row.person_id in people else "en"
        subject, body = _personal_mail(row, plan, kind, settings.base_url, lang)
        key = f"plan-reminder:{row.person_id}:{row.item_id}:{kind}"
        notify.enqueue(session, to=row.email, subject=subject, body=body, kind="plan_reminder", dedupe_key=key)
        counts[kind] += 1
    due.clear()


def remind(session: Session, settings: Settings, *, today: date | None = None) -> dict[str, int]:
    """Queue due reminders and weekly digests; each at most once per person, item and kind (dedupe keys)."""
    today = today or ist_day(utcnow())
    counts: dict[str, int] = defaultdict(int)
    for plan in repo.published_plans(session):
        overdue: list[ComplianceRow] = []
        due: list[tuple[ComplianceRow, str]] = []
        for row in compliance_rows(session, plan, None, today=today):
            if row.status.done or row.deadline is None:
                continue
            if row.status == ItemStatus.OVERDUE:
                overdue.append(row)
            kind = _reminder_kind(plan, row.deadline, today)
            if kind is None:
                continue
            due.append((row, kind))
            if len(due) >= REMIND_CHUNK:
                _queue_reminders(session, settings, plan, due, counts)
        _queue_reminders(session, settings, plan, due, counts)
        counts["digest"] += _digests(session, settings, plan, overdue, today)
    return dict(counts)


def _digests(session: Session, settings: Settings, plan: Plan, overdue: list[ComplianceRow], today: date) -> int:
    """One digest a week per MDO admin listing who in their subtree is overdue on this plan."""
    if not overdue:
        return 0
    year, week, _ = today.isocalendar()
    sent = 0
    for admin, path in repo.admins_in(session, plan):
        mine = [r for r in overdue if r.org_path.startswith(path)]
        if not mine:
            continue
        subject, body = _digest_mail(admin, plan, mine, settings.base_url, admin.preferred_language or "en")
        key = f"plan-digest:{admin.id}:{plan.id}:{year}-W{week:02d}"
        notify.enqueue(session, to=admin.email, subject=subject, body=body, kind="plan_digest", dedupe_key=key)
        sent += 1
    return sent


DIGEST_LINES = 200


def _digest_mail(admin: Any, plan: Plan, mine: list[ComplianceRow], base_url: str, lang: str) -> tuple[str, str]:
    """An MDO admin's weekly digest of who is overdue on a plan, in the language kept in the admin's profile."""
    lines = [
        translate(
            "- {name} ({designation}, {employee_id}): {item}, due {deadline}",
            lang,
            name=r.name,
            designation=r.designation or "",
            employee_id=r.employee_id or translate("no employee ID", lang),
            item=r.item,
            deadline=fmt_day(r.deadline, lang),
        )
        for r in mine[:DIGEST_LINES]
    ]
    if len(mine) > DIGEST_LINES:
        lines.append(translate("...and {count} more.", lang, count=len(mine) - DIGEST_LINES))
    body = translate(
        "Dear {name},\n\n{count} mandatory item(s) of '{plan}' are overdue in your organisation:\n\n{lines}\n\n"
        "Full report: {link}\n\n-- Saptah",
        lang,
        name=admin.full_name,
        count=len(mine),
        plan=plan.title,
        lines="\n".join(lines),
        link=f"{base_url.rstrip('/')}/plans/compliance?plan={plan.id}",
    )
    subject = translate("Weekly digest: {count} overdue on {plan}", lang, count=len(mine), plan=plan.title)
    return subject, body


def run_remind_job(ctx: jobs.JobContext) -> dict[str, Any]:
    """The job: one reminder pass in its own transaction."""
    raw = ctx.payload.get("today")
    with unit_of_work(ctx.factory) as session:
        return remind(session, ctx.settings, today=date.fromisoformat(raw) if raw else None)


def run_export_job(ctx: jobs.JobContext) -> dict[str, Any]:
    """The job: write a large APAR XLSX from the scope checked when it was asked for, and keep it a day."""
    rows = 0

    def counted(source: Iterable[list[Any]]) -> Iterator[list[Any]]:
        nonlocal rows
        for row in source:
            rows += 1
            yield row

    with unit_of_work(ctx.factory) as session:
        body = to_xlsx(APAR_HEADER, counted(export_rows_for(session, ctx.payload)), sheet="Compliance")
        jobs.attach_file(session, ctx.job_id, name=export_name(ctx.payload, "xlsx"), media_type=XLSX_TYPE, body=body)
    return {"rows": rows, "bytes": len(body)}


def learning_panel(session: Session, principal: Any, settings: object = None) -> tuple[str, dict[str, Any]] | None:
    """Home-page panel: mandatory items still open and overdue, for anyone under a plan."""
    from saptah.plans.status import my_learning

    rows = my_learning(session, principal.person_id, today=ist_day(utcnow()))
    if not rows:
        return None
    mandatory = [r for r in rows if r.mandatory]
    panel = {
        "open": sum(1 for r in mandatory if not r.status.done),
        "overdue": sum(1 for r in mandatory if r.status == ItemStatus.OVERDUE),
        "done": sum(1 for r in mandatory if r.status.done),
        "next": next((r for r in mandatory if not r.status.done and r.deadline), None),
        # the assigned courses still to do, soonest deadline first (mandatory before recommended on a tie)
        "assigned": sorted(
            (r for r in rows if not r.status.done), key=lambda r: (r.deadline or date.max, not r.mandatory)
        )[:5],
    }
    return "plans_panel.html", panel


def register() -> None:
    """Subscribe to completions, register the reminder job and add the menu entries."""
    signals.subscribe(signals.CourseCompleted, on_course_completed)
    jobs.register(JOB_KIND, run_remind_job, every=timedelta(hours=1))
    jobs.register(EXPORT_JOB_KIND, run_export_job)
    admins = ("mdo_admin", "mdo_leader", "national_organiser")
    for entry in (
        (N_("My learning"), "/my/learning", ()),
        (N_("Plans"), "/plans", admins),
        (N_("Compliance"), "/plans/compliance", admins),
    ):
        if entry not in NAV:
            NAV.append(entry)
    if learning_panel not in HOME_PANELS:
        HOME_PANELS.append(learning_panel)


def seed_demo(session: Session, rng: Any, *, people: int, progress: Any) -> None:
    """The Ministry of Health's NLW plan: two mandated courses with deadlines and a choice, for the demo learner."""
    from saptah.core.timeutil import IST
    from saptah.plans import service
    from saptah.plans.schemas import ItemIn, PlanIn

    admin = directory.repo.get_person_by_email(session, "admin.mohfw@saptah.demo")
    leader = directory.repo.get_person_by_email(session, "leader.mohfw@saptah.demo")
    if admin is None or leader is None:
        return
    today = utcnow().astimezone(IST).date()
    author = directory.load_principal(session, admin.id)
    plan = service.create_plan(
        session,
        author,
        PlanIn(
            title="Karmayogi Saptah: Ministry of Health learning plan",
            owner_org_code="MOHFW",
            circular_ref="MoHFW circular A-12011/14/2024-Trg",
            circular_date=today - timedelta(days=10),
        ),
    )
    items = [
        ItemIn(course_codes=["MOHFW-KNOW-MINISTRY"], deadline_date=today + timedelta(days=5)),
        ItemIn(course_codes=["DOPT-POSH"], deadline_date=today + timedelta(days=12)),
        ItemIn(course_codes=["DOPT-STRESS", "AYUSH-YBREAK", "MOEFCC-LIFE"], choose_k=1, title="Well-being: any one"),
        ItemIn(course_codes=["KB-VIKSIT-2047"], mandatory=False, deadline_date=today + timedelta(days=20)),
    ]
    for item in items:
        service.add_item(session, author, plan, item)
    service.publish(session, directory.load_principal(session, leader.id), plan, today=today)
    progress(len(items))
    progress(seed_circulars(session, author, directory.load_principal(session, leader.id)))


def circulars() -> list[dict[str, Any]]:
    """The Ministry of Health's circulars as plans (plans/data/circulars.json): title, reference, date, notes,
    audience and items as the plan form takes them."""
    import json
    from importlib import resources

    data: list[dict[str, Any]] = json.loads(
        resources.files("saptah.plans").joinpath("data/circulars.json").read_text("utf-8")
    )
    return data


def seed_circulars(session: Session, author: Any, leader: Any) -> int:
    """Each circular drafted by the MoHFW admin and published by its leader, as the pages do; returns how many
    plans were published (none twice: a circular already loaded is skipped)."""
    from saptah.plans import service
    from saptah.plans.schemas import ItemIn, PlanIn

    done = 0
    have = {(p.title, p.circular_ref) for p in repo.plans_in_scope(session, None)}
    for circular in circulars():
        if (circular["title"], circular["circular_ref"]) in have:
            continue
        fields = {k: v for k, v in circular.items() if k != "items"}
        plan = service.create_plan(session, author, PlanIn.model_validate({"owner_org_code": "MOHFW", **fields}))
        for item in circular["items"]:
            service.add_item(session, author, plan, ItemIn.model_validate(item))
        service.publish(session, leader, plan, today=plan.circular_date or ist_today())
        done += 1
    return done
