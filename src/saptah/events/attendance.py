"""Attendance rules: live presence merged per person, imported reports and sheets, publishing credit.

Part of the events service (split out to keep modules small); no HTTP here, only flush.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden, SaptahError
from saptah.events import attendance_repository as attendance_repo
from saptah.events import repository as repo
from saptah.events.models import Attendance, Event, EventKind
from saptah.events.service import GRACE, ends_at, may_watch, status

MAX_GAP_SECONDS = 90  # a ping claims at most this much time since the previous one (interval is 30-60 s)
PUBLISH_STEP = 15  # live totals go to the campaign engine at the first minute, every 15 more, at 50 % and at close
PUBLISH_BATCH = 1000  # running totals sent to the campaign engine per transaction of the worker's sweep
SHARDS = 64  # viewer-minute counter rows per event minute: at 1,700 pings/s about 27 updates/s each
MAX_TABS = 8


@dataclass(frozen=True)
class PingResult:
    """What a ping did and the person's totals after it."""

    counted: bool
    reason: str | None
    seconds: int
    minutes: int
    attended: bool
    at: datetime


@dataclass
class LiveRow:
    """The columns of one attendance row that a ping reads and writes (the ping path uses no ORM objects)."""

    id: int
    closed_seconds: int
    open_start: datetime | None
    open_end: datetime | None
    last_minute: int
    tabs: dict[str, Any]
    imported_minutes: int | None
    source: str
    minutes: int = 0
    attended: bool = False
    person_id: int = 0
    pings: int = 0  # pings counted in this batch (added to the stored count)


Merged = Attendance | LiveRow


def credit_kind(event: Event) -> str:
    """The campaign engine's kind for an event: webinar | mdo_event | offline."""
    return _credit_kind(event.kind, event.mode)


def _credit_kind(kind: str, mode: str) -> str:
    if kind in (EventKind.CENTRAL_WEBINAR, EventKind.INAUGURAL):
        return "webinar"
    if kind == EventKind.MDO_WEBINAR:
        return "mdo_event"
    return "offline" if mode == "in_person" else "mdo_event"


def live_seconds(row: Merged) -> int:
    """Merged seconds of live presence: closed intervals plus the open one."""
    open_part = 0
    if row.open_start is not None and row.open_end is not None:
        open_part = int((row.open_end - row.open_start).total_seconds())
    return row.closed_seconds + open_part


@dataclass(frozen=True)
class Presence:
    """One presence report: whose, from which tab, its sequence and the seconds it claims."""

    person_id: int
    tab: str
    seq: int
    seconds: int


def ping(
    session: Session,
    *,
    event: Event,
    person_id: int,
    tab: str,
    seq: int,
    seconds: int,
    now: datetime | None = None,
) -> PingResult:
    """Merge one presence report into the person's row (see `ping_many`)."""
    [outcome] = ping_many(session, event=event, pings=[Presence(person_id, tab, seq, seconds)], now=now)
    if isinstance(outcome, SaptahError):
        raise outcome
    return outcome


def ping_many(
    session: Session,
    *,
    event: Event,
    pings: Sequence[Presence],
    now: datetime | None = None,
    have_rows: set[tuple[int, int]] | None = None,
) -> list[PingResult | SaptahError]:
    """Merge presence reports for one event, in order: rows locked in person order, then one write per row.

    A ping costs one locked row and one update whatever the history; a batch shares its statements and its
    commit. Each report gets its own result or refusal. Crediting the campaign is not done here: the sweep
    (`publish_due`) sends due totals within seconds. `have_rows`, if given, remembers which (event, person)
    rows exist: a first ping's row is then inserted already merged (on PostgreSQL) or created before the lock.
    """
    now = now or utcnow()
    refusal = _refusal(event, now)
    if refusal is not None:
        return [refusal for _ in pings]
    allowed = sorted({p.person_id for p in pings if may_watch(session, p.person_id, event)})
    new = [] if have_rows is None else [p for p in allowed if (event.id, p) not in have_rows]
    results: dict[int, PingResult] = {}
    counts: Counter[tuple[int, int]] = Counter()
    stored = _insert_merged(session, event, pings, new, now, results, counts) if new else set()
    rest = [p for p in allowed if p not in stored]
    rows = attendance_repo.lock_live_many(
        session, event_id=event.id, person_ids=rest, create_first=[p for p in new if p not in stored]
    )
    results.update(_apply(event, rows, [(i, p) for i, p in enumerate(pings) if p.person_id in rows], now, counts))
    changed = {row.id: row for row in rows.values() if row.pings}
    attendance_repo.save_live_many(
        session, [changed[i] for i in sorted(changed)], event_id=event.id, now=now, counts=counts
    )
    if have_rows is not None:
        have_rows.update((event.id, p) for p in allowed)
    return [results.get(i) or Forbidden("This event is by invitation only.") for i in range(len(pings))]


def _insert_merged(
    session: Session,
    event: Event,
    pings: Sequence[Presence],
    new: Sequence[int],
    now: datetime,
    results: dict[int, PingResult],
    counts: Counter[tuple[int, int]],
) -> set[int]:
    """First pings: merge onto empty rows and insert them as they end up (one row version, not two). Returns
    the people whose rows were inserted; a row someone else created meanwhile is left to the locked path."""
    fresh = {pid: _blank(pid) for pid in new}
    mine = [(i, p) for i, p in enumerate(pings) if p.person_id in fresh]
    trial: Counter[tuple[int, int]] = Counter()
    merged = _apply(event, fresh, mine, now, trial)
    stored = attendance_repo.insert_live_many(session, event_id=event.id, rows=[fresh[pid] for pid in new], now=now)
    if stored is None:  # not on this database: rows are created, then locked
        return set()
    if len(stored) < len(new):  # some were created meanwhile: merge again for those that are ours
        fresh = {pid: _blank(pid) for pid in stored}
        trial = Counter()
        merged = _apply(event, fresh, [(i, p) for i, p in mine if p.person_id in fresh], now, trial)
    results.update(merged)
    counts.update(trial)
    return stored


def _blank(person_id: int) -> LiveRow:
    return LiveRow(0, 0, None, None, -1, {}, None, "live", person_id=person_id)


def _apply(
    event: Event,
    rows: dict[int, LiveRow],
    items: Sequence[tuple[int, Presence]],
    now: datetime,
    counts: Counter[tuple[int, int]],
) -> dict[int, PingResult]:
    """Merge each (index, report) into its person's row, in order; the result of each by index."""
    out: dict[int, PingResult] = {}
    for i, p in items:
        row = rows[p.person_id]
        if int(row.tabs.get(p.tab, 0)) >= p.seq:
            out[i] = _result(row, False, "This ping was already counted.", now)
            continue
        start = max(event.starts_at, now - timedelta(seconds=min(p.seconds, MAX_GAP_SECONDS)))
        end = min(now, ends_at(event) + GRACE)
        counts.update((m, p.person_id % SHARDS) for m in _new_minutes(event, row, start, end))
        _merge(row, start, end)
        row.tabs = _remember(row.tabs, p.tab, p.seq)
        row.pings += 1
        _update_totals(event, row)
        out[i] = _result(row, True, None, now)
    return out


def _refusal(event: Event, now: datetime) -> SaptahError | None:
    state = status(event, now)
    if event.mode == "in_person":
        return Conflict("This event has no live stream; attendance is taken at the venue.")
    if state == "upcoming" or (state != "live" and now > ends_at(event) + GRACE) or state == "cancelled":
        return Conflict("This event is not live now, so presence is not recorded.")
    return None


def _remember(tabs: dict[str, Any], tab: str, seq: int) -> dict[str, Any]:
    """The tab's last sequence, keeping the row compact: the oldest-numbered tabs are forgotten."""
    tabs = {**tabs, tab: seq}
    if len(tabs) > MAX_TABS:
        tabs = dict(sorted(tabs.items(), key=lambda kv: -int(kv[1]))[:MAX_TABS])
    return tabs


def _merge(row: Merged, start: datetime, end: datetime) -> None:
    """Union [start, end] into closed + open intervals; nothing before the last closed end counts again."""
    if end <= start:
        return
    if row.open_start is None or row.open_end is None:
        row.open_start, row.open_end = start, end
        return
    closed_until = row.open_start  # everything before the open interval is already in closed_seconds
    start = max(start, closed_until) if start < row.open_start else start
    if start <= row.open_end:  # touches or overlaps the open interval: extend it
        row.open_end = max(row.open_end, end)
        return
    row.closed_seconds += int((row.open_end - row.open_start).total_seconds())
    row.open_start, row.open_end = start, end


def _new_minutes(event: Event, row: Merged, start: datetime, end: datetime) -> list[int]:
    """Event minutes this presence covers for the first time (each counts the person once, for peak viewers)."""
    if end <= start:
        return []
    first = int((start - event.starts_at).total_seconds() // 60)
    last = int((end - event.starts_at - timedelta(microseconds=1)).total_seconds() // 60)
    minutes = list(range(max(first, row.last_minute + 1), last + 1))
    if minutes:
        row.last_minute = minutes[-1]
    return minutes


def _update_totals(event: Event, row: Merged) -> None:
    live = min(live_seconds(row), event.duration_minutes * 60) // 60
    row.minutes = min(max(live, row.imported_minutes or 0), event.duration_minutes)
    marked_present = row.source == "sheet" and (row.imported_minutes or 0) > 0
    row.attended = marked_present or row.minutes * 2 > event.duration_minutes


def _result(row: Merged, counted: bool, reason: str | None, now: datetime) -> PingResult:
    return PingResult(counted, reason, live_seconds(row), row.minutes, row.attended, now)


def _announce(session: Session, event: Event, person_id: int, minutes: int, attended: bool) -> None:
    signals.publish(
        session,
        signals.EventAttendanceRecorded(
            person_id=person_id,
            event_id=event.id,
            minutes=minutes,
            attended=attended,
            kind=credit_kind(event),
            organiser_org_id=event.organiser_org_id,
            competency_linked=bool(event.competencies),
            at=event.starts_at,
            title=event.title_en,
        ),
    )


def sent_between(session: Session, start: datetime, end: datetime) -> Iterator[signals.EventAttendanceRecorded]:
    """Every attendance total sent to the campaign engine for events starting in [start, end], announced again
    from the attendance rows, ordered by person: what the campaign engine rebuilds event credit from."""
    for pid, eid, minutes, attended, kind, mode, org, comps, title, at in attendance_repo.sent_between(
        session, start, end
    ):
        yield signals.EventAttendanceRecorded(
            pid, eid, minutes, attended, _credit_kind(kind, mode), org, bool(comps), at, title
        )


def publish(session: Session, event: Event, row: Attendance) -> None:
    """Send the person's running total to the campaign engine (it converges; replays change nothing)."""
    if row.minutes == row.published_minutes and row.attended == row.published_attended:
        return
    row.published_minutes = row.minutes
    row.published_attended = row.attended
    _announce(session, event, row.person_id, row.minutes, row.attended)


def publish_due(session: Session, *, now: datetime | None = None, limit: int = PUBLISH_BATCH) -> int:
    """Send the due running totals of events not yet closed to the campaign engine; returns how many.

    Due: the first credited minute, every PUBLISH_STEP more, and crossing 50 %. The worker runs this every few
    seconds (`tasks.publish_duty`), so live presence reaches the campaign within seconds without the campaign
    engine running inside each ping. Rows are read without locks and only `published_*` is written back, so
    pings are never blocked by this work; one sweep runs at a time (a transaction-level lock).
    """
    if not attendance_repo.take_credit_lock(session, wait=False):
        return 0
    due = attendance_repo.due_for_publish(session, now=now or utcnow(), step=PUBLISH_STEP, limit=limit)
    events = repo.events_by_ids(session, sorted({d.event_id for d in due}))
    with signals.batch(session):  # subscribers credit the lot at once (the campaign engine: one ingest)
        for d in due:
            _announce(session, events[d.event_id], d.person_id, d.minutes, d.attended)
    attendance_repo.mark_published(session, [(d.id, d.minutes, d.attended) for d in due])
    return len(due)


def finalise(session: Session, event: Event, now: datetime | None = None) -> int:
    """Close live attendance after end + grace: fold open intervals and publish every changed total."""
    now = now or utcnow()
    if now < ends_at(event) + GRACE and event.mode != "in_person":
        raise Conflict("Attendance closes when the event has ended and the grace period has passed.")
    attendance_repo.take_credit_lock(session, wait=True)  # not while a sweep is publishing the same rows
    sent = 0
    with signals.batch(session):
        for row in attendance_repo.attendance_rows(session, event.id, unpublished_only=True):
            _update_totals(event, row)
            if row.minutes != row.published_minutes or row.attended != row.published_attended:
                publish(session, event, row)
                sent += 1
    event.finalised_at = now
    session.flush()
    return sent


def finalise_due(session: Session, now: datetime | None = None) -> int:
    """Finalise every event whose grace period has passed; returns how many."""
    now = now or utcnow()
    done = 0
    for event in repo.ended_unfinalised(session, now):
        if now >= ends_at(event) + GRACE:
            finalise(session, event, now)
            done += 1
    return done


def set_imported(session: Session, event: Event, *, person_id: int, minutes: int, source: str) -> Attendance:
    """Record imported minutes for a person (the larger of live and imported counts) and publish.

    A new sheet replaces the person's imported minutes, so their total may fall: the total is sent under the
    credit lock (taken before the row's, as the sweep and `finalise` do), so no sweep that read the row before
    can send an older total after this one.
    """
    attendance_repo.take_credit_lock(session, wait=True)
    row = attendance_repo.ensure_attendance(session, event_id=event.id, person_id=person_id)
    row.imported_minutes = minutes
    row.source = source
    row.updated_at = utcnow()
    _update_totals(event, row)
    publish(session, event, row)
    session.flush()
    return row


def performance(session: Session, event: Event) -> dict[str, object]:
    """Registrations, unique attendees, peak viewers, average minutes and share over 50 %, by organisation."""
    from saptah.directory import repository as people

    fig = repo.event_figures(session, [event.id])[event.id]
    orgs = []
    for org_id, n, mins, half in repo.figures_by_org(session, event.id):
        org = people.get_org(session, org_id)
        orgs.append(
            {
                "org_id": org_id,
                "organisation": org.name_en if org else "",
                "attendees": n,
                "average_minutes": round(mins / n, 1) if n else 0.0,
                "share_over_half": round(100 * half / n, 1) if n else 0.0,
            }
        )
    n = int(fig["attendees"])
    return {
        "event_id": event.id,
        "registrations": int(fig["registrations"]),
        "attendees": n,
        "peak_viewers": attendance_repo.peak_viewers(session, event.id),
        "average_minutes": round(fig["minutes"] / n, 1) if n else 0.0,
        "share_over_half": round(100 * fig["over_half"] / n, 1) if n else 0.0,
        "by_organisation": orgs,
    }


def count_viewers(session: Session, event: Event, minutes: range, person_id: int) -> None:
    """Count a person as a viewer in these minutes (the demo seeds finished sessions this way)."""
    attendance_repo.count_viewer_minutes(session, event.id, list(minutes), person_id % SHARDS)


def issue_certificate(session: Session, event: Event, person_id: int) -> str:
    """An attendance certificate for someone who attended (over 50 %, or marked present); returns its code."""
    from saptah.core.modules import optional_module

    recognition = optional_module("saptah.recognition.service")
    row = attendance_repo.get_attendance(session, event.id, person_id)
    if row is None or not row.attended:
        raise Conflict("A certificate is issued to those who attended more than half of the event.")
    if recognition is None:
        raise Conflict("Certificates are not available yet.")
    cert = recognition.issue_certificate(
        session,
        person_id=person_id,
        kind="event",
        subject_id=event.id,
        title=event.title_en,
        title_hi=event.title_hi,
        duration_minutes=row.minutes,
        achieved_at=event.starts_at,
    )
    return str(cert.code)
