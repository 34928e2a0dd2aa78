"""Any interleaving of live records, duplicates and replays ends with the totals of a recompute from scratch."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saptah.campaigns import ledger
from saptah.campaigns import repository as repo
from saptah.campaigns.schemas import RUNNING_KINDS, RecordIn
from tests.campaigns.helpers import campaign, ist

SEQ = itertools.count()
BASE = ist(2024, 10, 17, 0)  # two days before the window, so some records fall outside it


@st.composite
def records(draw, people):
    """A record for one of a few people: a course, a webinar or an MDO event, maybe outside the window."""
    pid = draw(st.sampled_from(people))
    kind = draw(st.sampled_from(["course", "webinar", "mdo_event", "offline"]))
    obj = draw(st.integers(1, 4))
    at = BASE + timedelta(hours=draw(st.integers(0, 24 * 11)))
    key = f"{'course' if kind == 'course' else 'event'}:{pid}:{obj if kind == 'course' else obj + 100 * len(kind)}"
    return RecordIn(
        source_key=key,
        person_id=pid,
        kind=kind,
        object_id=obj,
        occurred_at=at,
        minutes=draw(st.integers(0, 200)),
        competency_linked=draw(st.booleans()),
        organiser_org_id=1 if kind == "mdo_event" else None,
    )


def snapshot(db, campaign_id):
    db.flush()
    db.expire_all()
    people = [
        (
            t.person_id,
            t.courses,
            t.webinars,
            t.mdo_events,
            t.offline,
            t.total_minutes,
            t.completions,
            t.score,
            t.score_at,
            t.reached_target_at,
        )
        for t in repo.totals_of(db, campaign_id)
        if t.total_minutes or t.completions
    ]
    days = [
        (d.org_id, d.day, d.minutes, d.completions, d.active_people, d.reached_people)
        for d in repo.org_days_of(db, campaign_id)
        if d.minutes or d.completions or d.active_people or d.reached_people
    ]
    return people, days, repo.score_counts_of(db, campaign_id)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_interleavings_and_replays_equal_recompute(db, make, data, monkeypatch):
    if True:  # each example gets its own campaign and people inside the test's rolled-back transaction
        monkeypatch.setattr(ledger, "BATCH", data.draw(st.sampled_from([2, 5, 500])))  # one batch or many
        c = campaign(db, f"Property campaign {next(SEQ)}", target_minutes=150)
        ledger.recompute(db, c.id)  # what the creation job does: credit records stored by earlier examples
        people = [make.person("DOHFW").id, make.person("DOHFW").id, make.person("MHA").id]
        recs = data.draw(st.lists(records(people), min_size=1, max_size=25))
        # deliver in a random order, in random batches, with duplicates and replays mixed in
        stream = data.draw(st.permutations(recs + data.draw(st.lists(st.sampled_from(recs), max_size=10))))
        cut = data.draw(st.integers(0, len(stream)))
        ledger.ingest(db, stream[:cut])
        for rec in stream[cut:]:
            ledger.ingest(db, [rec])
        live = snapshot(db, c.id)
        ledger.recompute(db, c.id)
        assert snapshot(db, c.id) == live
        # and a second, canonical delivery gives the same result: the facts sorted, once each, and each attendance's
        # latest total again (an attendance total is its source's current state: the newest replaces the stored one)
        latest = {r.source_key: r for r in stream if r.kind in RUNNING_KINDS}
        facts = sorted({r for r in recs if r.kind not in RUNNING_KINDS}, key=lambda r: (r.occurred_at, r.source_key))
        ledger.ingest(db, facts + list(latest.values()))
        assert snapshot(db, c.id) == live
