"""`saptah check`: verify a campaign's invariants without changing anything, and say every violation.

1. Every stored record agrees with its source (a course completion, an attendance row sent, a karma entry), and
   every record has one: no credit for an event or a course that does not exist.
2. The ledger, each person's totals, the organisation-day totals and the boards equal what a recompute from those
   sources gives (the same `judge` and `summarise`, through `Rebuild`, with nothing written).
3. No credit is dated in the future or outside the window.
4. Each event's credited attendance equals what its attendance rows credit.
5. Whatever other domains register (`register`): recognition checks that karma follows its rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from saptah.campaigns import check_repository as check_repo
from saptah.campaigns import repository as repo
from saptah.campaigns import sources
from saptah.campaigns.rebuild import Rebuild
from saptah.campaigns.schemas import CampaignRules, RecordIn, RuleBook
from saptah.campaigns.service import get, rule_book
from saptah.core.bulk import fewer_gc_passes
from saptah.core.db import utcnow
from saptah.core.timeutil import fmt_ist

Extra = Callable[[Session, CampaignRules, datetime], Iterable[str]]
_extra: dict[str, Extra] = {}


def register(name: str, fn: Extra) -> None:
    """Add a domain's own invariant: fn(session, rules, now) yields one message per violation (idempotent)."""
    _extra.setdefault(name, fn)


@dataclass(frozen=True)
class Violation:
    """One broken invariant, said for people."""

    kind: str
    message: str


class Found(Protocol):
    """Where violations go as they are found: a list, or something that prints them at once."""

    def append(self, violation: Violation, /) -> None: ...


def check(
    session: Session,
    campaign_id: int,
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    found: Found | None = None,
) -> tuple[Found, dict[str, int]]:
    """Every violation of the campaign's invariants (into `found`, a new list by default, as they are found, so a
    national run need not hold millions), and how much was checked (records, people)."""
    campaign = get(session, campaign_id)
    book, now = rule_book(session, campaign), now or utcnow()
    rules, (start, end) = book.latest, book.span
    found = [] if found is None else found
    checker = _Checker(session, campaign_id, book, progress, found)
    with fewer_gc_passes():
        for person in sources.reconcile(session, start, end):
            _records(person, found)
            checker.add(person.person_id, person.org_id, person.org_path, person.records)
        counts = checker.finish()
    for pid, key, at, minutes, karma in check_repo.credit_out_of_bounds(session, campaign_id, start, end, now):
        when = "in the future" if at > now else "outside the campaign window"
        what = f"{minutes} minutes" if minutes or not karma else f"{karma} karma points"
        found.append(Violation("credit out of time", f"Person {pid}: {key} credits {what} dated {_ist(at)}, {when}."))
    for name, fn in sorted(_extra.items()):
        for message in fn(session, rules, now):
            found.append(Violation(name, message))
    return found, counts


def _ist(at: datetime) -> str:
    return fmt_ist(at, "%d-%m-%Y %H:%M") + " IST"


def _records(person: sources.Person, found: Found) -> None:
    for rec in person.missing:
        found.append(
            Violation(
                "record missing",
                f"Person {person.person_id}: {_named(rec)} is in its source but the campaign never received it.",
            )
        )
    for stored, rec in person.changed:
        diff = ", ".join(
            f"{name} {old!r} (source: {new!r})"
            for name, old, new in zip(repo.RECORD_FIELDS, stored, sources._values(rec), strict=True)
            if old != new
        )
        found.append(Violation("record differs", f"Person {person.person_id}: {_named(rec)} is stored with {diff}."))
    for values in person.orphans:
        rec = RecordIn(*values)  # type: ignore[arg-type]
        found.append(
            Violation(
                "no source",
                f"Person {person.person_id}: {_named(rec)} has no source (no such course completion, attendance "
                "or karma entry, or its event or course does not exist).",
            )
        )


def _named(rec: RecordIn) -> str:
    return f"{rec.source_key} ({rec.label or 'no title'})"


LedgerValues = tuple[str, int, int, bool, str, datetime]


class _Checker(Rebuild):
    """A rebuild that compares, chunk by chunk, with what is stored instead of writing it."""

    def __init__(
        self,
        session: Session,
        campaign_id: int,
        book: RuleBook,
        progress: Callable[[int], None] | None,
        found: Found,
    ) -> None:
        super().__init__(session, campaign_id, book, progress)
        self.found = found
        self.seen: set[int] = set()
        self.labels: dict[str, str | None] = {}
        self.events: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # expected n, minutes; stored n, min
        self.titles: dict[int, str | None] = {}

    def add(self, pid: int, org_id: int, path: str, recs: Sequence[RecordIn]) -> None:
        """As `Rebuild.add`, remembering the records' titles for the messages."""
        super().add(pid, org_id, path, recs)
        for rec in recs:
            self.labels[rec.source_key] = rec.label

    def _write(self) -> None:
        want: dict[int, dict[str, LedgerValues]] = defaultdict(dict)
        for row in self.ledger:
            want[row["person_id"]][row["source_key"]] = _ledger_values(row)
        want_totals = {row["person_id"]: tuple(row[c] for c in check_repo.TOTAL_COLUMNS) for row in self.totals}
        pids = sorted(set(want) | set(want_totals))
        self.seen.update(pids)
        have = repo.ledger_for(self.session, self.campaign_id, pids) if pids else {}
        have_totals = check_repo.totals_for(self.session, self.campaign_id, pids) if pids else {}
        for pid in pids:
            self._ledger(pid, want.get(pid, {}), {k: _verdict_values(v) for k, v in have[pid].items()})
            self._totals(pid, want_totals.get(pid), have_totals.get(pid))
        if self.progress is not None:
            self.progress(self.records)
        self.ledger, self.totals, self.labels = [], [], {}

    def _ledger(self, pid: int, want: dict[str, LedgerValues], have: dict[str, LedgerValues]) -> None:
        for key in sorted(want.keys() | have.keys()):
            w, h = want.get(key), have.get(key)
            self._count_event(key, w, h)
            if w == h:
                continue
            name = f"{key} ({self.labels.get(key) or 'no title'})"
            if h is None:
                msg = f"Person {pid}: {name} should credit {_said(w)} but has no ledger row."
            elif w is None:
                msg = f"Person {pid}: the ledger credits {name} with {_said(h)}, which its source does not give."
            else:
                msg = f"Person {pid}: the ledger credits {name} with {_said(h)}; its source gives {_said(w)}."
            self.found.append(Violation("ledger differs", msg))

    def _count_event(self, key: str, want: LedgerValues | None, have: LedgerValues | None) -> None:
        if not key.startswith("event:"):
            return
        eid = int(key.rsplit(":", 1)[1])
        acc = self.events[eid]
        if want is not None:
            acc[0], acc[1] = acc[0] + 1, acc[1] + want[1]
            self.titles[eid] = self.labels.get(key)
        if have is not None:
            acc[2], acc[3] = acc[2] + 1, acc[3] + have[1]

    def _totals(self, pid: int, want: tuple[Any, ...] | None, have: tuple[Any, ...] | None) -> None:
        if want == have or (want is None and (have is None or not any(have[1:]))):
            return
        if have is None:
            msg = f"Person {pid}: no totals row; their sources give {_pairs(want)}."
        elif want is None:
            msg = f"Person {pid}: totals {_pairs(have)}, but their sources credit nothing."
        else:
            named = zip(check_repo.TOTAL_COLUMNS, want, have, strict=True)
            diff = [f"{c} {h!r} (sources: {w!r})" for c, w, h in named if w != h]
            msg = f"Person {pid}: totals differ: {', '.join(diff)}."
        self.found.append(Violation("totals differ", msg))

    def finish(self) -> dict[str, int]:
        """Compare the last chunk, the shared aggregates, each event's attendance and who holds credit."""
        self._flush_person()
        self._write()
        want_days = {key: tuple(v) for key, v in self.org_days.items() if any(v)}
        stored_days = repo.org_days_of(self.session, self.campaign_id)
        have_days = {(r.org_id, r.day): tuple(int(x) for x in r[2:]) for r in stored_days if any(r[2:])}
        for org, day in sorted(want_days.keys() | have_days.keys()):
            w, h = want_days.get((org, day), (0, 0, 0, 0)), have_days.get((org, day), (0, 0, 0, 0))
            if w != h:
                msg = (
                    f"Organisation {org} on {day:%d-%m-%Y}: minutes, completions, newly active, reached are "
                    f"{list(h)}; the sources give {list(w)}."
                )
                self.found.append(Violation("organisation day differs", msg))
        want_scores = {k: n for k, n in self.scores.items() if n}
        have_scores = repo.score_counts_of(self.session, self.campaign_id)
        for board, score in sorted(want_scores.keys() | have_scores.keys()):
            n_want, n_have = want_scores.get((board, score), 0), have_scores.get((board, score), 0)
            if n_want != n_have:
                msg = f"Board {board}: {n_have} people hold score {score}; the sources give {n_want}."
                self.found.append(Violation("board differs", msg))
        for eid, (n, minutes, got, got_minutes) in sorted(self.events.items()):
            if (n, minutes) != (got, got_minutes):
                msg = (
                    f"Event '{self.titles.get(eid) or eid}' (id {eid}): its attendance credits {n} people with "
                    f"{minutes} minutes; the ledger holds {got} people with {got_minutes} minutes."
                )
                self.found.append(Violation("event attendance differs", msg))
        for pid in sorted(check_repo.people_with_credit(self.session, self.campaign_id) - self.seen):
            msg = f"Person {pid} holds credit in the campaign but no source gives any."
            self.found.append(Violation("no source", msg))
        return {"records": self.records, "people": self.people}


def _verdict_values(v: Any) -> LedgerValues:
    return (v.category, v.minutes, v.karma, v.counted, v.reason, v.earned_at)


def _ledger_values(row: dict[str, Any]) -> LedgerValues:
    return (row["category"], row["minutes"], row["karma"], row["counted"], row["reason"], row["earned_at"])


def _said(v: LedgerValues | None) -> str:
    if v is None:
        return "nothing"
    category, minutes, karma, counted, reason, at = v
    amount = f"{karma} karma points" if category == "karma" else f"{minutes} minutes"
    return f"{amount}{'' if counted else ' (not counted)'} on {_ist(at)} ('{reason}')"


def _pairs(values: tuple[Any, ...] | None) -> str:
    return ", ".join(f"{c} {v!r}" for c, v in zip(check_repo.TOTAL_COLUMNS, values or (), strict=False) if v)
