"""Background work of bulk onboarding: the import job and the welcome-mail job; the menu entry."""

from __future__ import annotations

from saptah.directory.onboarding import service
from saptah.directory.onboarding.results import send_welcome
from saptah.jobs import service as jobs
from saptah.web.i18n import N_
from saptah.web.templating import NAV

NAV_ENTRY = (N_("Onboarding"), "/onboarding", ("mdo_admin", "mdo_leader", "national_organiser"))


def register() -> None:
    """Register the job handlers and add 'Onboarding' to the menu of admins (idempotent)."""
    jobs.register(service.JOB_KIND, service.run_import)
    jobs.register(service.WELCOME_KIND, send_welcome)
    if NAV_ENTRY not in NAV:
        NAV.append(NAV_ENTRY)
