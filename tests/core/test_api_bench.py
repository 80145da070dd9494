"""The benchmark-only endpoint /api/v1/bench/bare: absent unless SNIGI_BENCHMARK_ENDPOINTS is on."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from snigi.core import services
from tests.beneficiaries import samples

BARE = "/api/v1/bench/bare"


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.django_db
def test_bare_endpoint_is_absent_by_default(persona):
    _, raw = services.api_token_create(actor=persona("dr_amine"), name="bench")
    client = Client()
    assert client.get(BARE, {"cnie": "AB123456"}, **bearer(raw)).status_code == 404
    assert client.get(BARE, {"cnie": "AB123456"}).status_code == 404  # not even a 401
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert not any(path.startswith("/api/v1/bench") for path in paths)


@pytest.mark.django_db
@override_settings(BENCHMARK_ENDPOINTS=True)
def test_bare_endpoint_answers_when_the_setting_is_on(persona, django_assert_max_num_queries):
    _, raw = services.api_token_create(actor=persona("dr_amine"), name="bench")
    client = Client()
    with django_assert_max_num_queries(3):  # the token (and its last use), the lookup
        response = client.get(BARE, {"cnie": "ZZ999999"}, **bearer(raw))
    assert response.status_code == 200
    assert response.json() == {"found": False}
    enrolment = samples.insured(persona("karim"))
    found = client.get(BARE, {"cnie": enrolment.person.cnie}, **bearer(raw))
    assert found.json() == {"found": True}
    assert client.get(BARE, {"cnie": "ZZ999999"}).status_code == 401  # authentication applies
