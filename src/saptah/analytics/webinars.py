"""Webinar sections of a dashboard: central and ministry webinar performance, and event statistics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from saptah.analytics import repository as repo
from saptah.analytics.schemas import Scope, Table
from saptah.core.db import utcnow
from saptah.core.timeutil import fmt_ist, ist_end, ist_start
from saptah.events import repository as events_repo
from saptah.web.i18n import N_

CENTRAL = ("central_webinar", "inaugural")
MDO = ("mdo_webinar",)
CHARCHA = ("samuhik_charcha",)
OFFLINE = ("offline_workshop",)
HEADER = [
    N_("Date (IST)"),
    N_("Title"),
    N_("Organiser"),
    N_("Registrations"),
    N_("Attendees"),
    N_("Average minutes"),
    N_("Attended over 50 % (%)"),
]


def webinar_tables(session: Session, scope: Scope, orgs: Sequence[tuple[Any, ...]]) -> dict[str, Table]:
    """Central webinars (attendance from the reader's scope), their own events, and counts of events held."""
    now = utcnow()
    start, end = ist_start(scope.start), min(ist_end(scope.end), now)
    names = {o[0]: o[4] for o in orgs}
    in_scope = set(names) if scope.paths is not None else None
    held = {
        kinds: [
            e
            for e in repo.events_between(session, kinds, start, end)
            if kinds == CENTRAL or in_scope is None or e.organiser_org_id in in_scope
        ]
        for kinds in (CENTRAL, MDO, CHARCHA, OFFLINE)
    }
    central = _rows(session, held[CENTRAL], in_scope, names)
    mdo = _rows(session, held[MDO], None, names)
    scope_note = "" if in_scope is None else "Attendees and minutes of people in the organisations shown."
    stats_rows: list[list[Any]] = [
        ["Central webinars held", len(held[CENTRAL])],
        ["Ministry and department webinars held", len(held[MDO])],
        ["Samuhik Charchas held", len(held[CHARCHA])],
        ["Offline workshops held", len(held[OFFLINE])],
        ["Central webinar attendance", sum(int(r[4]) for r in central)],
        ["Ministry webinar attendance", sum(int(r[4]) for r in mdo)],
        [
            "Average attendees per central webinar",
            round(sum(int(r[4]) for r in central) / len(central)) if central else 0,
        ],
    ]
    return {
        "central_webinars": Table("central_webinars", N_("Central webinar performance"), HEADER, central, scope_note),
        "mdo_webinars": Table("mdo_webinars", N_("Ministry and department webinar performance"), HEADER, mdo),
        "webinar_stats": Table("webinar_stats", N_("Webinar statistics"), [N_("Statistic"), N_("Value")], stats_rows),
    }


# Figures of a finalised event never change again: keep them per process, keyed by database, event and the
# moment it was finalised, so a dashboard does not rescan attendance of past webinars on every view.
_FINAL: dict[tuple[str, int, Any, str], Any] = {}
_CACHE_LIMIT = 50_000


def _key(session: Session, e: Any, what: str) -> tuple[str, int, Any, str] | None:
    if e.finalised_at is None:
        return None
    bind = session.get_bind()
    url = bind.url if isinstance(bind, Engine) else bind.engine.url
    return (str(url), e.id, e.finalised_at, what)


def _figures(session: Session, events: Sequence[Any]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    todo = []
    for e in events:
        key = _key(session, e, "all")
        if key is not None and key in _FINAL:
            out[e.id] = _FINAL[key]
        else:
            todo.append(e)
    fresh = events_repo.event_figures(session, [e.id for e in todo])
    for e in todo:
        out[e.id] = fresh[e.id]
        _remember(_key(session, e, "all"), fresh[e.id])
    return out


def _by_org(session: Session, e: Any) -> list[tuple[int, int, int, int]]:
    key = _key(session, e, "org")
    if key is not None and key in _FINAL:
        return list(_FINAL[key])
    rows = events_repo.figures_by_org(session, e.id)
    _remember(key, rows)
    return rows


def _remember(key: tuple[str, int, Any, str] | None, value: Any) -> None:
    if key is None:
        return
    if len(_FINAL) >= _CACHE_LIMIT:
        _FINAL.clear()
    _FINAL[key] = value


def _rows(session: Session, events: Sequence[Any], in_scope: set[int] | None, names: dict[int, str]) -> list[list[Any]]:
    """One row per event, with figures over everyone or only people of the scope's organisations."""
    figures = _figures(session, events)
    rows = []
    for e in events:
        f = figures[e.id]
        regs: Any = f["registrations"]
        n, minutes, half = int(f["attendees"]), int(f["minutes"]), int(f["over_half"])
        if in_scope is not None:
            parts = [row for row in _by_org(session, e) if row[0] in in_scope]
            n, minutes, half = sum(p[1] for p in parts), sum(p[2] for p in parts), sum(p[3] for p in parts)
            regs = ""
        rows.append(
            [
                fmt_ist(e.starts_at),
                e.title_en,
                names.get(e.organiser_org_id, ""),
                regs,
                n,
                round(minutes / n, 1) if n else 0,
                round(100 * half / n, 1) if n else 0,
            ]
        )
    return rows
