import datetime as dt

import pytest
from django.test import Client

from snigi.core.services import api_token_create
from snigi.providers.models import Application
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


LONG_EMAIL = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".ma"  # valid, but over 254


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"name": "Dr\x00 Nul"}, "Caractère nul interdit dans « name »"),
        ({"order_number": "ORD\x00"}, "Caractère nul"),
        ({"category_code": "MEDECIN\x00"}, "Caractère nul"),
        ({"name": "x" * 201}, "Valeur trop longue pour « name »"),
        ({"specialty": "x" * 121}, "Valeur trop longue pour « specialty »"),
        ({"phone": "0" * 21}, "Valeur trop longue pour « phone »"),
        ({"email": LONG_EMAIL}, "Valeur trop longue pour « email »"),
        ({"sector": "mixte"}, "Secteur inconnu"),
    ],
)
def test_a_value_the_register_cannot_hold_is_refused_at_receipt(extra, message):
    """Refused with a message now, rather than a server error (PostgreSQL) or a file that the
    officer could never grant."""
    body = {"kind": "professional", "data": doctor_form(23) | extra}
    response = Client().post(API, body, content_type="application/json")
    assert response.status_code == 422
    assert message in " ".join(response.json()["detail"])
    assert not Application.objects.exists()


def test_a_duplicate_is_found_whatever_the_spaces_around_its_order_number(register):
    holder = register(order_number="ORD-77")
    body = {"kind": "professional", "data": doctor_form(24) | {"order_number": "  ORD-77 "}}
    response = Client().post(API, body, content_type="application/json")
    assert response.status_code == 422
    assert "existe déjà" in response.json()["detail"][0]
    assert holder.inpe not in response.json()["detail"][0]  # not told to whoever typed it


def test_the_follow_up_with_a_nul_character_is_a_wrong_reference():
    body = {"reference": "INPE-2026-\x00", "key": "x"}
    response = Client().post(f"{API}/follow", body, content_type="application/json")
    assert response.status_code == 404


def test_the_receipt_date_of_a_posted_file(ilyas):
    officer = bearer(ilyas)
    body = {"kind": "professional", "channel": "post", "data": doctor_form(25)}
    local = Client().post(f"{API}/intake", body | {"received_at": "2026-01-05T10:00:00"},
                          content_type="application/json", **officer)  # fmt: skip
    assert local.status_code == 201  # a time without offset is Morocco's (UTC+1 in January)
    received = dt.datetime.fromisoformat(local.json()["received_at"])
    assert received == dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    body["data"] = doctor_form(26)
    ancient = Client().post(f"{API}/intake", body | {"received_at": "0001-01-01T00:00:00Z"},
                            content_type="application/json", **officer)  # fmt: skip
    assert ancient.status_code == 422
    assert "antérieure" in ancient.json()["detail"][0]


def test_a_nul_character_in_a_missing_piece_is_dropped(ilyas):
    created = Client().post(API, {"kind": "professional", "data": doctor_form(27)},
                            content_type="application/json").json()  # fmt: skip
    checked = Client().post(f"{API}/{created['id']}/check", {"missing_pieces": ["CNIE\x00 recto"]},
                            content_type="application/json", **bearer(ilyas))  # fmt: skip
    assert checked.json()["missing_pieces"] == ["CNIE recto"]
