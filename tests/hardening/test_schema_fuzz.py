"""Schema fuzzing: schemathesis sends generated requests to every operation of the OpenAPI, as a national
organiser and as a learner, on both databases; no answer may be a server error or contradict the schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from saptah.auth import service as auth
from saptah.directory.models import Role

CHECKS = [
    negative_data_rejection,
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation, role and database: the whole run stays within a few minutes


def bearer(make, db, role: Role | None) -> dict[str, str]:
    """A read-write API token of a person of MoHFW in the given role (None: a learner)."""
    person = make.person("MOHFW", role=role)
    raw, _row = auth.create_api_token(db, person_id=person.id, name="fuzz", scopes={"read", "write"})
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def organiser(make, db) -> dict[str, str]:
    return bearer(make, db, Role.NATIONAL_ORGANISER)


@pytest.fixture
def learner(make, db) -> dict[str, str]:
    return bearer(make, db, None)


FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def fuzz(app, headers: dict[str, str]) -> list[str]:
    """Every operation's generated requests; the failures found, one line each (the first of each operation)."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for found in schema.get_all_operations():
        operations += 1
        operation = found.ok()

        valid = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
        invalid = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

        @given(case=valid | invalid)
        @FUZZ
        def run(case) -> None:
            case.call_and_validate(headers=dict(headers), checks=CHECKS)

        try:
            run()
        except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis's report: collect all, to read at once
            failures.append(f"{operation.label}: {' | '.join(str(exc).strip().splitlines()[:12])}")
    assert operations >= 60  # every documented operation was tried
    return failures


def test_every_operation_answers_a_national_organiser_within_its_schema(app, organiser):
    assert fuzz(app, organiser) == []


def test_every_operation_answers_a_learner_within_its_schema(app, learner):
    assert fuzz(app, learner) == []
