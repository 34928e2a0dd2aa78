"""CPU of the LRS's per-statement checks, in one process: strict validation and the context-activity arrays.

Usage (run it against two source trees alternately to compare them):

    PYTHONPATH=src .venv/bin/python bench/lrs_checks.py

Times the best of nine passes over 2,000 of `bench/lrs_ingest.py`'s statements; prints microseconds a statement.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from saptah.lrs import formats
from saptah.lrs.schemas import Statement

try:
    from bench.lrs_ingest import EXPERIENCED, make_statement
except ImportError:  # run as a script from the repository root
    from lrs_ingest import EXPERIENCED, make_statement  # type: ignore[no-redef]


def best_of(statements: list[dict[str, Any]], check: Callable[[dict[str, Any]], object], passes: int = 9) -> float:
    """The fastest pass's microseconds a statement."""
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        for statement in statements:
            check(statement)
        best = min(best, (time.perf_counter() - start) / len(statements) * 1e6)
    return best


def main() -> None:
    """Print the figures."""
    rng = random.Random(5)
    activities = [f"https://courses.example/{i}" for i in range(50)]
    statements = [
        make_statement(rng, f"p{i}@x.example", rng.choice(activities), EXPERIENCED, str(uuid.uuid4()))
        for i in range(2000)
    ]
    context = {"version": "1.0.3"}
    print(f"validation: {best_of(statements, lambda s: Statement.model_validate(s, context=context)):.1f} us")
    as_lists = getattr(formats, "context_activities_as_lists", None)
    if as_lists is not None:
        print(f"context activities as arrays: {best_of(statements, as_lists):.2f} us")


if __name__ == "__main__":
    main()
