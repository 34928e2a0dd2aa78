"""Recognition tests: campaign records of made-up courses and events stand as their own sources."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.campaigns.helpers import records_as_sources


@pytest.fixture(autouse=True)
def _records_are_sources(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests credit courses and events that exist only as published signals; a recompute keeps them."""
    records_as_sources(monkeypatch)
    yield
