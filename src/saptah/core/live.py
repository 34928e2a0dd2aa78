"""Figures shared by their readers (dashboards, the organisation board): computed at most once per `max_age`
seconds per app process.

A national dashboard sums the aggregates of 4.6 million people; thousands of organisers and MDO admins open it
during the week, and each reading would recompute the same figures. Readers of the same dashboard (the same
database and the same resolved filters) share one computation instead. A value older than `max_age` is still
served at once while one background thread computes the next; a value older than twice `max_age` is never
served (the reader waits for a fresh one). Every value carries the moment it was computed, and the page and the
API show it, so nobody mistakes a cached figure for a live one (setting `SAPTAH_DASHBOARD_MAX_AGE`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from saptah.core.db import utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
LIMIT = 2048  # distinct dashboards kept per process (an MDO's, a group filter, ...); the oldest go first

_values: dict[tuple[Any, ...], tuple[float, datetime, Any]] = {}
_refreshing: set[tuple[Any, ...]] = set()
_lock = threading.Lock()


def shared(
    session: Session,
    key: Hashable,
    compute: Callable[[Session], T],
    *,
    max_age: float,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[T, datetime]:
    """`compute(session)` as of at most `max_age` seconds ago (see the module), and when it was computed."""
    if max_age <= 0:
        return compute(session), utcnow()
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else None
    full = (str(bind.engine.url), key)
    now = clock()
    with _lock:
        hit = _values.get(full)
        stale = hit is not None and now - hit[0] >= max_age
        usable = hit is not None and now - hit[0] < 2 * max_age
        start = stale and usable and engine is not None and full not in _refreshing
        if start:
            _refreshing.add(full)
    if hit is not None and usable:
        if start:
            assert engine is not None
            threading.Thread(target=_refresh, args=(engine, full, compute, clock), daemon=True).start()
        return hit[2], hit[1]
    return _store(full, compute(session), clock)


def _refresh(
    engine: Engine, full: tuple[Any, ...], compute: Callable[[Session], Any], clock: Callable[[], float]
) -> None:
    """Compute the next value in its own session (a background thread of the app process)."""
    try:
        with Session(bind=engine) as s:
            _store(full, compute(s), clock)
    except Exception:  # the readers keep the previous value; the next reading after 2 x max_age recomputes
        log.exception("refreshing dashboard figures failed")
    finally:
        with _lock:
            _refreshing.discard(full)


def _store(full: tuple[Any, ...], value: T, clock: Callable[[], float]) -> tuple[T, datetime]:
    as_of = utcnow()
    with _lock:
        if len(_values) >= LIMIT:
            for old in sorted(_values, key=lambda k: _values[k][0])[: LIMIT // 4]:
                del _values[old]
        _values[full] = (clock(), as_of, value)
    return value, as_of


def forget() -> None:
    """Drop every shared value (tests; a process that changed what the figures mean)."""
    with _lock:
        _values.clear()
