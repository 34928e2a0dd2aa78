"""Where credit comes from: each kind of record is rebuilt from the original activity its domain stores.

Live ingest keeps `campaign_records` as it receives them; recompute and `saptah check` do not trust those copies.
They read the original activity again (course completions, the attendance rows sent, karma entries), through
sources that domains register at wiring time, and compare: a record that is missing, differs from its source, or
has no source any more is repaired by recompute and reported by check. Any past ingest bug (an unwired process,
a lost batch) is so repaired by one command.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import union_all
from sqlalchemy.orm import Session

from saptah.campaigns import repository as repo
from saptah.campaigns.schemas import RecordIn
from saptah.core.signals import Unheard

Source = Callable[[Session, datetime, datetime], Iterable[RecordIn]]
SqlSource = Callable[[datetime, datetime], Any]  # -> a SELECT of RECORD_FIELDS (named so) or None
_sources: dict[str, Source] = {}
_sql: dict[str, tuple[Source, SqlSource]] = {}  # the same records as a query, for the source it was given with

_values = attrgetter(*repo.RECORD_FIELDS)  # a record as the tuple of its stored columns
_person = attrgetter("person_id")
LOOKUP = 2000  # people whose organisation is looked up at once (those with no stored record yet)


def register(prefix: str, source: Source, *, sql: SqlSource | None = None) -> None:
    """Name the source of the records whose key starts with `prefix:`; it yields them ordered by person.
    Idempotent: a kind keeps the source it was first given (wiring runs more than once in a process).

    `sql(start, end)`, if given, is the same source as a query: a SELECT with one column per record field, named
    as the field (unordered). With every source so given, recompute compares sources and stored records inside the
    database (`repair`) and only the differences are written; otherwise it compares them in Python (`reconcile`).
    """
    kept = _sources.setdefault(prefix, source)
    if sql is not None and kept is source:
        _sql.setdefault(prefix, (source, sql))


def repair(session: Session, start: datetime, end: datetime) -> int | None:
    """Make the stored records of [start, end] agree with their sources, in SQL; how many were written or
    deleted, or None when some source has no query form (the caller then uses `reconcile`).

    The sources and the stored records of the window are compared in one full outer join on the source key
    (`repo.differing_records`), so only the differences reach Python: a source record whose person exists and
    that has no stored record, or differs from it in any field, is written as the source says; a stored record
    of a sourced kind in the window that no source gives any more is deleted. Kinds with no source are
    left alone. Afterwards the stored records of the window are exactly the sources', so a rebuild may read them.
    """
    if not _sources:
        raise Unheard("No credit source is registered: call saptah.wiring.wire().")
    queries: list[Any] = []
    for prefix, source in sorted(_sources.items()):
        given = _sql.get(prefix)
        query = given[1](start, end) if given is not None and given[0] is source else None
        if query is None:
            return None
        queries.append(query)
    union: Any = union_all(*queries) if len(queries) > 1 else queries[0]
    wrong, gone = repo.differing_records(session, union, sorted(_sources), start, end)
    people = repo.person_orgs(session, {rec.person_id for rec in wrong}) if wrong else {}
    wrong = [rec for rec in wrong if rec.person_id in people]  # a person who no longer exists earns nothing
    for at in range(0, len(wrong), LOOKUP):
        repo.replace_records(session, wrong[at : at + LOOKUP])
    for at in range(0, len(gone), LOOKUP):
        repo.delete_records(session, gone[at : at + LOOKUP])
    return len(wrong) + len(gone)


def prefixes() -> tuple[str, ...]:
    """The record kinds (source key prefixes) rebuilt from a source."""
    return tuple(sorted(_sources))


def prefix_of(source_key: str) -> str:
    """The source kind of a record key, e.g. "event" for "event:12:7"."""
    return source_key.split(":", 1)[0]


@dataclass
class Person:
    """One person's records: as their sources give them, and the records stored that differ or have no source."""

    person_id: int
    org_id: int
    org_path: str
    records: list[RecordIn]
    missing: list[RecordIn] = field(default_factory=list)  # no stored record
    changed: list[tuple[tuple[object, ...], RecordIn]] = field(default_factory=list)  # (stored values, source)
    orphans: list[tuple[object, ...]] = field(default_factory=list)  # stored, but its source is gone


def expected(session: Session, start: datetime, end: datetime) -> Iterator[list[RecordIn]]:
    """Every sourced record of [start, end], one person's at a time, in person order."""
    if not _sources:
        raise Unheard("No credit source is registered: call saptah.wiring.wire().")
    streams = []
    for _, source in sorted(_sources.items()):
        stream = iter(source(session, start, end))
        first = next(stream, None)
        if first is not None:  # an empty source costs nothing per record of the others
            streams.append(itertools.chain((first,), stream))
    if not streams:
        return
    merged = heapq.merge(*streams, key=_person) if len(streams) > 1 else streams[0]
    for _pid, recs in itertools.groupby(merged, key=_person):
        yield list(recs)


def reconcile(session: Session, start: datetime, end: datetime) -> Iterator[Person]:
    """Each person with records in [start, end]: what the sources say, compared with the stored records.

    Stored records of kinds with no registered source are kept as they are. Two streams, both in person order,
    are walked side by side, so memory holds one person (and the few waiting for an organisation lookup).
    """
    sourced = set(_sources)
    stored = itertools.groupby(repo.records_between(session, start, end), key=lambda row: row[0])
    want = expected(session, start, end)
    have_pid, have_rows = _next(stored)
    waiting: list[Person] = []
    for recs in want:
        pid = recs[0].person_id
        while have_pid is not None and have_pid < pid:
            yield from _only_stored(have_rows, sourced)
            have_pid, have_rows = _next(stored)
        if have_pid == pid:
            yield _compare(recs, have_rows, sourced)
            have_pid, have_rows = _next(stored)
        else:
            waiting.append(Person(pid, 0, "", recs, missing=list(recs)))
            if len(waiting) >= LOOKUP:
                yield from _placed(session, waiting)
                waiting = []
    while have_pid is not None:
        yield from _only_stored(have_rows, sourced)
        have_pid, have_rows = _next(stored)
    yield from _placed(session, waiting)


def _next(stored: Iterator[tuple[int, Iterator[tuple[object, ...]]]]) -> tuple[int | None, list[tuple[object, ...]]]:
    pid, rows = next(stored, (None, iter(())))
    return pid, list(rows)


def _compare(recs: list[RecordIn], rows: list[tuple[object, ...]], sourced: set[str]) -> Person:
    _, org_id, path = rows[0][:3]
    stored = {row[3]: row[3:] for row in rows}  # a Row's slice is a plain tuple
    person = Person(recs[0].person_id, int(org_id), str(path), recs)  # type: ignore[call-overload]
    for rec in recs:
        have = stored.pop(rec.source_key, None)
        if have is None:
            person.missing.append(rec)
        elif have != _values(rec):
            person.changed.append((have, rec))
    for key, values in stored.items():
        if prefix_of(str(key)) in sourced:
            person.orphans.append(values)
        else:
            person.records.append(RecordIn(*values))  # type: ignore[arg-type]
    return person


def _only_stored(rows: list[tuple[object, ...]], sourced: set[str]) -> Iterator[Person]:
    pid, org_id, path = rows[0][:3]
    person = Person(int(pid), int(org_id), str(path), [])  # type: ignore[call-overload]
    for row in rows:
        values = row[3:]
        if prefix_of(str(values[0])) in sourced:
            person.orphans.append(values)
        else:
            person.records.append(RecordIn(*values))  # type: ignore[arg-type]
    yield person


def _placed(session: Session, waiting: list[Person]) -> Iterator[Person]:
    """People whose every record is missing from the store: their organisations, looked up together."""
    if not waiting:
        return
    orgs = repo.person_orgs(session, [p.person_id for p in waiting])
    for person in waiting:
        if person.person_id in orgs:  # a person who no longer exists earns nothing
            person.org_id, person.org_path = orgs[person.person_id]
            yield person
