"""`saptah demo`: build the demo database through each domain's seed step, in dependency order."""

from __future__ import annotations

import random
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from saptah.core.db import unit_of_work
from saptah.domains import domain_modules


def build(
    factory: sessionmaker[Session], *, people: int, seed: int = 2024, progress: Callable[[str, int], None] | None = None
) -> None:
    """Run each domain's demo step in its own transaction."""
    rng = random.Random(seed)
    for domain, tasks in domain_modules("tasks"):
        step = getattr(tasks, "seed_demo", None)
        if step is None:
            continue
        with unit_of_work(factory) as session:
            step(session, rng, people=people, progress=lambda n, d=domain: progress(d, n) if progress else None)
