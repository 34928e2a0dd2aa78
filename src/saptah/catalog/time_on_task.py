"""Time on task in the native player, as pure functions: how long each module declares, how much time the page
reported or how much of the video was watched, and whether a module may be marked done.

A native course credits its declared duration to the campaign, as NLW counted it, so it must not be completable in
seconds: a module is done only after a share of its declared minutes was spent on it (a video that plays inside
the page: after a share of it was watched). Content on a provider's own site keeps trusting the provider's xAPI.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from saptah.web.i18n import DEFAULT, N_, translate

Interval = tuple[float, float]
INLINE_VIDEO = (".mp4", ".webm", ".ogg", ".ogv", ".m4v")
PLAYBACK_SPEED = 2  # a video may be watched at up to twice its speed: watched seconds a reported second may add


@dataclass(frozen=True)
class TimeRules:
    """The shares the platform requires (settings `module_min_share` and `video_min_share`)."""

    module_share: float = 0.5
    video_share: float = 0.9


@dataclass(frozen=True)
class ModuleNeed:
    """Where a learner stands on one module: what it declares, what was spent or watched, what is left."""

    declared_seconds: int
    spent_seconds: int
    watched_seconds: int
    inline_video: bool
    left_seconds: int  # 0: the module may be marked done

    @property
    def ready(self) -> bool:
        """True when the module may be marked done."""
        return self.left_seconds == 0

    def message(self, lang: str = DEFAULT) -> str:
        """What is left, in words a learner understands, in the learner's language."""
        if self.ready:
            return translate("You have spent enough time on this module to mark it done.", lang)
        left = _minutes(self.left_seconds, lang)
        if self.inline_video:
            return translate("Watch more of the video first: about {left} of it is still unwatched.", lang, left=left)
        return translate("Spend about {left} more on this module before marking it done.", lang, left=left)


def _minutes(seconds: int, lang: str) -> str:
    if seconds < 60:
        return translate(N_("{n} second") if seconds == 1 else N_("{n} seconds"), lang, n=seconds)
    mins = math.ceil(seconds / 60)
    return translate(N_("{n} minute") if mins == 1 else N_("{n} minutes"), lang, n=mins)


def plays_inline(kind: str, url: str | None) -> bool:
    """True for a video module whose address is a media file the page can play (and so measure)."""
    path = (url or "").split("?", 1)[0].split("#", 1)[0].lower()
    return kind == "video" and path.endswith(INLINE_VIDEO)


def declared_minutes(module_minutes: Sequence[int | None], course_minutes: int) -> list[int]:
    """Each module's declared minutes: its own, else an even share of what the course's duration leaves."""
    unset = [i for i, m in enumerate(module_minutes) if m is None]
    rest = max(0, course_minutes - sum(m for m in module_minutes if m is not None))
    out = [m or 0 for m in module_minutes]
    for n, i in enumerate(unset):
        out[i] = rest // len(unset) + (1 if n < rest % len(unset) else 0)
    return out


def need(
    rules: TimeRules, *, declared_minutes: int, spent_seconds: int, watched: Sequence[Interval], inline_video: bool
) -> ModuleNeed:
    """A module's standing: a share of its declared minutes spent, or (inline video) a share of it watched."""
    declared = declared_minutes * 60
    seen = int(measure(watched))
    if inline_video:
        left = max(0, math.ceil(rules.video_share * declared) - seen)
    else:
        left = max(0, math.ceil(rules.module_share * declared) - spent_seconds)
    return ModuleNeed(declared, spent_seconds, seen, inline_video, left)


def merge(intervals: Sequence[Interval]) -> list[Interval]:
    """Overlapping or touching intervals joined, in order."""
    out: list[list[float]] = []
    for start, end in sorted((a, b) for a, b in intervals if b > a):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def measure(intervals: Sequence[Interval]) -> float:
    """Seconds covered by merged intervals."""
    return sum(b - a for a, b in merge(intervals))


def add_watched(old: Sequence[Interval], reported: Sequence[Interval], *, length: int, budget: float) -> list[Interval]:
    """The watched intervals after a report: what is new is taken in order, clipped to the video's length and to
    `budget` new seconds (no more than the time that passed allows), so a forged report gains little."""
    have = merge(old)
    for start, end in merge(reported):
        start, end = max(0.0, start), min(float(length), end)
        for a, b in _uncovered(have, start, end):
            take = min(b - a, budget)
            if take <= 0:
                return have
            have = merge([*have, (a, a + take)])
            budget -= take
    return have


def _uncovered(have: Sequence[Interval], start: float, end: float) -> list[Interval]:
    """The parts of [start, end) not yet in `have` (merged)."""
    gaps, cursor = [], start
    for a, b in have:
        if b <= cursor or a >= end:
            continue
        if a > cursor:
            gaps.append((cursor, min(a, end)))
        cursor = max(cursor, b)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


def parse_intervals(text: str) -> list[Interval]:
    """Watched ranges as the player reports them: "0-31.5,40-62" (seconds into the video)."""
    out: list[Interval] = []
    for part in text.split(","):
        if not part.strip():
            continue
        a, sep, b = part.partition("-")
        if not sep:
            raise ValueError(f"'{part.strip()}' is not a range such as 0-30.5")
        start, end = float(a), float(b)
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
            raise ValueError(f"'{part.strip()}' is not a range such as 0-30.5")
        out.append((start, end))
    return out[:200]


def unusually_short(spent_seconds: int, course_minutes: int, rules: TimeRules) -> bool:
    """A native completion whose time on task is under the share of the course's duration a module requires."""
    return spent_seconds < rules.module_share * course_minutes * 60
