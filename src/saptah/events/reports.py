"""Report tables of events (central webinars, MDO webinars), read from per-event aggregates."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from saptah.core.timeutil import fmt_ist
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.events import attendance_repository as attendance_repo
from saptah.events import repository as repo
from saptah.events.models import EventKind

TABLES = {"central": [EventKind.CENTRAL_WEBINAR.value, EventKind.INAUGURAL.value], "mdo": [EventKind.MDO_WEBINAR.value]}
HEADER = [
    "Date (IST)",
    "Title",
    "Speakers",
    "Theme",
    "Organiser",
    "Registrations",
    "Unique attendees",
    "Peak viewers",
    "Average minutes",
    "Attended over 50 % (%)",
]
MAX_ROWS = 2000


def table(session: Session, principal: Principal, name: str) -> list[list[Any]]:
    """One report table's rows; an MDO admin's MDO table holds only their subtree's events."""
    org_ids = None
    if name == "mdo":
        paths = directory.admin_paths(principal)
        if paths is not None:
            org_ids = [o.id for o in people.subtree(session, paths)]
    stmt = repo.calendar_query(
        kinds=TABLES[name], theme=None, org_ids=org_ids, start=None, end=None, language=None, q=None
    )
    _, events = repo.search_events(session, stmt, page=1, size=MAX_ROWS)
    figures = repo.event_figures(session, [e.id for e in events])
    orgs = {o.id: o.name_en for o in (people.get_org(session, i) for i in {e.organiser_org_id for e in events}) if o}
    rows = []
    for e in events:
        f = figures[e.id]
        n = int(f["attendees"])
        rows.append(
            [
                fmt_ist(e.starts_at),
                e.title_en,
                (e.speakers or "").replace("\n", "; "),
                e.theme,
                orgs.get(e.organiser_org_id, ""),
                f["registrations"],
                n,
                attendance_repo.peak_viewers(session, e.id),
                round(f["minutes"] / n, 1) if n else 0,
                round(100 * f["over_half"] / n, 1) if n else 0,
            ]
        )
    return rows
