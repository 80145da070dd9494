"""RAMED (2012-2022): applications, eligibility by the thresholds, the household's enrolment and
rights, cards, contributions, renewals, the local authorities' estimate, and the API. States are
built through the services, on the real database; every refusal leaves the row counts alone."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from snigi.beneficiaries import ramed, ramed_cards, ramed_selectors, services
from snigi.beneficiaries.identity import DoubleEnrolment, EnrolmentRefused
from snigi.beneficiaries.models import (
    Enrolment,
    Household,
    Person,
    RamedCard,
    RamedContribution,
    RamedEligibility,
)
from snigi.beneficiaries.rights_check import check_rights
from snigi.core.models import Commune

from . import samples

D = dt.date
_tags = itertools.count(1)
HEAD_BIRTH, RECEIVED, DECIDED = D(1975, 5, 2), D(2015, 1, 10), D(2015, 3, 10)


def commune(kind: str = "urban", index: int = 0) -> Commune:
    return Commune.objects.filter(kind=kind).order_by("code")[index]


def members(size: int, *, head_birth: D = HEAD_BIRTH) -> list[tuple[services.PersonInput, str]]:
    """A head with a CNIE, a spouse with a CNIE, then children without one (fresh names)."""
    tag = f"T{next(_tags)}"
    rows = [(samples.person(first_name_lat=f"Ahmed {tag}", sex="M", birth_date=head_birth), "head")]
    if size > 1:
        rows.append((samples.person(first_name_lat=f"Fatima {tag}"), "spouse"))
    for i in range(size - 2):
        child = samples.person(
            first_name_lat=f"Enfant{i} {tag}", birth_date=D(2005, 1, 1 + i), cnie=""
        )
        rows.append((child, "child"))
    return rows


def receive(actor, size=3, *, urban=True, on=RECEIVED, where=None, rows=None):
    return ramed.application_receive(
        actor=actor, commune=(where or commune("urban" if urban else "rural")).code,
        received_on=on, urban=urban, members=rows or members(size),
    )  # fmt: skip


def decide(actor, eligibility, outcome, on=DECIDED, **extra):
    """Decide with figures giving ``outcome`` (poor / vulnerable) in the application's milieu."""
    figures = {"poor": ("2000", "3"), "vulnerable": ("4500", "10")}[outcome]
    if eligibility.urban:
        data = {"income_per_person": Decimal(figures[0]), "patrimony_score": Decimal("5")}
    else:
        data = {"patrimony_score": Decimal("20"), "socioeconomic_score": Decimal(figures[1])}
    return ramed.eligibility_decide(
        actor=actor, eligibility=eligibility, decided_on=on, **{**data, **extra}
    )


def counts() -> dict[str, int]:
    models = (Person, Household, RamedEligibility, Enrolment, RamedCard, RamedContribution)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def samira(persona):
    return persona("samira")


# ----------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("income", "score", "expected"),
    [
        ("3766.99", "11", "poor"),
        ("3767.00", "11", "vulnerable"),  # the poverty line is "below": exactly at it, vulnerable
        ("5649.99", "0", "vulnerable"),
        ("5650.00", "0", ""),  # eligible "below" 5 650 DH: exactly at it, not eligible
        ("1000.00", "11.01", ""),  # patrimony score "at most" 11
    ],
)
def test_urban_thresholds_at_their_boundaries(samira, income, score, expected):
    eligibility = receive(samira)
    decided = ramed.eligibility_decide(
        actor=samira, eligibility=eligibility, decided_on=D(2015, 3, 10),
        income_per_person=Decimal(income), patrimony_score=Decimal(score),
    )  # fmt: skip
    assert decided.category == expected
    assert decided.status == ("eligible" if expected else "ineligible")
    assert f"revenu annuel par personne {income} DH" in decided.decision_reason
    assert "5650.00" in decided.decision_reason
    assert "3767.00" in decided.decision_reason
    assert decided.enrolments.count() == (3 if expected else 0)


@pytest.mark.parametrize(
    ("patrimony", "socio", "expected"),
    [("28", "6", "poor"), ("28", "6.01", "vulnerable"), ("28.01", "0", "")],
)
def test_rural_scores_at_their_maximum(samira, patrimony, socio, expected):
    eligibility = receive(samira, urban=False)
    decided = ramed.eligibility_decide(
        actor=samira, eligibility=eligibility, decided_on=D(2015, 3, 10),
        patrimony_score=Decimal(patrimony), socioeconomic_score=Decimal(socio),
    )  # fmt: skip
    assert decided.category == expected
    assert "milieu rural" in decided.decision_reason
    assert "au plus 28.00" in decided.decision_reason


def test_an_expected_category_contrary_to_the_thresholds_is_refused(samira):
    eligibility = receive(samira)
    before = counts()
    with pytest.raises(EnrolmentRefused) as refused:
        decide(samira, eligibility, "vulnerable", category="poor")
    assert "category" in refused.value.errors
    assert counts() == before
    eligibility.refresh_from_db()
    assert eligibility.status == "received"


# ----------------------------------------------------------------------------- applications


def test_references_are_sequential_per_year(samira):
    first, second = receive(samira), receive(samira, on=D(2015, 6, 1))
    other_year = receive(samira, on=D(2016, 2, 1))
    assert [first.reference, second.reference, other_year.reference] == [
        "RAMED-2015-000001", "RAMED-2015-000002", "RAMED-2016-000001",
    ]  # fmt: skip


def test_the_application_stores_the_household_and_reuses_known_people(samira, persona):
    karim = persona("karim")
    closed = samples.insured(karim, start=D(2010, 1, 1), first_name_lat="Ancien")
    services.close_enrolment(actor=karim, enrolment=closed, end=D(2013, 12, 31), reason="other")
    rows = members(3)
    rows[1] = (samples.person(first_name_lat="Ancien", cnie=closed.person.cnie), "spouse")
    before = Person.objects.count()
    eligibility = receive(samira, rows=rows)
    assert Person.objects.count() == before + 2  # the spouse's record is reused
    spouse = Person.objects.get(pk=closed.person.pk)
    assert spouse.household_id == eligibility.household_id
    assert spouse.household_role == "spouse"
    assert eligibility.status == "received"
    assert eligibility.household.members.count() == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda rows: [(rows[0][0], "head"), (rows[1][0], "head")], "members"),
        (lambda rows: rows[1:], "members"),  # no head
        (lambda rows: [(rows[0][0], "uncle"), *rows[1:]], "members.0.role"),
        (lambda rows: [(samples.person(cnie=""), "head"), *rows[1:]], "members.0.cnie"),
        (
            lambda rows: [(samples.person(birth_date=D(2000, 1, 1)), "head"), *rows[1:]],
            "members.0.birth_date",
        ),  # 14 on receipt  # fmt: skip
        (lambda rows: [*rows, rows[2]], "members.3.cnie"),  # the same child twice
    ],
)
def test_a_bad_application_writes_nothing(samira, change, field):
    rows = change(members(3))
    before = counts()
    with pytest.raises(EnrolmentRefused) as refused:
        receive(samira, rows=rows)
    assert field in refused.value.errors
    assert counts() == before


@pytest.mark.parametrize("day", [D(2012, 3, 12), D(2022, 12, 1), None])
def test_an_application_outside_the_regime_is_refused(samira, day):
    before = counts()
    with pytest.raises(EnrolmentRefused) as refused:
        receive(samira, on=day)
    assert "received_on" in refused.value.errors
    assert counts() == before


def test_a_person_in_a_pending_application_cannot_be_in_another(samira):
    rows = members(2)
    receive(samira, rows=rows)
    before = counts()
    with pytest.raises(EnrolmentRefused, match="en cours d'instruction"):
        receive(samira, rows=[rows[0], *members(2)[1:]])
    assert counts() == before


# ----------------------------------------------------------------------------- decision


def test_the_period_is_three_years_and_the_household_is_enrolled(samira):
    rows = members(3)
    rows.append((samples.person(first_name_lat="Grand-mere", birth_date=D(1940, 1, 1), cnie=""),
                 "other"))  # fmt: skip
    rows.append((samples.person(first_name_lat="Neveu", birth_date=D(2010, 1, 1), cnie=""),
                 "other"))  # fmt: skip
    eligibility = decide(samira, receive(samira, rows=rows), "poor")
    assert (eligibility.valid_from, eligibility.valid_to) == (D(2015, 3, 10), D(2018, 3, 9))
    head = eligibility.enrolments.get(kind="insured")
    assert head.fund_number == "2015000001"
    assert head.organisation.code == "ANAM"
    assert (head.start, head.end, head.rights_until) == (
        D(2015, 3, 10),
        D(2018, 3, 9),
        D(2018, 3, 9),
    )
    assert head.end_reason == "eligibility_end"
    assert head.source == "ramed"
    dependants = eligibility.enrolments.filter(kind="dependant")
    assert sorted(dependants.values_list("relationship", flat=True)) == ["child", "child", "spouse"]
    assert set(dependants.values_list("insured", flat=True)) == {head.pk}
    assert set(eligibility.enrolments.values_list("category", flat=True)) == {"poor"}
    assert not eligibility.enrolments.filter(person__first_name_lat="Grand-mere").exists()
    assert "1 autre(s) membre(s) majeur(s) non couvert(s)" in eligibility.decision_reason


def test_missing_figures_refuse_the_decision(samira):
    eligibility = receive(samira)
    before = counts()
    with pytest.raises(EnrolmentRefused) as refused:
        ramed.eligibility_decide(actor=samira, eligibility=eligibility, decided_on=D(2015, 3, 10),
                                 patrimony_score=Decimal(-1))  # fmt: skip
    assert set(refused.value.errors) == {"income_per_person", "patrimony_score"}
    with pytest.raises(EnrolmentRefused, match="précède"):
        decide(samira, eligibility, "poor", on=D(2015, 1, 9))
    assert counts() == before


def test_a_decided_application_cannot_be_decided_again(samira):
    eligibility = decide(samira, receive(samira), "poor")
    before = counts()
    with pytest.raises(EnrolmentRefused, match="déjà décidée"):
        decide(samira, eligibility, "vulnerable", on=D(2015, 4, 1))
    assert counts() == before


def test_a_member_insured_elsewhere_blocks_the_decision(samira, persona):
    karim = persona("karim")
    cnss = samples.insured(karim, start=D(2014, 1, 1), first_name_lat="Salariee")
    rows = members(3)
    rows[1] = (samples.person(first_name_lat="Salariee", cnie=cnss.person.cnie), "spouse")
    eligibility = receive(samira, rows=rows)
    before = counts()
    with pytest.raises(DoubleEnrolment) as refused:
        decide(samira, eligibility, "poor")
    message = refused.value.message
    assert "Salariee" in message
    assert cnss.regime.name_fr in message
    assert "CNSS" in message
    assert f"person.{cnss.person_id}" in refused.value.errors
    assert counts() == before
    eligibility.refresh_from_db()
    assert eligibility.status == "received"
    assert not eligibility.enrolments.exists()

    decided = decide(
        samira, eligibility, "poor", override_reason="Affiliation CNSS close, attestation vue"
    )
    spouse = decided.enrolments.get(person=cnss.person)
    assert spouse.override_reason.startswith("Affiliation CNSS")
    assert spouse.override_by == samira


def test_enrolments_end_with_the_regime(samira, persona):
    eligibility = decide(samira, receive(samira, on=D(2021, 5, 1)), "poor", on=D(2021, 6, 1))
    assert eligibility.valid_to == D(2024, 5, 31)
    head = eligibility.enrolments.get(kind="insured")
    assert (head.end, head.end_reason) == (D(2022, 11, 30), "regime_change")
    cnie = head.person.cnie
    dr_amine = persona("dr_amine")
    assert check_rights(actor=dr_amine, on=D(2022, 11, 30), cnie=cnie).covered
    after = check_rights(actor=dr_amine, on=D(2022, 12, 1), cnie=cnie)
    assert not after.covered


# ----------------------------------------------------------------------------- rights


def test_a_poor_member_is_covered_in_2015(samira, persona):
    eligibility = decide(samira, receive(samira), "poor")
    spouse = eligibility.enrolments.get(relationship="spouse").person
    dr_amine = persona("dr_amine")
    answer = check_rights(actor=dr_amine, on=D(2015, 6, 1), cnie=spouse.cnie)
    assert answer.covered
    assert answer.enrolment.regime.code == "RAMED"
    assert not check_rights(actor=dr_amine, on=D(2015, 3, 9), cnie=spouse.cnie).covered


def test_a_vulnerable_member_is_covered_once_the_year_is_paid(samira, persona):
    eligibility = decide(samira, receive(samira), "vulnerable")
    spouse = eligibility.enrolments.get(relationship="spouse").person
    dr_amine = persona("dr_amine")
    before = check_rights(actor=dr_amine, on=D(2015, 6, 1), cnie=spouse.cnie)
    assert not before.covered
    assert "2015 n'est pas payée" in before.reason
    ramed_cards.contribution_record(
        actor=samira, eligibility=eligibility, year=2015, paid_on=D(2015, 5, 1), receipt="Q-1"
    )
    assert check_rights(actor=dr_amine, on=D(2015, 6, 1), cnie=spouse.cnie).covered
    assert not check_rights(actor=dr_amine, on=D(2015, 4, 30), cnie=spouse.cnie).covered
    assert not check_rights(actor=dr_amine, on=D(2016, 6, 1), cnie=spouse.cnie).covered


# ----------------------------------------------------------------------------- contributions


def test_a_household_of_three_owes_360_and_of_seven_600(samira):
    three = decide(samira, receive(samira, 3), "vulnerable")
    seven = decide(samira, receive(samira, 7, on=D(2015, 2, 1)), "vulnerable")
    poor = decide(samira, receive(samira, 2, on=D(2015, 2, 2)), "poor")
    assert ramed_cards.contribution_due(eligibility=three, year=2015) == Decimal("360.00")
    assert ramed_cards.contribution_due(eligibility=seven, year=2016) == Decimal("600.00")
    assert ramed_cards.contribution_due(eligibility=poor, year=2015) == Decimal("0.00")
    recorded = ramed_cards.contribution_record(
        actor=samira, eligibility=seven, year=2016, paid_on=None
    )
    assert (recorded.persons, recorded.amount_due, recorded.paid_on) == (7, Decimal("600.00"), None)


def test_contributions_are_refused_outside_the_rules(samira):
    poor = decide(samira, receive(samira), "poor")
    vulnerable = decide(samira, receive(samira, on=D(2015, 2, 1)), "vulnerable")
    before = counts()
    cases = [
        (poor, 2015, D(2015, 5, 1), "Q-1"),  # a poor household pays nothing
        (vulnerable, 2014, D(2015, 5, 1), "Q-2"),  # before the period
        (vulnerable, 2019, D(2018, 1, 5), "Q-3"),  # after it (it ends on 2018-03-09)
        (vulnerable, 2015, D(2016, 1, 5), "Q-4"),  # paid after the year
        (vulnerable, 2015, D(2015, 5, 1), ""),  # no receipt
        (vulnerable, 2015, D(2015, 3, 1), "Q-5"),  # before the decision
    ]
    for eligibility, year, paid_on, receipt in cases:
        with pytest.raises(EnrolmentRefused):
            ramed_cards.contribution_record(
                actor=samira, eligibility=eligibility, year=year, paid_on=paid_on, receipt=receipt
            )
    assert counts() == before


# ----------------------------------------------------------------------------- cards


def test_a_vulnerable_card_is_collected_only_after_payment(samira):
    eligibility = decide(samira, receive(samira), "vulnerable")
    card = ramed_cards.card_produce(
        actor=samira, eligibility=eligibility, produced_on=D(2015, 4, 1)
    )
    assert card.number == f"RAMED2015{eligibility.pk:08d}"
    assert card.state == "produced"
    card = ramed_cards.card_advance(actor=samira, card=card, state="delivered", on=D(2015, 4, 20))
    before = counts()
    with pytest.raises(EnrolmentRefused, match="paiement de la contribution 2015"):
        ramed_cards.card_advance(actor=samira, card=card, state="collected", on=D(2015, 5, 2))
    assert counts() == before
    card.refresh_from_db()
    assert (card.state, card.collected_on) == ("delivered", None)
    ramed_cards.contribution_record(
        actor=samira, eligibility=eligibility, year=2015, paid_on=D(2015, 5, 1), receipt="Q-9"
    )
    card = ramed_cards.card_advance(actor=samira, card=card, state="collected", on=D(2015, 5, 2))
    card = ramed_cards.card_advance(actor=samira, card=card, state="activated", on=D(2015, 5, 2))
    card.refresh_from_db()
    assert (card.state, card.collected_on, card.activated_on) == (
        "activated", D(2015, 5, 2), D(2015, 5, 2),
    )  # fmt: skip


def test_card_states_go_in_order_and_dates_do_not_go_back(samira):
    eligibility = decide(samira, receive(samira), "poor")
    card = ramed_cards.card_produce(
        actor=samira, eligibility=eligibility, produced_on=D(2015, 4, 1)
    )
    for state, day in [("collected", D(2015, 5, 1)), ("activated", D(2015, 5, 1)),
                       ("produced", D(2015, 5, 1)), ("lost", D(2015, 5, 1)),
                       ("delivered", D(2015, 3, 31))]:  # fmt: skip
        with pytest.raises(EnrolmentRefused):
            ramed_cards.card_advance(actor=samira, card=card, state=state, on=day)
    card.refresh_from_db()
    assert (card.state, card.delivered_on) == ("produced", None)
    card = ramed_cards.card_advance(actor=samira, card=card, state="delivered", on=D(2015, 4, 1))
    with pytest.raises(EnrolmentRefused) as refused:
        ramed_cards.card_advance(actor=samira, card=card, state="collected", on=D(2015, 3, 31))
    assert "on" in refused.value.errors
    with pytest.raises(EnrolmentRefused, match="déjà produite"):
        ramed_cards.card_produce(actor=samira, eligibility=eligibility, produced_on=D(2015, 4, 2))


def test_no_card_for_an_ineligible_household(samira):
    eligibility = ramed.eligibility_decide(
        actor=samira, eligibility=receive(samira), decided_on=D(2015, 3, 10),
        income_per_person=Decimal("9000"), patrimony_score=Decimal("1"),
    )  # fmt: skip
    with pytest.raises(EnrolmentRefused, match="n'est pas éligible"):
        ramed_cards.card_produce(actor=samira, eligibility=eligibility, produced_on=D(2015, 4, 1))
    assert not RamedCard.objects.exists()


# ----------------------------------------------------------------------------- renewals


def test_a_renewal_opens_three_months_before_and_follows_on(samira):
    previous = decide(samira, receive(samira), "poor")  # 2015-03-10 to 2018-03-09
    before = counts()
    with pytest.raises(EnrolmentRefused, match="à partir du 09/12/2017"):
        ramed.renewal_receive(actor=samira, previous=previous, received_on=D(2017, 12, 8))
    assert counts() == before
    renewal = ramed.renewal_receive(actor=samira, previous=previous, received_on=D(2017, 12, 9))
    assert renewal.renewal_of == previous
    assert renewal.household_id == previous.household_id
    assert renewal.reference == "RAMED-2017-000001"
    with pytest.raises(EnrolmentRefused, match="déjà reçu"):
        ramed.renewal_receive(actor=samira, previous=previous, received_on=D(2018, 1, 2))
    renewed = decide(samira, renewal, "poor", on=D(2018, 1, 15))
    assert (renewed.valid_from, renewed.valid_to) == (D(2018, 3, 10), D(2021, 3, 9))
    assert renewed.enrolments.count() == 3
    assert set(renewed.enrolments.values_list("start", flat=True)) == {D(2018, 3, 10)}


# ----------------------------------------------------------------------------- CT estimate


def test_the_local_authorities_estimate(samira, django_assert_max_num_queries):
    town, village = commune("urban"), commune("rural")
    decide(samira, receive(samira, 3, where=town), "poor")  # 2015-03-10 to 2018-03-09
    decide(samira, receive(samira, 2, where=town, on=D(2015, 1, 11)), "vulnerable")
    decide(samira, receive(samira, 2, urban=False, where=village, on=D(2016, 1, 5)), "poor",
           on=D(2016, 2, 1))  # 2016-02-01 to 2019-01-31  # fmt: skip
    ramed.eligibility_decide(
        actor=samira, eligibility=receive(samira, 4, urban=False, where=village),
        decided_on=D(2015, 3, 1), patrimony_score=Decimal("40"), socioeconomic_score=Decimal("1"),
    )  # fmt: skip
    with django_assert_max_num_queries(6):
        estimate = ramed_selectors.ct_estimate(year=2015)
    assert [(r.commune, r.poor_persons, r.amount) for r in estimate.rows] == [
        (town.code, 3, Decimal("120.00"))
    ]
    assert estimate.rows[0].region == town.province.region.name_fr
    both = ramed_selectors.ct_estimate(year=2016)
    assert sorted((r.commune, r.poor_persons) for r in both.rows) == sorted(
        [(town.code, 3), (village.code, 2)]
    )
    assert (both.total_persons, both.total_amount, both.per_poor) == (5, Decimal("200.00"), 40)
    assert [(r.commune, r.poor_persons) for r in ramed_selectors.ct_estimate(year=2019).rows] == [
        (village.code, 2)
    ]
    with pytest.raises(EnrolmentRefused):
        ramed_selectors.ct_estimate(year=2023)


# ----------------------------------------------------------------------------- API

API = "/api/v1/ramed"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_json(person: services.PersonInput) -> dict[str, object]:
    data = {**person.__dict__, "birth_date": person.birth_date.isoformat()}
    return {key: value for key, value in data.items() if value != ""}


def test_the_api_happy_path(samira):
    client = client_for(samira)
    body = {
        "commune": commune().code, "received_on": "2015-01-10", "urban": True,
        "members": [{"person": person_json(p), "role": role} for p, role in members(3)],
    }  # fmt: skip
    created = client.post(f"{API}/applications", body, content_type="application/json")
    assert created.status_code == 201, created.content
    application = created.json()
    assert application["status"] == "received"
    assert len(application["members"]) == 3
    url = f"{API}/applications/{application['id']}"
    decision = {"decided_on": "2015-03-10", "income_per_person": "4500.00", "patrimony_score": "5"}
    decided = client.post(f"{url}/decision", decision, content_type="application/json")
    assert decided.status_code == 200, decided.content
    assert decided.json()["category"] == "vulnerable"
    assert {m["relationship"] for m in decided.json()["members"]} == {"self", "spouse", "child"}
    paid = client.post(f"{url}/contributions", {"year": 2015, "paid_on": "2015-04-01",
                       "receipt": "Q-77"}, content_type="application/json")  # fmt: skip
    assert paid.status_code == 200
    assert Decimal(paid.json()["amount_due"]) == Decimal("360")
    card = client.post(
        f"{url}/card", {"produced_on": "2015-04-02"}, content_type="application/json"
    )
    assert card.status_code == 201, card.content
    for state in ("delivered", "collected", "activated"):
        moved = client.post(
            f"{API}/cards/{card.json()['id']}/state",
            {"state": state, "on": "2015-04-10"},
            content_type="application/json",
        )
        assert moved.status_code == 200
        assert moved.json()["state"] == state
    detail = client.get(url).json()
    assert detail["card"]["state"] == "activated"
    assert detail["contributions"][0]["receipt"] == "Q-77"
    estimate = client.get(f"{API}/ct-estimate", {"year": 2015})
    assert estimate.status_code == 200
    assert estimate.json()["rows"] == []


def test_the_api_refuses_with_reasons_and_roles(samira, persona):
    client = client_for(samira)
    eligibility = receive(samira)
    url = f"{API}/applications/{eligibility.pk}"
    refused = client.post(f"{url}/decision", {"decided_on": "2015-03-10"},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"income_per_person", "patrimony_score"}
    assert client.get(f"{API}/applications/999999").status_code == 404
    assert client.get(f"{API}/ct-estimate", {"year": 2011}).status_code == 422
    karim = client_for(persona("karim"))
    before = counts()
    body = {"commune": commune().code, "received_on": "2015-01-10", "urban": True,
            "members": [{"person": person_json(p), "role": r} for p, r in members(2)]}  # fmt: skip
    forbidden = karim.post(f"{API}/applications", body, content_type="application/json")
    assert forbidden.status_code == 403
    assert karim.get(url).status_code == 403
    assert karim.get(f"{API}/ct-estimate", {"year": 2015}).status_code == 403
    assert counts() == before


def test_the_api_answers_409_to_a_double_enrolment(samira, persona):
    cnss = samples.insured(persona("karim"), start=D(2014, 1, 1), first_name_lat="Double")
    rows = members(2)
    rows[1] = (samples.person(first_name_lat="Double", cnie=cnss.person.cnie), "spouse")
    eligibility = receive(samira, rows=rows)
    answer = client_for(samira).post(
        f"{API}/applications/{eligibility.pk}/decision",
        {"decided_on": "2015-03-10", "income_per_person": "1000", "patrimony_score": "2"},
        content_type="application/json",
    )
    assert answer.status_code == 409
    assert "Double immatriculation" in answer.json()["detail"]


# ----------------------------------------------------------------------------- concurrency


@pytest.mark.skipif(
    not os.environ.get("SNIGI_DATABASE_URL", "").startswith("postgres"),
    reason="row locks and concurrent transactions are PostgreSQL's",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_applications_get_distinct_references(persona):
    assert connection.vendor == "postgresql"
    samira = persona("samira")
    inputs = [members(2) for _ in range(8)]
    where = commune().code
    barrier = threading.Barrier(len(inputs))
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(rows) -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                eligibility = ramed.application_receive(
                    actor=samira,
                    commune=where,
                    received_on=D(2015, 1, 10),
                    urban=True,
                    members=rows,
                )
            with lock:
                references.append(eligibility.reference)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(rows,)) for rows in inputs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(references) == [f"RAMED-2015-{n:06d}" for n in range(1, len(inputs) + 1)]
