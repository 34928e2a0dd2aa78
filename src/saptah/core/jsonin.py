"""JSON from clients, parsed strictly: what Python's parser accepts beyond JSON is refused, and so is nesting
deeper than any real document needs.

`json.loads` takes a lone surrogate escape (`"\\ud800"`), which no database can store as text; `NaN`, `Infinity`
and numbers like `1e400` (read as infinity), which Saptah would store and later send back as `Infinity`, which is
not JSON. A deeply nested body (`[[[[...]]]]`) makes the parser, or any recursive code after it, raise
RecursionError. All are the client's mistake: a ValueError, answered 400, never a 500.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 100  # an xAPI statement with its context, definitions and extensions stays far below this
# A lone UTF-16 surrogate can only come from an escape: `\ud800` alone is valid JSON but no text (it cannot be
# stored as UTF-8). Only a body with such an escape needs the full check.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class BadJSON(ValueError):
    """The text is not JSON Saptah accepts; the message says why, for people."""


def _constant(name: str) -> Any:
    raise BadJSON(f"{name} is not a JSON number.")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadJSON(f"The number {text[:40]} is too large.")
    return value


def loads(raw: str | bytes) -> Any:
    """Parse client JSON; BadJSON (a ValueError) for NaN, infinities, nesting deeper than MAX_DEPTH, or bad JSON."""
    try:
        value = json.loads(raw, parse_constant=_constant, parse_float=_finite)
    except RecursionError as exc:
        raise BadJSON(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from exc
    except BadJSON:
        raise
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of more than 4,300 digits
        raise BadJSON("The body is not valid JSON.") from exc
    # Only a text with that many brackets can nest that deep; counting them is cheap, walking the value is not.
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and isinstance(value, (dict, list)) and not _shallow(value):
        raise BadJSON(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    if _SURROGATE_ESCAPE.search(data):
        try:
            json.dumps(value, ensure_ascii=False).encode()
        except UnicodeEncodeError as exc:
            raise BadJSON("The JSON holds a lone UTF-16 surrogate (\\ud800 to \\udfff), which is not text.") from exc
    return value


def _shallow(value: Any) -> bool:
    """Whether no container in `value` lies deeper than MAX_DEPTH (iterative: a deep value must not recurse)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return False
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return True
