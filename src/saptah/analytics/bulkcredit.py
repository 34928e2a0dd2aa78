"""Credit a campaign's stored records in bulk, for the national-scale build.

It is the campaign engine's recompute (`campaigns.credit.evaluate` and `summarise`, the same functions live
ingest uses) with its output written by COPY instead of INSERTs, which matters at millions of rows.
tests/analytics/test_national.py checks the result equals live ingest row for row.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from saptah.analytics.bulk import copy_rows
from saptah.campaigns import ledger as campaign_ledger
from saptah.campaigns import repository as campaign_repo
from saptah.campaigns import service as campaigns
from saptah.campaigns.credit import judge, summarise
from saptah.campaigns.models import BOARD_SIZE, PERSON_TOTAL_FIGURES, CampaignOrgDayTotal, CampaignScoreCount
from saptah.campaigns.schemas import RecordIn, Verdict
from saptah.core.db import utcnow

LEDGER = ("campaign_id", "person_id", "source_key", "category", "minutes", "karma", "counted", "reason", "earned_at")
TOTALS = ("campaign_id", "person_id", "org_id", "top_org_id", "org_path", *PERSON_TOTAL_FIGURES)
FLUSH = 50_000


class _Credit:
    """Streams records person by person, keeps what to write, and writes it in large COPY batches."""

    def __init__(self, session: Session, campaign_id: int, rules: Any) -> None:
        self.session, self.campaign_id, self.rules = session, campaign_id, rules
        self.ledger: list[tuple[Any, ...]] = []
        self.totals: list[tuple[Any, ...]] = []
        self.org_days: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.scores: Counter[tuple[str, int]] = Counter()
        self.records = self.people = self.reached = 0

    def person(self, pid: int, org_id: int, path: str, rows: list[tuple[Any, ...]]) -> None:
        verdicts: list[tuple[str, Verdict]] = []
        for fields in rows:
            rec = RecordIn(**dict(zip(campaign_repo.RECORD_FIELDS, fields, strict=True)))
            v = judge(self.rules, rec)
            self.records += 1
            if v is not None:
                verdicts.append((rec.source_key, v))
                self.ledger.append(
                    (
                        self.campaign_id,
                        pid,
                        rec.source_key,
                        v.category,
                        v.minutes,
                        v.karma,
                        v.counted,
                        v.reason[:300],
                        v.earned_at,
                    )
                )
        if not verdicts:
            return
        s = summarise(self.rules, verdicts)
        top = campaign_repo.top_org_id(path)
        vals = campaign_ledger.totals_values(s)
        self.totals.append((self.campaign_id, pid, org_id, top, path, *[vals[c] for c in TOTALS[5:]]))
        for day, v4 in s.days.items():
            acc = self.org_days[(org_id, day)]
            for i, x in enumerate(v4):
                acc[i] += x
        if s.score > 0:
            for board in ("n", f"t{top}", f"o{org_id}"):
                self.scores[(board, s.score)] += 1
                self.scores[(board, BOARD_SIZE)] += 1
        self.people += 1
        self.reached += int(s.reached_target_at is not None)
        if len(self.ledger) >= FLUSH:
            self.write()

    def write(self) -> None:
        copy_rows(self.session, "credit_ledger", LEDGER, self.ledger)
        copy_rows(self.session, "campaign_person_totals", TOTALS, self.totals)
        self.ledger, self.totals = [], []

    def finish(self) -> None:
        self.write()
        days = [
            {
                "campaign_id": self.campaign_id,
                "org_id": o,
                "day": d,
                "minutes": v[0],
                "completions": v[1],
                "active_people": v[2],
                "reached_people": v[3],
            }
            for (o, d), v in sorted(self.org_days.items())
        ]
        scores = [
            {"campaign_id": self.campaign_id, "board": b, "score": sc, "people": n}
            for (b, sc), n in sorted(self.scores.items())
        ]
        for model, rows in ((CampaignOrgDayTotal, days), (CampaignScoreCount, scores)):
            for i in range(0, len(rows), 5000):
                self.session.execute(insert(model), rows[i : i + 5000])


def _records(session: Session, rules: Any) -> Iterator[Any]:
    """Records ordered by person: streamed over a second connection when the records are committed (the build),
    read at once inside a single test transaction (a COPY cannot run while a cursor streams on its connection)."""
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        with bind.connect() as conn, Session(bind=conn) as reader:
            yield from campaign_repo.records_between(reader, *rules.span)
        return
    yield from list(campaign_repo.records_between(session, *rules.span))


def credit_campaign(
    session: Session, campaign_id: int, progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    """Rebuild one campaign's ledger and aggregates from its stored records (bulk writes); returns counts."""
    campaign = campaigns.get(session, campaign_id)
    rules = campaigns.rule_book(session, campaign)
    campaign_repo.clear_campaign(session, campaign_id)
    work = _Credit(session, campaign_id, rules)
    current: tuple[int, int, str] | None = None
    batch: list[tuple[Any, ...]] = []
    for row in _records(session, rules):
        pid, org_id, path, *fields = row
        if not rules.latest.covers_path(path):
            continue
        if current is None or current[0] != pid:
            if current is not None:
                work.person(*current, batch)
                if progress and work.people % 50_000 == 0:
                    progress(work.records)
            current, batch = (pid, org_id, path), []
        batch.append(tuple(fields))
    if current is not None:
        work.person(*current, batch)
    work.finish()
    campaign.computed_at = utcnow()
    session.flush()
    return {"records": work.records, "people": work.people, "reached": work.reached}
