"""Fixtures for the LRS tests."""

from __future__ import annotations

import pytest

from tests.lrs.helpers import issue


@pytest.fixture
def auth(db):
    """Headers of a freshly issued provider client (write + read own)."""
    return issue(db)


@pytest.fixture
def reader(db):
    """Headers of a client that may read every statement."""
    return issue(db, "Dashboard reader", "statements/read statements/write")
