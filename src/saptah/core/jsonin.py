"""JSON from clients, parsed strictly: what Python's parser accepts beyond JSON is refused, and so is nesting
deeper than any real document needs.

`json.loads` takes a lone surrogate escape (`"\\ud800"`), which no database can store as text; `NaN`, `Infinity`
and numbers like `1e400` (read as infinity), which Saptah would store and later send back as `Infinity`, which is
not JSON. A deeply nested body (`[[[[...]]]]`) makes the parser, or any recursive code after it, raise
RecursionError. All are the client's mistake: a ValueError, answered 400, never a 500.

The parser is pydantic-core's (jiter, in Rust): it refuses lone surrogates, NaN and Infinity and nesting beyond
MAX_DEPTH by itself, and parses a batch of statements faster than `json.loads`. Only a number too large for a
float (read as infinity) needs a look of ours, and only when the text holds such a number.
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic_core import from_json

MAX_DEPTH = 200  # jiter's own recursion limit; an xAPI statement with extensions stays far below it
# A float literal beyond 1.8e308 is written with a three-digit exponent or with 309 or more digits in a row
# (found by mapping every digit to 0 and all else to a space: C-speed, where a regex is slow on long texts).
_BIG_EXPONENT = re.compile(rb"[\[,:\s]-?[0-9]+(?:\.[0-9]+)?[eE]\+?[0-9]{3}")  # a number token, not hex in a UUID
_DIGITS_AS_ZERO = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))
_LONG_NUMBER = b"0" * 309


class BadJSON(ValueError):
    """The text is not JSON Saptah accepts; the message says why, for people."""


def loads(raw: str | bytes) -> Any:
    """Parse client JSON; BadJSON (a ValueError) for lone surrogates, NaN, infinities, nesting deeper than
    MAX_DEPTH, or anything else that is not JSON."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    try:
        value = from_json(data, allow_inf_nan=False)
    except ValueError as exc:
        if "recursion limit" in str(exc):
            raise BadJSON(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from exc
        if "surrogate" in str(exc) or "hex escape" in str(exc):
            raise BadJSON(f"The JSON holds a lone UTF-16 surrogate escape, which is no text ({exc}).") from exc
        raise BadJSON(f"The body is not valid JSON: {exc}.") from exc
    huge = _BIG_EXPONENT.search(data) is not None or _LONG_NUMBER in data.translate(_DIGITS_AS_ZERO)
    if huge and _holds_infinity(value):
        raise BadJSON("A number in the JSON is too large (beyond 1.8e308).")
    return value


def _holds_infinity(value: Any) -> bool:
    """Whether any number in `value` is infinite (iterative: nesting is bounded, but recursion is not needed)."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, float) and math.isinf(node):
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
