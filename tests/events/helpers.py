"""Helpers for event tests: principals and events with plausible defaults."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.core.db import utcnow
from saptah.directory.models import Role
from saptah.directory.service import load_principal
from saptah.events import service
from saptah.events.models import Event
from saptah.events.schemas import EventIn


def principal(db: Session, person: Any) -> Any:
    """The principal of a factory-made person."""
    return load_principal(db, person.id)


def organiser(db: Session, make: Any) -> Any:
    """A national organiser and their principal."""
    person = make.person("DOPT", role=Role.NATIONAL_ORGANISER)
    return person, principal(db, person)


def mohfw_admin(db: Session, make: Any) -> Any:
    """An MDO admin of MoHFW and their principal."""
    person = make.person("MOHFW", role=Role.MDO_ADMIN)
    return person, principal(db, person)


def event(db: Session, who: Any, *, start: datetime | None = None, minutes: int = 60, **fields: Any) -> Event:
    """Schedule an event through the service (a live central webinar by default)."""
    data: dict[str, Any] = {
        "kind": "central_webinar",
        "title_en": "Digital Public Infrastructure",
        "theme": "Technology",
        "speakers": ["Nandan Nilekani"],
        "starts_at": start or utcnow() - timedelta(minutes=10),
        "duration_minutes": minutes,
        "mode": "online",
        "stream_url": "https://stream.example.in/live.mp4",
    }
    data.update(fields)
    created, _ = service.create_event(db, who, EventIn(**data))
    db.commit()
    return created
