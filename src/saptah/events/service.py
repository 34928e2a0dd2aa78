"""Event rules: scheduling, the calendar, registration, invitations, nominations, reports and .ics."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.audit import service as audit
from saptah.audit.schemas import Act
from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from saptah.core.exports import to_csv, to_xlsx
from saptah.core.modules import optional_module
from saptah.core.text import Message
from saptah.core.timeutil import IST, fmt_ist, ist_end, ist_start
from saptah.directory import repository as people
from saptah.directory import service as directory
from saptah.directory.models import Organisation, Person, Role
from saptah.directory.schemas import Principal
from saptah.events import repository as repo
from saptah.events.models import LEVELS, THEMES, Event, EventKind, EventMode, Nomination, Registration
from saptah.events.schemas import EventIn, EventUpdate

CENTRAL_KINDS = (EventKind.CENTRAL_WEBINAR.value, EventKind.INAUGURAL.value)
GRACE = timedelta(minutes=10)  # presence after the end is counted this long, never longer
INAUGURAL_QUOTA = 6


LONGEST_EVENT_MINUTES = 1440  # EventIn's limit: an event that started longer ago than this has ended


def ends_at(event: Event) -> datetime:
    """When the event ends."""
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def status(event: Event, now: datetime | None = None) -> str:
    """upcoming | live | ended | cancelled."""
    now = now or utcnow()
    if event.cancelled_at is not None:
        return "cancelled"
    if now < event.starts_at:
        return "upcoming"
    return "live" if now < ends_at(event) else "ended"


def get_event(session: Session, event_id: int) -> Event:
    """An event, or a clear 404."""
    event = repo.get_event(session, event_id)
    if event is None:
        raise NotFound("There is no such event.")
    return event


def may_manage(session: Session, principal: Principal, event: Event) -> bool:
    """Organisers manage central events; MDO admins manage events of their subtree."""
    if principal.is_national:
        return True
    if event.kind in CENTRAL_KINDS:
        return False
    org = people.get_org(session, event.organiser_org_id)
    return org is not None and principal.covers(org.path, Role.MDO_ADMIN, Role.MDO_LEADER)


def require_manager(session: Session, principal: Principal, event: Event) -> None:
    """Refuse anyone who does not run this event."""
    if not may_manage(session, principal, event):
        raise Forbidden("Only the event's organisers may do this.")


def as_utc(moment: datetime) -> datetime:
    """A start given without a zone is IST (how people write times in India)."""
    return (moment.replace(tzinfo=IST) if moment.tzinfo is None else moment).astimezone(UTC)


def create_event(session: Session, principal: Principal, data: EventIn) -> tuple[Event, list[str]]:
    """Schedule an event after the role, mode and field checks; returns it and overlap warnings."""
    org = _organiser_org(session, principal, data)
    _check_fields(session, data)
    levels = list(data.nomination_levels)
    quota = data.nomination_quota
    if data.kind == EventKind.INAUGURAL:
        quota = quota or INAUGURAL_QUOTA
        levels = levels or list(LEVELS)
    event = Event(
        kind=data.kind.value,
        title_en=data.title_en.strip(),
        title_hi=(data.title_hi or "").strip() or None,
        theme=data.theme,
        speakers="\n".join(s.strip() for s in data.speakers if s.strip()) or None,
        description=data.description,
        organiser_org_id=org.id,
        created_by=principal.person_id,
        starts_at=as_utc(data.starts_at),
        duration_minutes=data.duration_minutes,
        mode=data.mode.value,
        stream_url=data.stream_url,
        venue=(data.venue or "").strip() or None,
        capacity=data.capacity,
        language=data.language,
        competencies=sorted({c.strip().upper() for c in data.competencies if c.strip()}),
        access=data.access,
        nomination_quota=quota,
        nomination_unit=data.nomination_unit,
        nomination_levels=levels,
    )
    repo.add(session, event)
    return event, overlap_warnings(session, event)


def _organiser_org(session: Session, principal: Principal, data: EventIn) -> Organisation:
    if data.kind.value in CENTRAL_KINDS:
        if not principal.is_national:
            raise Forbidden("Central webinars and the inaugural event are scheduled by national organisers.")
        code = data.organiser_org_code
        return directory.org_by_code(session, code) if code else _org(session, principal.org_id)
    if data.organiser_org_code:
        org = directory.org_by_code(session, data.organiser_org_code)
    else:
        paths = directory.admin_paths(principal)
        org_id = next((s.org_id for s in principal.scopes if s.org_id and (paths is None or s.path in paths)), None)
        org = _org(session, org_id if org_id is not None else principal.org_id)
    if not principal.covers(org.path, Role.MDO_ADMIN, Role.MDO_LEADER):
        raise Forbidden("You may schedule events only for organisations you administer, not {name}.", name=org.name_en)
    return org


def _org(session: Session, org_id: int) -> Organisation:
    org = people.get_org(session, org_id)
    if org is None:
        raise NotFound("No such organisation.")
    return org


def _check_fields(session: Session, data: EventIn) -> None:
    if data.theme not in THEMES:
        raise InvalidInput("Theme must be one of: {values}.", values=", ".join(THEMES))
    needs_url = data.mode in (EventMode.ONLINE, EventMode.HYBRID)
    needs_venue = data.mode in (EventMode.IN_PERSON, EventMode.HYBRID)
    if needs_url and not data.stream_url:
        raise InvalidInput("An online event needs its stream or meeting address (https://...).")
    if needs_venue and not (data.venue or "").strip():
        raise InvalidInput("An in-person event needs a venue.")
    bad_levels = [lv for lv in data.nomination_levels if lv not in LEVELS]
    if bad_levels:
        raise InvalidInput(
            "Unknown nomination level {level}; use: {values}.", level=bad_levels[0], values=", ".join(LEVELS)
        )
    check_competencies(session, data.competencies)


def competency_choices(session: Session) -> list[tuple[str, str]]:
    """The catalogue's competencies as (code, name) for the event form; none when the catalogue is not installed."""
    catalog = optional_module("saptah.catalog.service")
    return catalog.competency_choices(session) if catalog is not None else []


def event_tag_rule(session: Session, at: datetime | None = None) -> list[str]:
    """The campaigns that count an event only when it is tagged with a competency (at the event's start, or any
    campaign not yet closed); none when the campaign engine is not installed."""
    campaigns = optional_module("saptah.campaigns.service")
    return campaigns.event_tag_rule(session, at) if campaigns is not None else []


def check_competencies(session: Session, codes: Sequence[str]) -> None:
    """Refuse competency codes the catalogue does not know (when the catalogue can tell)."""
    catalog = optional_module("saptah.catalog.service")
    known = getattr(catalog, "known_competency_codes", None)
    wanted = {c.strip().upper() for c in codes if c.strip()}
    if known is None or not wanted:
        return
    missing = sorted(wanted - set(known(session, sorted(wanted))))
    if missing:
        raise InvalidInput("Unknown competency code(s): {values}.", values=", ".join(missing))


def overlap_warnings(session: Session, event: Event) -> list[str]:
    """Overlaps are allowed, but the organiser is told about them."""
    others = repo.overlapping(
        session, start=event.starts_at, end=ends_at(event), org_id=event.organiser_org_id, exclude=event.id
    )
    return [
        Message(
            "Overlaps with “{title}” ({when} IST, {minutes} min).",
            title=o.title_en,
            when=fmt_ist(o.starts_at),
            minutes=o.duration_minutes,
        )
        for o in others
    ]


def update_event(session: Session, principal: Principal, event: Event, data: EventUpdate) -> Event:
    """Add the recording link, change the stream, or record what a Samuhik Charcha discussed."""
    require_manager(session, principal, event)
    if data.summary is not None and status(event) == "upcoming":
        raise InvalidInput("The summary of the discussion is recorded after the event has started.")
    for field in ("recording_url", "stream_url", "summary"):
        value = getattr(data, field)
        if value is not None:
            setattr(event, field, value.strip() or None)
    session.flush()
    return event


def calendar(
    session: Session,
    *,
    kind: str | None = None,
    theme: str | None = None,
    org_code: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    language: str | None = None,
    q: str | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[int, list[Event]]:
    """The calendar with its filters (days are IST)."""
    if kind and kind not in {k.value for k in EventKind}:
        raise InvalidInput("Unknown kind {kind}.", kind=kind)
    if theme and theme not in THEMES:
        raise InvalidInput("Unknown theme {theme}.", theme=theme)
    org_ids = None
    if org_code:
        org_ids = people.subtree_ids(session, directory.org_by_code(session, org_code).path)
    stmt = repo.calendar_query(
        kinds=[kind] if kind else None,
        theme=theme,
        org_ids=org_ids,
        start=ist_start(day_from) if day_from else None,
        end=ist_end(day_to) if day_to else None,
        language=language,
        q=q,
    )
    longest = timedelta(minutes=LONGEST_EVENT_MINUTES)
    return repo.live_first_page(session, stmt, now=utcnow(), longest=longest, page=page, size=size)


def organisers(session: Session) -> list[Any]:
    """Organisations that organise events (the calendar's organiser picker), in tree order."""
    return repo.organisers(session)


def register(session: Session, principal: Principal, event: Event) -> Registration:
    """Register for an open event (closed events take their invitation list only)."""
    existing = repo.get_registration(session, event.id, principal.person_id)
    if existing is not None:
        return existing
    if event.access == "closed":
        raise Forbidden("This event is by invitation only.")
    if status(event) in ("ended", "cancelled"):
        raise Conflict("Registration has closed: the event is over.")
    event = repo.get_event(session, event.id, lock=True) or event
    if event.capacity is not None and repo.count_registrations(session, event.id) >= event.capacity:
        raise Conflict("The event is full ({capacity} places).", capacity=event.capacity)
    reg = Registration(event_id=event.id, person_id=principal.person_id, source="self")
    repo.add(session, reg)
    return reg


def invite(session: Session, principal: Principal, event: Event, emails: Sequence[str]) -> dict[str, list[str]]:
    """Add people to the invitation list by e-mail; reports who was added and who is unknown."""
    require_manager(session, principal, event)
    added: list[str] = []
    unknown: list[str] = []
    for raw in emails:
        email = directory.normalise_email(raw)
        if not email:
            continue
        person = people.get_person_by_email(session, email)
        if person is None or not _may_reach(session, principal, event, person):
            unknown.append(email)
            continue
        if repo.get_registration(session, event.id, person.id) is None:
            repo.add(session, Registration(event_id=event.id, person_id=person.id, source="invited"))
        added.append(email)
    return {"added": added, "unknown": unknown}


def _may_reach(session: Session, principal: Principal, event: Event, person: Person) -> bool:
    if event.kind in CENTRAL_KINDS or principal.is_national:
        return True
    org = people.get_org(session, person.org_id)
    return org is not None and principal.covers(org.path, Role.MDO_ADMIN, Role.MDO_LEADER)


def may_watch(session: Session, person_id: int, event: Event) -> bool:
    """Open events are for everyone; closed ones for their invitation list."""
    return event.access == "open" or repo.get_registration(session, event.id, person_id) is not None


def stream_url_for(session: Session, principal: Principal, event: Event) -> str | None:
    """The stream address as `principal` may see it: a closed event's only for those the watch page lets in
    (its invitation list) and those who run it; None for anyone else."""
    if may_watch(session, principal.person_id, event) or may_manage(session, principal, event):
        return event.stream_url
    return None


def ministry_of(session: Session, org: Organisation) -> Organisation:
    """The ministry an organisation belongs to (itself when none is above it)."""
    for part in [p for p in org.path.split("/") if p]:
        ancestor = people.get_org(session, int(part))
        if ancestor is not None and ancestor.type in ("ministry", "state"):
            return ancestor
    return org


QUOTA_UNIT_TYPES = {
    "ministry": ("ministry", "state"),
    "department": ("department", "state_department", "ministry", "state"),
}


def quota_unit(session: Session, event: Event, org: Organisation) -> Organisation:
    """The organisation whose seats a nomination from `org` uses: its ministry (or state), or, when the organiser
    chose per department, the nearest department (else the ministry) above or at it."""
    if event.nomination_unit != "department":
        return ministry_of(session, org)
    types = QUOTA_UNIT_TYPES["department"]
    for part in reversed([p for p in org.path.split("/") if p]):
        ancestor = people.get_org(session, int(part))
        if ancestor is not None and ancestor.type in types:
            return ancestor
    return org


def nominate(
    session: Session,
    principal: Principal,
    event: Event,
    *,
    email: str,
    level: str,
    mobile: str | None = None,
    designation: str | None = None,
) -> Nomination:
    """An MDO admin nominates one of their own officers, within their ministry's or department's quota."""
    if event.nomination_quota is None:
        raise InvalidInput("This event does not take nominations.")
    if not (principal.has(Role.MDO_ADMIN) or principal.is_national):
        raise Forbidden("Nominations are made by MDO admins.")
    if status(event) != "upcoming":
        raise Conflict("Nominations have closed: the event has started.")
    if event.nomination_levels and level not in event.nomination_levels:
        raise InvalidInput("Level must be one of: {values}.", values=", ".join(event.nomination_levels))
    person = people.get_person_by_email(session, directory.normalise_email(email))
    org = people.get_org(session, person.org_id) if person else None
    if person is None or org is None or not principal.covers(org.path, Role.MDO_ADMIN):
        raise NotFound("No one with e-mail {email} works in an organisation you administer.", email=email)
    locked = repo.get_event(session, event.id, lock=True) or event  # serialise quota checks per event
    if repo.get_nomination(session, locked.id, person.id) is not None:
        raise Conflict("{name} is already nominated.", name=person.full_name)
    ministry = quota_unit(session, locked, org)
    used = repo.count_nominations(session, locked.id, ministry.id)
    if used >= (locked.nomination_quota or 0):
        raise Conflict(
            "{name} has used all {quota} nominations for this event.",
            name=ministry.name_en,
            quota=locked.nomination_quota,
        )
    nom = Nomination(
        event_id=locked.id,
        person_id=person.id,
        ministry_id=ministry.id,
        level=level,
        full_name=person.full_name,
        designation=designation or person.designation,
        mobile=mobile or person.mobile,
        email=person.email,
        nominated_by=principal.person_id,
    )
    repo.add(session, nom)
    if repo.get_registration(session, locked.id, person.id) is None:
        repo.add(session, Registration(event_id=locked.id, person_id=person.id, source="nominated"))
    return nom


def nominations_for(session: Session, principal: Principal, event: Event) -> list[Nomination]:
    """All nominations for organisers; an MDO admin sees those of the quota units (ministries or departments)
    their organisations nominate under."""
    if may_manage(session, principal, event) and (principal.is_national or event.kind not in CENTRAL_KINDS):
        return repo.nominations(session, event.id)
    paths = directory.admin_paths(principal) or []
    units = {quota_unit(session, event, o).id for o in people.subtree(session, paths)}
    return repo.nominations(session, event.id, sorted(units))


def quota_left(session: Session, principal: Principal, event: Event) -> tuple[str, int] | None:
    """(ministry name, nominations left) for an MDO admin, for the nomination form."""
    if event.nomination_quota is None or not principal.has(Role.MDO_ADMIN):
        return None
    scope = next((s for s in principal.scopes if s.role == Role.MDO_ADMIN and s.org_id), None)
    if scope is None or scope.org_id is None:
        return None
    ministry = quota_unit(session, event, _org(session, scope.org_id))
    return ministry.name_en, event.nomination_quota - repo.count_nominations(session, event.id, ministry.id)


NOMINATION_HEADER = ["Ministry", "Level", "Name", "Designation", "Mobile", "E-mail", "Nominated at (IST)"]


def export_nominations(session: Session, principal: Principal, event: Event, fmt: str) -> bytes:
    """Every nomination by ministry (organisers) as CSV or XLSX."""
    require_manager(session, principal, event)
    rows = repo.nominations(session, event.id)
    names = {o.id: o.name_en for o in (people.get_org(session, i) for i in {n.ministry_id for n in rows}) if o}
    data = [
        [names.get(n.ministry_id, ""), n.level, n.full_name, n.designation, n.mobile, n.email, fmt_ist(n.created_at)]
        for n in sorted(rows, key=lambda n: (names.get(n.ministry_id, ""), n.full_name))
    ]
    body = export(NOMINATION_HEADER, data, fmt, sheet="Nominations")
    audit.record(
        session,
        act=Act.PERSONAL_DATA_EXPORT,
        actor_id=principal.person_id,
        org_id=event.organiser_org_id,
        target=f"event {event.id} nominations",
        details={"export": "nominations", "format": fmt, "rows": len(data)},
    )
    return body


def export(header: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, *, sheet: str = "Sheet1") -> bytes:
    """CSV or XLSX through the formula-safe exporters."""
    if fmt == "csv":
        return to_csv(header, rows)
    if fmt == "xlsx":
        return to_xlsx(header, rows, sheet=sheet)
    raise InvalidInput("Export format must be csv or xlsx.")


def ics(event: Event, base_url: str, *, stream_url: str | None) -> bytes:
    """The event as an iCalendar file for any calendar app (with the stream address the reader may see)."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", "-//Saptah//National Learning Week//EN")
    cal.add("version", "2.0")
    item = IcsEvent()
    item.add("uid", f"event-{event.id}@saptah")
    item.add("summary", event.title_en)
    item.add("dtstart", event.starts_at)
    item.add("dtend", ends_at(event))
    item.add("dtstamp", event.created_at)
    link = f"{base_url.rstrip('/')}/events/{event.id}"
    item.add("url", link)
    where = [x for x in (event.venue, stream_url) if x]
    if where:
        item.add("location", " / ".join(where))
    speakers = (event.speakers or "").replace("\n", ", ")
    item.add("description", f"{event.theme}. {('Speakers: ' + speakers + '. ') if speakers else ''}{link}")
    if event.cancelled_at is not None:
        item.add("status", "CANCELLED")
    cal.add_component(item)
    return bytes(cal.to_ical())


def forget_nominee(session: Session, event: signals.PersonErased) -> None:
    """An erased person: the copies of their name, e-mail, designation and mobile on nominations go."""
    repo.scrub_nominations(session, event.person_id, name=directory.ERASED_NAME, email=event.erased_email)


# --- what the competency passport reads ---------------------------------------------------------------------------

UPCOMING_SCAN = 500  # upcoming events looked at for recommendations (the week has a few hundred)


def event_competencies(session: Session, event_ids: Sequence[int]) -> dict[int, tuple[str, list[str]]]:
    """Each event's (title, competency codes)."""
    return {e.id: (e.title_en, list(e.competencies or [])) for e in repo.events_by_ids(session, event_ids).values()}


def upcoming_building(session: Session, *, person_id: int, codes: Sequence[str], now: datetime) -> list[Event]:
    """Upcoming events tagged with any of these competency codes that the person may join (open events, and
    closed ones they are invited to: the watch page's rule), soonest first."""
    wanted = set(codes)
    tagged = [e for e in repo.upcoming(session, now=now, limit=UPCOMING_SCAN) if wanted & set(e.competencies or [])]
    invited = repo.registered_among(session, person_id, [e.id for e in tagged if e.access != "open"])
    return [e for e in tagged if e.access == "open" or e.id in invited]
