"""Send due outbox messages over SMTP (or into a folder in development), with back-off."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.orm import Session, sessionmaker

from saptah.config import Settings
from saptah.core.db import unit_of_work, utcnow
from saptah.notify import repository as repo
from saptah.notify import service
from saptah.notify.models import OutboxMessage

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
STUCK_AFTER = timedelta(minutes=10)


def _message(settings: Settings, row: OutboxMessage) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = row.to_addr
    msg["Subject"] = row.subject
    msg["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}")
    msg.set_content(row.body)
    return msg


def _deliver(settings: Settings, smtp: smtplib.SMTP | None, row: OutboxMessage) -> None:
    msg = _message(settings, row)
    if smtp is None:
        settings.mail_dir.mkdir(parents=True, exist_ok=True)
        (settings.mail_dir / f"{row.id:08d}.eml").write_bytes(msg.as_bytes())
    else:
        smtp.send_message(msg)


def _connect(settings: Settings) -> smtplib.SMTP | None:
    if not settings.smtp_host:
        return None
    smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
    if settings.smtp_starttls:
        smtp.starttls()
    if settings.smtp_user and settings.smtp_password:
        smtp.login(settings.smtp_user, settings.smtp_password)
    return smtp


def send_due(
    session: Session, settings: Settings, *, limit: int | None = None, checkpoint: Callable[[], None] | None = None
) -> int:
    """Send what is due within the per-minute throttle; returns how many were sent.

    Rows are first claimed as `sending`; with a `checkpoint` (commit) after the claim and after each message,
    a crash mid-batch leaves at most the one message in flight marked `sending`, which is never retried:
    an e-mail may be lost to a crash, but it is never sent twice.
    """
    now = utcnow()
    _give_up_interrupted(session, now)
    budget = settings.mail_per_minute - repo.sent_since(session, now - timedelta(minutes=1))
    if limit is not None:
        budget = min(budget, limit)
    rows = repo.due(session, now, budget) if budget > 0 else []
    if not rows:
        return 0
    for row in rows:
        row.status = "sending"
    rows = [row for row in rows if _compose(session, settings, row)]
    session.flush()  # a composed message is stored with what it carries before it leaves (the claim's commit)
    if checkpoint:
        checkpoint()
    if not rows:
        return 0
    try:
        smtp = _connect(settings)
    except (smtplib.SMTPException, OSError) as exc:
        for row in rows:
            _retry_later(row, now, exc)
        return 0
    sent = 0
    try:
        for row in rows:
            try:
                _deliver(settings, smtp, row)
            except (smtplib.SMTPException, OSError) as exc:
                _retry_later(row, now, exc)
            else:
                row.status, row.sent_at = "sent", utcnow()
                row.attempts += 1
                sent += 1
            session.flush()
            if checkpoint:
                checkpoint()
    finally:
        if smtp is not None:
            smtp.quit()
    return sent


def _compose(session: Session, settings: Settings, row: OutboxMessage) -> bool:
    """Write a message queued without a body (its kind has a composer); False when it is not to be sent, with why."""
    if row.body:
        return True
    compose = service.composer_of(row.kind)
    if compose is None:  # queued to be written at send time, by a process that was not wired: never send it empty
        log.error(
            "outbox message %s (%s) has no body and no composer: saptah.wiring.wire() was not called", row.id, row.kind
        )
        row.status = "queued"
        return False
    made = compose(session, settings, row.to_addr)
    if made.skip is not None:
        row.status, row.last_error = "skipped", made.skip
        return False
    row.subject, row.body = made.subject, made.body
    return True


def _give_up_interrupted(session: Session, now: datetime) -> None:
    """A message left `sending` by a crashed sender may have gone out: mark it failed, never resend it."""
    for row in repo.stuck_sending(session, now - STUCK_AFTER):
        row.status = "failed"
        row.last_error = "The sender stopped while sending this message; not retried so it is never sent twice."


def _retry_later(row: OutboxMessage, now: datetime, exc: Exception) -> None:
    """Back off exponentially; give up after MAX_ATTEMPTS."""
    row.attempts += 1
    row.last_error = str(exc)[:500] or type(exc).__name__
    row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "queued"
    row.next_attempt_at = now + timedelta(minutes=2**row.attempts)


def run_sender(factory: sessionmaker[Session], settings: Settings) -> int:
    """One pass of the sender in its own transaction (rows are locked while they are sent)."""
    with unit_of_work(factory) as session:
        return send_due(session, settings, checkpoint=session.commit)


def register() -> None:
    """Subscribe to PersonErased (idempotent)."""
    from saptah.core import signals
    from saptah.notify import service

    signals.subscribe(signals.PersonErased, service.forget_recipient)
