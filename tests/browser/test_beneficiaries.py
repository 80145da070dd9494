"""End to end, in headless Chromium: a CNSS agent enrols a family (insured, spouse, child), is
refused a double enrolment naming the other regime, and a provider checks the family's rights;
the pages pass axe-core in French and in Arabic."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from snigi.beneficiaries.models import Enrolment, Person
from snigi.core.models import Commune
from tests.beneficiaries import samples
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fill_person(page, *, last: str, first: str, sex: str, birth: str, cnie: str = "") -> None:
    page.fill("#id_last_name_lat", last)
    page.fill("#id_first_name_lat", first)
    page.fill("#id_cnie", cnie)
    page.select_option("#id_sex", sex)
    page.fill("#id_birth_date", birth)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit]")


def test_an_agent_enrols_a_family_and_a_provider_checks_its_rights(page, persona):
    karim = persona("karim")
    persona("dr_amine")
    commune = Commune.objects.order_by("code").first()
    log_in(page, "karim")
    page.goto("/persons/immatriculer/")
    page.select_option("#id_regime", "AMO_CNSS_SALARIES")
    page.fill("#id_fund_number", "112 233 445")
    page.fill("#id_start", "2024-01-01")
    fill_person(page, last="Tazi", first="Youssef", sex="M", birth="1982-04-09", cnie="ZT77001")
    page.select_option("#id_commune", commune.code)
    submit(page, "#enrol-form")
    assert "Assuré immatriculé" in page.content()
    insured = Enrolment.objects.get(person__cnie="ZT77001")

    for first, sex, birth, relationship, cnie in (
        ("Nadia", "F", "1986-11-30", "spouse", "ZT77002"),
        ("Adam", "M", "2014-06-15", "child", ""),
    ):
        page.click(f"a[href='/persons/immatriculations/{insured.pk}/ayant-droit/']")
        page.wait_for_selector("#dependant-form")
        page.select_option("#id_relationship", relationship)
        fill_person(page, last="Tazi", first=first, sex=sex, birth=birth, cnie=cnie)
        submit(page, "#dependant-form")
        assert "Ayant droit ajouté" in page.content(), page.locator("main").inner_text()[-2500:]
    assert insured.dependants.count() == 2

    # A child of 30 is refused with the reason, and nothing is written.
    page.goto(f"/persons/immatriculations/{insured.pk}/ayant-droit/")
    page.select_option("#id_relationship", "child")
    fill_person(page, last="Tazi", first="Karim", sex="M", birth="1995-01-01")
    submit(page, "#dependant-form")
    assert "trop âgé" in " ".join(page.locator("#form-errors, .text-danger").all_inner_texts())
    assert not Person.objects.filter(first_name_lat="Karim", last_name_lat="Tazi").exists()

    # Contributions for the 6 months before this one open the rights.
    recent = timezone.localdate().replace(day=1) - relativedelta(months=6)
    samples.declare_days(karim, insured, recent, 6)

    page.context.clear_cookies()
    log_in(page, "dr_amine")
    page.goto("/droits/")
    page.fill("#id_cnie", "zt 77001")
    submit(page, "#rights-form")
    verdict = page.locator("#rights-verdict").inner_text()
    assert verdict.startswith("Couvert"), verdict
    dependants = page.locator("#rights-dependants tbody tr")
    assert dependants.count() == 2
    assert "Adam" in " ".join(dependants.all_inner_texts())

    # Before the contributions, the same family was not covered, and the page says why.
    page.fill("#id_date", "2024-01-15")
    submit(page, "#rights-form")
    assert page.locator("#rights-verdict").inner_text().startswith("Non couvert")
    assert "54 requis" in page.locator("#rights-answer").inner_text()


def test_a_double_enrolment_is_refused_naming_the_other_regime(page, persona):
    existing = samples.insured(persona("karim"), cnie="ZT88001", birth_date=dt.date(1979, 2, 3))
    persona("salma")
    log_in(page, "salma")
    page.goto("/persons/immatriculer/")
    page.select_option("#id_regime", "AMO_CNOPS_PUBLIC")
    page.select_option("#id_organisation", "CNOPS")
    page.fill("#id_fund_number", "A55667")
    page.fill("#id_start", "2025-02-01")
    fill_person(page, last="Bennani", first="Karima", sex="F", birth="1979-02-03", cnie="ZT88001")
    page.select_option("#id_commune", existing.person.commune.code)
    submit(page, "#enrol-form")
    errors = page.locator("#form-errors").inner_text()
    assert "Double immatriculation" in errors
    assert "AMO des salariés" in errors
    assert "CNSS" in errors
    assert Enrolment.objects.filter(person=existing.person).count() == 1


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_beneficiary_pages_pass_axe(page, persona, language):
    karim = persona("karim")
    insured = samples.insured(karim)
    audit = Audit(page, language)
    log_in(page, "karim")
    audit.switch_language()
    for name, url in (
        ("enrolment", "/persons/immatriculer/"),
        ("dependant", f"/persons/immatriculations/{insured.pk}/ayant-droit/"),
        ("person file", f"/persons/{insured.person_id}/"),
        ("rights", f"/droits/?cnie={insured.person.cnie}"),
        ("contributions", f"/persons/immatriculations/{insured.pk}/cotisations/"),
    ):
        page.goto(url)
        audit.check(name)
    audit.assert_clean()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_ramed_pages_pass_axe(page, persona, language):
    persona("samira")
    audit = Audit(page, language)
    log_in(page, "samira")
    audit.switch_language()
    page.goto("/ramed/demande/")
    page.select_option("#id_commune", Commune.objects.order_by("code").first().code)
    page.fill("#id_received_on", "2014-02-10")
    page.select_option("#id_members-0-role", "head")
    page.fill("#id_members-0-last_name_lat", "Ouali")
    page.fill("#id_members-0-first_name_lat", "Brahim")
    page.fill("#id_members-0-cnie", "ZR20001")
    page.select_option("#id_members-0-sex", "M")
    page.fill("#id_members-0-birth_date", "1970-01-05")
    audit.check("RAMED application")
    submit(page, "#ramed-form")
    assert "/ramed/demande/" not in page.url, page.locator("main").inner_text()[-1500:]
    audit.check("RAMED file")
    for name, url in (
        ("RAMED list", "/ramed/"),
        ("CT estimate", "/ramed/estimation-ct/?year=2015"),
    ):
        page.goto(url)
        audit.check(name)
    audit.assert_clean()
