"""Fixtures for the LRS tests."""

from __future__ import annotations

import pytest

from saptah.lrs import service
from tests.lrs.helpers import issue


@pytest.fixture(autouse=True)
def _forget_merged_definitions():
    """Each test's rolled-back transaction forgets the activities it stored; so must the process cache."""
    service._MERGED.clear()
    yield
    service._MERGED.clear()


@pytest.fixture
def auth(db):
    """Headers of a freshly issued provider client (write + read own)."""
    return issue(db)


@pytest.fixture
def reader(db):
    """Headers of a client that may read every statement."""
    return issue(db, "Dashboard reader", "statements/read statements/write")
