"""Concurrent ingests wait for each other but never deadlock, and end where a recompute does.

PostgreSQL only: row locks are where deadlocks live (SQLite lets one writer in at a time).
"""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from saptah.campaigns import ledger
from saptah.campaigns.schemas import RecordIn
from saptah.core.db import unit_of_work
from saptah.wiring import wire
from tests.campaigns.helpers import campaign, ist
from tests.campaigns.test_property_replay import snapshot
from tests.conftest import create_pg_database, prepare_database
from tests.factories import Factory


def stream(rng: random.Random, people: list[int]) -> list[RecordIn]:
    """Sixty webinar records over a dozen people, sharing sources with the other streams."""
    out = []
    for _ in range(60):
        pid, event = rng.choice(people), rng.randrange(8)
        out.append(
            RecordIn(
                source_key=f"event:{pid}:{event}",
                person_id=pid,
                kind="webinar",
                object_id=event,
                occurred_at=ist(2024, 10, 19, 9) + timedelta(hours=rng.randrange(6 * 24)),
                minutes=rng.randrange(10, 90),
            )
        )
    return out


def test_overlapping_multi_batch_ingests_never_deadlock(pg_admin_url, monkeypatch):
    url, drop = create_pg_database(pg_admin_url)
    engine = prepare_database(url)
    try:
        wire()
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with factory() as s:
            cid = campaign(s, "Concurrent campaign", target_minutes=200).id
            make = Factory(s)
            people = [make.person("DOHFW" if i % 2 else "MHA", password=None).id for i in range(12)]
            s.commit()
        monkeypatch.setattr(ledger, "BATCH", 3)  # many batches per transaction, each holding locks
        errors: list[BaseException] = []

        def ingest_rounds(seed: int) -> None:
            rng = random.Random(seed)
            try:
                for _ in range(6):
                    with unit_of_work(factory) as s:
                        ledger.ingest(s, stream(rng, people))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=ingest_rounds, args=(seed,)) for seed in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with factory() as s:
            live = snapshot(s, cid)
            assert live[0]  # people were credited
            ledger.recompute(s, cid)
            assert snapshot(s, cid) == live
            s.rollback()
    finally:
        engine.dispose()
        drop()
