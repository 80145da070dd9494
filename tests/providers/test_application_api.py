import datetime as dt

import pytest
from django.test import Client

from snigi.core.services import api_token_create
from tests.providers.test_applications import doctor_form

pytestmark = pytest.mark.django_db
API = "/api/v1/inpe/applications"


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(actor=user, name='desk')[1]}"}


def test_portal_application_then_officer_desk(ilyas, persona):
    anonymous = Client()
    created = anonymous.post(API, {"kind": "professional", "data": doctor_form(21)},
                             content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    application = created.json()
    assert application["status"] == "received"
    assert application["channel"] == "online"
    officer = bearer(ilyas)
    client = Client()
    checked = client.post(f"{API}/{application['id']}/check", {"missing_pieces": []},
                          content_type="application/json", **officer)  # fmt: skip
    assert checked.json()["status"] == "complete"
    queue = client.get(f"{API}/queue", **officer).json()
    assert [item["application"]["id"] for item in queue] == [application["id"]]
    assert 47 < queue[0]["hours_left"] <= 48
    granted = client.post(f"{API}/{application['id']}/grant", **officer).json()
    assert granted["status"] == "granted"
    verified = client.get(f"/api/v1/inpe/{granted['inpe']}").json()
    assert verified["provider"]["name"] == "Dr Test 21"
    # Other roles have no desk.
    assert client.get(f"{API}/queue", **bearer(persona("karim"))).status_code == 403
    assert anonymous.get(f"{API}/queue").status_code == 401
    assert client.post(f"{API}/999999/grant", **officer).status_code == 404


def test_intake_of_a_posted_file_needs_an_officer(ilyas, persona):
    body = {"kind": "professional", "channel": "post", "received_at": "2026-11-20T09:30:00+01:00",
            "data": doctor_form(22)}  # fmt: skip
    client = Client()
    assert client.post(f"{API}/intake", body, content_type="application/json").status_code == 401
    refused = client.post(f"{API}/intake", body, content_type="application/json",
                          **bearer(persona("karim")))  # fmt: skip
    assert refused.status_code == 403
    recorded = client.post(f"{API}/intake", body, content_type="application/json",
                           **bearer(ilyas))  # fmt: skip
    assert recorded.status_code == 201
    received = dt.datetime.fromisoformat(recorded.json()["received_at"])
    assert received == dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "robot", "data": {}},
        {"kind": "professional"},
        {"kind": "professional", "data": {"salary": "1"}},
        {"kind": "professional", "channel": "post", "data": {}},
    ],
)
def test_bad_applications_are_client_errors(body):
    response = Client().post(API, body, content_type="application/json")
    assert response.status_code in (400, 422)
