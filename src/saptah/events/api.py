"""JSON routes of events: calendar, scheduling, registration, nominations, presence pings, performance."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from saptah.core.errors import Forbidden, NotAuthenticated
from saptah.core.security import same
from saptah.events import attendance, service
from saptah.events import presence as presence_path
from saptah.events.schemas import (
    EventCreated,
    EventIn,
    EventOut,
    EventPage,
    EventUpdate,
    NominationIn,
    NominationOut,
    PerformanceOut,
    PingIn,
    PingOut,
)
from saptah.web.deps import CSRF_COOKIE, DB, SESSION_COOKIE, CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.get("/events", response_model=EventPage)
def list_events(
    db: DB,
    principal: CurrentPrincipal,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    theme: Annotated[str | None, Query(max_length=80)] = None,
    org: Annotated[str | None, Query(max_length=40)] = None,
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> EventPage:
    """The calendar, filtered by kind, theme, organiser (with its subtree), IST days, language or text."""
    total, rows = service.calendar(
        db, kind=kind, theme=theme, org_code=org, day_from=day_from, day_to=day_to, language=language, q=q,
        page=page, size=size,
    )  # fmt: skip
    return EventPage(total=total, page=page, size=size, items=[EventOut.model_validate(e) for e in rows])


@router.post("/events", response_model=EventCreated, status_code=201)
def create_event(body: EventIn, db: DB, principal: CurrentPrincipal) -> EventCreated:
    """Schedule an event (central kinds: national organisers; others: MDO admins for their subtree)."""
    event, warnings = service.create_event(db, principal, body)
    return EventCreated(event=EventOut.model_validate(event), warnings=warnings)


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(event_id: int, db: DB, principal: CurrentPrincipal) -> EventOut:
    """One event."""
    return EventOut.model_validate(service.get_event(db, event_id))


@router.patch("/events/{event_id}", response_model=EventOut)
def update_event(event_id: int, body: EventUpdate, db: DB, principal: CurrentPrincipal) -> EventOut:
    """Add the recording link, change the stream address or record a discussion's summary."""
    event = service.update_event(db, principal, service.get_event(db, event_id), body)
    return EventOut.model_validate(event)


@router.post("/events/{event_id}/registrations", status_code=201)
def register(event_id: int, db: DB, principal: CurrentPrincipal) -> dict[str, object]:
    """Register yourself for an open event."""
    reg = service.register(db, principal, service.get_event(db, event_id))
    return {"event_id": reg.event_id, "person_id": reg.person_id, "source": reg.source}


@router.get("/events/{event_id}/nominations", response_model=list[NominationOut])
def list_nominations(event_id: int, db: DB, principal: CurrentPrincipal) -> list[NominationOut]:
    """Nominations you may see: all for organisers, your ministry's for an MDO admin."""
    rows = service.nominations_for(db, principal, service.get_event(db, event_id))
    return [NominationOut.model_validate(n) for n in rows]


@router.post("/events/{event_id}/nominations", response_model=NominationOut, status_code=201)
def nominate(event_id: int, body: NominationIn, db: DB, principal: CurrentPrincipal) -> NominationOut:
    """Nominate one of your officers, within your ministry's quota."""
    nom = service.nominate(
        db, principal, service.get_event(db, event_id), email=str(body.email), level=body.level,
        mobile=body.mobile, designation=body.designation,
    )  # fmt: skip
    return NominationOut.model_validate(nom)


@router.get("/events/{event_id}/performance", response_model=PerformanceOut)
def performance(event_id: int, db: DB, principal: CurrentPrincipal) -> PerformanceOut:
    """Registrations, unique attendees, peak viewers, average minutes and share over 50 %, by organisation."""
    event = service.get_event(db, event_id)
    service.require_manager(db, principal, event)
    return PerformanceOut.model_validate(attendance.performance(db, event))


@router.post("/events/{event_id}/presence", response_model=PingOut)
async def presence(event_id: int, body: PingIn, request: Request) -> Response:
    """Report that you are watching (the watch page sends this every 30–60 s while it is visible).

    The hot path of a live webinar: no principal or roles are loaded, and pings arriving together share one
    transaction (`events.presence`); the answer comes after that transaction has committed.
    """
    header = request.headers.get("authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
    cookie = request.cookies.get(SESSION_COOKIE)
    if bearer is None:
        if not cookie:
            raise NotAuthenticated("Please sign in.")
        sent = request.headers.get("x-csrf-token", "")
        if not sent or not same(sent, request.cookies.get(CSRF_COOKIE, "")):
            raise Forbidden("This request did not come from a Saptah page. Reload the page.")
    ping = presence_path.Ping(event_id, cookie, bearer, body.tab, body.seq, body.seconds, body.person_id)
    result = await presence_path.batcher(request.app.state).submit(ping)
    out = PingOut(
        counted=result.counted, reason=result.reason, seconds=result.seconds, minutes=result.minutes,
        attended=result.attended, server_time=result.at,
    )  # fmt: skip
    return Response(out.model_dump_json(), media_type="application/json")


@router.get("/events/{event_id}/event.ics")
def event_ics(event_id: int, request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The event for a calendar app."""
    event = service.get_event(db, event_id)
    body = service.ics(event, request.app.state.settings.base_url)
    headers = {"Content-Disposition": f'attachment; filename="saptah-event-{event.id}.ics"'}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
