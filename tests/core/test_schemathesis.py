"""Property-based tests of the whole API against its own OpenAPI document (schemathesis).

The WSGI application runs in-process, on the test database (reference data loaded by the
migrations, a small synthetic population), authenticated with the bearer token of an ANAM
persona so that the endpoints behind authentication are exercised too. Every operation must
answer without a server error, and every documented response must match its schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from snigi.core import services

OPENAPI_PATH = "/api/v1/openapi.json"

# Fetching the document touches no table, so it can be loaded at collection time.
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, get_wsgi_application())


@pytest.fixture
def _keep_test_connection():
    """Called as a raw WSGI application, Django closes "old" database connections when a request
    ends; inside the test transaction that would close the test's own connection (PostgreSQL).
    Django's test Client disconnects the same handlers around each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
@pytest.mark.usefixtures("_keep_test_connection")
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
