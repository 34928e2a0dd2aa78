"""Strict inputs at the edge: an /api/v1 request with a query parameter the route does not declare is refused."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from saptah.core.errors import InvalidInput

PREFIX = "/api/v1/"
_allowed: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def strict_query_params(request: Request) -> None:
    """App-wide dependency: refuse undeclared query parameters on JSON API routes."""
    if not request.url.path.startswith(PREFIX) or not request.query_params:
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names = _allowed.get(id(route))
    if names is None:
        names = _allowed[id(route)] = frozenset(_query_names(route.dependant))
    unknown = sorted(set(request.query_params) - names)
    if unknown:
        allowed = f" Allowed: {', '.join(sorted(names))}." if names else ""
        raise InvalidInput(f"Unknown query parameter(s): {', '.join(unknown)}.{allowed}")
