"""Connect domains at start-up: event subscribers and job handlers, in one place."""

from __future__ import annotations

from saptah.core.modules import optional_module

# Each domain that reacts to others' events or runs jobs offers `tasks.register()`.
DOMAINS_WITH_TASKS = (
    "directory",
    "directory.onboarding",
    "catalog",
    "plans",
    "lrs",
    "events",
    "campaigns",
    "recognition",
    "analytics",
    "notify",
)


def wire() -> None:
    """Register every domain's subscribers and job handlers (idempotent)."""
    for domain in DOMAINS_WITH_TASKS:
        module = optional_module(f"saptah.{domain}.tasks")
        register = getattr(module, "register", None)
        if register is not None:
            register()
