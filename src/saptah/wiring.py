"""Connect domains at start-up: event subscribers and job handlers, in one place."""

from __future__ import annotations

from saptah.domains import domain_modules


def wire() -> None:
    """Register every domain's subscribers and job handlers (idempotent)."""
    for _domain, module in domain_modules("tasks"):
        register = getattr(module, "register", None)
        if register is not None:
            register()
