"""The rights engine through the real-time check: how rights open per regime, the age rules of
children, the retention after closing, who may ask, and the access log of every check."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from hypothesis import example, given, settings
from hypothesis import strategies as st

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Person
from snigi.beneficiaries.rights_check import RightsQueryError, check_rights
from snigi.core.audit import LogEntry
from tests.beneficiaries import samples
from tests.beneficiaries.samples import CNOPS, CNSS, TNS

pytestmark = pytest.mark.django_db

JAN_2024 = dt.date(2024, 1, 1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The personas' passwords are hashed quickly: the hashing is not what is tested here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def karim(persona):
    return persona("karim")


@pytest.fixture
def salma(persona):
    return persona("salma")


def rights(actor, on: dt.date, cnie: str = "", **lookup):
    return check_rights(actor=actor, on=on, cnie=cnie, **lookup)


def covered(actor, cnie: str, on: dt.date) -> bool:
    return rights(actor, on, cnie).covered


# --- CNSS salaried: 54 days over the 6 calendar months before the month of care -------------


def test_54_declared_days_in_the_6_months_before_the_month_of_care_open_rights(karim):
    enrolment = samples.insured(karim, start=dt.date(2023, 6, 1))
    cnie = enrolment.person.cnie
    every_month = [dt.date(2023, 6, 1) + relativedelta(months=n) for n in range(15)]  # to 08/2024
    care_months = [dt.date(2024, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 8, 1)]

    @settings(max_examples=25, deadline=None, database=None)
    @example(window=[9, 9, 9, 9, 9, 8], care_month=dt.date(2024, 8, 1), day=1)  # 53
    @example(window=[9, 9, 9, 9, 9, 9], care_month=dt.date(2024, 8, 1), day=31)  # 54
    @example(window=[0, 0, 0, 0, 23, 31], care_month=dt.date(2024, 1, 1), day=15)  # 54
    @example(window=[31, 22, 0, 0, 0, 0], care_month=dt.date(2024, 3, 1), day=31)  # 53
    @given(
        window=st.lists(st.integers(0, 18), min_size=6, max_size=6),  # sums around 54
        care_month=st.sampled_from(care_months),
        day=st.integers(1, 31),
    )
    def check(window, care_month, day):
        on = care_month + relativedelta(day=day)  # 31: the last day of the month
        first = care_month - relativedelta(months=6)
        declared = dict.fromkeys(every_month, 0)
        # Outside the window, full months that must not count: the 7th month before the month
        # of care and the month of care itself.
        declared[first - relativedelta(months=1)] = 31
        declared[care_month] = 31
        for n, days in enumerate(window):
            declared[first + relativedelta(months=n)] = days
        services.record_contributions(
            actor=karim,
            enrolment=enrolment,
            months={month: (days, None) for month, days in declared.items()},
        )

        answer = rights(karim, on, cnie)

        assert answer.covered is (sum(window) >= 54), (window, on)
        assert f"{sum(window)} jours de cotisations" in answer.reason
        if answer.covered:  # known covered to the end of the month of care
            assert answer.until == care_month + relativedelta(day=31)
        else:
            assert answer.until is None

    check()


def test_a_cnss_pensioner_is_covered_without_contributions(karim):
    pensioner = samples.insured(karim, category="pensioner")
    active = samples.insured(karim, first_name_lat="Latifa")

    answer = rights(karim, dt.date(2024, 9, 1), pensioner.person.cnie)
    assert answer.covered
    assert answer.until is None
    assert not covered(karim, active.person.cnie, dt.date(2024, 9, 1))
    assert not covered(karim, pensioner.person.cnie, dt.date(2023, 12, 31))


def test_cnops_covers_over_the_enrolment_period(salma):
    enrolment = samples.insured(salma, regime=CNOPS)
    cnie = enrolment.person.cnie
    assert not covered(salma, cnie, JAN_2024 - DAY)
    assert covered(salma, cnie, JAN_2024)
    assert covered(salma, cnie, dt.date(2025, 6, 30))

    services.close_enrolment(
        actor=salma, enrolment=enrolment, end=dt.date(2025, 6, 30), reason="end_of_work"
    )
    answer = rights(salma, dt.date(2025, 6, 30), cnie)
    assert answer.covered
    assert answer.until == dt.date(2025, 6, 30)
    assert not covered(salma, cnie, dt.date(2025, 7, 1))


# --- Self-employed: a 3-month waiting period and contributions up to date --------------------


def test_self_employed_rights_open_after_three_months_paid(karim):
    enrolment = samples.insured(karim, regime=TNS)
    cnie = enrolment.person.cnie
    assert "aucune cotisation" in rights(karim, dt.date(2024, 2, 1), cnie).reason

    samples.pay_months(karim, enrolment, JAN_2024, 6)

    waiting = rights(karim, dt.date(2024, 3, 31), cnie)
    assert not waiting.covered
    assert "Stage de 3 mois" in waiting.reason
    assert "01/04/2024" in waiting.reason
    opened = rights(karim, dt.date(2024, 4, 1), cnie)
    assert opened.covered
    assert opened.until == dt.date(2024, 4, 30)
    assert covered(karim, cnie, dt.date(2024, 7, 31))  # January to June paid
    late = rights(karim, dt.date(2024, 8, 1), cnie)  # July is not
    assert not late.covered
    assert "07/2024" in late.reason


def test_self_employed_rights_close_with_a_missing_month(karim):
    enrolment = samples.insured(karim, regime=TNS)
    samples.pay_months(karim, enrolment, JAN_2024, 6, skip=(dt.date(2024, 3, 1),))

    answer = rights(karim, dt.date(2024, 5, 15), enrolment.person.cnie)

    assert not answer.covered
    assert "03/2024 n'est pas payé" in answer.reason


# --- Children: 21 years, to 26 while studying ------------------------------------------------


@pytest.fixture
def cnops_insured(salma):
    return samples.insured(salma, regime=CNOPS, birth_date=dt.date(1970, 2, 2))


def test_a_child_is_covered_until_the_eve_of_the_22nd_birthday(salma, cnops_insured):
    child = samples.dependant(salma, cnops_insured, birth_date=dt.date(2002, 6, 15), cnie="ZT88001")

    eve = rights(salma, dt.date(2024, 6, 14), "ZT88001")
    assert eve.covered
    assert eve.until == dt.date(2024, 6, 14)
    assert eve.enrolment == child
    birthday = rights(salma, dt.date(2024, 6, 15), "ZT88001")
    assert not birthday.covered
    assert "plus de 21 ans" in birthday.reason

    family = rights(salma, dt.date(2024, 6, 15), cnops_insured.person.cnie)
    assert family.covered
    assert [(d.enrolment, d.coverage.covered) for d in family.dependants] == [(child, False)]


def test_a_student_certificate_keeps_a_child_to_its_end(salma, cnops_insured):
    samples.dependant(
        salma, cnops_insured, birth_date=dt.date(2001, 5, 1), cnie="ZT88002",
        certificate=("2023-2024", dt.date(2023, 9, 1), dt.date(2024, 6, 30)),
    )  # fmt: skip

    last = rights(salma, dt.date(2024, 6, 30), "ZT88002")
    assert last.covered
    assert last.until == dt.date(2024, 6, 30)
    after = rights(salma, dt.date(2024, 7, 1), "ZT88002")
    assert not after.covered
    assert "sans certificat de scolarité" in after.reason


def test_a_new_certificate_covers_its_own_year_only(salma, cnops_insured):
    child = samples.dependant(
        salma, cnops_insured, birth_date=dt.date(2001, 5, 1), cnie="ZT88003",
        certificate=("2023-2024", dt.date(2023, 9, 1), dt.date(2024, 6, 30)),
    )  # fmt: skip
    services.add_student_certificate(
        actor=salma, enrolment=child, academic_year="2024-2025",
        valid_from=dt.date(2024, 9, 1), valid_until=dt.date(2025, 6, 30),
    )  # fmt: skip

    assert not covered(salma, "ZT88003", dt.date(2024, 8, 31))  # the summer between
    assert covered(salma, "ZT88003", dt.date(2024, 9, 1))
    assert covered(salma, "ZT88003", dt.date(2025, 6, 30))


def test_a_certificate_never_covers_past_the_student_age_limit(salma, cnops_insured):
    # "26 ans au plus", read as "21 ans au plus" is (eligibility.py): the age in completed
    # years is at most 26, i.e. to the eve of the 27th birthday (10/03/2025 here).
    samples.dependant(
        salma, cnops_insured, birth_date=dt.date(1998, 3, 10), cnie="ZT88004",
        start=dt.date(2024, 9, 1),
        certificate=("2024-2025", dt.date(2024, 9, 1), dt.date(2025, 7, 31)),
    )  # fmt: skip

    eve = rights(salma, dt.date(2025, 3, 9), "ZT88004")
    assert eve.covered
    assert eve.until == dt.date(2025, 3, 9)  # not the certificate's 31/07/2025
    birthday = rights(salma, dt.date(2025, 3, 10), "ZT88004")
    assert not birthday.covered
    assert "plus de 26 ans" in birthday.reason


def test_a_disabled_child_has_no_age_limit(salma, cnops_insured):
    samples.dependant(
        salma, cnops_insured, birth_date=dt.date(1990, 1, 1), cnie="ZT88005", disabled=True
    )
    answer = rights(salma, dt.date(2027, 1, 1), "ZT88005")
    assert answer.covered
    assert answer.until is None


# --- Retention after closing ------------------------------------------------------------------


@pytest.fixture
def cnss_family(karim):
    """A CNSS insured with a spouse and a child, from January 2024."""
    insured = samples.insured(karim, cnie="ZT88010")
    spouse = samples.dependant(karim, insured, relationship="spouse", cnie="ZT88011")
    child = samples.dependant(karim, insured, cnie="ZT88012", birth_date=dt.date(2015, 1, 1))
    return insured, spouse, child


def test_rights_are_kept_six_months_after_the_end_of_work(karim, cnss_family):
    insured = cnss_family[0]
    samples.declare_days(karim, insured, JAN_2024, 6)
    services.close_enrolment(
        actor=karim, enrolment=insured, end=dt.date(2024, 6, 30), reason="end_of_work"
    )

    for cnie in ("ZT88010", "ZT88011", "ZT88012"):
        kept = rights(karim, dt.date(2024, 12, 30), cnie)
        assert kept.covered, cnie
        assert kept.until == dt.date(2024, 12, 30)
        assert "Maintien des droits" in kept.reason
        assert not covered(karim, cnie, dt.date(2024, 12, 31)), cnie

    family = rights(karim, dt.date(2024, 10, 1), "ZT88010")
    assert [d.coverage.covered for d in family.dependants] == [True, True]


def test_without_open_rights_at_the_end_nothing_is_kept_for_anyone(karim, cnss_family):
    insured = cnss_family[0]
    samples.declare_days(karim, insured, JAN_2024, 6, days=5)  # 25 days before June
    services.close_enrolment(
        actor=karim, enrolment=insured, end=dt.date(2024, 6, 30), reason="end_of_work"
    )

    for cnie in ("ZT88010", "ZT88011", "ZT88012"):
        assert not covered(karim, cnie, dt.date(2024, 8, 1)), cnie


def test_survivors_keep_rights_24_months_after_the_death_of_the_insured(karim, cnss_family):
    insured = cnss_family[0]
    samples.declare_days(karim, insured, JAN_2024, 3)
    services.close_enrolment(
        actor=karim, enrolment=insured, end=dt.date(2024, 4, 10), reason="death"
    )

    assert not covered(karim, "ZT88010", dt.date(2024, 4, 11))
    widow = rights(karim, dt.date(2026, 4, 10), "ZT88011")
    assert widow.covered
    assert widow.until == dt.date(2026, 4, 10)
    assert not covered(karim, "ZT88011", dt.date(2026, 4, 11))
    assert covered(karim, "ZT88012", dt.date(2025, 4, 10))


# --- What the answer tells --------------------------------------------------------------------


def test_also_covered_by_lists_the_other_regime_after_an_override(karim, persona):
    samples.insured(karim, cnie="ZT88020", category="pensioner")
    samples.insured(
        persona("samira"), regime=CNOPS, cnie="ZT88020", start=dt.date(2024, 3, 1),
        override_reason="Double couverture transitoire décidée par l'ANAM",
    )  # fmt: skip

    both = rights(karim, dt.date(2024, 4, 1), "ZT88020")
    assert both.covered
    assert both.enrolment.regime.code == CNOPS  # the latest started
    assert both.also_covered_by == [CNSS]
    before = rights(karim, dt.date(2024, 2, 1), "ZT88020")
    assert before.enrolment.regime.code == CNSS
    assert before.also_covered_by == []


def test_exemptions_in_force_on_the_day_are_listed(karim):
    enrolment = samples.insured(karim, category="pensioner", cnie="ZT88021")
    exemption = services.grant_exemption(
        actor=karim, person=enrolment.person, kind="ALD", valid_from=dt.date(2024, 2, 1),
        valid_to=dt.date(2024, 12, 31), condition_code="C50",
    )  # fmt: skip

    assert rights(karim, dt.date(2024, 1, 31), "ZT88021").exemptions == []
    assert rights(karim, dt.date(2024, 6, 1), "ZT88021").exemptions == [exemption]
    assert rights(karim, dt.date(2025, 1, 1), "ZT88021").exemptions == []


def test_an_unknown_cnie_is_not_covered_and_not_logged(karim):
    before = LogEntry.objects.count()
    answer = rights(karim, JAN_2024, "ZZ999999")
    assert (answer.covered, answer.person, answer.enrolment) == (False, None, None)
    assert "Aucune personne" in answer.reason
    assert LogEntry.objects.count() == before


def test_a_person_without_enrolment_is_not_covered(karim):
    enrolment = samples.insured(karim, cnie="ZT88022")
    services.close_enrolment(actor=karim, enrolment=enrolment, end=JAN_2024, reason="cancelled")
    answer = rights(karim, dt.date(2024, 6, 1), "ZT88022")
    assert answer.person == enrolment.person
    assert not answer.covered


def test_the_insured_is_found_by_fund_and_membership_number(karim, persona):
    enrolment = samples.insured(karim, category="pensioner", fund_number="555000222")
    answer = rights(karim, dt.date(2024, 6, 1), fund="cnss", number="555 000 222")
    assert answer.person == enrolment.person
    assert answer.covered

    meriem = persona("meriem")
    mutual = samples.insured(meriem, regime=CNOPS, organisation="MGPAP", fund_number="MG12345")
    by_fund = rights(meriem, dt.date(2024, 6, 1), fund="CNOPS", number="mg-12345")
    assert by_fund.person == mutual.person


@pytest.mark.parametrize(
    ("lookup", "fragment"),
    [
        ({"cnie": "123456"}, "n'est pas un numéro CNIE valide"),
        ({"fund": "CNSS"}, "Indiquez un numéro CNIE"),
        ({"fund": "NOPE", "number": "123456789"}, "Organisme inconnu"),
        ({"fund": "CNSS", "number": "12-34"}, "9 chiffres"),
        ({"cnie": "ZT1", "on": dt.date(2005, 8, 17)}, "La date doit être comprise"),
    ],
)
def test_a_malformed_question_says_what_is_wrong(karim, lookup, fragment):
    on = lookup.pop("on", JAN_2024)
    with pytest.raises(RightsQueryError, match=fragment):
        check_rights(actor=karim, on=on, **lookup)


# --- Who may ask, and the access log -------------------------------------------------------------


def test_an_insured_person_checks_themselves_and_their_dependants_only(persona, cnss_family):
    karim = persona("karim")
    other = samples.insured(karim, cnie="ZT88030", first_name_lat="Yassine")
    hanane = persona("hanane", cnie="ZT88010")  # the insured of the family

    assert rights(hanane, dt.date(2024, 2, 1), "ZT88010").person.cnie == "ZT88010"
    assert rights(hanane, dt.date(2024, 2, 1), "zt 88011").person.cnie == "ZT88011"
    assert rights(hanane, dt.date(2024, 2, 1), "ZT88012").person.cnie == "ZT88012"
    for cnie in (other.person.cnie, "ZZ999999"):
        with pytest.raises(PermissionDenied):
            rights(hanane, dt.date(2024, 2, 1), cnie)
    with pytest.raises(PermissionDenied):
        rights(hanane, dt.date(2024, 2, 1), fund="CNSS", number=other.fund_number)


def test_a_dependant_cannot_check_the_insured(persona, cnss_family):
    spouse = persona("adil", cnie="ZT88011")
    assert rights(spouse, dt.date(2024, 2, 1), "ZT88011").person.cnie == "ZT88011"
    with pytest.raises(PermissionDenied):
        rights(spouse, dt.date(2024, 2, 1), "ZT88010")


@pytest.mark.parametrize("username", ["leila", "omar", "othmane"])
def test_roles_without_the_capability_cannot_check(persona, cnss_family, username):
    with pytest.raises(PermissionDenied):
        rights(persona(username), dt.date(2024, 2, 1), "ZT88010")


def test_every_check_of_a_known_person_is_in_the_access_log(persona, cnss_family):
    dr_amine = persona("dr_amine")
    person = Person.objects.get(cnie="ZT88011")

    rights(dr_amine, dt.date(2024, 2, 1), "ZT88011")
    rights(dr_amine, dt.date(2024, 3, 1), "ZT88011")

    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        action=LogEntry.Action.ACCESS,
    )
    assert entries.count() == 2
    for entry in entries:
        assert entry.actor == dr_amine
        assert entry.additional_data == {"via": "rights_check"}
