"""Text for people that can still be shown in another language once its values are filled in.

`Message("No course has code {code}.", code="X1")` is the English text (a `str`, so logs, JSON answers and stored
columns take it as they are) that also remembers its message id and values; `saptah.web.i18n.translate` shows it
in the reader's language. The message id is what `pybabel extract` finds (./scripts/i18n), so the values are
named placeholders, never an f-string: an f-string's text cannot be found in a catalogue.
"""

from __future__ import annotations

from typing import Any


def N_(text: str) -> str:
    """Mark a string for the catalogues where it is defined; it is translated where it is shown."""
    return text


class Message(str):
    """English text with its values filled in, keeping the message id and values for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Message:
        """The message `msgid` with `params` filled in."""
        obj = super().__new__(cls, msgid.format(**params) if params else msgid)
        obj.msgid = msgid
        obj.params = params
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict[str, Any]) -> Message:
    return Message(msgid, **params)
