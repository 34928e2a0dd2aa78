"""An MDO's own people on its dashboard: who has not started, who is close to the target, plan compliance,
and reminders through the outbox (one per person, campaign, list and IST day)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from saptah.analytics import repository as repo
from saptah.analytics import service
from saptah.analytics.schemas import Dashboard, Scope, Table
from saptah.core import live
from saptah.core.errors import InvalidInput
from saptah.core.timeutil import ist_day
from saptah.web.i18n import N_, fmt_number, translate

LISTS = {"not_started": N_("Not started yet"), "close": N_("Close to the target")}
CLOSE_SHARE = 0.75  # "close": at least three quarters of the target, not yet reached
PREVIEW = 50
REMIND_JOB = "analytics.remind"
PEOPLE_HEADER = [N_("Name"), N_("E-mail"), N_("Designation"), N_("Group"), N_("Organisation"), N_("Credited minutes")]


def check_list(kind: str) -> str:
    """A known people list, or a clear 400."""
    if kind not in LISTS:
        raise InvalidInput("Unknown list '{kind}'; choose one of: {values}.", kind=kind, values=", ".join(LISTS))
    return kind


def people_rows(session: Session, scope: Scope, kind: str, *, limit: int | None) -> Iterator[tuple[Any, ...]]:
    """(person id, name, e-mail, designation, group, organisation, minutes) of a list, streamed."""
    check_list(kind)
    if scope.paths is None:
        raise InvalidInput("Choose an organisation to list its people.")
    return repo.people_progress(
        session,
        campaign_id=scope.campaign_id,
        paths=scope.paths,
        group=scope.group,
        kind=kind,
        close_from=int(scope.target_minutes * CLOSE_SHARE),
        limit=limit,
    )


def people_table(session: Session, scope: Scope, kind: str, *, limit: int | None = PREVIEW) -> Table:
    """A list as a table (the first `limit` rows; None: all, for exports)."""
    rows = [list(r[1:]) for r in people_rows(session, scope, kind, limit=limit)]
    note = N_("Close means at least {minutes} of {target_minutes} minutes.").format(
        minutes=int(scope.target_minutes * CLOSE_SHARE), target_minutes=scope.target_minutes
    )
    return Table(kind, LISTS[kind], PEOPLE_HEADER, rows, note if kind == "close" else "")


def compliance(session: Session, scope: Scope, *, today: date) -> Table:
    """Mandated plans that reach the subtree: people, share complete, share overdue (from the plans domain)."""
    from saptah.plans import repository as plans_repo
    from saptah.plans import status as plan_status

    rows = []
    for plan in plans_repo.plans_in_scope(session, scope.paths)[:10]:
        total, _orgs = plan_status.summary(session, plan, scope.paths, today=today)
        rows.append([plan.title, total.people, total.complete, round(total.pct_complete, 1), total.overdue])
    header = [N_("Plan"), N_("People"), N_("Completed every mandatory item"), N_("Complete (%)"), N_("Overdue")]
    return Table("compliance", N_("Compliance with mandated plans"), header, rows)


def shared_page(
    session: Session, scope: Scope, *, max_age: int, today: date
) -> tuple[Dashboard, dict[str, Table], Table]:
    """An MDO dashboard's figures, people lists and plan compliance, shared by the subtree's readers for up to
    `max_age` seconds as the national dashboard's are (core.live; the page says when they were computed)."""

    def compute(s: Session) -> tuple[Dashboard, dict[str, Table], Table]:
        lists = {k: people_table(s, scope, k) for k in LISTS}
        return service.dashboard(s, scope), lists, compliance(s, scope, today=today)

    key = ("mdo dashboard", today, *service.scope_key(scope))
    (dash, lists, comp), as_of = live.shared(session, key, compute, max_age=max_age)
    return replace(dash, scope=scope, as_of=as_of, max_age=max_age), lists, comp


def _remind_key(scope: Scope, kind: str, person_id: int, day: date) -> str:
    return f"analytics.remind:{scope.campaign_id}:{kind}:{person_id}:{day.isoformat()}"


def reminder_counts(session: Session, scope: Scope, kind: str, *, today: date | None = None) -> tuple[int, int]:
    """(people a press of "Remind" would reach now, people on the list already reminded today)."""
    from saptah.notify import repository as outbox

    day = today or ist_day(_now())
    keys = [_remind_key(scope, kind, row[0], day) for row in people_rows(session, scope, kind, limit=None)]
    already = outbox.count_keys(session, keys)
    return len(keys) - already, already


def remind(session: Session, *, scope: Scope, kind: str, base_url: str, today: date | None = None) -> int:
    """Queue one reminder e-mail per person on the list; a second click the same day queues nothing new."""
    from saptah.directory import service as directory
    from saptah.notify import repository as outbox
    from saptah.notify import service as notify

    day = today or ist_day(_now())
    target_h = round(scope.target_minutes / 60, 1)
    queued = 0
    rows = list(people_rows(session, scope, kind, limit=None))
    languages = directory.languages_of(session, [row[0] for row in rows])
    for pid, name, email, _d, _g, _org, minutes in rows:
        subject, body = _reminder_mail(scope, kind, name, minutes, target_h, base_url, languages.get(pid, "en"))
        key = _remind_key(scope, kind, pid, day)
        if outbox.by_key(session, key) is not None:
            continue
        notify.enqueue(session, to=email, subject=subject, body=body, kind=f"campaign_{kind}", dedupe_key=key)
        queued += 1
    return queued


def _reminder_mail(
    scope: Scope, kind: str, name: str, minutes: int, target_h: float, base_url: str, lang: str
) -> tuple[str, str]:
    """A campaign reminder ("start your learning" or "you are close") in the person's language."""
    campaign = scope.campaign_name
    if kind == "not_started":
        subject = translate("{campaign}: start your learning this week", lang, campaign=campaign)
        lead = translate(
            "You have not started yet. The target is {hours} hours of learning.", lang, hours=fmt_number(target_h, lang)
        )
    else:
        subject = translate("{campaign}: you are close to the target", lang, campaign=campaign)
        lead = translate(
            "You have {minutes} credited minutes; {left} more reach the target.",
            lang,
            minutes=fmt_number(minutes, lang),
            left=fmt_number(scope.target_minutes - minutes, lang),
        )
    body = translate(
        "Dear {name},\n\n{lead}\n\nContinue at {link}\n\nKarmayogi Saptah",
        lang,
        name=name,
        lead=lead,
        link=f"{base_url}/my/week",
    )
    return subject, body


def request_reminders(
    session: Session, *, scope: Scope, kind: str, actor_id: int, base_url: str
) -> tuple[int | None, int, int]:
    """Queue the reminder job for a list (the outbox gets one message per person): (job id, or None when everyone
    was already reminded today; people it will remind; people already reminded today)."""
    from saptah.jobs import service as jobs

    check_list(kind)
    if scope.org_id is None:
        raise InvalidInput("Choose an organisation before sending reminders.")
    will, already = reminder_counts(session, scope, kind)
    if will == 0:
        return None, 0, already
    payload = {
        "campaign_id": scope.campaign_id,
        "org_id": scope.org_id,
        "group": scope.group,
        "kind": kind,
        "base_url": base_url,
    }
    job = jobs.enqueue(
        session,
        kind=REMIND_JOB,
        payload=payload,
        created_by=actor_id,
        lock_key=f"{REMIND_JOB}:{scope.campaign_id}:{scope.org_id}:{kind}",
    )
    return job.id, will, already


def run_reminders(session: Session, payload: dict[str, Any]) -> int:
    """The reminder job's work: queue the e-mails of the list as it stands now."""
    from saptah.analytics.service import report_scope

    scope = report_scope(session, campaign_id=int(payload["campaign_id"]), org_id=int(payload["org_id"]))
    scope.group = payload.get("group")
    return remind(session, scope=scope, kind=str(payload["kind"]), base_url=str(payload["base_url"]))


def _now() -> Any:
    from saptah.core.db import utcnow

    return utcnow()
