"""How learning becomes a competency level: the rules as pure values, shared by live ingest and rebuild.

A piece of evidence is worth the level its content declares (a course's declared level per competency; an event
builds level 1), one more when its assessment was passed with a high score. A person's held level in a competency
is the best evidence so far, raised one step by every REPEAT more pieces of evidence (repetition), never above
MAX_LEVEL. The held level after each piece of evidence, taken in time order, tells when each level was first
reached: `repository.rebuild_levels` computes exactly this in SQL (set-based, the same for one person or millions),
and `held_after` is its plain-Python statement, which the tests hold the SQL to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

MAX_LEVEL = 5
HIGH_SCORE = 80  # percent: an assessment passed at or above this raises the evidence by one level
REPEAT = 2  # every two more pieces of evidence raise the held level by one
EVENT_LEVEL = 1  # events declare no level: attending one shows level 1


def evidence_level(declared: int, score: int | None) -> int:
    """What one piece of evidence is worth."""
    bonus = 1 if score is not None and score >= HIGH_SCORE else 0
    return max(1, min(MAX_LEVEL, declared + bonus))


def held_after(levels: Iterable[tuple[datetime, int]]) -> dict[int, datetime]:
    """Each level reached (1..held) and when it was first reached, from evidence (when, level) of one competency."""
    reached: dict[int, datetime] = {}
    best = 0
    for count, (at, level) in enumerate(sorted(levels, key=lambda x: x[0]), start=1):
        best = max(best, level)
        held = min(MAX_LEVEL, best + (count - 1) // REPEAT)
        for lvl in range(1, held + 1):
            reached.setdefault(lvl, at)
    return reached
