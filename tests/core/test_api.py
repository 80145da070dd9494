"""The REST API at /api/v1/: OpenAPI document, reference data, calendar, identifiers, tokens."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from openapi_spec_validator import validate

from snigi.core import services
from snigi.core.models import ApiToken

API = "/api/v1"


@pytest.fixture
def client() -> Client:
    return Client()


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


# --- OpenAPI document ----------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)  # raises on an invalid document
    assert document["openapi"].startswith("3.")
    for path in (
        f"{API}/me",
        f"{API}/tokens",
        f"{API}/reference/regions",
        f"{API}/calendar/add-working-days",
        f"{API}/identifiers/cnie",
        f"{API}/persons",
        f"{API}/persons/{{person_id}}",
    ):
        assert path in document["paths"], path
    schemes = document["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


# --- Reference data ------------------------------------------------------------------------


@pytest.mark.django_db
def test_regions_are_the_twelve_of_2015(client):
    response = client.get(f"{API}/reference/regions")
    assert response.status_code == 200
    regions = response.json()
    assert len(regions) == 12
    assert sorted(r["code"] for r in regions) == [f"{i:02d}" for i in range(1, 13)]
    casablanca = next(r for r in regions if r["code"] == "06")
    assert "Casablanca" in casablanca["name_fr"]
    assert casablanca["name_ar"]


@pytest.mark.django_db
def test_provinces_are_seventy_five(client):
    response = client.get(f"{API}/reference/provinces")
    assert response.status_code == 200
    provinces = response.json()
    assert len(provinces) == 75
    assert len({p["code"] for p in provinces}) == 75
    assert {p["kind"] for p in provinces} == {"province", "prefecture"}
    assert len({p["region_code"] for p in provinces}) == 12


@pytest.mark.django_db
def test_provinces_filtered_by_region(client):
    response = client.get(f"{API}/reference/provinces", {"region": "06"})
    assert response.status_code == 200
    provinces = response.json()
    # Casablanca-Settat: Casablanca, Mohammedia, El Jadida, Nouaceur, Médiouna, Benslimane,
    # Berrechid, Settat, Sidi Bennour.
    assert len(provinces) == 9
    assert {p["region_code"] for p in provinces} == {"06"}
    names = {p["name_fr"] for p in provinces}
    assert any("Settat" in name for name in names)
    assert any("Jadida" in name for name in names)
    assert client.get(f"{API}/reference/provinces", {"region": "99"}).json() == []


@pytest.mark.django_db
def test_mutuals_all_belong_to_cnops(client):
    response = client.get(f"{API}/reference/organisations", {"kind": "mutual"})
    assert response.status_code == 200
    mutuals = response.json()
    codes = {m["code"] for m in mutuals}
    assert {"MGPAP", "MGEN", "OMFAM"} <= codes
    assert "CNOPS" not in codes
    assert "CNSS" not in codes
    assert {m["kind"] for m in mutuals} == {"mutual"}
    assert {m["parent_code"] for m in mutuals} == {"CNOPS"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/reference/provinces", {"region": "0\x00"}),
        ("/reference/organisations", {"kind": "mutual\x00"}),
    ],
)
def test_nul_character_in_a_filter_is_a_client_error(client, path, params):
    # PostgreSQL text cannot hold NUL: such a filter must be refused, not crash the query.
    assert client.get(f"{API}{path}", params).status_code == 422


@pytest.mark.django_db
def test_regimes_in_force_on_a_date(client):
    response = client.get(f"{API}/reference/regimes", {"on": "2020-01-01"})
    assert response.status_code == 200
    codes = {r["code"] for r in response.json()}
    assert "RAMED" in codes  # 2012-03-13 .. 2022-11-30
    assert "AMO_CNSS_SALARIES" in codes
    assert "AMO_TADAMON" not in codes  # from 2022-12-01
    assert "AMO_ACHAMIL" not in codes  # from 2024-01-01

    later = {r["code"] for r in client.get(f"{API}/reference/regimes", {"on": "2025-01-01"}).json()}
    assert "AMO_TADAMON" in later
    assert "RAMED" not in later
    everything = client.get(f"{API}/reference/regimes").json()
    assert {"RAMED", "AMO_TADAMON"} <= {r["code"] for r in everything}


@pytest.mark.django_db
def test_holidays_of_2025(client):
    response = client.get(f"{API}/reference/holidays", {"year": 2025})
    assert response.status_code == 200
    holidays = response.json()
    assert holidays
    assert {h["date"][:4] for h in holidays} == {"2025"}
    throne = [h for h in holidays if h["date"] == "2025-07-30"]
    assert len(throne) == 1
    assert throne[0]["name_fr"] == "Fête du Trône"
    assert throne[0]["kind"] == "civil"
    assert "2025-05-01" in {h["date"] for h in holidays}  # Fête du Travail


@pytest.mark.django_db
@pytest.mark.parametrize("year", ["0", "10000", "-5", "99999999999"])
def test_holidays_out_of_range_year_is_a_client_error(client, year):
    response = client.get(f"{API}/reference/holidays", {"year": year})
    assert 400 <= response.status_code < 500


# --- Calendar ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Tue 29 July 2025; Wed 30 July is the Fête du Trône; then Thu 31, Fri 1, Mon 4 Aug.
        ("2025-07-29", 1, "2025-07-31"),
        ("2025-07-29", 3, "2025-08-04"),
        ("2025-08-04", -3, "2025-07-29"),
        # Fri 3 Jan 2025 + 1: the weekend is skipped.
        ("2025-01-03", 1, "2025-01-06"),
        # Fri 28 Mar 2025 + 1: weekend, then Aïd Al Fitr on Mon 31 Mar and Tue 1 Apr.
        ("2025-03-28", 1, "2025-04-02"),
        # A Saturday plus zero days is that Saturday.
        ("2025-01-04", 0, "2025-01-04"),
    ],
)
def test_add_working_days_known_answers(client, start, days, expected):
    response = client.get(f"{API}/calendar/add-working-days", {"start": start, "days": days})
    assert response.status_code == 200, response.content
    assert response.json() == {"start": start, "days": days, "result": expected}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2025-07-29", "2025-08-04", 3),
        ("2025-08-04", "2025-07-29", -3),
        ("2025-07-29", "2025-07-29", 0),
        # (Mon 6, Fri 31 Jan 2025]: 19 weekdays, less Tue 14 Jan (Nouvel An amazigh).
        ("2025-01-06", "2025-01-31", 18),
    ],
)
def test_working_days_between_known_answers(client, start, end, expected):
    response = client.get(f"{API}/calendar/working-days-between", {"start": start, "end": end})
    assert response.status_code == 200, response.content
    assert response.json()["working_days"] == expected


@pytest.mark.django_db
@pytest.mark.parametrize("days", [3651, -3651, 10**9])
def test_add_working_days_out_of_range_is_422(client, days):
    response = client.get(f"{API}/calendar/add-working-days", {"start": "2025-01-01", "days": days})
    assert response.status_code == 422


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days"),
    [("9999-12-31", 1), ("9999-12-20", 30), ("0001-01-01", -1), ("0001-01-05", -10)],
)
def test_add_working_days_overflow_is_a_client_error(client, start, days):
    response = client.get(f"{API}/calendar/add-working-days", {"start": start, "days": days})
    assert 400 <= response.status_code < 500, response.content


@pytest.mark.django_db
def test_working_days_between_extreme_dates_does_not_fail(client):
    response = client.get(
        f"{API}/calendar/working-days-between", {"start": "0001-01-01", "end": "9999-12-31"}
    )
    assert response.status_code < 500
    invalid = client.get(
        f"{API}/calendar/working-days-between", {"start": "2025-02-30", "end": "2025-03-01"}
    )
    assert invalid.status_code == 422


# --- Identifiers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("BE123456", "BE123456"), ("be 123 456", "BE123456"), (" a-98765 ", "A98765")],
)
def test_cnie_check_valid_and_normalised(client, raw, normalised):
    response = client.post(
        f"{API}/identifiers/cnie", {"value": raw}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"valid": True, "normalised": normalised, "message": None}


@pytest.mark.parametrize("raw", ["123456", "ABC12345", "BE1234567", ""])
def test_cnie_check_invalid_has_a_french_message(client, raw):
    response = client.post(
        f"{API}/identifiers/cnie", {"value": raw}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert body["normalised"] is None
    assert "numéro CNIE" in body["message"]


def test_cnie_check_rejects_a_malformed_body(client):
    response = client.post(f"{API}/identifiers/cnie", {}, content_type="application/json")
    assert response.status_code == 422


# --- Authentication and tokens -------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/me", "/persons", "/persons/1"])
def test_authenticated_endpoints_refuse_anonymous(client, path):
    assert client.get(f"{API}{path}").status_code == 401
    assert client.get(f"{API}{path}", **bearer("snigi_not-a-real-token")).status_code == 401


@pytest.mark.django_db
def test_anonymous_cannot_create_a_token(client):
    response = client.post(f"{API}/tokens", {"name": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_me_with_a_session(client, persona):
    karim = persona("karim")
    client.force_login(karim)
    response = client.get(f"{API}/me")
    assert response.status_code == 200
    assert response.json() == {
        "username": "karim",
        "role": "fund_agent",
        "organisation": "CNSS",
        "inpe": "",
        "cnie": "",
    }


@pytest.mark.django_db
def test_token_flow_session_then_bearer(persona):
    samira = persona("samira")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(samira)

    # Without the CSRF token, a session may not create a token.
    refused = browser.post(f"{API}/tokens", {"name": "batch"}, content_type="application/json")
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()

    browser.get("/")  # sets the csrftoken cookie
    csrf = browser.cookies["csrftoken"].value
    created = browser.post(
        f"{API}/tokens",
        {"name": "batch", "valid_days": 30},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    raw = body["token"]
    assert raw.startswith("snigi_")
    assert body["name"] == "batch"
    expires = datetime.datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(
        minutes=5
    )
    token = ApiToken.objects.get(pk=body["id"])
    assert token.user == samira
    assert raw not in (token.digest, token.prefix)  # only a digest is stored

    # A fresh client, no session: the bearer token alone authenticates.
    system = Client()
    me = system.get(f"{API}/me", **bearer(raw))
    assert me.status_code == 200
    assert me.json()["username"] == "samira"
    assert me.json()["role"] == "anam_ramed_operations"
    token.refresh_from_db()
    assert token.last_used_at is not None
    # A slightly different token is refused.
    assert system.get(f"{API}/me", **bearer(raw[:-1] + "#")).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [{"name": ""}, {"name": "x", "valid_days": 0}, {"name": "a\x00b"}, {"name": "x" * 101}, {}],
)
def test_token_create_validates_its_input(persona, payload):
    client = Client()
    client.force_login(persona("samira"))
    response = client.post(f"{API}/tokens", payload, content_type="application/json")
    assert response.status_code == 422
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_revoked_token_is_refused(client, persona):
    samira = persona("samira")
    token, raw = services.api_token_create(actor=samira, name="to revoke")
    assert client.get(f"{API}/me", **bearer(raw)).status_code == 200
    services.api_token_revoke(actor=samira, token_id=token.pk)
    assert client.get(f"{API}/me", **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_expired_token_is_refused(client, persona):
    samira = persona("samira")
    token, raw = services.api_token_create(actor=samira, name="short", valid_days=1)
    assert client.get(f"{API}/me", **bearer(raw)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(f"{API}/me", **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_token_of_a_deactivated_account_is_refused(client, persona):
    samira = persona("samira")
    _token, raw = services.api_token_create(actor=samira, name="x")
    samira.is_active = False
    samira.save(update_fields=["is_active"])
    assert client.get(f"{API}/me", **bearer(raw)).status_code == 401


# --- Health --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in {"sqlite", "postgresql"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert client.post("/health").status_code == 405
