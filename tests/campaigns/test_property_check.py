"""Randomised histories of real activity (completions, imported attendance, rule changes, recomputes, replays) leave
`check` with nothing to report: live ingest, recompute and the sources always agree."""

from __future__ import annotations

import itertools
import os
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from saptah.campaigns import check, ledger, service
from saptah.campaigns.repository import records_of_person
from saptah.campaigns.schemas import RulesChangeIn
from saptah.catalog import service as catalog
from saptah.core.db import utcnow
from saptah.core.errors import InvalidInput
from saptah.core.timeutil import ist_day
from saptah.directory.models import Role
from saptah.events import attendance
from tests.campaigns.helpers import campaign
from tests.catalog.conftest import Courses
from tests.events.helpers import event, principal

pytestmark = pytest.mark.real_sources
SEQ = itertools.count()
EXAMPLES = int(os.environ.get("SAPTAH_PROPERTY_EXAMPLES", "25"))  # per database; raise it to search harder

complete = st.tuples(st.just("complete"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 24 * 6))
attend = st.tuples(st.just("attend"), st.integers(0, 2), st.integers(0, 2), st.integers(0, 150))
recompute = st.tuples(st.just("recompute"), st.just(0), st.just(0), st.just(0))
rules = st.tuples(st.just("rules"), st.integers(30, 300), st.integers(1, 8), st.just(0))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a failure costs seconds, not minutes
)
# found by Hypothesis: a corrected sheet lowers a person's attendance (117 -> 96 minutes); the stored record kept 117
@example(steps=[("attend", 0, 0, 117), ("rules", 200, 6, 0), ("attend", 0, 0, 96), ("complete", 0, 1, 5)])
@given(steps=st.lists(st.one_of(complete, attend, recompute, rules), min_size=1, max_size=14))
def test_random_histories_of_real_activity_pass_check(db, make, steps):
    n = next(SEQ)  # the examples share the test's transaction: each has its own campaign, people, courses, events
    now = utcnow()
    today = ist_day(now)
    c = campaign(db, f"Property check {n}", starts_on=today - timedelta(days=3), ends_on=today, mdo_events_cap=120)
    ledger.recompute(db, c.id)  # what the creation job does
    admin = make.person("MOHFW", role=Role.MDO_ADMIN)
    people = [make.person("DOHFW").id, make.person("MOHFW").id, make.person("DHR").id]
    courses = [Courses(db).make(code=f"P{n}-{i}", duration_minutes=30 * (i + 1)).id for i in range(3)]
    events = [
        event(
            db,
            principal(db, admin),
            kind="samuhik_charcha",
            mode="in_person",
            venue="Nirman Bhawan",
            stream_url=None,
            start=now - timedelta(days=days, hours=2),
            minutes=120,
            title_en=f"Charcha {n}-{days}",
        )
        for days in (1, 2, 5)  # the last one before the window
    ]
    sheets: dict[tuple[int, int], int] = {}
    for action, a, b, x in steps:
        if action == "complete":
            at = now - timedelta(hours=x)
            catalog.complete_course(db, person_id=people[a], course_id=courses[b], at=at, source="bulk")
        elif action == "attend":
            ev = events[b]
            minutes = min(x, ev.duration_minutes)
            attendance.set_imported(db, ev, person_id=people[a], minutes=minutes, source="sheet")
            sheets[(people[a], ev.id)] = minutes
        elif action == "recompute":
            ledger.recompute(db, c.id)
        else:
            data = RulesChangeIn(reason="Property test", target_minutes=a, karma_monthly_cap=b)
            rules = service.rule_book(db, c).latest
            if (rules.target_minutes, rules.karma_monthly_cap) == (a, b):
                with pytest.raises(InvalidInput):  # a change that changes nothing is refused, not recorded
                    service.change_rules(db, campaign_id=c.id, actor_id=None, data=data)
                continue
            service.change_rules(db, campaign_id=c.id, actor_id=None, data=data)
            ledger.recompute(db, c.id)  # what the queued job does
        db.flush()
    found, _counts = check.check(db, c.id)
    assert found == []
    # and each attendance is stored at the total of its last sheet (a corrected sheet may lower it)
    for (pid, eid), minutes in sheets.items():
        stored = [r.minutes for r in records_of_person(db, pid) if r.source_key == f"event:{pid}:{eid}"]
        assert stored == ([minutes] if stored or minutes else [])
