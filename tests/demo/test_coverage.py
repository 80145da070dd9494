"""The demo population's enrolments: consistent with the rules, every case present, and the
rights check answers each demo CNIE as its case says."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from snigi.beneficiaries.models import Contribution, Enrolment, Person, RamedCard
from snigi.beneficiaries.rights_check import check_rights
from snigi.demo.cases import demo_cases
from snigi.demo.loader import load_people

pytestmark = pytest.mark.django_db

EXPECTED_COVERED = {
    "cnss_covered": True,
    "cnops_covered": True,
    "spouse": True,
    "student": True,
    "not_open": False,
    "retention": True,
    "lapsed": False,
    "tadamon_ex_ramed": True,
    "pensioner": True,
    "exemption": True,
    "double": True,
    "unknown": False,
}


@pytest.fixture
def population(db):
    load_people(people=8000, seed=2026)
    return Person.objects.all()


def test_every_case_is_present_and_answered_as_its_case_says(population, persona):
    provider = persona("dr_amine")
    cases = {code: cnie for code, _label, cnie in demo_cases()}
    assert set(cases) == set(EXPECTED_COVERED)
    for code, cnie in cases.items():
        answer = check_rights(actor=provider, on=timezone.localdate(), cnie=cnie)
        assert answer.covered is EXPECTED_COVERED[code], (code, cnie, answer.reason)
    exempted = check_rights(actor=provider, on=timezone.localdate(), cnie=cases["exemption"])
    assert [e.kind for e in exempted.exemptions] == ["ALD"]
    double = check_rights(actor=provider, on=timezone.localdate(), cnie=cases["double"])
    assert double.also_covered_by
    assert (
        check_rights(actor=provider, on=timezone.localdate(), cnie=cases["unknown"]).person is None
    )


def test_enrolments_agree_with_the_people(population):
    enrolments = Enrolment.objects.all()
    assert enrolments.count() > population.count() * 0.6
    # A dependant's insured is the head of the dependant's household, in the same regime.
    dependants = enrolments.filter(kind="dependant")
    assert not dependants.exclude(insured__person__household=F("person__household")).exists()
    assert not dependants.exclude(regime=F("insured__regime")).exists()
    # Person.regime mirrors the current (else latest) enrolment; no regime without enrolment.
    assert not Person.objects.filter(regime__isnull=False, enrolments__isnull=True).exists()
    assert not Person.objects.filter(
        primary_insured__isnull=False, enrolments__isnull=True
    ).exists()
    # No two open enrolments for a person, except the overridden ones.
    open_counts = (
        Enrolment.objects.filter(end__isnull=True)
        .values("person")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    doubles = {row["person"] for row in open_counts}
    overridden = set(Enrolment.objects.exclude(override_reason="").values_list("person", flat=True))
    assert doubles <= overridden
    # Insured people hold a fund number; no enrolment starts before the regime.
    assert not enrolments.filter(kind="insured", fund_number="").exists()
    assert not enrolments.filter(start__lt=F("regime__valid_from")).exists()
    # Historical RAMED enrolments end with the regime at the latest.
    assert (
        not enrolments.filter(regime__code="RAMED")
        .filter(Q(end__isnull=True) | Q(end__gt=datetime.date(2022, 11, 30)))
        .exists()
    )


def test_contributions_are_before_today_and_every_card_state_is_present(population):
    today = timezone.localdate()
    assert Contribution.objects.exists()
    assert not Contribution.objects.filter(month__gt=today).exists()
    states = set(RamedCard.objects.values_list("state", flat=True))
    assert states == {"produced", "delivered", "collected", "activated"}
