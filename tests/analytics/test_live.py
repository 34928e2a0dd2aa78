"""Dashboards shared by their readers (core.live): at most SAPTAH_DASHBOARD_MAX_AGE old, and they say so."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from tests.analytics.conftest import START, World
from tests.factories import sign_in

from saptah.analytics import service
from saptah.analytics.schemas import Filters
from saptah.core import live

API = "/api/v1/analytics/dashboard"


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    live.forget()
    yield
    live.forget()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def completions(dash: Any) -> int:
    return int(dash.figure("completions").value)


def test_readers_share_figures_until_they_are_max_age_old_then_see_new_ones(db, world: World) -> None:
    organiser = directory_principal(db, world)
    scope = service.resolve(db, organiser, Filters(campaign=world.campaign.id))
    clock, calls = Clock(), []

    def compute(s: Any) -> Any:
        calls.append(1)
        return service.dashboard(s, scope)

    key = ("test", *service.scope_key(scope))
    first, as_of = live.shared(db, key, compute, max_age=30, clock=clock)
    assert completions(first) == len(world.completions)
    world.complete(db, world.people["idle"], world.courses[2], START + timedelta(3))
    db.flush()
    clock.now += 29
    again, again_at = live.shared(db, key, compute, max_age=30, clock=clock)
    assert (completions(again), again_at, len(calls)) == (len(world.completions) - 1, as_of, 1)  # shared, old
    # Older than max_age but younger than twice it: the test session is bound to one connection, so no
    # background thread may use it and the reader still gets the shared value (a server refreshes it behind).
    clock.now += 2
    assert live.shared(db, key, compute, max_age=30, clock=clock)[1] == as_of
    clock.now += 30  # twice max_age: never served; this reader waits for fresh figures
    fresh, fresh_at = live.shared(db, key, compute, max_age=30, clock=clock)
    assert completions(fresh) == len(world.completions) and fresh_at > as_of and len(calls) == 2


def test_max_age_zero_computes_every_reading(db, world: World) -> None:
    calls = []
    for _ in range(3):
        live.shared(db, "k", lambda s: calls.append(1), max_age=0)
    assert len(calls) == 3


def test_a_failed_background_refresh_keeps_the_old_value(tmp_path) -> None:
    from saptah.core.db import make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{tmp_path}/live.db")
    session = make_sessionmaker(engine)()
    clock, done = Clock(), []

    def boom(s: Any) -> Any:
        done.append(1)
        raise RuntimeError("database went away")

    _, as_of = live.shared(session, "k", lambda s: 41, max_age=10, clock=clock)
    clock.now += 11
    assert live.shared(session, "k", boom, max_age=10, clock=clock) == (41, as_of)  # served; refreshed behind
    for _ in range(200):
        if done and not live._refreshing:
            break
        time.sleep(0.01)
    assert done == [1] and not live._refreshing
    assert live.shared(session, "k", lambda s: 42, max_age=10, clock=clock) == (41, as_of)  # still 41: kept
    clock.now += 10  # now 21 s old: twice max_age, recomputed for the reader
    assert live.shared(session, "k", lambda s: 42, max_age=10, clock=clock)[0] == 42
    session.close()


def test_a_background_refresh_gives_later_readers_new_figures(tmp_path) -> None:
    from saptah.core.db import make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{tmp_path}/live.db")
    session = make_sessionmaker(engine)()
    clock = Clock()
    live.shared(session, "k", lambda s: "old", max_age=10, clock=clock)
    clock.now += 12
    assert live.shared(session, "k", lambda s: "new", max_age=10, clock=clock)[0] == "old"
    for _ in range(200):
        if not live._refreshing:
            break
        time.sleep(0.01)
    assert live.shared(session, "k", lambda s: "newer", max_age=10, clock=clock)[0] == "new"
    session.close()


def test_the_api_and_pages_say_how_old_shared_figures_are(app, client, db, world: World) -> None:
    app.state.settings = app.state.settings.model_copy(update={"dashboard_max_age": 60})
    sign_in(client, world.people["organiser"].email)
    first = client.get(API, params={"campaign": world.campaign.id}).json()
    assert first["max_age_seconds"] == 60 and first["as_of"]
    world.complete(db, world.people["idle"], world.courses[2], START + timedelta(3))
    db.commit()
    again = client.get(API, params={"campaign": world.campaign.id}).json()
    assert again["as_of"] == first["as_of"]  # shared: the new completion shows within 60 s, not at once
    assert figures_of(again)["completions"] == len(world.completions) - 1
    page = client.get("/dashboard", params={"campaign": world.campaign.id}).text
    assert re.search(r"Figures as of \d\d-\d\d-\d{4} \d\d:\d\d:\d\d IST, recomputed at most every 60 seconds", page)
    client.cookies.set("saptah_lang", "hi")
    hindi = client.get("/dashboard", params={"campaign": world.campaign.id}).text
    assert "60 सेकंड" in hindi
    # Another subtree's readers never share a ministry's figures: an MDO admin sees only MoHFW's.
    client.cookies.set("saptah_lang", "en")
    sign_in(client, world.people["admin_mohfw"].email)
    mdo = client.get("/dashboard/mdo", params={"campaign": world.campaign.id}).text
    assert "recomputed at most every 60 seconds" in mdo
    mine = client.get(API, params={"campaign": world.campaign.id}).json()
    assert figures_of(mine)["completions"] < figures_of(again)["completions"]


def figures_of(body: dict) -> dict[str, int]:
    return {f["key"]: f["value"] for f in body["figures"]}


def directory_principal(db: Any, world: World) -> Any:
    from saptah.directory import service as directory

    return directory.load_principal(db, world.people["organiser"].id)


def test_the_organisation_board_is_shared_and_says_how_old_it_is(app, client, db, world: World) -> None:
    from saptah.campaigns import service as campaigns

    campaigns.refresh_sizes(db, world.campaign.id)
    db.commit()
    app.state.settings = app.state.settings.model_copy(update={"dashboard_max_age": 60})
    sign_in(client, world.people["a3"].email)
    api = f"/api/v1/campaigns/{world.campaign.id}/organisations"

    def reached(body: dict) -> int:
        return sum(row["reached"] for rows in body.values() for row in rows)

    first = client.get(api).json()
    assert reached(first) == 1  # a1
    world.complete(db, world.people["a2"], world.courses[1], START + timedelta(2))  # a2: 300 minutes
    db.commit()
    assert reached(client.get(api).json()) == 1  # shared for up to 60 s
    page = client.get(f"/campaigns/{world.campaign.id}/organisations").text
    assert re.search(r"Figures as of \d\d-\d\d-\d{4} \d\d:\d\d:\d\d IST, recomputed at most every 60 seconds", page)
    live.forget()
    assert reached(client.get(api).json()) == 2  # computed again: the new figure
