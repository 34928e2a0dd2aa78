"""Erasure in recognition: an erased person's certificates stay valid but no longer name them."""

from __future__ import annotations

from contextlib import suppress

from sqlalchemy.orm import Session

from saptah.core import signals
from saptah.core.errors import Conflict
from saptah.directory import service as directory
from saptah.recognition import repository as repo

HONOUR_JOB = "recognition.honour_certificates"


def forget_holder(session: Session, event: signals.PersonErased) -> None:
    """Withhold the name on the person's certificates (public verification included).

    The packed PDFs of the honour rolls they are on are dropped and packed again in the background, without it.
    """
    from saptah.jobs import service as jobs

    repo.withhold_names(session, event.person_id, directory.ERASED_NAME)
    for roll in repo.packed_rolls_of(session, event.person_id):
        roll.archive, roll.archive_ready_at = None, None
        with suppress(Conflict):  # already being packed: that run reads the new names
            roll.job_id = jobs.enqueue(
                session, kind=HONOUR_JOB, payload={"roll_id": roll.id}, lock_key=f"honour:{roll.id}"
            ).id
    session.flush()
