"""Background work of bulk onboarding: the import job, the welcome-mail job, the scrubbing of an erased person from
stored staff lists; the menu entry."""

from __future__ import annotations

from saptah.core import signals
from saptah.directory.onboarding import erasure, service
from saptah.directory.onboarding.results import send_welcome
from saptah.jobs import service as jobs
from saptah.web.i18n import N_
from saptah.web.templating import NAV

NAV_ENTRY = (N_("Onboarding"), "/onboarding", ("mdo_admin", "mdo_leader", "national_organiser"))


def register() -> None:
    """Register the job handlers and the PersonErased subscriber, and add 'Onboarding' to the menu of admins
    (idempotent)."""
    jobs.register(service.JOB_KIND, service.run_import)
    jobs.register(service.WELCOME_KIND, send_welcome)
    jobs.register(erasure.SCRUB_KIND, erasure.scrub_uploads)
    signals.subscribe(signals.PersonErased, erasure.queue_scrub)
    if NAV_ENTRY not in NAV:
        NAV.append(NAV_ENTRY)
