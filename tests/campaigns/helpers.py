"""Helpers for campaign tests: a campaign over a fixed NLW-2024-like window, and credit through the real signals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import repository as repo
from saptah.campaigns import service
from saptah.campaigns.schemas import CampaignCreate
from saptah.core import signals
from saptah.core.timeutil import IST

NLW_START, NLW_END = date(2024, 10, 19), date(2024, 10, 25)


def ist(y: int, m: int, d: int, hh: int = 10, mm: int = 0, ss: int = 0) -> datetime:
    """An IST wall-clock moment as aware UTC."""
    return datetime(y, m, d, hh, mm, ss, tzinfo=IST).astimezone(UTC)


def campaign(db: Session, name: str = "NLW test", **rules: Any) -> Any:
    """A campaign on 19-25 Oct 2024 (IST) with default rules unless overridden."""
    data = {"name": name, "starts_on": NLW_START, "ends_on": NLW_END} | rules
    c = service.create(db, actor_id=None, data=CampaignCreate(**data))
    db.flush()
    return c


def complete(
    db: Session,
    person_id: int,
    course_id: int,
    at: datetime,
    minutes: int = 60,
    *,
    linked: bool = True,
    passed: bool = False,
) -> None:
    """Publish a course completion as the catalogue does."""
    signals.publish(db, signals.CourseCompleted(person_id, course_id, at, minutes, linked, passed, "native"))


def attend(
    db: Session,
    person_id: int,
    event_id: int,
    minutes: int,
    at: datetime,
    *,
    kind: str = "webinar",
    organiser: int | None = None,
    linked: bool = True,
    attended: bool = True,
) -> None:
    """Publish an attendance total as the events domain does."""
    signals.publish(
        db,
        signals.EventAttendanceRecorded(person_id, event_id, minutes, attended, kind, organiser, linked, at),
    )


def totals(db: Session, campaign_id: int, person_id: int) -> Any:
    """A person's totals row (or None)."""
    db.flush()
    return repo.get_total(db, campaign_id, person_id)


def records_as_sources(monkeypatch: Any) -> None:
    """Let the stored campaign records be the sources of course, event and karma credit (for tests of the rules
    that publish credit for courses and events that do not exist)."""
    from saptah.campaigns import sources
    from saptah.campaigns.schemas import RecordIn

    def stored(prefix: str) -> Any:
        def source(session: Session, start: datetime, end: datetime) -> Any:
            for row in repo.records_between(session, start, end):
                if str(row[3]).startswith(prefix + ":"):
                    yield RecordIn(*row[3:])

        return source

    for prefix in ("course", "event", "karma"):
        monkeypatch.setitem(sources._sources, prefix, stored(prefix))
