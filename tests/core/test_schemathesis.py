"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

The WSGI application runs in-process, on the test database (reference data loaded by the
migrations, a small synthetic population), authenticated with the bearer token of an ANAM
persona so that the endpoints behind authentication are exercised too. Every operation must
answer without a server error, and every documented response must match its schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from snigi.core import services

OPENAPI_PATH = "/api/v1/openapi.json"

# Fetching the document touches no table, so it can be loaded at collection time.
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, get_wsgi_application())


@pytest.fixture
def anam_bearer(persona, demo_people) -> dict[str, str]:
    samira = persona("samira")  # ANAM, RAMED operations: sees every person
    _token, raw = services.api_token_create(actor=samira, name="schemathesis", valid_days=1)
    return {"Authorization": f"Bearer {raw}"}


def test_the_document_covers_the_api():
    operations = [result.ok() for result in schema.get_all_operations()]  # raises if invalid
    labels = {f"{operation.method.upper()} {operation.path}" for operation in operations}
    assert {
        "GET /api/v1/me",
        "POST /api/v1/tokens",
        "GET /api/v1/calendar/add-working-days",
        "GET /api/v1/persons",
        "GET /api/v1/persons/{person_id}",
    } <= labels


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, anam_bearer):
    case.call_and_validate(
        headers=anam_bearer,
        checks=[not_a_server_error, response_schema_conformance],
    )
