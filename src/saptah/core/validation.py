"""Pydantic's validation errors as messages for people, so a refused form or request reads in the person's language.

Each common pydantic error type has a message id here, written as pydantic words it (English answers keep
pydantic's own text) and whose values come from the error's context; `saptah.web.i18n.translate` shows it in the
reader's language. The error's `type` (the machine-readable part) is not changed: it stays in the API's `details`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from saptah.core.text import N_, Message

# pydantic error type -> message id (English as pydantic writes it; placeholders named as in the error's ctx)
MESSAGES = {
    "missing": N_("Field required"),
    "string_too_short": N_("String should have at least {min_length} characters"),
    "string_too_long": N_("String should have at most {max_length} characters"),
    "too_short": N_("List should have at least {min_length} items"),
    "too_long": N_("List should have at most {max_length} items"),
    "string_type": N_("Input should be a valid string"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "bool_type": N_("Input should be a valid boolean"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "date_parsing": N_("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": N_("Input should be a valid date or datetime"),
    "date_type": N_("Input should be a valid date"),
    "datetime_parsing": N_("Input should be a valid datetime"),
    "datetime_from_date_parsing": N_("Input should be a valid datetime or date"),
    "datetime_type": N_("Input should be a valid datetime"),
    "timezone_aware": N_("Input should have timezone info"),
    "url_parsing": N_("Input should be a valid URL"),
    "url_scheme": N_("URL scheme should be {expected_schemes}"),
    "json_invalid": N_("JSON decode error"),
    "list_type": N_("Input should be a valid list"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "value_error": N_("Value error, {error}"),
    "assertion_error": N_("Assertion failed, {error}"),
    "uuid_parsing": N_("Input should be a valid UUID"),
}
# where in the request a value was: not a field's name
PLACES = ("body", "query", "path", "form", "header", "cookie")


def problem(err: Mapping[str, Any]) -> str:
    """One pydantic error's text for people: a `Message` for the common types, pydantic's own text otherwise."""
    msgid = MESSAGES.get(str(err.get("type")))
    ctx = dict(err.get("ctx") or {})
    if msgid is not None:
        names = _names(msgid)
        if all(name in ctx for name in names):
            values = {name: _value(ctx[name]) for name in names}
            # in English exactly as pydantic wrote it (its wording varies a little between versions)
            text = str.__new__(Message, err.get("msg") or msgid.format(**values))
            text.msgid, text.params = msgid, values
            return text
    return str(err.get("msg", ""))


def where(err: Mapping[str, Any]) -> str:
    """The field an error is about ("" for the whole request), without the request part it came in."""
    return ".".join(str(p) for p in err.get("loc", ()) if p not in PLACES)


def explain(errors: Iterable[Mapping[str, Any]]) -> list[str]:
    """Each error as "field: problem" (or the problem alone), each a `Message` when its type is a common one."""
    out: list[str] = []
    for err in errors:
        text, field = problem(err), where(err)
        out.append(Message("{field}: {problem}", field=field, problem=text) if field else text)
    return out


def joined(problems: list[str]) -> str:
    """Several problems as one message ("a; b"), each still shown in the reader's language."""
    if not problems:
        return Message(N_("Invalid input."))
    text = problems[0]
    for more in problems[1:]:
        text = Message("{first}; {second}", first=text, second=more)
    return text


def _names(msgid: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(msgid) if name]


def _value(value: Any) -> Any:
    """A context value as it is shown: a custom validator's message keeps its message id (a `Message`)."""
    if isinstance(value, Exception):
        first = value.args[0] if value.args else ""
        return first if isinstance(first, Message) else str(value)
    return value
