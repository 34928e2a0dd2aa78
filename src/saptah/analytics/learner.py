"""A learner's own week: minutes per IST day, what they completed, what to do next."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.analytics import repository as repo
from saptah.analytics.courses import course_facts
from saptah.analytics.schemas import Table
from saptah.campaigns import service as campaigns
from saptah.core.db import utcnow
from saptah.core.timeutil import ist_day
from saptah.directory.schemas import Principal
from saptah.web.i18n import N_

MAX_DAYS = 14
RECOMMEND = 5


def my_week(session: Session, principal: Principal, campaign_id: int | None) -> dict[str, Any] | None:
    """The person's days, completed items and recommendations for a campaign (default: the current one)."""
    campaign = (
        campaigns.get(session, campaign_id)
        if campaign_id is not None
        else campaigns.current(session) or next(iter(campaigns.list_all(session)), None)
    )
    if campaign is None:
        return None
    prog = campaigns.progress(session, campaign.id, principal.person_id)
    rules = prog["rules"]
    today = ist_day(utcnow())
    last = min(rules.last_day, max(today, rules.starts_on))
    first = max(rules.starts_on, last - timedelta(days=MAX_DAYS - 1))
    per_day: dict[date, int] = {first + timedelta(days=i): 0 for i in range((last - first).days + 1)}
    done_rows = []
    for line in sorted(prog["lines"], key=lambda x: x.earned_at):
        if not line.counted or line.category == "karma":
            continue
        day = ist_day(line.earned_at)
        if day in per_day:
            per_day[day] += line.minutes
        done_rows.append([line.label or line.source, line.minutes, day.isoformat(), line.category])
    days = Table(
        "my_days",
        N_("Your credited minutes per day"),
        [N_("Day (IST)"), N_("Minutes")],
        [[d.isoformat(), m] for d, m in per_day.items()],
    )
    completed = Table(
        "my_completed", N_("What you completed"), [N_("Item"), N_("Minutes"), N_("Day (IST)"), N_("Kind")], done_rows
    )
    return {
        "campaign_id": campaign.id,
        "campaign_name": campaign.name,
        "minutes": prog["minutes"],
        "target": rules.target_minutes,
        "percent": prog["percent"],
        "days": days,
        "completed": completed,
        "recommended": recommended(session, principal.person_id, today, first, last),
    }


def recommended(session: Session, person_id: int, today: date, first: date, last: date) -> list[dict[str, Any]]:
    """Plan items not done yet (mandatory first), then the week's most completed courses the person has not done."""
    from saptah.catalog import service as catalog
    from saptah.plans import status as plans

    out: list[dict[str, Any]] = []
    for item in plans.my_learning(session, person_id, today=today):
        if not item.status.done and len(out) < RECOMMEND:
            if item.deadline:
                why = N_("Mandatory: {plan}, by {deadline}")
                if not item.mandatory:
                    why = N_("In your plan: {plan}, by {deadline}")
                params = {"plan": item.plan_title, "deadline": f"{item.deadline:%d-%m-%Y}"}
            else:
                why = N_("Mandatory: {plan}") if item.mandatory else N_("In your plan: {plan}")
                params = {"plan": item.plan_title}
            out.append(_reason(item.title, "/my/learning", why, params))
    popular = sorted(
        repo.course_totals(session, org_ids=None, start=max(first, last - timedelta(days=6)), end=last),
        key=lambda t: (-t[1], t[0]),
    )[:20]
    done = catalog.completions_for(session, person_ids=[person_id], course_ids=[c for c, _n, _m in popular])
    facts = course_facts(session, [c for c, _n, _m in popular])
    for cid, n, _m in popular:
        if len(out) >= RECOMMEND:
            break
        if (person_id, cid) in done or cid not in facts:
            continue
        out.append(_reason(facts[cid].title, f"/courses/{cid}", N_("Popular this week: {n} completions"), {"n": n}))
    return out


def _reason(title: str, href: str, why: str, params: dict[str, Any]) -> dict[str, Any]:
    """A recommendation: `why` in English for programs, and its message id and values for the page to translate."""
    return {"title": title, "why": why.format(**params), "href": href, "why_id": why, "why_params": params}
