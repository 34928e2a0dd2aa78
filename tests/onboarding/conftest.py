"""Onboarding fixtures: an MDO admin of MOHFW signed in; the browser fixtures for the browser test."""

from __future__ import annotations

from typing import Any

import pytest

from saptah.directory.models import Role
from tests.factories import sign_in


@pytest.fixture
def admin(make: Any, client: Any) -> Any:
    """An MDO admin of MOHFW, signed in on `client`."""
    person = make.person("MOHFW", role=Role.MDO_ADMIN)
    assert sign_in(client, person.email).status_code == 303
    return person
