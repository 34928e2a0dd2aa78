"""The bulk path of recompute: take records person by person, write ledger and aggregates in large batches.

It uses the same `judge` and `summarise` as live ingest, so both give identical results.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from saptah.campaigns import repository as repo
from saptah.campaigns.credit import judge, summarise
from saptah.campaigns.models import (
    BOARD_SIZE,
    CampaignOrgDayTotal,
    CampaignPersonTotal,
    CampaignScoreCount,
    CreditLedger,
)
from saptah.campaigns.schemas import RecordIn, RuleBook, Verdict
from saptah.core.bulk import copy_rows

FLUSH_ROWS = 20000


class Rebuild:
    """Accumulates one campaign's rebuild; feed rows ordered by person, then call finish()."""

    def __init__(
        self, session: Session, campaign_id: int, book: RuleBook, progress: Callable[[int], None] | None
    ) -> None:
        self.session, self.campaign_id, self.book, self.progress = session, campaign_id, book, progress
        self.person: tuple[int, int, str] | None = None
        self.verdicts: list[tuple[str, Verdict]] = []
        self.ledger: list[dict[str, Any]] = []
        self.totals: list[dict[str, Any]] = []
        self.org_days: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.scores: Counter[tuple[str, int]] = Counter()
        self.reached: list[int] = []
        self.records = self.people = 0

    def add(self, pid: int, org_id: int, path: str, recs: Sequence[RecordIn] | Sequence[Any]) -> None:
        """Every record of one person (each person once), with their organisation's id and path; each record is
        judged by the rule version in force at its own moment. A record may be a stored row that reads as one
        by field name (`repo.stored_for_rebuild`): no record object is built for it."""
        book = self.book
        if not book.latest.covers_path(path):
            return
        self._flush_person()
        self.person = (pid, org_id, path)
        campaign_id, verdicts, ledger = self.campaign_id, self.verdicts, self.ledger
        for rec in recs:
            verdict = judge(book, rec)
            if verdict is not None:
                verdicts.append((rec.source_key, verdict))
                ledger.append(repo._ledger_row(campaign_id, pid, rec.source_key, verdict))
        self.records += len(recs)

    def _flush_person(self) -> None:
        if self.person is None or not self.verdicts:
            return
        from saptah.campaigns.ledger import totals_values

        pid, org_id, path = self.person
        top = repo.top_org_id(path)
        summary = summarise(self.book, self.verdicts)
        self.totals.append(
            {"campaign_id": self.campaign_id, "person_id": pid, "org_id": org_id, "top_org_id": top, "org_path": path}
            | totals_values(summary)
        )
        for day, vals in summary.days.items():
            acc = self.org_days[(org_id, day)]
            for i, v in enumerate(vals):
                acc[i] += v
        if summary.score > 0:
            for board in ("n", f"t{top}", f"o{org_id}"):
                self.scores[(board, summary.score)] += 1
                self.scores[(board, BOARD_SIZE)] += 1
        if summary.reached_target_at is not None:
            self.reached.append(pid)
        self.people += 1
        self.verdicts = []
        if len(self.ledger) >= FLUSH_ROWS:
            self._write()

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        copy_rows(self.session, repo.tbl(model), rows)  # the campaign's rows were cleared: plain inserts

    def _write(self) -> None:
        self._insert(CreditLedger, self.ledger)
        self._insert(CampaignPersonTotal, self.totals)
        if self.progress is not None:
            self.progress(self.records)
        self.ledger, self.totals = [], []

    def finish(self) -> dict[str, int]:
        """Write what is left and the aggregates; returns counts."""
        self._flush_person()
        self._write()
        days = [
            {"campaign_id": self.campaign_id, "org_id": org, "day": day, "minutes": v[0], "completions": v[1]}
            | {"active_people": v[2], "reached_people": v[3]}
            for (org, day), v in sorted(self.org_days.items())
        ]
        for start in range(0, len(days), FLUSH_ROWS):
            self._insert(CampaignOrgDayTotal, days[start : start + FLUSH_ROWS])
        scores = [
            {"campaign_id": self.campaign_id, "board": b, "score": s, "people": n}
            for (b, s), n in sorted(self.scores.items())
        ]
        for start in range(0, len(scores), FLUSH_ROWS):
            self._insert(CampaignScoreCount, scores[start : start + FLUSH_ROWS])
        return {"records": self.records, "people": self.people, "reached": len(self.reached)}
