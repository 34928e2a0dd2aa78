"""Hostile and careless inputs are refused with 4xx, never a 500 (issue 15: defects 2, 3, 4 and 13)."""

from __future__ import annotations

import pytest

from saptah.directory.models import Role
from tests.factories import csrf, sign_in

HUGE = "32589158477190044729"  # beyond 64 bits


@pytest.fixture
def organiser(client, make):
    person = make.person("MOHFW", role=Role.NATIONAL_ORGANISER)
    sign_in(client, person.email)
    return person


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/people/{HUGE}",
        f"/api/v1/campaigns/{HUGE}",
        f"/api/v1/campaigns/{HUGE}/progress/{HUGE}",
        f"/api/v1/events/{HUGE}",
        f"/api/v1/events/{HUGE}/event.ics",
        f"/api/v1/courses/{HUGE}",
        f"/events/{HUGE}",
        f"/events/{HUGE}/event.ics",
    ],
)
def test_an_id_beyond_64_bits_is_not_found(client, organiser, path):
    r = client.get(path)
    assert r.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/courses?max_minutes={HUGE}",
        f"/api/v1/analytics/my-week?campaign={HUGE}",
        f"/api/v1/courses?max_minutes=-{HUGE}",
    ],
)
def test_a_query_integer_beyond_64_bits_is_refused(client, organiser, path):
    r = client.get(path)
    assert r.status_code == 400
    assert "whole number" in r.json()["error"]["message"]


def test_a_presence_ping_for_a_huge_event_id_is_not_found(client, organiser):
    r = client.post(
        f"/api/v1/events/{HUGE}/presence",
        json={"tab": "t1", "seq": 1, "seconds": 30},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert r.status_code == 404


@pytest.mark.parametrize("query", ["from=0", "to=0", "from=20241019"])
def test_zero_is_not_a_date(client, organiser, query):
    r = client.get(f"/api/v1/events?{query}")
    assert r.status_code == 400
    assert "YYYY-MM-DD" in r.json()["error"]["message"]


def test_trace_is_refused_with_allow(client):
    r = client.request("TRACE", "/api/v1/courses")
    assert r.status_code == 405
    assert "GET" in r.headers["allow"]
    assert "TRACE" not in r.headers["allow"]
