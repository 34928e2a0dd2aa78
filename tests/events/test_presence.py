"""Live presence: pings merge into intervals; duplicates, tabs, reconnects and late pings never over-count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from saptah.core import signals
from saptah.core.db import utcnow
from saptah.core.errors import Conflict, Forbidden
from saptah.events import attendance, attendance_repository, service
from tests.events.helpers import event, organiser


@pytest.fixture
def published():
    """Capture EventAttendanceRecorded as the campaign engine would receive it."""
    seen: list[signals.EventAttendanceRecorded] = []

    def handler(session, ev):
        seen.append(ev)

    signals.subscribe(signals.EventAttendanceRecorded, handler)
    yield seen
    signals._handlers[signals.EventAttendanceRecorded].remove(handler)


def ping(db, ev, person, at, *, tab="tabA", seq=1, seconds=60):
    return attendance.ping(db, event=ev, person_id=person.id, tab=tab, seq=seq, seconds=seconds, now=at)


def test_pings_every_minute_add_up_to_minutes_watched(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=60)
    learner = make.person("DOHFW")
    for i in range(1, 21):
        result = ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    assert result.minutes == 20
    assert result.seconds == 20 * 60
    assert not result.attended


def test_replayed_ping_changes_nothing(db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    learner = make.person("DOHFW")
    first = ping(db, ev, learner, ev.starts_at + timedelta(minutes=5), seq=3)
    replay = ping(db, ev, learner, ev.starts_at + timedelta(minutes=9), seq=3)
    older = ping(db, ev, learner, ev.starts_at + timedelta(minutes=10), seq=2)
    assert first.counted and not replay.counted and not older.counted
    assert replay.seconds == older.seconds == first.seconds == 60
    assert replay.reason == "This ping was already counted."


def test_two_tabs_watching_together_count_once(db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    learner = make.person("DOHFW")
    for i in range(1, 11):
        at = ev.starts_at + timedelta(minutes=i)
        ping(db, ev, learner, at, tab="tabA", seq=i)
        ping(db, ev, learner, at + timedelta(seconds=20), tab="tabB", seq=i)
    row = attendance_repository.get_attendance(db, ev.id, learner.id)
    assert attendance.live_seconds(row) == 10 * 60 + 20
    assert row.minutes == 10


def test_reconnect_after_a_gap_counts_both_parts_but_not_the_gap(db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    learner = make.person("DOHFW")
    for i in range(1, 6):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    # network dropped for 10 minutes; the page claims the whole gap but the server caps a ping at 90 s
    ping(db, ev, learner, ev.starts_at + timedelta(minutes=16), seq=6, seconds=600)
    for i in range(17, 20):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    row = attendance_repository.get_attendance(db, ev.id, learner.id)
    assert attendance.live_seconds(row) == 5 * 60 + 90 + 3 * 60


def test_presence_after_end_plus_grace_is_not_counted_and_minutes_are_capped(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=30)
    learner = make.person("DOHFW")
    for i in range(1, 41):  # watches 40 minutes of a 30-minute event (10 of them in the grace period)
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    with pytest.raises(Conflict, match="not live"):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=41), seq=99)
    row = attendance_repository.get_attendance(db, ev.id, learner.id)
    assert attendance.live_seconds(row) == 40 * 60
    assert row.minutes == 30 and row.attended


def test_pings_before_the_start_are_refused(db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    learner = make.person("DOHFW")
    with pytest.raises(Conflict, match="not live"):
        ping(db, ev, learner, ev.starts_at - timedelta(minutes=1))


def test_closed_event_refuses_presence_of_someone_not_invited(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, access="closed")
    with pytest.raises(Forbidden, match="invitation"):
        ping(db, ev, make.person("DOHFW"), ev.starts_at + timedelta(minutes=2))


def test_attendance_flows_to_the_campaign_engine_as_a_converging_total(db, make, published):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=60, competencies=[])
    learner = make.person("DOHFW")
    for i in range(1, 41):  # the worker's sweep runs every few seconds: here after each ping
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
        attendance.publish_due(db, now=ev.starts_at + timedelta(minutes=i))
    mine = [e for e in published if e.person_id == learner.id]
    assert [e.minutes for e in mine] == [1, 16, 31]  # first minute, every 15 more; 31 is also over 50 %
    assert mine[-1].attended and mine[-1].kind == "webinar" and mine[-1].at == ev.starts_at
    for i in range(41, 43):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    sent = attendance.finalise(db, ev, now=ev.starts_at + timedelta(minutes=75))
    assert sent == 1 and published[-1].minutes == 42 and published[-1].attended
    assert attendance.finalise(db, ev, now=ev.starts_at + timedelta(minutes=80)) == 0
    assert [e.minutes for e in published if e.person_id == learner.id][-1] == 42


def test_a_ping_never_runs_the_campaign_engine_and_the_sweep_sends_each_due_total_once(db, make, published):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=60)
    a, b = make.person("DOHFW"), make.person("MHA")
    for i in range(1, 4):
        ping(db, ev, a, ev.starts_at + timedelta(minutes=i), seq=i)
    ping(db, ev, b, ev.starts_at + timedelta(seconds=30), seconds=30)  # under a minute: nothing to credit yet
    assert published == []  # the ping itself only merges
    assert attendance.publish_due(db) == 1
    assert [(e.person_id, e.minutes, e.attended) for e in published] == [(a.id, 3, False)]
    assert attendance.publish_due(db) == 0  # sent: not again until 15 more minutes or the 50 % mark
    row = attendance_repository.get_attendance(db, ev.id, a.id)
    assert (row.published_minutes, row.minutes) == (3, 3)


def test_the_sweep_leaves_closed_events_to_finalisation(db, make, published):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=30, start=utcnow() - timedelta(minutes=60))
    learner = make.person("DOHFW")
    for i in range(1, 21):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    assert attendance.finalise(db, ev, now=ev.starts_at + timedelta(minutes=45)) == 1
    assert [e.minutes for e in published] == [20]
    assert attendance.publish_due(db) == 0 and len(published) == 1


def test_attendance_closes_by_itself_in_the_worker(db, factory, settings, make, published):
    from saptah.jobs import service as jobs
    from saptah.jobs.models import Job

    _, org = organiser(db, make)
    ev = event(db, org, minutes=30, start=utcnow() - timedelta(minutes=50))
    learner = make.person("DOHFW")
    for i in range(1, 25):
        ping(db, ev, learner, ev.starts_at + timedelta(minutes=i), seq=i)
    db.commit()
    assert "events.finalise" in jobs.enqueue_periodic(factory)  # the worker queues it every minute, no cron
    while jobs.run_one(factory, settings):
        pass
    db.expire_all()
    job = db.query(Job).filter_by(kind="events.finalise").order_by(Job.id.desc()).first()
    assert job.status == "done" and job.result["events"] >= 1
    assert db.get(type(ev), ev.id).finalised_at is not None
    assert [(e.minutes, e.attended) for e in published if e.person_id == learner.id][-1] == (24, True)


def test_finalise_refused_while_event_runs(db, make):
    _, org = organiser(db, make)
    ev = event(db, org)
    with pytest.raises(Conflict, match="grace"):
        attendance.finalise(db, ev, now=ev.starts_at + timedelta(minutes=30))


def test_peak_concurrent_viewers_and_performance(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=20)
    a, b, c = make.person("DOHFW"), make.person("DOHFW"), make.person("MHA")
    for i in range(1, 21):
        ping(db, ev, a, ev.starts_at + timedelta(minutes=i), seq=i)
    for i in range(1, 6):
        ping(db, ev, b, ev.starts_at + timedelta(minutes=i), seq=i)
    for i in range(3, 8):
        ping(db, ev, c, ev.starts_at + timedelta(minutes=i), seq=i)
    perf = attendance.performance(db, ev)
    assert perf["attendees"] == 3
    assert perf["peak_viewers"] == 3
    assert perf["average_minutes"] == round((20 + 5 + 5) / 3, 1)
    assert perf["share_over_half"] == round(100 / 3, 1)
    orgs = {o["organisation"]: o["attendees"] for o in perf["by_organisation"]}
    assert sum(orgs.values()) == 3 and len(orgs) == 2


def test_a_batch_merges_tabs_and_replays_in_order_and_counts_each_viewer_once(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, minutes=60)
    a, b = make.person("DOHFW"), make.person("MHA")
    at = ev.starts_at + timedelta(minutes=5)
    batch = [
        attendance.Presence(a.id, "tabA", 1, 60),
        attendance.Presence(a.id, "tabA", 1, 60),  # the same ping again
        attendance.Presence(a.id, "tabB", 1, 60),  # a second tab over the same minute
        attendance.Presence(b.id, "tabA", 1, 30),
    ]
    results = attendance.ping_many(db, event=ev, pings=batch, now=at)
    assert [r.counted for r in results] == [True, False, True, True]
    assert [r.seconds for r in results] == [60, 60, 60, 30]
    assert results[1].reason == "This ping was already counted."
    assert attendance_repository.get_attendance(db, ev.id, a.id).pings == 2
    assert attendance.performance(db, ev)["peak_viewers"] == 2  # a counted once in minute 4, not per tab


def test_a_batch_refuses_only_its_bad_pings(db, make):
    _, org = organiser(db, make)
    ev = event(db, org, access="closed")
    guest, stranger = make.person("DOHFW"), make.person("DOHFW")
    service.invite(db, org, ev, [guest.email])
    at = ev.starts_at + timedelta(minutes=3)
    pings = [attendance.Presence(stranger.id, "tabA", 1, 60), attendance.Presence(guest.id, "tabA", 1, 60)]
    refused, counted = attendance.ping_many(db, event=ev, pings=pings, now=at)
    assert isinstance(refused, Forbidden) and "invitation" in refused.message
    assert counted.counted and counted.seconds == 60
    assert attendance_repository.get_attendance(db, ev.id, stranger.id) is None


def test_each_worker_sends_live_credit_every_few_seconds(db, factory, make, published):
    from saptah.jobs import service as jobs
    from saptah.jobs.tasks import FREQUENT_SECONDS
    from saptah.wiring import wire

    wire()
    _, org = organiser(db, make)
    ev = event(db, org, minutes=60)
    learner = make.person("DOHFW")
    ping(db, ev, learner, utcnow(), seconds=60)
    db.commit()
    assert published == [] and FREQUENT_SECONDS <= 5  # within 5 s of crediting, not inside the ping
    jobs.run_frequent(factory)  # what each worker's frequent thread does every FREQUENT_SECONDS
    assert [(e.person_id, e.minutes) for e in published] == [(learner.id, 1)]


def test_first_pings_inserted_merged_agree_with_pings_onto_existing_rows(db, make):
    from saptah.events.attendance import Presence

    _, org = organiser(db, make)
    ev = event(db, org, minutes=60)
    old, new = make.person("DOHFW"), make.person("DOHFW")
    at = ev.starts_at + timedelta(minutes=5)
    ping(db, ev, old, at)  # a row exists; this process has not seen it (as if another process created it)
    batch = [Presence(old.id, "tabA", 2, 60), Presence(new.id, "tabA", 1, 60), Presence(new.id, "tabB", 1, 60),
             Presence(new.id, "tabA", 1, 60)]  # fmt: skip
    have_rows: set[tuple[int, int]] = set()
    later = at + timedelta(minutes=1)
    again, first, other_tab, replay = attendance.ping_many(db, event=ev, pings=batch, now=later, have_rows=have_rows)
    assert again.counted and again.seconds == 120  # merged onto the existing row, not a second row
    assert first.counted and first.seconds == 60 and other_tab.counted and other_tab.seconds == 60
    assert not replay.counted and replay.reason == "This ping was already counted."
    assert have_rows == {(ev.id, old.id), (ev.id, new.id)}
    stored = {r.person_id: r for r in attendance_repository.attendance_rows(db, ev.id, unpublished_only=False)}
    assert attendance.live_seconds(stored[new.id]) == 60 and stored[new.id].pings == 2
    assert attendance.live_seconds(stored[old.id]) == 120 and stored[old.id].pings == 2
    assert attendance_repository.peak_viewers(db, ev.id) == 2
