"""The worker loop: jobs and the outbox, until asked to stop."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from saptah.config import Settings
from saptah.jobs import service
from saptah.notify.tasks import run_sender

log = logging.getLogger(__name__)
SCHEDULE_CHECK_SECONDS = 15.0
FREQUENT_SECONDS = 2.0  # e.g. live attendance reaches the campaign engine within a few seconds


def work(
    factory: sessionmaker[Session], settings: Settings, stop: threading.Event, *, idle_seconds: float = 1.0
) -> None:
    """Run scheduled duties, jobs and mail until `stop` is set; frequent work runs in its own thread."""
    frequent = threading.Thread(target=_frequent, args=(factory, stop), name="saptah-frequent", daemon=True)
    frequent.start()
    next_schedule_check = 0.0
    while not stop.is_set():
        busy = False
        try:
            if time.monotonic() >= next_schedule_check:
                next_schedule_check = time.monotonic() + SCHEDULE_CHECK_SECONDS
                service.enqueue_periodic(factory)
            busy = service.run_one(factory, settings)
            busy = run_sender(factory, settings) > 0 or busy
        except Exception:  # keep the worker alive; the error is in the log
            log.exception("worker pass failed")
        if not busy:
            stop.wait(idle_seconds)
    frequent.join(timeout=30)  # its pass in progress finishes before the caller disposes of the engine


def _frequent(factory: sessionmaker[Session], stop: threading.Event) -> None:
    while not stop.wait(FREQUENT_SECONDS):
        service.run_frequent(factory)


def register() -> None:
    """The jobs domain's own scheduled duty: remove prepared files after a day."""
    service.register(service.PURGE_KIND, service.purge_files, every=timedelta(hours=1))


def start_in_thread(factory: sessionmaker[Session], settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """The embedded worker, run beside `saptah serve`."""
    stop = threading.Event()
    thread = threading.Thread(target=work, args=(factory, settings, stop), name="saptah-worker", daemon=True)
    thread.start()
    return thread, stop
