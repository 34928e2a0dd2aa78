"""Event pages: calendar, scheduling, an event, the watch page, nominations, imports and reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from saptah.core import validation
from saptah.core.errors import InvalidInput, NotFound, PayloadTooLarge, SaptahError
from saptah.core.timeutil import fmt_ist
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.schemas import Principal
from saptah.events import attendance, imports, reports, service
from saptah.events import attendance_repository as attendance_repo
from saptah.events import repository as repo
from saptah.events.models import LEVELS, THEMES, Event, EventKind, EventMode
from saptah.events.schemas import EventIn, EventUpdate
from saptah.web.deps import CSRF, DB, CurrentPrincipal, SettingsDep
from saptah.web.flash import flash
from saptah.web.i18n import N_
from saptah.web.templating import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
KIND_LABELS = {
    "central_webinar": N_("Central webinar"),
    "mdo_webinar": N_("MDO webinar / programme"),
    "samuhik_charcha": N_("Samuhik Charcha"),
    "offline_workshop": N_("Offline workshop / seminar"),
    "inaugural": N_("Inaugural event"),
}
MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _back(request: Request, event_id: int, message: str, **params: Any) -> Response:
    """Back to the event page, with a message shown once (carried in the session, never in the address)."""
    response = RedirectResponse(f"/events/{event_id}", status_code=303)
    flash(request, response, message, **params)
    return response


def _download(body: bytes, fmt: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(body, media_type=MEDIA[fmt], headers=headers)


@router.get("/events", response_class=HTMLResponse)
def calendar(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    kind: Annotated[str, Query(max_length=30)] = "",
    theme: Annotated[str, Query(max_length=80)] = "",
    org: Annotated[str, Query(max_length=40)] = "",
    day_from: Annotated[date | None, Query(alias="from")] = None,
    day_to: Annotated[date | None, Query(alias="to")] = None,
    language: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    """The calendar with filters; days in IST."""
    total, rows = service.calendar(
        db, kind=kind or None, theme=theme or None, org_code=org or None, day_from=day_from, day_to=day_to,
        language=language or None, q=q or None, page=page, size=PAGE_SIZE,
    )  # fmt: skip
    filters = {"kind": kind, "theme": theme, "org": org, "from": day_from or "", "to": day_to or ""}
    filters.update({"language": language, "q": q})
    ctx = _common(db, principal, rows)
    ctx.update(total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), filters=filters, themes=THEMES)
    ctx["may_schedule"] = principal.is_national or directory.admin_paths(principal) != []
    ctx["organisers"] = service.organisers(db)
    return render(request, "events_calendar.html", ctx)


def _common(db: Any, principal: Principal, rows: list[Event]) -> dict[str, Any]:
    orgs = {o.id: o for o in (people.get_org(db, i) for i in {e.organiser_org_id for e in rows}) if o}
    statuses = {e.id: service.status(e) for e in rows}
    return {"rows": rows, "orgs": orgs, "statuses": statuses, "kinds": KIND_LABELS}


@router.get("/events/new", response_class=HTMLResponse)
def new_event(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The form to schedule an event."""
    directory.require_admin(principal)
    return render(request, "events_form.html", _form_ctx(db, principal, {}, None, []))


def _form_ctx(
    db: Any, principal: Principal, values: dict[str, Any], error: str | None, codes: list[str]
) -> dict[str, Any]:
    kinds = {k: v for k, v in KIND_LABELS.items() if principal.is_national or k not in service.CENTRAL_KINDS}
    ctx: dict[str, Any] = {"values": values, "error": error, "kinds": kinds, "themes": THEMES}
    ctx["modes"] = [m.value for m in EventMode]
    ctx["orgs"] = directory.orgs_in_scope(db, principal)
    ctx.update(competencies=service.competency_choices(db), chosen=set(codes), tag_rule=service.event_tag_rule(db))
    return ctx


@router.post("/events/new", response_class=HTMLResponse, dependencies=[CSRF])
async def create_event(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Schedule an event from the form; overlaps are shown as warnings on the event page."""
    directory.require_admin(principal)
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    codes = [str(v) for v in form.getlist("competencies")]
    try:
        data = EventIn(**_event_fields(values, form.getlist("nomination_levels"), codes))
        event, warnings = service.create_event(db, principal, data)
    except ValidationError as exc:
        ctx = _form_ctx(db, principal, values, _explain(exc), codes)
        return render(request, "events_form.html", ctx, status_code=400)
    except SaptahError as exc:
        ctx = _form_ctx(db, principal, values, exc.message, codes)
        return render(request, "events_form.html", ctx, status_code=exc.status_code)
    query = "?created=1" + "".join(f"&warn={i}" for i in range(len(warnings)))
    return RedirectResponse(f"/events/{event.id}{query}", status_code=303)


def _event_fields(values: dict[str, str], levels: list[Any], codes: list[str]) -> dict[str, Any]:
    def opt(name: str) -> str | None:
        return values.get(name, "").strip() or None

    return {
        "kind": values.get("kind", ""),
        "title_en": values.get("title_en", ""),
        "title_hi": opt("title_hi"),
        "theme": values.get("theme", ""),
        "speakers": [s for s in values.get("speakers", "").splitlines() if s.strip()],
        "description": opt("description"),
        "organiser_org_code": opt("organiser_org_code"),
        "starts_at": values.get("starts_at", ""),
        "duration_minutes": values.get("duration_minutes", ""),
        "mode": values.get("mode", ""),
        "stream_url": opt("stream_url"),
        "venue": opt("venue"),
        "capacity": opt("capacity"),
        "language": values.get("language", "English") or "English",
        "competencies": [c for v in codes for c in v.replace(",", " ").split() if c],
        "access": values.get("access", "open"),
        "nomination_quota": opt("nomination_quota"),
        "nomination_unit": values.get("nomination_unit") or "department",
        "nomination_levels": [str(v) for v in levels],
    }


def _explain(exc: ValidationError) -> str:
    """The form's problems, each shown in the reader's language (field names as people read them)."""
    errors = [{**e, "loc": [str(p).replace("_", " ") for p in e.get("loc", ())]} for e in exc.errors()]
    return validation.joined(validation.explain(errors))


@router.get("/events/mine", response_class=HTMLResponse)
def my_events(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """The events I registered for or attended, with my minutes."""
    attended = attendance_repo.attendance_of(db, principal.person_id)
    regs = repo.registrations_of(db, principal.person_id)
    events = repo.events_by_ids(db, [r.event_id for r in regs])
    seen = {e.id for _, e in attended}
    upcoming = [events[r.event_id] for r in regs if r.event_id not in seen and r.event_id in events]
    return render(request, "events_mine.html", {"attended": attended, "upcoming": upcoming, "kinds": KIND_LABELS})


@router.get("/events/reports", response_class=HTMLResponse)
def event_reports(request: Request, db: DB, principal: CurrentPrincipal) -> Response:
    """Tables of central webinars and of MDO webinars, as the national report shows them."""
    directory.require_admin(principal)
    tables = {name: reports.table(db, principal, name) for name in reports.TABLES}
    return render(request, "events_reports.html", {"tables": tables, "header": reports.HEADER})


@router.get("/events/reports/{name}.{fmt}")
def export_report(db: DB, principal: CurrentPrincipal, name: str, fmt: str) -> Response:
    """A report table as CSV or XLSX."""
    directory.require_admin(principal)
    if name not in reports.TABLES or fmt not in MEDIA:
        raise NotFound("There is no such report.")
    rows = reports.table(db, principal, name)
    return _download(service.export(reports.HEADER, rows, fmt, sheet=name), fmt, f"{name}-webinars")


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    event_id: int,
    created: Annotated[int, Query(ge=0, le=1)] = 0,
    warn: Annotated[list[int] | None, Query()] = None,
) -> Response:
    """One event: details, registration, nominations, invitations, imports and attendance."""
    event = service.get_event(db, event_id)
    manager = service.may_manage(db, principal, event)
    ctx: dict[str, Any] = {"event": event, "status": service.status(event), "kinds": KIND_LABELS}
    ctx.update(org=people.get_org(db, event.organiser_org_id), manager=manager, created=bool(created))
    ctx["warnings"] = service.overlap_warnings(db, event) if (warn and manager) else []
    ctx["registration"] = repo.get_registration(db, event.id, principal.person_id)
    ctx["may_watch"] = service.may_watch(db, principal.person_id, event)
    ctx["mine"] = attendance_repo.get_attendance(db, event.id, principal.person_id)
    ctx["quota"] = service.quota_left(db, principal, event)
    ctx["levels"] = event.nomination_levels or list(LEVELS)
    ctx["nominations"] = service.nominations_for(db, principal, event) if (manager or ctx["quota"]) else []
    ctx["imports"] = repo.imports_of(db, event.id) if manager else []
    ctx["ends"] = fmt_ist(service.ends_at(event), "%H:%M")
    ctx["tag_rule"] = service.event_tag_rule(db, event.starts_at)
    return render(request, "events_event.html", ctx)


@router.get("/events/{event_id}/event.ics")
def event_ics(db: DB, principal: CurrentPrincipal, settings: SettingsDep, event_id: int) -> Response:
    """Download the event for a calendar app."""
    event = service.get_event(db, event_id)
    headers = {"Content-Disposition": f'attachment; filename="saptah-event-{event.id}.ics"'}
    body = service.ics(event, settings.base_url, stream_url=service.stream_url_for(db, principal, event))
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


@router.post("/events/{event_id}/register", dependencies=[CSRF])
def register(request: Request, db: DB, principal: CurrentPrincipal, event_id: int) -> Response:
    """Register for an open event."""
    service.register(db, principal, service.get_event(db, event_id))
    return _back(request, event_id, "You are registered.")


@router.post("/events/{event_id}/nominate", dependencies=[CSRF])
def nominate(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    event_id: int,
    email: Annotated[str, Form(max_length=254)],
    level: Annotated[str, Form(max_length=60)],
    mobile: Annotated[str, Form(max_length=10, pattern=r"^([0-9]{10})?$")] = "",
    designation: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Nominate an officer from the event page."""
    service.nominate(
        db, principal, service.get_event(db, event_id), email=email, level=level, mobile=mobile or None,
        designation=designation or None,
    )  # fmt: skip
    return _back(request, event_id, "Nominated {email}.", email=email)


@router.get("/events/{event_id}/nominations.{fmt}")
def export_nominations(db: DB, principal: CurrentPrincipal, event_id: int, fmt: str) -> Response:
    """All nominations by ministry, for the organisers."""
    if fmt not in MEDIA:
        raise NotFound("There is no such export.")
    body = service.export_nominations(db, principal, service.get_event(db, event_id), fmt)
    return _download(body, fmt, f"nominations-event-{event_id}")


@router.post("/events/{event_id}/invite", dependencies=[CSRF])
def invite(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    event_id: int,
    emails: Annotated[str, Form(max_length=200_000)],
) -> Response:
    """Add e-mails to the invitation list."""
    result = service.invite(db, principal, service.get_event(db, event_id), emails.replace(",", "\n").splitlines())
    response = _back(request, event_id, "Invited {count}.", count=len(result["added"]))
    if result["unknown"]:
        flash(request, response, "Not known: {emails}", kind="error", emails=", ".join(result["unknown"][:20]))
    return response


@router.post("/events/{event_id}/update", dependencies=[CSRF])
def update(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    event_id: int,
    recording_url: Annotated[str, Form(max_length=500)] = "",
    summary: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Record the recording link or the discussion's summary."""
    try:
        data = EventUpdate(recording_url=recording_url.strip() or None, summary=summary.strip() or None)
    except ValidationError as exc:
        raise InvalidInput("The recording link must start with http:// or https://.") from exc
    service.update_event(db, principal, service.get_event(db, event_id), data)
    return _back(request, event_id, "Saved.")


@router.post("/events/{event_id}/import", response_class=HTMLResponse, dependencies=[CSRF])
async def import_attendance(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    settings: SettingsDep,
    event_id: int,
    kind: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
) -> Response:
    """Upload a meeting-tool report or an offline sheet; shows each row's result."""
    event = service.get_event(db, event_id)
    service.require_manager(db, principal, event)
    limit = settings.max_upload_mb * 1024 * 1024
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("The file is larger than {max_upload_mb} MB.", max_upload_mb=settings.max_upload_mb)
    record = imports.import_attendance(
        db, principal, event, kind=kind, filename=file.filename or "upload.csv", content=content
    )
    return RedirectResponse(f"/events/{event_id}/imports/{record.id}", status_code=303)


@router.get("/events/{event_id}/imports/{import_id}", response_class=HTMLResponse)
def import_result(request: Request, db: DB, principal: CurrentPrincipal, event_id: int, import_id: int) -> Response:
    """The per-row result of an import."""
    event = service.get_event(db, event_id)
    record = imports.visible_import(db, principal, event, import_id)
    return render(request, "events_import.html", {"event": event, "record": record})


@router.get("/events/{event_id}/imports/{import_id}/result.{fmt}")
def import_result_file(db: DB, principal: CurrentPrincipal, event_id: int, import_id: int, fmt: str) -> Response:
    """The result file: uploaded rows with Status and Error Details."""
    if fmt not in MEDIA:
        raise NotFound("There is no such export.")
    record = imports.visible_import(db, principal, service.get_event(db, event_id), import_id)
    return _download(imports.result_file(record, fmt), fmt, f"attendance-result-{import_id}")


@router.post("/events/{event_id}/certificate", dependencies=[CSRF])
def certificate(db: DB, principal: CurrentPrincipal, event_id: int) -> Response:
    """Issue (or fetch) my attendance certificate and open it."""
    code = attendance.issue_certificate(db, service.get_event(db, event_id), principal.person_id)
    return RedirectResponse(f"/certificates/{code}.pdf", status_code=303)


@router.post("/events/{event_id}/finalise", dependencies=[CSRF])
def finalise(request: Request, db: DB, principal: CurrentPrincipal, event_id: int) -> Response:
    """Close live attendance and credit everyone's final minutes."""
    event = service.get_event(db, event_id)
    service.require_manager(db, principal, event)
    sent = attendance.finalise(db, event)
    return _back(request, event_id, "Attendance closed; {count} people credited.", count=sent)


@router.get("/events/{event_id}/watch", response_class=HTMLResponse)
def watch(
    request: Request,
    db: DB,
    principal: CurrentPrincipal,
    event_id: int,
    ping: Annotated[int, Query(ge=2, le=60)] = 45,
) -> Response:
    """The live page: the stream, and presence reported while the page is visible."""
    event = service.get_event(db, event_id)
    if event.mode == EventMode.IN_PERSON:
        raise InvalidInput("This event is held in person; there is no stream to watch.")
    if not service.may_watch(db, principal.person_id, event):
        raise NotFound("This event is by invitation only.")
    mine = attendance_repo.get_attendance(db, event.id, principal.person_id)
    ctx = {"event": event, "status": service.status(event), "ping": ping, "mine": mine}
    ctx["embed"] = _embeddable(event.stream_url or "")
    return render(request, "events_watch.html", ctx)


def _embeddable(url: str) -> dict[str, str]:
    if url.lower().split("?")[0].endswith((".mp4", ".webm", ".m3u8")):
        return {"tag": "video", "src": url}
    if "youtube.com/watch?v=" in url:
        return {"tag": "iframe", "src": "https://www.youtube.com/embed/" + url.split("v=", 1)[1].split("&")[0]}
    return {"tag": "iframe", "src": url}


@router.get("/events/{event_id}/performance", response_class=HTMLResponse)
def performance(request: Request, db: DB, principal: CurrentPrincipal, event_id: int) -> Response:
    """How the event did, by organisation."""
    event = service.get_event(db, event_id)
    service.require_manager(db, principal, event)
    return render(request, "events_performance.html", {"event": event, "perf": attendance.performance(db, event)})


__all__ = ["EventKind", "router"]
