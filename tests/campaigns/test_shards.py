"""Ingests spread their aggregate deltas over shards; every reader sees the sums, and recompute folds them."""

from __future__ import annotations

from sqlalchemy import func, select

from saptah.campaigns import ledger, service
from saptah.campaigns import repository as repo
from saptah.campaigns.models import CampaignScoreCount
from saptah.campaigns.schemas import RecordIn
from tests.campaigns.helpers import campaign, ist


def webinar(person_id: int, event: int, minutes: int) -> RecordIn:
    return RecordIn(f"event:{person_id}:{event}", person_id, "webinar", ist(2024, 10, 20, 9 + event), event, minutes)


def test_ranks_and_totals_sum_the_shards_and_recompute_folds_them_into_one(db, make, monkeypatch):
    c = campaign(db, "Sharded campaign")
    a, b, d = (make.person("DOHFW").id for _ in range(3))
    shards = iter([0, 5, 3, 7])
    monkeypatch.setattr(repo, "pick_shard", lambda _session: next(shards))
    ledger.ingest(db, [webinar(a, 1, 60), webinar(b, 1, 60), webinar(d, 1, 30)])  # shard 0
    ledger.ingest(db, [webinar(a, 2, 40)])  # shard 5: a leaves 60 (-1 there) for 100
    ledger.ingest(db, [webinar(d, 2, 30)])  # shard 3: d joins b at 60
    ledger.ingest(db, [webinar(b, 2, 10)])  # shard 7: b moves to 70
    db.flush()
    s = CampaignScoreCount
    assert db.scalar(select(func.count(func.distinct(s.shard))).where(s.campaign_id == c.id)) == 4
    assert db.scalar(select(func.min(s.people)).where(s.campaign_id == c.id)) < 0  # a shard may hold -1
    counts = {score: n for (board, score), n in repo.score_counts_of(db, c.id).items() if board == "n"}
    assert counts == {100: 1, 70: 1, 60: 1, 0: 3}  # score 0: the board's size, summed over shards like the rest
    assert repo.board_people(db, c.id, "n") == 3
    assert [service.board_ranks(db, c.id, "n").rank(score) for score in (100, 70, 60)] == [1, 2, 3]
    assert [(r.minutes, r.active_people) for r in repo.org_days_of(db, c.id)] == [(230, 3)]
    live = repo.score_counts_of(db, c.id), [tuple(r) for r in repo.org_days_of(db, c.id)]
    ledger.recompute(db, c.id)
    db.flush()
    assert (repo.score_counts_of(db, c.id), [tuple(r) for r in repo.org_days_of(db, c.id)]) == live
    assert db.scalar(select(func.max(s.shard)).where(s.campaign_id == c.id)) == 0
