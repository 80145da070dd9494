"""The rights check of a family member without a CNIE (a child): by the fund, the insured's
membership number and the birth date (the first name for twins), through the service, the API
and the page; the answer is the one a check by the member's own CNIE gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied

from snigi.beneficiaries.models import Person
from snigi.beneficiaries.rights_check import RightsQueryError, check_rights
from snigi.core.audit import LogEntry
from tests.beneficiaries import samples
from tests.beneficiaries.samples import CNSS
from tests.conftest import login

pytestmark = pytest.mark.django_db

RIGHTS = "/api/v1/rights"
ON = "2024-06-01"
NUMBER = "555000333"


@pytest.fixture
def family(persona):
    """A CNSS pensioner (an ALD), a spouse with a CNIE, a child and twins without one."""
    return samples.family_with_twins(persona("karim"), cnie_prefix="ZT77", fund_number=NUMBER)


@pytest.fixture
def other_family(persona):
    """Another CNSS family, with twins born the day the first family's child was."""
    karim = persona("karim")
    insured = samples.insured(karim, cnie="ZT77050", category="pensioner", fund_number="555000444")
    twins = [
        samples.dependant(karim, insured, first_name_lat=name, birth_date=dt.date(2010, 9, 3))
        for name in ("Hamza", "Hiba")
    ]
    return insured, twins


def accesses(person: Person) -> list[tuple[str, dict]]:
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        action=LogEntry.Action.ACCESS,
    )
    return [(e.actor.username, e.additional_data) for e in entries]


def api(username: str, persona, **params):
    persona(username)
    return login(username).get(RIGHTS, {"date": ON, **params})


# --- the service ------------------------------------------------------------------------------


def test_a_child_is_found_by_the_insured_number_and_the_birth_date(persona, family):
    insured, _, child, _ = family
    provider = persona("dr_amine")

    answer = check_rights(
        actor=provider, on=dt.date(2024, 6, 1), fund="cnss", number="555-000-333",
        birth_date=dt.date(2010, 9, 3),
    )  # fmt: skip

    assert answer.person == child.person
    assert answer.enrolment == child
    assert answer.covered
    assert answer.dependants == []
    assert answer.exemptions == []  # the insured's ALD is theirs only
    assert accesses(child.person) == [("dr_amine", {"via": "rights_check"})]
    assert accesses(insured.person) == []


def test_the_first_name_chooses_between_twins_compared_normalised(persona, family):
    twins = family[3]
    provider = persona("dr_amine")

    def ask(first_name: str = ""):
        return check_rights(
            actor=provider, on=dt.date(2024, 6, 1), fund="CNSS", number=NUMBER,
            birth_date=dt.date(2014, 4, 2), first_name=first_name,
        )  # fmt: skip

    with pytest.raises(RightsQueryError, match="indiquez aussi le prénom"):
        ask()
    assert ask("  INES ").person == twins[1].person
    assert ask("adam").person == twins[0].person
    nobody = ask("Sara")
    assert (nobody.person, nobody.covered) == (None, False)
    assert "ne porte le prénom « Sara »" in nobody.reason
    # Without twins, the first name is not needed, nor compared (transliterations vary).
    single = check_rights(
        actor=provider, on=dt.date(2024, 6, 1), fund="CNSS", number=NUMBER,
        birth_date=dt.date(2010, 9, 3), first_name="Reem",
    )  # fmt: skip
    assert single.person == family[2].person


def test_the_insured_themselves_is_found_by_their_own_birth_date(persona, family):
    insured = family[0]
    answer = check_rights(
        actor=persona("dr_amine"), on=dt.date(2024, 6, 1), fund="CNSS", number=NUMBER,
        birth_date=dt.date(1960, 2, 1),
    )  # fmt: skip
    assert answer.enrolment == insured
    assert len(answer.dependants) == 4


def test_an_insured_person_cannot_check_another_family_s_child(persona, family, other_family):
    twins = family[3]
    youssef = persona("youssef_tazi", cnie="ZT77001")
    on = dt.date(2024, 6, 1)

    own = check_rights(
        actor=youssef, on=on, fund="CNSS", number=NUMBER, birth_date=dt.date(2014, 4, 2),
        first_name="Adam",
    )  # fmt: skip
    assert own.person == twins[0].person
    other_insured, other_twins = other_family
    # Another family's twins are not even told to exist (no "give the first name").
    for first_name in ("", "Hiba"):
        with pytest.raises(PermissionDenied):
            check_rights(
                actor=youssef, on=on, fund="CNSS", number=other_insured.fund_number,
                birth_date=dt.date(2010, 9, 3), first_name=first_name,
            )  # fmt: skip
    assert all(accesses(t.person) == [] for t in other_twins)


# --- the API ----------------------------------------------------------------------------------


def test_the_api_answers_for_the_child_as_a_dependant_of_the_insured(persona, family):
    response = api("dr_amine", persona, fund="CNSS", number=NUMBER, birth_date="2010-09-03")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"] == {
        "cnie": None, "first_name": "Rim", "last_name": "Tazi", "birth_date": "2010-09-03",
        "sex": "F",
    }  # fmt: skip
    assert (body["covered"], body["quality"], body["relationship"]) == (True, "dependant", "child")
    assert body["regime"]["code"] == CNSS
    assert body["fund"]["code"] == "CNSS"
    assert body["fund_number"] == NUMBER
    assert (body["dependants"], body["exemptions"]) == ([], [])
    assert b"C50" not in response.content


def test_the_answer_is_the_one_a_check_by_the_member_s_own_cnie_gives(persona, family):
    by_cnie = api("dr_amine", persona, cnie="ZT77002").json()
    by_birth = api("dr_amine", persona, fund="CNSS", number=NUMBER, birth_date="1964-07-08")

    assert by_birth.json() == by_cnie
    assert by_cnie["quality"] == "dependant"
    assert by_cnie["fund_number"] == NUMBER


def test_no_member_born_that_day_is_answered_as_an_unknown_person(persona, family):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = api("dr_amine", persona, fund="CNSS", number=NUMBER, birth_date="2011-01-01")

    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("covered", "person", "quality", "regime", "fund")} == {
        "covered": False, "person": None, "quality": None, "regime": None, "fund": None,
    }  # fmt: skip
    assert body["reason"] == (
        "Aucun bénéficiaire (assuré ou ayant droit) né le 01/01/2011 sous le numéro "
        f"d'immatriculation CNSS {NUMBER}."
    )
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"birth_date": "03/09/2010"}, "Date de naissance invalide : « 03/09/2010 »"),
        ({"birth_date": "2010-02-30"}, "format AAAA-MM-JJ attendu"),
        ({"birth_date": "20100903"}, "Date de naissance invalide"),
        ({"birth_date": "2090-01-01"}, "est dans le futur"),
        ({"birth_date": "1899-12-31"}, "antérieure à 1900"),
        ({"birth_date": "2014-04-02"}, "indiquez aussi le prénom"),
        ({"first_name": "Rim"}, "Le prénom s'indique avec la date de naissance"),
        ({"cnie": "ZT77002", "fund": "", "number": "", "birth_date": "1964-07-08"},
         "ne l'indiquez pas avec un CNIE"),
        ({"fund": "", "birth_date": "2010-09-03"}, "Indiquez un numéro CNIE"),
    ],
)  # fmt: skip
def test_a_malformed_or_ambiguous_question_is_422_with_the_reason(
    persona, family, params, fragment
):
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    response = api("dr_amine", persona, **{"fund": "CNSS", "number": NUMBER, **params})

    assert response.status_code == 422, response.content
    assert fragment in response.json()["detail"]
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == before


def test_through_the_api_an_insured_person_sees_only_their_family(persona, family, other_family):
    persona("youssef_tazi", cnie="ZT77001")
    client = login("youssef_tazi")

    own = client.get(RIGHTS, {"fund": "CNSS", "number": NUMBER, "birth_date": "2010-09-03"})
    assert own.status_code == 200
    assert own.json()["person"]["first_name"] == "Rim"
    other = client.get(
        RIGHTS, {"fund": "CNSS", "number": other_family[0].fund_number, "birth_date": "2010-09-03"}
    )
    assert other.status_code == 403
    assert "vos propres droits" in other.json()["detail"]


# --- the page ---------------------------------------------------------------------------------


def test_the_rights_page_checks_a_child_by_birth_date(persona, family):
    persona("dr_amine")
    client = login("dr_amine")

    form = client.get("/droits/").content.decode()
    assert 'name="birth_date"' in form
    assert 'name="first_name"' in form
    found = client.get(
        "/droits/", {"fund": "CNSS", "number": NUMBER, "birth_date": "2010-09-03", "date": ON}
    ).content.decode()
    assert "Tazi Rim" in found
    assert "Couvert" in found
    twins = client.get(
        "/droits/", {"fund": "CNSS", "number": NUMBER, "birth_date": "2014-04-02", "date": ON}
    ).content.decode()
    assert "indiquez aussi le prénom" in twins
    named = client.get(
        "/droits/",
        {"fund": "CNSS", "number": NUMBER, "birth_date": "2014-04-02", "first_name": "Inès",
         "date": ON},
    ).content.decode()  # fmt: skip
    assert "Tazi Inès" in named
