"""JSON routes of events: calendar, scheduling, registration, nominations, presence pings, performance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from saptah.core import jsonin
from saptah.core.errors import Forbidden, NotAuthenticated, PayloadTooLarge
from saptah.core.security import same
from saptah.directory.schemas import Principal
from saptah.events import attendance, service
from saptah.events import presence as presence_path
from saptah.events.models import Event
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
from saptah.web import openapi
from saptah.web.deps import CSRF_COOKIE, DB, SESSION_COOKIE, CurrentPrincipal
from saptah.web.lean import replay

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
    return EventPage(total=total, page=page, size=size, items=[_out(db, principal, e) for e in rows])


@router.post("/events", response_model=EventCreated, status_code=201)
def create_event(body: EventIn, db: DB, principal: CurrentPrincipal) -> EventCreated:
    """Schedule an event (central kinds: national organisers; others: MDO admins for their subtree)."""
    event, warnings = service.create_event(db, principal, body)
    return EventCreated(event=_out(db, principal, event), warnings=warnings)


def _out(db: DB, principal: Principal, event: Event) -> EventOut:
    out = EventOut.model_validate(event)
    return out.model_copy(update={"stream_url": service.stream_url_for(db, principal, event)})


@router.get("/events/{event_id}", response_model=EventOut)
def get_event(event_id: int, db: DB, principal: CurrentPrincipal) -> EventOut:
    """One event (a closed event's stream address only for its invitation list and its organisers)."""
    return _out(db, principal, service.get_event(db, event_id))


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

    The hot path of a live webinar: a plain request is answered by `presence_lean` before FastAPI's routing;
    this route documents it and answers the rest (e.g. a malformed body, with the usual validation messages).
    """
    headers = request.headers
    answer = await _record(
        request.app.state, event_id, body, authorization=headers.get("authorization", ""),
        cookies=request.cookies, csrf=headers.get("x-csrf-token", ""),
    )  # fmt: skip
    return Response(answer, media_type="application/json")


async def _record(
    state: Any, event_id: int, body: PingIn, *, authorization: str, cookies: Mapping[str, str], csrf: str
) -> bytes:
    """Check the credential, queue the ping and give its JSON answer once its batch has committed.

    No principal or roles are loaded, and pings arriving together share one transaction (`events.presence`).
    """
    bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else None
    cookie = cookies.get(SESSION_COOKIE)
    if bearer is None:
        if not cookie:
            raise NotAuthenticated("Please sign in.")
        if not csrf or not same(csrf, cookies.get(CSRF_COOKIE, "")):
            raise Forbidden("This request did not come from a Saptah page. Reload the page.")
    ping = presence_path.Ping(event_id, cookie, bearer, body.tab, body.seq, body.seconds, body.person_id)
    result = await presence_path.batcher(state).submit(ping)
    out = PingOut(
        counted=result.counted, reason=result.reason, seconds=result.seconds, minutes=result.minutes,
        attended=result.attended, server_time=result.at,
    )  # fmt: skip
    return out.model_dump_json().encode()


MAX_PING_BYTES = 2048


async def presence_lean(scope: Scope, receive: Receive, send: Send, routed: ASGIApp) -> None:
    """POST .../presence without FastAPI's routing, dependencies and response machinery (a lean route).

    Only the plain case is answered here: no query string, a JSON body that `PingIn` accepts. Anything else
    is handed, body and all, to the routed endpoint above, so refusals read exactly as on every other route.
    """
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > MAX_PING_BYTES:  # refused before it is read whole: a ping is a few dozen bytes
            raise PayloadTooLarge("A presence report is at most {count} bytes.", count=MAX_PING_BYTES)
        if not message.get("more_body", False):
            break
    raw = b"".join(chunks)
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in _PING_HEADERS and name not in found:
            found[name] = value.decode("latin-1")
    body = None if scope["query_string"] else _plain_body(found.get(b"content-type", ""), raw)
    if body is None:
        await routed(scope, replay(raw, receive), send)
        return
    answer = await _record(
        scope["app"].state, int(scope["path_params"]["event_id"]), body,
        authorization=found.get(b"authorization", ""), cookies=cookie_parser(found.get(b"cookie", "")),
        csrf=found.get(b"x-csrf-token", ""),
    )  # fmt: skip
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


_PING_HEADERS = (b"authorization", b"content-type", b"cookie", b"x-csrf-token")


def _plain_body(content_type: str, raw: bytes) -> PingIn | None:
    """The report, if the body is JSON that `PingIn` accepts as it stands; None otherwise."""
    if content_type.split(";", 1)[0].strip().lower() != "application/json" or len(raw) > MAX_PING_BYTES:
        return None
    try:
        return PingIn.model_validate(jsonin.loads(raw))
    except (ValueError, ValidationError):  # refused JSON (jsonin.BadJSON) is a ValueError: the routed one says why
        return None


lean_routes = [("POST", r"/api/v1/events/(?P<event_id>[0-9]{1,9})/presence", presence_lean)]


@router.get("/events/{event_id}/event.ics", response_class=Response, responses=openapi.files(openapi.ICS))
def event_ics(event_id: int, request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The event for a calendar app."""
    event = service.get_event(db, event_id)
    stream_url = service.stream_url_for(db, principal, event)
    body = service.ics(event, request.app.state.settings.base_url, stream_url=stream_url)
    headers = {"Content-Disposition": f'attachment; filename="saptah-event-{event.id}.ics"'}
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)
