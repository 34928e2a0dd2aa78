"""Statement POSTs waiting at the same moment share one transaction (group commit).

A provider's content sends a statement per learner action, each request a handful of round trips and a commit of
its own. Each app process queues the checked statements of the requests it receives; while its groups (up to
IN_FLIGHT) are in the database the next ones gather, so under load a group holds as many requests as arrived
meanwhile and at low load a request is stored at once, alone. Every request is answered only after its group has
committed, with its own ids or its own 409 (`service.store_groups`). If the group's transaction fails, nothing of
it was stored and each of its requests is stored again alone, so a request that cannot be stored (or a transient
failure, which the xAPI routes retry) fails only itself, never the others that happened to share its group.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from saptah.core.db import unit_of_work
from saptah.core.errors import SaptahError
from saptah.lrs import clients, service

MAX_GROUP = 200  # requests per transaction
IN_FLIGHT = 1  # groups in the database at once per process: the next group gathers meanwhile (2 measured slower)


@dataclass
class _Waiting:
    statements: list[dict[str, Any]]
    caller: clients.Caller
    done: threading.Event = field(default_factory=threading.Event)
    outcome: list[str] | BaseException | None = None


class GroupCommit:
    """One app's queue of statement requests; the request threads themselves take turns running the groups."""

    def __init__(self, state: Any) -> None:
        self.factory = state.sessionmaker
        self.lock = threading.Lock()
        self.pending: list[_Waiting] = []
        self.running = 0
        # a factory bound to one connection (the tests' rolled-back transaction) takes one group at a time
        self.in_flight = IN_FLIGHT if isinstance(self.factory.kw.get("bind"), Engine) else 1

    def store(self, statements: list[dict[str, Any]], caller: clients.Caller) -> list[str]:
        """Store a request's checked statements with whatever others are waiting; their ids once committed."""
        waiting = _Waiting(statements, caller)
        with self.lock:
            self.pending.append(waiting)
            lead = self.running < self.in_flight
            self.running += lead
        if lead:
            self._drain()
        waiting.done.wait()
        if isinstance(waiting.outcome, BaseException):
            raise waiting.outcome
        assert waiting.outcome is not None
        return waiting.outcome

    def _drain(self) -> None:
        """Run groups until the queue is empty (this thread's own request is in the first one)."""
        while True:
            with self.lock:
                group, self.pending = self.pending[:MAX_GROUP], self.pending[MAX_GROUP:]
                if not group:
                    self.running -= 1
                    return
            outcomes: Sequence[list[str] | BaseException]
            try:
                outcomes = self._store(group)
            except Exception as exc:  # the group failed: maybe one request's fault, so each is stored alone
                outcomes = [exc] if len(group) == 1 else [self._alone(w) for w in group]
            except BaseException as exc:
                outcomes = [exc] * len(group)
            for waiting, outcome in zip(group, outcomes, strict=True):
                waiting.outcome = outcome
                waiting.done.set()

    def _store(self, group: list[_Waiting]) -> list[list[str] | SaptahError]:
        with unit_of_work(self.factory) as session:
            return service.store_groups(session, [(w.statements, w.caller) for w in group])

    def _alone(self, waiting: _Waiting) -> list[str] | BaseException:
        """A request of a failed group, in a transaction of its own: its ids, or the error that is its own."""
        try:
            outcome = self._store([waiting])[0]
        except Exception as exc:
            return exc
        return outcome


def group_commit(state: Any) -> GroupCommit:
    """The app's group commit for statement POSTs."""
    with _CREATE:
        found: GroupCommit | None = getattr(state, "lrs_group_commit", None)
        if found is None or found.factory is not state.sessionmaker:
            found = state.lrs_group_commit = GroupCommit(state)
    return found


_CREATE = threading.Lock()
