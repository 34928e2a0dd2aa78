"""LRS wiring: match statements to people onboarded later, the menu entry, the cmi5 completion hook."""

from __future__ import annotations

from saptah.core import signals
from saptah.lrs import erasure, service
from saptah.web.i18n import N_

NAV_ENTRY = (N_("LRS clients"), "/lrs/clients", ("national_organiser", "content_provider"))


def _on_onboarded(session: object, event: signals.PersonOnboarded) -> None:
    # a bulk upload announces thousands at once inside signals.batch: one look-up for the lot
    signals.collect(session, "lrs.onboarded", [event], service.match_onboarded)  # type: ignore[arg-type]


def register() -> None:
    """Subscribe to PersonOnboarded, add the menu entry and the cmi5 moveOn hook (idempotent)."""
    from saptah.lrs import cmi5
    from saptah.web.templating import NAV

    signals.subscribe(signals.PersonOnboarded, _on_onboarded)
    signals.subscribe(signals.PersonErased, erasure.forget_actor)
    if NAV_ENTRY not in NAV:
        NAV.append(NAV_ENTRY)
    if cmi5.after_store not in service.AFTER_STORE:
        service.AFTER_STORE.append(cmi5.after_store)
