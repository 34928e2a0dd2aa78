"""The credit rules as pure functions: a record and the rules give a verdict; a person's verdicts give totals.

No database here, so live ingest and recompute share exactly the same arithmetic. Rules are versioned: each
record is judged by the version in force at its own moment (`judge`), and a person's totals apply each version's
target and caps to what was earned while it was in force (`summarise`), whenever the records arrive.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from saptah.campaigns.schemas import CATEGORY, CampaignRules, RecordIn, RuleBook, Summary, Verdict
from saptah.core.text import N_
from saptah.core.timeutil import fmt_ist, ist_day, ist_end, ist_start

IST_OFFSET = timedelta(hours=5, minutes=30)  # India has kept +05:30, without daylight saving, since 1945


def day_of(moment: datetime) -> date:
    """The IST day of a moment; UTC moments (all stored ones) by arithmetic, which is many times faster."""
    if moment.tzinfo is UTC:
        return (moment + IST_OFFSET).date()
    return ist_day(moment)


@lru_cache(maxsize=64)
def _window(first: date, last: date) -> tuple[datetime, datetime]:
    return ist_start(first), ist_end(last)


def in_window(rules: CampaignRules, moment: datetime) -> bool:
    """True when the moment falls inside the campaign window (IST days, extension included)."""
    start, end = _window(rules.starts_on, rules.last_day)  # the same instants as rules.window_start/_end
    return start <= moment <= end


def outside_reason(rules: CampaignRules, rec: RecordIn) -> str:
    """Why a record outside the window credits nothing."""
    when = fmt_ist(rec.occurred_at, "%d-%m-%Y %H:%M:%S")
    if rec.occurred_at < rules.window_start:
        return N_("Happened on {when} IST, before the campaign began on {starts_on}.").format(
            when=when, starts_on=format(rules.starts_on, "%d-%m-%Y")
        )
    return N_("Happened on {when} IST, after the campaign ended on {last_day}.").format(
        when=when, last_day=format(rules.last_day, "%d-%m-%Y")
    )


def judge(book: RuleBook, rec: RecordIn) -> Verdict | None:
    """The credit one record earns by the rules in force when it happened; None outside the window."""
    return evaluate(book.at(rec.occurred_at), rec)


def evaluate(rules: CampaignRules, rec: RecordIn) -> Verdict | None:
    """The credit one record earns in a campaign; None when it falls outside the window."""
    if not in_window(rules, rec.occurred_at):
        return None
    category = CATEGORY[rec.kind]
    if rec.kind == "karma":
        return Verdict(
            category,
            0,
            rec.karma,
            True,
            N_("{points} karma points: {label}.").format(points=rec.karma, label=rec.label or N_("award")),
            rec.occurred_at,
        )
    if rec.kind == "course":
        if rules.competency_only and not rec.competency_linked:
            return _no(category, rec, "Not linked to any competency; only competency-linked courses count.")
        if rec.minutes <= 0:
            return _no(category, rec, "The course declares no duration.")
        return Verdict(
            category,
            rec.minutes,
            0,
            True,
            N_("Course completed: its declared {minutes} minutes.").format(minutes=rec.minutes),
            rec.occurred_at,
        )
    if rules.events_need_competency and not rec.competency_linked:
        return _no(
            category, rec, "The event is not tagged with any competency; this campaign counts only tagged events."
        )
    if rec.minutes <= 0:
        return _no(category, rec, "No attended minutes were recorded.")
    if rec.kind == "webinar":
        reason = N_("Webinar: {minutes} minutes attended (capped at its length).").format(minutes=rec.minutes)
    elif rec.kind == "mdo_event":
        reason = N_("MDO event: {minutes} minutes; MDO events count up to {mdo_events_cap} minutes in all.").format(
            minutes=rec.minutes, mdo_events_cap=rules.mdo_events_cap
        )
    else:
        reason = N_("Offline event: {minutes} minutes recorded.").format(minutes=rec.minutes)
    return Verdict(category, rec.minutes, 0, True, reason, rec.occurred_at)


def _no(category: str, rec: RecordIn, reason: str) -> Verdict:
    return Verdict(category, 0, 0, False, reason, rec.occurred_at)


def _earned_order(kv: tuple[str, Verdict]) -> tuple[datetime, str]:
    return kv[1].earned_at, kv[0]


def summarise(book: RuleBook | CampaignRules, verdicts: Iterable[tuple[str, Verdict]]) -> Summary:
    """A person's totals from their (source, verdict) pairs, in the order they were earned.

    The MDO-events cap is applied in that order, so the same verdicts always give the same totals. The target and
    the cap are those in force when each verdict was earned (a target raised on the 24th does not take back a
    target reached on the 22nd); the ranking is the latest version's. (Ingest calls this twice per person and
    record, so the loop keeps to locals.)
    """
    if isinstance(book, CampaignRules):
        book = RuleBook.single(book)
    sums = {"courses": 0, "webinars": 0, "mdo_events": 0, "offline": 0, "karma": 0}
    days: dict[date, list[int]] = {}
    first, by_minutes, versioned = book.versions[0], book.latest.rank_by == "minutes", bool(book.starts)
    target, cap = first.target_minutes, first.mdo_events_cap
    mdo_used = total = completions = 0
    seen_active = False
    reached_at = score_at = None
    for _key, v in sorted(verdicts, key=_earned_order):
        if not v.counted:
            continue
        if versioned:
            rules = book.at(v.earned_at)
            target, cap = rules.target_minutes, rules.mdo_events_cap
        category, add = v.category, v.minutes
        if category == "mdo_events":
            add = min(add, max(0, cap - mdo_used))
            mdo_used += add
        sums[category] += v.karma if category == "karma" else add
        total += add
        on = day_of(v.earned_at)
        day = days.get(on)
        if day is None:
            day = days[on] = [0, 0, 0, 0]
        day[0] += add
        if category == "courses":
            completions += 1
            day[1] += 1
        if add > 0 and not seen_active:
            seen_active = True
            day[2] = 1
        if reached_at is None and total >= target:
            reached_at = v.earned_at
            day[3] = 1
        if (add if by_minutes else v.karma) > 0:
            score_at = v.earned_at
    return Summary(
        courses=sums["courses"],
        webinars=sums["webinars"],
        mdo_events=sums["mdo_events"],
        offline=sums["offline"],
        total_minutes=total,
        completions=completions,
        karma=sums["karma"],
        score=total if by_minutes else sums["karma"],
        score_at=score_at,
        reached_target_at=reached_at,
        days={d: vals for d, vals in days.items() if any(vals)},
    )


def footprint_diff(old: Summary, new: Summary) -> dict[object, list[int]]:
    """Per IST day, what the organisation aggregates gain (or lose) when a person's summary changes."""
    diff: dict[object, list[int]] = {}
    before, after = old.days, new.days
    for day, b in after.items():
        a = before.get(day)
        if a is None:
            if any(b):
                diff[day] = list(b)
        elif a != b:
            diff[day] = [b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]]
    for day, a in before.items():
        if day not in after and any(a):
            diff[day] = [-a[0], -a[1], -a[2], -a[3]]
    return diff
