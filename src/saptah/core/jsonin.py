"""JSON from clients, parsed strictly: what Python's parser accepts beyond JSON is refused, and so is nesting
deeper than any real document needs.

`json.loads` takes a lone surrogate escape (`"\\ud800"`), which no database can store as text; `NaN`, `Infinity`
and numbers like `1e400` (read as infinity), which Saptah would store and later send back as `Infinity`, which is
not JSON. A deeply nested body (`[[[[...]]]]`) makes the parser, or any recursive code after it, raise
RecursionError. All are the client's mistake: a ValueError, answered 400, never a 500.

The parser is pydantic-core's (jiter, in Rust): it refuses lone surrogates, NaN and Infinity and nesting beyond
MAX_DEPTH by itself, and parses a batch of statements faster than `json.loads`. Only a number too large for a
float (read as infinity) needs a look of ours, and only when the text may hold such a number: one with an exponent
of three digits or more, or with 210 digits or more before it (1.8e308 needs one or the other). The text is
scanned with `bytes.translate` and `bytes.find` (C speed, about a nanosecond a byte; a regular expression over the
whole text cost 90 ns a byte, more than parsing it), and only then is the parsed value walked.
bench/jsonin.py measures it (docs/performance.md).
"""

from __future__ import annotations

import math
from typing import Any

from pydantic_core import from_json

MAX_DEPTH = 200  # jiter's own recursion limit; an xAPI statement with extensions stays far below it
# The text with each digit as 0, e and E as e, + as itself and every other byte a space: an exponent of three
# digits or more shows as e000 or e+000; an integer part of 210 digits or more as 210 zeros in a row.
_MARKS = bytes(48 if 48 <= b <= 57 else 101 if b in (69, 101) else 43 if b == 43 else 32 for b in range(256))
_BIG_EXPONENTS = (b"e000", b"e+000")
_LONG_INTEGER = b"0" * 210  # with an exponent below 100, a float reaches 1.8e308 only with 210 integer digits
_DIGITS = frozenset(b"0123456789")
_MANTISSA = frozenset(b"0123456789.")
_BEFORE_NUMBER = frozenset(b"[,: \t\r\n")  # what precedes a number token (not hex such as 3e456 in a UUID)


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
    if _may_hold_infinity(data) and _holds_infinity(value):
        raise BadJSON("A number in the JSON is too large (beyond 1.8e308).")
    return value


def _may_hold_infinity(data: bytes) -> bool:
    """Whether the text may hold a number beyond a float's range (a cheap scan; the parsed value decides)."""
    marks = data.translate(_MARKS)
    if _LONG_INTEGER in marks:
        return True
    for literal in _BIG_EXPONENTS:
        at = marks.find(literal)
        while at != -1:
            if _ends_a_mantissa(data, at):
                return True
            at = marks.find(literal, at + 1)
    return False


def _ends_a_mantissa(data: bytes, at: int) -> bool:
    """Whether the exponent at `at` follows a number token: digits (a point among them) and perhaps a minus,
    after a bracket, comma, colon, white space or the start of the text."""
    i = at - 1
    if i < 0 or data[i] not in _DIGITS:
        return False
    while i >= 0 and data[i] in _MANTISSA:
        i -= 1
    if i >= 0 and data[i] == 45:  # a minus sign
        i -= 1
    return i < 0 or data[i] in _BEFORE_NUMBER


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
