"""Learning becomes passport evidence: live, from the domain signals that also feed credit, and rebuilt from the
sources (the catalogue's completions, the events' attendance) through the same replays campaign recompute reads.

Both paths turn signals into evidence with the same functions and compute levels with the same set-based
statement (`repository.rebuild_levels`), so a rebuild gives what live ingest gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

from saptah.catalog import service as catalog
from saptah.core import signals
from saptah.directory import service as people
from saptah.events import service as events
from saptah.passport import repository as repo
from saptah.passport.levels import EVENT_LEVEL, evidence_level
from saptah.passport.schemas import EvidenceIn

EVER = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))
BATCH = 5000  # replayed signals turned into evidence at once


def course_evidence(
    session: Session, done: Sequence[signals.CourseCompleted]
) -> tuple[list[tuple[int, str]], list[EvidenceIn]]:
    """The evidence of course completions: each of the course's competencies at its declared level, one more when
    its assessment was passed with a high score. Returns the (person, source key) pairs covered and the rows."""
    comps = catalog.competency_levels(session, sorted({d.course_id for d in done}))
    passed = [(d.person_id, d.course_id) for d in done if d.assessment_passed]
    scores = catalog.best_scores(session, passed)
    keys, rows = [], []
    for d in done:
        key = f"course:{d.course_id}"
        keys.append((d.person_id, key))
        score = scores.get((d.person_id, d.course_id)) if d.assessment_passed else None
        kind = "assessment" if d.assessment_passed else "course"
        title = d.title or f"Course #{d.course_id}"
        for comp, declared in comps.get(d.course_id, ()):
            level = evidence_level(declared, score)
            rows.append(EvidenceIn(d.person_id, comp, key, kind, d.course_id, title, level, score, d.completed_at))
    return keys, rows


def attendance_evidence(
    session: Session, seen: Sequence[signals.EventAttendanceRecorded]
) -> tuple[list[tuple[int, str]], list[EvidenceIn]]:
    """The evidence of event attendance: each of the event's competencies at level 1, once the person attended
    (more than half the event, or marked present); a total below that removes it again."""
    tags = events.event_competencies(session, sorted({s.event_id for s in seen}))
    codes = catalog.competencies_by_codes(session, sorted({c for _t, cs in tags.values() for c in cs}))
    keys, rows = [], []
    latest = {(s.person_id, s.event_id): s for s in seen}  # a running total: the last one sent counts
    for (pid, eid), s in sorted(latest.items()):
        key = f"event:{eid}"
        keys.append((pid, key))
        if not s.attended or eid not in tags:
            continue
        title, event_codes = tags[eid]
        for code in dict.fromkeys(event_codes):
            if code in codes:
                rows.append(
                    EvidenceIn(pid, codes[code].id, key, "event", eid, s.title or title, EVENT_LEVEL, None, s.at)
                )
    return keys, rows


def _store(session: Session, found: tuple[list[tuple[int, str]], list[EvidenceIn]]) -> None:
    keys, rows = found
    repo.replace_evidence(session, keys, rows)
    repo.rebuild_levels(session, sorted({pid for pid, _k in keys}))


def _ingest_courses(session: Session, done: list[signals.CourseCompleted]) -> None:
    _store(session, course_evidence(session, done))


def _ingest_attendance(session: Session, seen: list[signals.EventAttendanceRecorded]) -> None:
    _store(session, attendance_evidence(session, seen))


def _ingest_passes(session: Session, passes: list[signals.AssessmentPassed]) -> None:
    """A pass recorded after the completion: the course's evidence is taken again from the stored completion."""
    done = catalog.completions_announced(session, [(p.person_id, p.course_id) for p in passes])
    _store(session, course_evidence(session, done))


def on_course_completed(session: Session, event: signals.CourseCompleted) -> None:
    """Add a completion's competencies (at the end of the publisher's batch, if it delivers one)."""
    signals.collect(session, "passport.courses", [event], _ingest_courses)


def on_assessment_passed(session: Session, event: signals.AssessmentPassed) -> None:
    """A later pass raises the course's evidence."""
    signals.collect(session, "passport.passes", [event], _ingest_passes)


def on_attendance(session: Session, event: signals.EventAttendanceRecorded) -> None:
    """Add (or, below half the event, remove) an event's competencies."""
    signals.collect(session, "passport.attendance", [event], _ingest_attendance)


def rebuild(session: Session, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Rebuild every passport from the sources: replay every completion and attendance, write the evidence in
    bulk, then compute everyone's levels in one statement. Returns what it wrote."""
    repo.clear_all(session)
    read = 0
    replays: list[tuple[type, Callable[[Session, Any], tuple[list[tuple[int, str]], list[EvidenceIn]]]]] = [
        (signals.CourseCompleted, course_evidence),
        (signals.EventAttendanceRecorded, attendance_evidence),
    ]
    for kind, make in replays:
        stream = iter(signals.replay(session, kind, *EVER))
        for chunk in _chunks(stream):
            repo.copy_evidence(session, make(session, chunk)[1])
            read += len(chunk)
            if progress is not None:
                progress(read)
    repo.rebuild_levels(session, None)
    return {"signals": read, "evidence": repo.count_evidence(session)}


def _chunks(stream: Iterable[Any]) -> Iterable[list[Any]]:
    it = iter(stream)
    while chunk := list(islice(it, BATCH)):
        yield chunk


# --- staff changes: the gaps dashboard's totals recount the organisations concerned ------------------------------


def _recount_people(session: Session, person_ids: list[int]) -> None:
    repo.refresh_totals(session, org_ids=people.org_ids_of(session, sorted(set(person_ids))))


def _recount_orgs(session: Session, org_ids: list[int]) -> None:
    repo.refresh_totals(session, org_ids=sorted(set(org_ids)))


def on_staff_changed(session: Session, event: signals.StaffChanged) -> None:
    """People added, moved or changed in bulk: recount their organisations (old and new)."""
    signals.collect(session, "passport.staff", list(event.org_ids), _recount_orgs)


def on_person_erased(session: Session, event: signals.PersonErased) -> None:
    """Erasure: the person's passport (evidence and levels) is deleted and they no longer count as staff."""
    repo.forget_person(session, event.person_id)
    _recount_people(session, [event.person_id])
