"""The agent's enrolment pages, the rights check page and the insured person's space."""

from __future__ import annotations

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights_check import check_rights
from tests.beneficiaries import samples
from tests.conftest import login

pytestmark = pytest.mark.django_db


def person_fields(**overrides) -> dict[str, str]:
    data = {
        "last_name_lat": "Alaoui",
        "first_name_lat": "Hicham",
        "cnie": "ZK40411",
        "sex": "M",
        "birth_date": "1980-05-02",
        "commune": samples.commune_code(),
    }
    data.update(overrides)
    return data


def test_an_agent_enrols_a_family_and_checks_its_rights(persona):
    persona("karim")
    client = login("karim")
    form = client.get("/persons/immatriculer/")
    assert form.status_code == 200
    assert "override_reason" not in form.content.decode()  # karim cannot override
    response = client.post(
        "/persons/immatriculer/",
        {
            **person_fields(),
            "regime": "AMO_CNSS_SALARIES",
            "organisation": "CNSS",
            "fund_number": "123 456 789",
            "start": "2024-01-01",
            "category": "active",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    insured = Enrolment.objects.get(person__cnie="ZK40411")
    assert insured.fund_number == "123456789"
    child = client.post(
        f"/persons/immatriculations/{insured.pk}/ayant-droit/",
        {
            **person_fields(cnie="", first_name_lat="Salma", sex="F", birth_date="2016-07-01"),
            "relationship": "child",
            "start": "2024-01-01",
        },
    )
    assert child.status_code == 302
    too_old = client.post(
        f"/persons/immatriculations/{insured.pk}/ayant-droit/",
        {
            **person_fields(cnie="", first_name_lat="Omar", birth_date="1999-01-01"),
            "relationship": "child",
            "start": "2024-01-01",
        },
    )
    assert too_old.status_code == 200
    assert "trop âgé" in too_old.content.decode()
    assert not Person.objects.filter(first_name_lat="Omar").exists()
    page = client.get(f"/persons/{insured.person_id}/")
    assert "Salma" in page.content.decode()
    assert "123456789" in page.content.decode()
    rights = client.get("/droits/", {"cnie": "ZK 40411", "date": "2024-01-15"})
    body = rights.content.decode()
    assert rights.status_code == 200
    assert "Non couvert" in body
    assert "54 requis" in body


def test_the_rights_page_explains_a_malformed_cnie(persona):
    persona("dr_amine")
    response = login("dr_amine").get("/droits/", {"cnie": "12-AB"})
    assert response.status_code == 200
    assert "pas un numéro CNIE valide" in response.content.decode()


def test_a_double_enrolment_is_refused_on_the_page_with_the_other_regime(persona):
    existing = samples.insured(persona("karim"))
    persona("salma")
    response = login("salma").post(
        "/persons/immatriculer/",
        {
            **person_fields(cnie=existing.person.cnie, birth_date="1985-03-14", sex="F"),
            "regime": "AMO_CNOPS_PUBLIC",
            "organisation": "CNOPS",
            "fund_number": "A12345",
            "start": "2025-01-01",
            "category": "active",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Double immatriculation" in body
    assert "AMO des salariés" in body
    assert Enrolment.objects.filter(person=existing.person).count() == 1


def test_the_insured_space_shows_own_rights_and_history(persona):
    karim = persona("karim")
    insured = samples.insured(karim, start=datetime.date(2024, 1, 1))
    recent = timezone.localdate() - relativedelta(months=7)
    samples.declare_days(karim, insured, recent, 7)  # the 6 months before this one
    persona("hicham", cnie=insured.person.cnie)
    page = login("hicham").get("/mon-espace/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Couvert" in body
    assert insured.fund_number in body
    assert login("karim").get("/mon-espace/").status_code == 403


def test_the_auditor_sees_who_checked_a_file_and_why(persona):
    insured = samples.insured(persona("karim"))
    persona("dr_amine")
    login("dr_amine").get("/droits/", {"cnie": insured.person.cnie})
    persona("leila")
    page = login("leila").get(
        "/audit/", {"action": "3", "model": "person", "object": str(insured.person_id)}
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "rights_check" in body
    assert "dr_amine" in body


def test_the_api_gives_a_file_s_dependants_and_cards_within_scope(persona):
    karim = persona("karim")
    insured = samples.insured(karim)
    child = samples.person(cnie="", first_name_lat="Ines", birth_date=datetime.date(2018, 2, 2))
    services.add_dependant(
        actor=karim, insured=insured, person=child, relationship="child",
        start=datetime.date(2024, 1, 1),
    )  # fmt: skip
    client = login("karim")
    dependants = client.get(f"/api/v1/persons/{insured.person_id}/dependants")
    assert dependants.status_code == 200
    assert [d["first_name"] for d in dependants.json()] == ["Ines"]
    assert client.get(f"/api/v1/persons/{insured.person_id}/cards").json() == []
    persona("salma")
    assert login("salma").get(f"/api/v1/persons/{insured.person_id}/dependants").status_code == 404


def test_a_student_is_enrolled_for_one_academic_year(persona):
    salma = persona("salma")
    student = samples.person(birth_date=datetime.date(2005, 5, 5))
    kwargs = {"actor": salma, "person": student, "regime": "AMO_ETUDIANTS",
              "organisation": "CNOPS", "fund_number": "E2025001",
              "start": datetime.date(2025, 9, 1)}  # fmt: skip
    with pytest.raises(services.EnrolmentRefused) as missing:
        services.enrol_insured(**kwargs)
    assert "until" in missing.value.errors
    with pytest.raises(services.EnrolmentRefused):
        services.enrol_insured(**kwargs, until=datetime.date(2027, 8, 31))  # two years
    assert not Enrolment.objects.filter(regime__code="AMO_ETUDIANTS").exists()
    enrolment = services.enrol_insured(**kwargs, until=datetime.date(2026, 8, 31))
    assert (enrolment.end, enrolment.end_reason) == (datetime.date(2026, 8, 31), "eligibility_end")
    provider = persona("dr_amine")
    on = check_rights(actor=provider, on=datetime.date(2026, 3, 1), cnie=student.cnie)
    after = check_rights(actor=provider, on=datetime.date(2026, 9, 1), cnie=student.cnie)
    assert on.covered
    assert not after.covered
