"""The rights check's SQL queries: a bounded number per check, whatever the family's size
(see benchmarks/rights_check.py for the throughput this buys)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights import reference, rule_book
from snigi.beneficiaries.rights_check import check_rights
from snigi.core.models import Regime
from tests.beneficiaries import samples

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 10)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _family(agent, children: int) -> Enrolment:
    """A covered CNSS employee with a spouse and ``children`` children."""
    insured = samples.insured(agent, start=dt.date(2024, 1, 1))
    samples.declare_days(agent, insured, dt.date(2024, 1, 1), 14)
    samples.dependant(agent, insured, relationship=Enrolment.Relationship.SPOUSE)
    for n in range(children):
        samples.dependant(agent, insured, birth_date=dt.date(2012 + n, 5, 20))
    return insured


def _queries(actor, cnie: str) -> list[str]:
    # Read once a minute or once per process, not per check: the rules, regimes and funds, and
    # the content type of the access log entries.
    rule_book(), reference(), ContentType.objects.get_for_model(Person)
    with CaptureQueriesContext(connection) as captured:
        answer = check_rights(actor=actor, on=ON, cnie=cnie)
    assert answer.covered
    return [query["sql"] for query in captured]


@pytest.mark.parametrize("children", [1, 4])
def test_an_insured_with_a_family_takes_four_queries(persona, children):
    agent, provider = persona("karim"), persona("dr_amine")
    insured = _family(agent, children)
    sql = _queries(provider, insured.person.cnie)
    # the person with their enrolments (and the insured's) and exemptions, access log,
    # dependants with their persons, contributions and certificates
    assert len(sql) == 4, "\n".join(sql)
    assert sql[1].startswith("INSERT INTO")


def test_a_spouse_takes_three_queries(persona):
    agent, provider = persona("karim"), persona("dr_amine")
    insured = _family(agent, 1)
    spouse = insured.dependants.get(relationship=Enrolment.Relationship.SPOUSE)
    # the person with their enrolments (and the insured's) and exemptions, access log, the
    # contributions (the insured's)
    assert len(_queries(provider, spouse.person.cnie)) == 3


def test_a_child_by_number_and_birth_date_takes_five_queries(persona):
    agent, provider = persona("karim"), persona("dr_amine")
    insured = _family(agent, 2)
    child = insured.dependants.select_related("person").filter(relationship="child").first()
    rule_book(), reference(), ContentType.objects.get_for_model(Person)
    with CaptureQueriesContext(connection) as captured:
        answer = check_rights(
            actor=provider,
            on=ON,
            fund="CNSS",
            number=insured.fund_number,
            birth_date=child.person.birth_date,
        )
    assert answer.person == child.person
    assert answer.covered
    # the fund and its mutuals, the members of the family born that day, then as by CNIE: the
    # person with their enrolments, access log, the contributions (the insured's)
    assert len(captured) == 5, "\n".join(q["sql"] for q in captured)


def test_an_unknown_cnie_takes_one_query(persona):
    provider = persona("dr_amine")
    rule_book(), reference()
    with CaptureQueriesContext(connection) as captured:
        answer = check_rights(actor=provider, on=ON, cnie="ZZ999999")
    assert answer.person is None
    assert len(captured) == 1  # the person with their enrolments and exemptions: none


def test_a_renamed_regime_shows_in_the_next_check(persona):
    agent, provider = persona("karim"), persona("dr_amine")
    insured = _family(agent, 1)
    check_rights(actor=provider, on=ON, cnie=insured.person.cnie)  # the reference is cached
    regime = Regime.objects.get(pk=insured.regime_id)
    regime.name_fr = "AMO des salariés (nouveau nom)"
    regime.save()
    answer = check_rights(actor=provider, on=ON, cnie=insured.person.cnie)
    assert answer.enrolment.regime.name_fr == "AMO des salariés (nouveau nom)"


def test_the_reference_is_read_again_for_a_key_it_lacks():
    known = reference()
    cnss = Regime.objects.get(code="AMO_CNSS_SALARIES")
    [added] = Regime.objects.bulk_create(  # no signal: the cache is not told
        [
            Regime(
                code="TEST_NEW",
                name_fr="Nouveau régime",
                name_ar="نظام جديد",
                managing_organisation_id=cnss.managing_organisation_id,
                legal_basis="Test",
                valid_from=dt.date(2025, 1, 1),
            )
        ]
    )
    assert added.pk not in known.regimes
    assert reference() is known
    assert reference(regime_ids={added.pk}).regimes[added.pk].code == "TEST_NEW"
