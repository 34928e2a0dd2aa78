"""Strict inputs at the edge, for every route in one place: an /api/v1 request with a query parameter the route
does not declare is refused; an integer path or query parameter must fit the database's 64-bit integers (an id
beyond them names nothing: 404; a query value beyond them is well formed but unusable: 422); a yes/no query
parameter is `true` or `false`, a date one is a calendar date (never `0`, which the parsers would otherwise read
as false and as 1 January 1970)."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import date
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from saptah.core.errors import InvalidInput, NotFound, OutOfRange

PREFIX = "/api/v1/"
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
_FLAG_WORDS = {"true", "false"}
_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class _Shape:
    """What a route declares: its query parameter names, and which path/query parameters are ints, flags, days."""

    names: frozenset[str]
    path_ints: frozenset[str]
    query_ints: frozenset[str]
    flags: frozenset[str]
    days: frozenset[str]


_shapes: dict[int, _Shape] = {}


def _is(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    origin = get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        return any(arg is kind for arg in get_args(annotation))
    return False


def _params(dependant: Dependant, attr: str) -> list[Any]:
    found = list(getattr(dependant, attr))
    for sub in dependant.dependencies:
        found += _params(sub, attr)
    return found


def _shape(route: APIRoute) -> _Shape:
    shape = _shapes.get(id(route))
    if shape is None:
        query = _params(route.dependant, "query_params")
        path = _params(route.dependant, "path_params")

        def of(params: list[Any], kind: type) -> frozenset[str]:
            return frozenset(p.alias for p in params if _is(p.field_info.annotation, kind))

        shape = _shapes[id(route)] = _Shape(
            names=frozenset(p.alias for p in query),
            path_ints=of(path, int),
            query_ints=of(query, int),
            flags=of(query, bool),
            days=of(query, date),
        )
    return shape


def _beyond_int64(raw: str) -> bool:
    try:
        value = int(raw)
    except ValueError:  # not an integer at all: the route's own validation says so
        return False
    return not INT64_MIN <= value <= INT64_MAX


def strict_query_params(request: Request) -> None:
    """App-wide dependency: refuse undeclared query parameters on JSON API routes, and out-of-range values."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    shape = _shape(route)
    path_params = request.path_params
    for name in shape.path_ints:
        if _beyond_int64(str(path_params.get(name, "0"))):
            raise NotFound("There is no page at this address.")
    query = request.query_params
    if not query:
        return
    if request.url.path.startswith(PREFIX):
        unknown = sorted(set(query) - shape.names)
        if unknown:
            if shape.names:
                raise InvalidInput(
                    "Unknown query parameter(s): {values}. Allowed: {allowed}.",
                    values=", ".join(unknown),
                    allowed=", ".join(sorted(shape.names)),
                )
            raise InvalidInput("Unknown query parameter(s): {values}.", values=", ".join(unknown))
    for name in shape.query_ints & set(query):
        if any(_beyond_int64(v) for v in query.getlist(name)):
            raise OutOfRange(
                "{name}: must be a whole number between {low} and {high}.",
                name=name,
                low=INT64_MIN,
                high=INT64_MAX,
            )
    for name in shape.flags & set(query):
        if any(v.lower() not in _FLAG_WORDS for v in query.getlist(name)):
            raise InvalidInput("{name}: must be true or false.", name=name)
    for name in shape.days & set(query):  # an empty date input sends "": the route's own validation decides
        if any(v and not _DAY_RE.fullmatch(v) for v in query.getlist(name)):
            raise InvalidInput("{name}: must be a date written YYYY-MM-DD.", name=name)
