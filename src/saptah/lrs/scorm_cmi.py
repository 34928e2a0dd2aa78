"""The SCORM CMI data model as pure functions: a commit's JSON checked strictly, the facts Saptah credits read from
it (status, success, score, exit, session time) for SCORM 1.2 and 2004 alike, and the data a launch starts with."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from saptah.core import jsonin
from saptah.core.errors import InvalidInput, PayloadTooLarge

MAX_COMMIT_BYTES = 256 * 1024
MAX_DEPTH = 8
MAX_LEAVES = 5000
MAX_TEXT = 64_000  # SCORM 2004's largest string (suspend_data); 1.2's are smaller
KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
HHMMSS = re.compile(r"^(\d{2,4}):([0-5]\d):([0-5]\d)(\.\d{1,2})?$")
ISO_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$")
STATUS_12 = ("passed", "completed", "failed", "incomplete", "browsed", "not attempted")
EXIT_12 = ("", "time-out", "suspend", "logout")
COMPLETION_2004 = ("completed", "incomplete", "not attempted", "unknown")
SUCCESS_2004 = ("passed", "failed", "unknown")
EXIT_2004 = ("", "normal", "suspend", "logout", "time-out")


@dataclass(frozen=True)
class Facts:
    """What one commit says, the same for both versions."""

    completion: str  # 1.2 lesson_status, or 2004 completion_status
    completed: bool
    success: str  # passed | failed | unknown (after the mastery score, where the package sets one)
    score_scaled: float | None
    score: dict[str, float]  # raw / min / max, where given
    exit: str
    session_seconds: int | None  # None: the content reported no session time
    location: str
    suspend_data: str

    @property
    def satisfied(self) -> bool:
        """Passed, or completed without failing: the SCO counts toward the course."""
        return self.success == "passed" or (self.completed and self.success != "failed")


def parse_commit(raw: bytes, version: str, mastery: float | None) -> tuple[dict[str, Any], Facts]:
    """The committed CMI object and its facts; InvalidInput with the reason for anything malformed."""
    if len(raw) > MAX_COMMIT_BYTES:
        raise PayloadTooLarge(f"The SCORM data is larger than {MAX_COMMIT_BYTES // 1024} KB.")
    try:
        body = jsonin.loads(raw)
    except jsonin.BadJSON as exc:
        raise InvalidInput(str(exc)) from exc
    if not isinstance(body, dict) or not isinstance(body.get("cmi"), dict):
        raise InvalidInput('The SCORM data must be a JSON object with a "cmi" object.')
    unknown = sorted(set(body) - {"cmi", "adl"})
    if unknown:
        raise InvalidInput(f"Unexpected field '{unknown[0][:40]}' in the SCORM data.")
    cmi = body["cmi"]
    _check_tree(cmi)
    return cmi, facts_12(cmi, mastery) if version == "1.2" else facts_2004(cmi, mastery)


def _check_tree(cmi: dict[str, Any]) -> None:
    stack: list[tuple[Any, int, str]] = [(cmi, 1, "cmi")]
    leaves = 0
    while stack:
        node, depth, where = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput(f"The SCORM data nests deeper than {MAX_DEPTH} levels at {where[:80]}.")
        for key, value in node.items():
            if not KEY.match(key):
                raise InvalidInput(f"'{key[:40]}' is not a CMI element name (at {where[:80]}).")
            if isinstance(value, dict):
                stack.append((value, depth + 1, f"{where}.{key}"))
                continue
            leaves += 1
            if leaves > MAX_LEAVES:
                raise InvalidInput(f"The SCORM data holds more than {MAX_LEAVES} values.")
            if isinstance(value, str) and len(value) > MAX_TEXT:
                raise InvalidInput(f"{where}.{key} is longer than {MAX_TEXT} characters.")
            if not (value is None or isinstance(value, str | bool | int | float)):
                raise InvalidInput(f"{where}.{key} must be a text or a number.")


def _text(node: Any, *path: str) -> str:
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if node is None:
        return ""
    if isinstance(node, bool) or not isinstance(node, str | int | float):
        raise InvalidInput(f"cmi.{'.'.join(path)} must be a text.")
    return str(node)


def _number(node: Any, *path: str, low: float | None = None, high: float | None = None) -> float | None:
    text = _text(node, *path).strip()
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"cmi.{'.'.join(path)} '{text[:20]}' is not a number.") from None
    if not math.isfinite(value) or (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInput(f"cmi.{'.'.join(path)} {text[:20]} is out of range.")
    return value


def _one_of(value: str, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise InvalidInput(f"{where} '{value[:30]}' is not one of: {', '.join(a or '(empty)' for a in allowed)}.")
    return value


def facts_12(cmi: dict[str, Any], mastery: float | None) -> Facts:
    """SCORM 1.2: cmi.core.lesson_status, score.raw/min/max, exit, session_time (HHHH:MM:SS.SS)."""
    status = _one_of(_text(cmi, "core", "lesson_status") or "not attempted", STATUS_12, "cmi.core.lesson_status")
    raw = _number(cmi, "core", "score", "raw", low=0, high=100)
    low = _number(cmi, "core", "score", "min", low=0, high=100)
    high = _number(cmi, "core", "score", "max", low=0, high=100)
    score = {k: v for k, v in (("raw", raw), ("min", low), ("max", high)) if v is not None}
    scaled = None
    if raw is not None:
        lo, hi = low or 0.0, high if high is not None else 100.0
        scaled = max(0.0, min(1.0, (raw - lo) / (hi - lo))) if hi > lo else None
    completed = status in ("completed", "passed", "failed")
    success = {"passed": "passed", "failed": "failed"}.get(status, "unknown")
    if mastery is not None and raw is not None and completed:
        success = "passed" if raw >= mastery else "failed"  # the LMS judges against adlcp:masteryscore
    session = _text(cmi, "core", "session_time")
    return Facts(
        completion=status,
        completed=completed,
        success=success,
        score_scaled=scaled,
        score=score,
        exit=_one_of(_text(cmi, "core", "exit"), EXIT_12, "cmi.core.exit"),
        session_seconds=hhmmss_seconds(session) if session else None,
        location=_text(cmi, "core", "lesson_location")[:1000],
        suspend_data=_text(cmi, "suspend_data"),
    )


def facts_2004(cmi: dict[str, Any], mastery: float | None) -> Facts:
    """SCORM 2004: completion_status, success_status, score.scaled, exit, session_time (ISO 8601 duration)."""
    completion = _one_of(_text(cmi, "completion_status") or "unknown", COMPLETION_2004, "cmi.completion_status")
    success = _one_of(_text(cmi, "success_status") or "unknown", SUCCESS_2004, "cmi.success_status")
    scaled = _number(cmi, "score", "scaled", low=-1, high=1)
    score = {k: v for k in ("raw", "min", "max") if (v := _number(cmi, "score", k)) is not None}
    if mastery is not None and scaled is not None:
        success = "passed" if scaled >= mastery else "failed"  # cmi.scaled_passing_score decides
    session = _text(cmi, "session_time")
    return Facts(
        completion=completion,
        completed=completion == "completed",
        success=success,
        score_scaled=scaled,
        score=score,
        exit=_one_of(_text(cmi, "exit"), EXIT_2004, "cmi.exit"),
        session_seconds=iso_seconds(session) if session else None,
        location=_text(cmi, "location")[:1000],
        suspend_data=_text(cmi, "suspend_data"),
    )


def hhmmss_seconds(text: str) -> int:
    """A SCORM 1.2 CMITimespan (HHHH:MM:SS.SS) in whole seconds."""
    m = HHMMSS.match(text.strip())
    if not m:
        raise InvalidInput(f"cmi.core.session_time '{text[:30]}' is not a time such as 0000:12:30.")
    return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])


def iso_seconds(text: str) -> int:
    """A SCORM 2004 timeinterval (ISO 8601 duration, e.g. PT1H2M3.5S) in whole seconds."""
    m = ISO_DURATION.match(text.strip())
    if not m or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise InvalidInput(f"cmi.session_time '{text[:30]}' is not a duration such as PT12M30S.")
    years, months, days, hours, minutes = (int(x or 0) for x in m.groups()[:5])
    seconds = float(m[6] or 0)
    return int(((years * 365 + months * 30 + days) * 24 + hours) * 3600 + minutes * 60 + seconds)


def hhmmss(seconds: int) -> str:
    """Whole seconds as a SCORM 1.2 CMITimespan."""
    return f"{min(seconds // 3600, 9999):04d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def iso(seconds: int) -> str:
    """Whole seconds as an ISO 8601 duration (SCORM 2004 and xAPI result.duration)."""
    return f"PT{seconds // 3600}H{seconds // 60 % 60}M{seconds % 60}S"


def _num(value: float) -> str:
    return f"{value:g}"


def start_data(
    *, version: str, learner_id: str, learner_name: str, mastery: float | None, resume: dict[str, Any] | None,
    entry: str, total_seconds: int,
) -> dict[str, Any]:  # fmt: skip
    """The CMI data a launch loads into the run-time before the content starts: who the learner is, the mastery
    score, and when resuming the location, suspend data, status and score of the attempt so far."""
    old = resume or {}
    if version == "1.2":
        core: dict[str, Any] = old["core"] if isinstance(old.get("core"), dict) else {}
        data: dict[str, Any] = {
            "core": {
                "student_id": learner_id, "student_name": learner_name, "entry": entry, "credit": "credit",
                "lesson_mode": "normal", "total_time": hhmmss(total_seconds),
            }
        }  # fmt: skip
        if resume is not None:
            data["core"]["lesson_location"] = _text(core, "lesson_location")
            data["core"]["lesson_status"] = _text(core, "lesson_status") or "not attempted"
            score = core.get("score") if isinstance(core.get("score"), dict) else {}
            data["core"]["score"] = {k: _text(score, k) for k in ("raw", "min", "max") if _text(score, k)}
            data["suspend_data"] = _text(old, "suspend_data")
        if mastery is not None:
            data["student_data"] = {"mastery_score": _num(mastery)}
        return data
    data = {
        "learner_id": learner_id, "learner_name": learner_name, "entry": entry, "credit": "credit",
        "mode": "normal", "total_time": iso(total_seconds),
    }  # fmt: skip
    if resume is not None:
        for key in ("location", "suspend_data", "completion_status", "success_status", "progress_measure"):
            if _text(old, key):
                data[key] = _text(old, key)
        score = old.get("score") if isinstance(old.get("score"), dict) else {}
        data["score"] = {k: _text(score, k) for k in ("scaled", "raw", "min", "max") if _text(score, k)}
    if mastery is not None:
        data["scaled_passing_score"] = _num(mastery)
    return data
