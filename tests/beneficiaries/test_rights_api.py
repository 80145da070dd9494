"""The rights check and enrolment endpoints: documented bodies, 422 with the reason, 409 for a
double enrolment, scoping (404 outside the actor's fund), 401 and 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Contribution, Enrolment, Person
from snigi.core.audit import LogEntry
from snigi.core.models import Regime
from tests.beneficiaries import samples
from tests.beneficiaries.samples import CNOPS, CNSS
from tests.conftest import login

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON = "application/json"
RIGHTS_FIELDS = {
    "date", "covered", "reason", "person", "quality", "relationship", "regime", "fund",
    "fund_number", "until", "dependants", "exemptions", "ramed_card", "also_covered_by",
}  # fmt: skip
ENROLMENT_FIELDS = {
    "id", "person_id", "regime", "organisation", "kind", "relationship", "category",
    "insured_id", "fund_number", "start", "end", "end_reason", "rights_until", "disabled",
    "overridden",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed quickly: the hashing is not what is tested here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_of(persona):
    """``client_of("karim")``: a client signed in as that persona (created on first use)."""

    def get(username: str, *, cnie: str = ""):
        persona(username, cnie=cnie)
        return login(username)

    return get


@pytest.fixture
def family(persona):
    """A CNSS pensioner (covered without contributions) with a spouse, a child and an ALD."""
    karim = persona("karim")
    insured = samples.insured(
        karim, cnie="ZT99001", category="pensioner", fund_number="555000333",
        last_name_lat="Tazi", first_name_lat="Youssef", sex="M", birth_date=dt.date(1960, 2, 1),
    )  # fmt: skip
    spouse = samples.dependant(
        karim, insured, relationship="spouse", cnie="ZT99002", last_name_lat="Tazi",
        first_name_lat="Amina", sex="F", birth_date=dt.date(1964, 7, 8),
    )  # fmt: skip
    child = samples.dependant(
        karim, insured, last_name_lat="Tazi", first_name_lat="Rim", sex="F",
        birth_date=dt.date(2010, 9, 3),
    )  # fmt: skip
    services.grant_exemption(
        actor=karim, person=insured.person, kind="ALD", valid_from=dt.date(2024, 2, 1),
        condition_code="C50",
    )  # fmt: skip
    return insured, spouse, child


def regime_name(code: str) -> str:
    return Regime.objects.get(code=code).name_fr


# --- GET /rights ------------------------------------------------------------------------------


def test_the_rights_answer_has_the_documented_fields(client_of, family):
    response = client_of("dr_amine").get(
        f"{API}/rights", {"cnie": "zt 99001", "date": "2024-06-01"}
    )

    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == RIGHTS_FIELDS
    assert body["reason"]
    assert {k: v for k, v in body.items() if k not in {"reason", "dependants"}} == {
        "date": "2024-06-01",
        "covered": True,
        "person": {
            "cnie": "ZT99001",
            "first_name": "Youssef",
            "last_name": "Tazi",
            "birth_date": "1960-02-01",
            "sex": "M",
        },  # fmt: skip
        "quality": "insured",
        "relationship": "self",
        "regime": {"code": CNSS, "name": regime_name(CNSS)},
        "fund": {"code": "CNSS", "name": "Caisse Nationale de Sécurité Sociale"},
        "fund_number": "555000333",
        "until": None,
        "exemptions": [{"kind": "ALD", "valid_from": "2024-02-01", "valid_to": None}],
        "ramed_card": None,
        "also_covered_by": [],
    }
    assert [
        {k: d[k] for k in ("first_name", "last_name", "birth_date", "relationship", "covered")}
        for d in body["dependants"]
    ] == [
        {"first_name": "Amina", "last_name": "Tazi", "birth_date": "1964-07-08",
         "relationship": "spouse", "covered": True},
        {"first_name": "Rim", "last_name": "Tazi", "birth_date": "2010-09-03",
         "relationship": "child", "covered": True},
    ]  # fmt: skip
    child = body["dependants"][1]
    assert set(child) == {"first_name", "last_name", "birth_date", "relationship", "covered",
                          "until", "reason"}  # fmt: skip
    assert child["until"] == "2032-09-02"  # the eve of the 22nd birthday
    assert b"C50" not in response.content  # the condition is medical: never told


def test_a_dependant_answer_carries_the_insured_membership_number(client_of, family):
    response = client_of("karim").get(f"{API}/rights", {"cnie": "ZT99002", "date": "2024-06-01"})

    body = response.json()
    assert (body["covered"], body["quality"], body["relationship"]) == (True, "dependant", "spouse")
    assert body["fund_number"] == "555000333"
    assert body["dependants"] == []
    assert body["exemptions"] == []


def test_the_insured_is_found_by_fund_and_number(client_of, family):
    response = client_of("salma").get(
        f"{API}/rights", {"fund": "CNSS", "number": "555-000-333", "date": "2024-06-01"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["person"]["cnie"] == "ZT99001"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"cnie": "1234-AB"}, "n'est pas un numéro CNIE valide"),
        ({"fund": "NOPE", "number": "555000333"}, "Organisme inconnu : « NOPE »"),
        ({"fund": "CNSS", "number": "5550"}, "9 chiffres"),
        ({"fund": "CNSS"}, "Indiquez un numéro CNIE"),
        ({"cnie": "ZT99001", "date": "2001-01-01"}, "La date doit être comprise"),
    ],
)
def test_a_malformed_question_is_422_with_the_reason(client_of, family, params, fragment):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = client_of("karim").get(f"{API}/rights", params)
    assert response.status_code == 422
    assert fragment in response.json()["detail"]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


def test_an_unknown_cnie_is_not_covered(client_of):
    body = client_of("karim").get(f"{API}/rights", {"cnie": "ZZ999999"}).json()
    assert (body["covered"], body["person"], body["regime"], body["fund"]) == (
        False, None, None, None,
    )  # fmt: skip
    assert body["date"] == timezone.localdate().isoformat()  # today by default


def test_each_check_through_the_api_is_logged(client_of, family):
    client = client_of("dr_amine")
    client.get(f"{API}/rights", {"cnie": "ZT99001", "date": "2024-06-01"})
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(family[0].person_id),
        action=LogEntry.Action.ACCESS,
    )
    assert [(e.actor.username, e.additional_data) for e in entries] == [
        ("dr_amine", {"via": "rights_check"})
    ]


def test_anonymous_is_401_and_the_auditor_403(client_of, family):
    assert Client().get(f"{API}/rights", {"cnie": "ZT99001"}).status_code == 401
    response = client_of("leila").get(f"{API}/rights", {"cnie": "ZT99001"})
    assert response.status_code == 403
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def test_an_insured_person_sees_only_their_family(client_of, persona, family):
    other = samples.insured(persona("karim"), cnie="ZT99009")
    client = client_of("youssef_tazi", cnie="ZT99001")

    assert client.get(f"{API}/rights", {"cnie": "ZT99002"}).status_code == 200
    response = client.get(f"{API}/rights", {"cnie": other.person.cnie})
    assert response.status_code == 403
    assert "vos propres droits" in response.json()["detail"]


# --- POST /enrolments -------------------------------------------------------------------------


def person_payload(**overrides) -> dict:
    data = {
        "cnie": samples.fresh_cnie(),
        "last_name_lat": "Berrada",
        "first_name_lat": "Mehdi",
        "sex": "M",
        "birth_date": "1980-02-01",
        "commune": samples.commune_code(),
    }
    data.update(overrides)
    return data


def enrolment_payload(**overrides) -> dict:
    data = {
        "person": person_payload(),
        "regime": CNSS,
        "fund_number": samples.fresh_number(),
        "start": "2024-01-01",
    }
    data.update(overrides)
    return data


def test_an_insured_is_enrolled_and_listed_on_the_person(client_of):
    client = client_of("karim")
    payload = enrolment_payload(person=person_payload(cnie="ZT99010"), fund_number="555 000 444")

    response = client.post(f"{API}/enrolments", payload, content_type=JSON)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == ENROLMENT_FIELDS
    enrolment = Enrolment.objects.get(pk=body["id"])
    assert body == {
        "id": enrolment.pk, "person_id": enrolment.person_id, "regime": CNSS,
        "organisation": "CNSS", "kind": "insured", "relationship": "self",
        "category": "active", "insured_id": None, "fund_number": "555000444",
        "start": "2024-01-01", "end": None, "end_reason": "", "rights_until": None,
        "disabled": False, "overridden": False,
    }  # fmt: skip
    assert Person.objects.get(pk=body["person_id"]).cnie == "ZT99010"

    listed = client.get(f"{API}/persons/{body['person_id']}/enrolments")
    assert listed.status_code == 200
    assert listed.json() == [body]


def test_a_double_enrolment_is_409_naming_the_other_regime(client_of, family):
    before = samples.row_counts()
    payload = enrolment_payload(
        person=person_payload(cnie="ZT99001", last_name_lat="Tazi", first_name_lat="Youssef",
                              birth_date="1960-02-01"),
        regime=CNOPS, organisation="CNOPS", start="2024-06-01",
    )  # fmt: skip

    response = client_of("salma").post(f"{API}/enrolments", payload, content_type=JSON)

    assert response.status_code == 409
    body = response.json()
    assert regime_name(CNSS) in body["detail"]
    assert body["errors"] == {}
    assert samples.row_counts() == before


def test_an_override_by_anam_is_201_and_flagged(client_of, family):
    payload = enrolment_payload(
        person=person_payload(cnie="ZT99001", last_name_lat="Tazi", first_name_lat="Youssef",
                              birth_date="1960-02-01"),
        regime=CNOPS, organisation="CNOPS", start="2024-06-01",
        override_reason="Décision de la commission du 12/06/2024",
    )  # fmt: skip

    response = client_of("samira").post(f"{API}/enrolments", payload, content_type=JSON)

    assert response.status_code == 201, response.content
    assert response.json()["overridden"] is True
    assert response.json()["person_id"] == family[0].person_id


def test_a_refusal_is_422_with_the_errors_per_field(client_of):
    before = samples.row_counts()
    payload = enrolment_payload(person=person_payload(cnie="", commune="XX-999", phone="12"))

    response = client_of("karim").post(f"{API}/enrolments", payload, content_type=JSON)

    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "La fiche de la personne comporte des erreurs."
    assert set(body["errors"]) == {"cnie", "commune", "phone"}
    assert "Commune inconnue" in body["errors"]["commune"][0]
    assert samples.row_counts() == before


def test_a_malformed_body_is_422_with_the_validation_errors(client_of):
    payload = enrolment_payload()
    del payload["start"]
    response = client_of("karim").post(f"{API}/enrolments", payload, content_type=JSON)
    assert response.status_code == 422
    assert any("start" in error["loc"] for error in response.json()["detail"])


def test_enrolling_needs_an_account_and_the_capability(client_of):
    before = samples.row_counts()
    payload = enrolment_payload()
    assert Client().post(f"{API}/enrolments", payload, content_type=JSON).status_code == 401
    response = client_of("dr_amine").post(f"{API}/enrolments", payload, content_type=JSON)
    assert response.status_code == 403
    assert samples.row_counts() == before


# --- dependants, closing, contributions -------------------------------------------------------


def test_a_dependant_is_added(client_of, family):
    insured = family[0]
    payload = {
        "person": person_payload(cnie="", first_name_lat="Ali", birth_date="2001-05-01"),
        "relationship": "child",
        "start": "2024-01-01",
        "student_certificate": {"academic_year": "2023-2024", "valid_from": "2023-09-01",
                                "valid_until": "2024-06-30"},
    }  # fmt: skip

    response = client_of("karim").post(
        f"{API}/enrolments/{insured.pk}/dependants", payload, content_type=JSON
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["relationship"], body["insured_id"]) == (
        "dependant", "child", insured.pk,
    )  # fmt: skip
    assert Enrolment.objects.get(pk=body["id"]).student_certificates.count() == 1


def test_a_child_too_old_is_422_on_the_birth_date(client_of, family):
    before = samples.row_counts()
    payload = {
        "person": person_payload(cnie="", first_name_lat="Ali", birth_date="2001-05-01"),
        "relationship": "child",
        "start": "2024-01-01",
    }
    response = client_of("karim").post(
        f"{API}/enrolments/{family[0].pk}/dependants", payload, content_type=JSON
    )
    assert response.status_code == 422
    assert "trop âgé" in response.json()["detail"]
    assert list(response.json()["errors"]) == ["birth_date"]
    assert samples.row_counts() == before


def test_closing_is_200_then_422_the_second_time(client_of, family):
    insured, spouse, _ = family
    client = client_of("karim")

    response = client.post(
        f"{API}/enrolments/{spouse.pk}/close",
        {"end": "2024-08-31", "reason": "divorce"},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["end"], body["end_reason"], body["rights_until"]) == (
        "2024-08-31", "divorce", "2025-08-31",
    )  # fmt: skip
    again = client.post(
        f"{API}/enrolments/{spouse.pk}/close",
        {"end": "2024-09-30", "reason": "divorce"},
        content_type=JSON,
    )
    assert again.status_code == 422
    assert "déjà close" in again.json()["detail"]


def test_contributions_are_recorded(client_of, persona):
    enrolment = samples.insured(persona("karim"), cnie="ZT99020")
    client = client_of("karim")
    payload = [{"month": f"2024-0{m}-15", "days": 26} for m in (1, 2, 3)]

    response = client.post(
        f"{API}/enrolments/{enrolment.pk}/contributions", payload, content_type=JSON
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"stored": 3}
    assert sorted(Contribution.objects.values_list("month", "days")) == [
        (dt.date(2024, m, 1), 26) for m in (1, 2, 3)
    ]
    rights = client.get(f"{API}/rights", {"cnie": "ZT99020", "date": "2024-04-02"}).json()
    assert rights["covered"] is True

    early = client.post(
        f"{API}/enrolments/{enrolment.pk}/contributions",
        [{"month": "2023-12-01", "days": 26}],
        content_type=JSON,
    )
    assert early.status_code == 422
    assert "12/2023" in early.json()["detail"]
    empty = client.post(f"{API}/enrolments/{enrolment.pk}/contributions", [], content_type=JSON)
    assert empty.status_code == 422
    assert Contribution.objects.count() == 3


def test_another_fund_enrolment_is_404_and_untouched(client_of, family):
    insured = family[0]
    client = client_of("salma")
    before = samples.row_counts()

    calls = [
        (f"{API}/enrolments/{insured.pk}/close", {"end": "2024-06-30", "reason": "end_of_work"}),
        (f"{API}/enrolments/{insured.pk}/dependants",
         {"person": person_payload(), "relationship": "spouse", "start": "2024-01-01"}),
        (f"{API}/enrolments/{insured.pk}/contributions", [{"month": "2024-01-01", "days": 26}]),
    ]  # fmt: skip
    for url, payload in calls:
        response = client.post(url, payload, content_type=JSON)
        assert response.status_code == 404, url
    assert client.get(f"{API}/persons/{insured.person_id}/enrolments").status_code == 404

    assert samples.row_counts() == before
    insured.refresh_from_db()
    assert insured.end is None
    assert not Contribution.objects.exists()


def test_a_missing_enrolment_is_404(client_of):
    response = client_of("samira").post(
        f"{API}/enrolments/999999/close", {"end": "2024-06-30", "reason": "end_of_work"},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code == 404


def test_the_person_enrolments_are_listed_latest_first(client_of, persona):
    karim = persona("karim")
    first = samples.insured(karim, cnie="ZT99030")
    services.close_enrolment(
        actor=karim, enrolment=first, end=dt.date(2024, 5, 31), reason="regime_change"
    )
    second = samples.insured(persona("salma"), regime=CNOPS, cnie="ZT99030",
                             start=dt.date(2024, 6, 1))  # fmt: skip

    body = client_of("samira").get(f"{API}/persons/{first.person_id}/enrolments").json()

    assert [(e["id"], e["regime"], e["end_reason"]) for e in body] == [
        (second.pk, CNOPS, ""),
        (first.pk, CNSS, "regime_change"),
    ]
