"""Campaign tests: the rules over records that stand as their own sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.campaigns.helpers import records_as_sources


@pytest.fixture(autouse=True)
def _records_are_sources(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[None]:
    """These tests publish and ingest credit for courses and events that exist only as campaign records (the rules
    and aggregates are what they test), so those records stand as their own sources. Rebuilding from the real
    sources is tested in test_check.py, test_property_check.py and tests/foundation/test_cli_wiring.py."""
    if request.node.get_closest_marker("real_sources") is None:
        records_as_sources(monkeypatch)
    yield
