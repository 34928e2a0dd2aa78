"""Field types for request bodies that take only what they say: a yes/no is JSON `true` or `false`, a date is
written `YYYY-MM-DD`, a moment is ISO 8601 text. Pydantic's lax mode would read `0` as false and `0` (or "0") as
1 January 1970, which a client sending a wrong field would never notice."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Strict

Flag = Annotated[bool, Strict()]
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_text(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("a date is written YYYY-MM-DD")


def _moment_text(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _DAY.match(value)):
        return value
    raise ValueError("a date and time is written in ISO 8601, e.g. 2024-10-21T11:00:00+05:30")


Day = Annotated[date, BeforeValidator(_day_text)]
Moment = Annotated[datetime, BeforeValidator(_moment_text)]
