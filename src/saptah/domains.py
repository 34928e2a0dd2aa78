"""The one list of Saptah's domains; app, CLI, migrations, wiring, templates and demo read it.

A domain is a package `saptah.<name>` with optional file roles (`models`, `api`, `pages`, `tasks`,
`commands`, `templates/`). Adding a domain means adding its name here, once. The order matters in two
places: demo seeding (a domain's demo data may use the ones before it) and subscriber registration
(subscribers of the same event run in this order).
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from saptah.core.modules import optional_module

DOMAINS = (
    "directory",
    "directory.onboarding",
    "auth",
    "auth.sso",
    "audit",
    "notify",
    "jobs",
    "catalog",
    "plans",
    "events",
    "lrs",
    "campaigns",
    "recognition",
    "passport",
    "discussions",
    "analytics",
    "privacy",
)


def domain_modules(role: str) -> Iterator[tuple[str, ModuleType]]:
    """Each domain's `role` module (e.g. "tasks"), in domain order, skipping domains without one."""
    for domain in DOMAINS:
        module = optional_module(f"saptah.{domain}.{role}")
        if module is not None:
            yield domain, module
