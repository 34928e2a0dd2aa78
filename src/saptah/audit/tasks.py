"""Audit wiring: the menu entry of the log page."""

from __future__ import annotations

NAV_ENTRY = ("Audit log", "/audit", ("mdo_leader", "national_organiser"))


def register() -> None:
    """Add the menu entry (idempotent)."""
    from saptah.web.templating import NAV

    if NAV_ENTRY not in NAV:
        NAV.append(NAV_ENTRY)
