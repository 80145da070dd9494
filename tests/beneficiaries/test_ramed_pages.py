"""The RAMED officer's pages: a household's application, the decision, the card's life with the
vulnerable household's contribution, and the local authorities' estimate."""

from __future__ import annotations

import pytest

from snigi.beneficiaries.models import Enrolment, RamedCard, RamedEligibility
from tests.beneficiaries import samples
from tests.conftest import login

pytestmark = pytest.mark.django_db


def application_post(commune: str, members: list[dict[str, str]]) -> dict[str, str]:
    data = {
        "commune": commune,
        "received_on": "2014-02-10",
        "urban": "on",
        "members-TOTAL_FORMS": "6",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "12",
    }
    for index, member in enumerate(members):
        data.update({f"members-{index}-{key}": value for key, value in member.items()})
    return data


HEAD = {"role": "head", "last_name_lat": "Ouali", "first_name_lat": "Brahim", "cnie": "ZR10001",
        "sex": "M", "birth_date": "1970-01-05"}  # fmt: skip
SPOUSE = {"role": "spouse", "last_name_lat": "Idrissi", "first_name_lat": "Aicha", "cnie": "",
          "sex": "F", "birth_date": "1975-03-01"}  # fmt: skip
CHILD = {"role": "child", "last_name_lat": "Ouali", "first_name_lat": "Sara", "cnie": "",
         "sex": "F", "birth_date": "2005-09-09"}  # fmt: skip


def test_an_officer_follows_a_vulnerable_household_from_application_to_activated_card(persona):
    persona("samira")
    client = login("samira")
    commune = samples.commune_code()
    response = client.post("/ramed/demande/", application_post(commune, [HEAD, SPOUSE, CHILD]))
    assert response.status_code == 302, response.content.decode()[:3000]
    application = RamedEligibility.objects.get()
    url = f"/ramed/{application.pk}/"
    decision = {"action": "decide", "decide-decided_on": "2014-03-01",
                "decide-income_per_person": "4500", "decide-patrimony_score": "5"}  # fmt: skip
    decided = client.post(url, decision)
    assert decided.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.category) == ("eligible", "vulnerable")
    assert Enrolment.objects.filter(ramed_eligibility=application).count() == 3
    page = client.get(url).content.decode()
    assert "360" in page  # 3 persons x 120 DH, under the 600 DH cap
    client.post(url, {"action": "produce", "produce-produced_on": "2014-03-10"})
    client.post(
        url, {"action": "advance", "advance-state": "delivered", "advance-on": "2014-03-20"}
    )
    refused = client.post(
        url, {"action": "advance", "advance-state": "collected", "advance-on": "2014-03-25"}
    )
    assert refused.status_code == 200
    assert "contribution" in refused.content.decode()
    assert RamedCard.objects.get().state == "delivered"
    paid = client.post(url, {"action": "pay", "pay-year": "2014", "pay-paid_on": "2014-03-24",
                             "pay-receipt": "Q-2014-1"})  # fmt: skip
    assert paid.status_code == 302
    for state, day in (("collected", "2014-03-25"), ("activated", "2014-03-26")):
        client.post(url, {"action": "advance", "advance-state": state, "advance-on": day})
    assert RamedCard.objects.get().state == "activated"
    head = Enrolment.objects.get(ramed_eligibility=application, kind="insured").person_id
    cards = client.get(f"/api/v1/persons/{head}/cards").json()
    assert [(c["state"], c["category"]) for c in cards] == [("activated", "vulnerable")]
    listing = client.get("/ramed/", {"card": "activated"}).content.decode()
    assert application.reference in listing


def test_a_bad_application_is_refused_and_writes_nothing(persona):
    persona("samira")
    bad_head = {**HEAD, "cnie": "12345"}
    response = login("samira").post(
        "/ramed/demande/", application_post(samples.commune_code(), [bad_head])
    )
    assert response.status_code == 200
    assert "CNIE" in response.content.decode()
    assert not RamedEligibility.objects.exists()


def test_the_ct_estimate_page_and_its_csv(persona):
    persona("samira")
    client = login("samira")
    client.post("/ramed/demande/", application_post(samples.commune_code(), [HEAD, CHILD]))
    application = RamedEligibility.objects.get()
    client.post(f"/ramed/{application.pk}/", {"action": "decide", "decide-decided_on": "2014-03-01",
                "decide-income_per_person": "2000", "decide-patrimony_score": "3"})  # fmt: skip
    page = client.get("/ramed/estimation-ct/", {"year": "2015"}).content.decode()
    assert "80,00" in page  # 2 poor persons x 40 DH (French decimal comma)
    csv_text = client.get("/ramed/estimation-ct/", {"year": "2015", "format": "csv"}).content
    assert csv_text.decode().splitlines()[-1].endswith(",2,80.00")
    assert client.get("/ramed/estimation-ct/", {"year": "2030"}).status_code == 422


def test_fund_agents_have_no_ramed_pages(persona):
    persona("karim")
    assert login("karim").get("/ramed/").status_code == 403
