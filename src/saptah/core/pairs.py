"""SQL for "this pair of columns is one of these pairs" that stays cheap for hundreds of pairs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute, Session


def pairs_in(
    session: Session,
    left: QueryableAttribute[Any],
    right: QueryableAttribute[Any],
    pairs: Iterable[tuple[Any, Any]],
) -> ColumnElement[bool]:
    """SQL: (left, right) is one of `pairs`.

    PostgreSQL gets the pairs as two arrays, so the statement text is the same whatever their number: it is
    compiled and prepared once, and a semi-join is planned in a fraction of the time a row-value IN list of a
    hundred pairs takes (measured 1.3 against 5 ms). SQLite gets the row-value IN list.
    """
    wanted = sorted(set(pairs))
    if session.get_bind().dialect.name != "postgresql":
        return tuple_(left, right).in_(wanted)
    firsts, seconds = [p[0] for p in wanted], [p[1] for p in wanted]
    source = (
        func.unnest(
            bindparam(None, firsts, type_=_array_of(firsts)), bindparam(None, seconds, type_=_array_of(seconds))
        )
        .table_valued("a", "b")
        .render_derived()
    )
    return tuple_(left, right).in_(select(source.c.a, source.c.b))


def _array_of(values: list[Any]) -> ARRAY:
    """The array type of these values (a foreign-key column's own type is not known before compiling)."""
    if all(isinstance(v, int) for v in values):
        return ARRAY(Integer)
    if all(isinstance(v, str) for v in values):
        return ARRAY(String)
    raise TypeError("pairs_in takes integers and strings")
