"""The e-mail outbox (real SMTP, retries, never twice) and the job table (survives restarts)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from saptah.core.db import utcnow
from saptah.core.errors import Conflict
from saptah.jobs import service as jobs
from saptah.jobs.models import Job
from saptah.notify import service as outbox
from saptah.notify.models import OutboxMessage
from saptah.notify.tasks import send_due


def test_message_goes_over_smtp_once(db, settings, smtp):
    outbox.enqueue(db, to="reader@example.gov.in", subject="Hello", body="नमस्ते, welcome", kind="test", dedupe_key="k1")
    outbox.enqueue(db, to="reader@example.gov.in", subject="Hello", body="again", kind="test", dedupe_key="k1")
    assert send_due(db, settings) == 1
    assert send_due(db, settings) == 0
    [mail] = smtp.to("reader@example.gov.in")
    assert mail["Subject"] == "Hello"
    assert "नमस्ते" in mail.get_content()
    row = db.query(OutboxMessage).filter_by(dedupe_key="k1").one()
    assert row.status == "sent" and row.sent_at is not None


def test_a_message_written_at_send_time_is_never_sent_empty(db, settings, smtp, make, monkeypatch):
    """A welcome is queued without a body and written by its kind's composer as it leaves; a sender whose process
    was not wired (no composer) leaves it queued for one that is, and sends nothing empty."""
    from sqlalchemy import select

    from saptah.auth import service as auth

    person = make.person("MOHFW", email="queued.welcome@mohfw.gov.in")
    person.password_hash = None  # registered by an upload: no password yet
    db.commit()
    auth.queue_setup_links(db, [person.email])
    db.commit()
    monkeypatch.setattr(outbox, "_composers", {})
    assert send_due(db, settings) == 0
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == person.email))
    assert (row.status, row.body) == ("queued", "") and smtp.to(person.email) == []
    monkeypatch.undo()
    assert send_due(db, settings) == 1
    [mail] = smtp.to(person.email)
    assert "/set-password/" in mail.get_content()
    link = mail.get_content().split("/set-password/")[1].split()[0]
    db.expire_all()
    assert link in db.scalar(select(OutboxMessage.body).where(OutboxMessage.id == row.id))  # stored as it was sent


def test_unreachable_smtp_retries_with_backoff(db, settings):
    settings.smtp_host = "127.0.0.1"
    settings.smtp_port = 1  # nothing listens there
    outbox.enqueue(db, to="a@example.gov.in", subject="S", body="B", kind="test", dedupe_key="k2")
    assert send_due(db, settings) == 0
    row = db.query(OutboxMessage).filter_by(dedupe_key="k2").one()
    assert row.status == "queued" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=60)
    assert send_due(db, settings) == 0  # not due yet: no hammering
    assert db.query(OutboxMessage).filter_by(dedupe_key="k2").one().attempts == 1


def test_without_smtp_mail_lands_in_a_folder(db, settings):
    outbox.enqueue(db, to="b@example.gov.in", subject="Folder", body="Readable", kind="test", dedupe_key="k3")
    assert send_due(db, settings) == 1
    [eml] = list(settings.mail_dir.glob("*.eml"))
    assert b"Subject: Folder" in eml.read_bytes()


def test_throttle_limits_messages_per_minute(db, settings, smtp):
    settings.mail_per_minute = 3
    for i in range(5):
        outbox.enqueue(db, to=f"p{i}@example.gov.in", subject="S", body="B", kind="test", dedupe_key=f"t{i}")
    assert send_due(db, settings) == 3
    assert send_due(db, settings) == 0
    assert len(smtp.messages) == 3


def _echo(ctx: jobs.JobContext) -> dict[str, object]:
    ctx.progress(1, 2)
    ctx.progress(2)
    return {"echo": ctx.payload["word"]}


def _boom(ctx: jobs.JobContext) -> dict[str, object]:
    raise ValueError("bad data in row 7")


def test_job_runs_and_reports_progress(db, factory, settings):
    jobs.register("test_echo", _echo)
    job = jobs.enqueue(db, kind="test_echo", payload={"word": "saptah"})
    db.commit()
    assert jobs.run_one(factory, settings) is True
    db.expire_all()
    done = db.get(Job, job.id)
    assert (done.status, done.result, done.progress_done, done.progress_total) == ("done", {"echo": "saptah"}, 2, 2)
    assert jobs.run_one(factory, settings) is False


def test_failed_job_keeps_its_error(db, factory, settings):
    jobs.register("test_boom", _boom)
    job = jobs.enqueue(db, kind="test_boom", payload={})
    db.commit()
    jobs.run_one(factory, settings)
    db.expire_all()
    failed = db.get(Job, job.id)
    assert failed.status == "failed"
    assert "bad data in row 7" in failed.error


def test_job_of_a_crashed_worker_is_taken_again(db, factory, settings):
    jobs.register("test_echo", _echo)
    job = jobs.enqueue(db, kind="test_echo", payload={"word": "again"})
    job.status = "running"  # a worker claimed it and died
    job.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.commit()
    assert jobs.run_one(factory, settings) is True
    db.expire_all()
    assert db.get(Job, job.id).status == "done"
    assert db.get(Job, job.id).attempts == 1


def test_one_active_job_per_lock_key(db):
    jobs.enqueue(db, kind="test_echo", payload={}, lock_key="import:1")
    with pytest.raises(Conflict):
        jobs.enqueue(db, kind="test_echo", payload={}, lock_key="import:1")
    jobs.enqueue(db, kind="test_echo", payload={}, lock_key="import:2")


def test_message_interrupted_mid_send_is_never_sent_again(db, settings, smtp):
    msg = outbox.enqueue(db, to="c@example.gov.in", subject="S", body="B", kind="test", dedupe_key="k9")
    msg.status = "sending"  # a sender claimed it and crashed, perhaps after the SMTP exchange
    msg.next_attempt_at = utcnow() - timedelta(minutes=30)
    db.flush()
    assert send_due(db, settings) == 0
    assert smtp.messages == []
    row = db.query(OutboxMessage).filter_by(dedupe_key="k9").one()
    assert row.status == "failed" and "never sent twice" in row.last_error


def test_sender_commits_each_message(factory, db, settings, smtp):
    from saptah.notify.tasks import run_sender

    for i in range(3):
        outbox.enqueue(db, to=f"d{i}@example.gov.in", subject="S", body="B", kind="test", dedupe_key=f"c{i}")
    db.commit()
    assert run_sender(factory, settings) == 3
    assert len(smtp.messages) == 3
    db.expire_all()
    assert {m.status for m in db.query(OutboxMessage).filter(OutboxMessage.dedupe_key.like("c%"))} == {"sent"}


def _tick(ctx: jobs.JobContext) -> dict[str, object]:
    return {"ticked": True}


def test_scheduled_duties_run_by_themselves_once_per_period(db, factory, settings):
    from saptah.wiring import wire

    wire()
    jobs.register("test_tick", _tick, every=timedelta(minutes=5))
    schedule = jobs.scheduled()
    assert schedule["events.finalise"] == timedelta(minutes=1)  # attendance closes without cron
    assert schedule["plans.remind"] == timedelta(hours=1)  # plan reminders go out without cron
    assert "test_tick" in jobs.enqueue_periodic(factory)
    assert "test_tick" not in jobs.enqueue_periodic(factory)  # already queued: not twice
    while jobs.run_one(factory, settings):
        pass
    db.expire_all()
    [ran] = db.query(Job).filter_by(kind="test_tick").all()
    assert (ran.status, ran.result) == ("done", {"ticked": True})
    assert "test_tick" not in jobs.enqueue_periodic(factory)  # finished just now: not due yet
    ran.finished_at = utcnow() - timedelta(minutes=6)
    db.commit()
    assert "test_tick" in jobs.enqueue_periodic(factory)
    assert db.query(Job).filter_by(kind="test_tick", status="queued").count() == 1
