"""The rights check's plain SQL path gives the answers the ORM gave: on a varied demo population
(every regime, households with dependants of every kind, lapsed and kept rights, RAMED
households, exemptions, double enrolments), on several days, by CNIE and by fund number, the
answer of ``check_rights`` equals that of the former ORM implementation kept here as the
oracle (same rule functions, the rows read by querysets); and the endpoint's document is a
valid ``RightsOut`` that dumps to itself."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from auditlog.context import set_actor
from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone
from ninja.responses import NinjaJSONEncoder

from snigi.beneficiaries.api_rights import RightsOut, rights_document
from snigi.beneficiaries.eligibility import window_months
from snigi.beneficiaries.models import (
    Contribution,
    Enrolment,
    Exemption,
    Person,
    RamedCard,
    RamedContribution,
    StudentCertificate,
)
from snigi.beneficiaries.rights import (
    DECLARED_DAYS,
    PAID_MONTHS,
    Facts,
    _month_end,
    _next_month,
    basis_of,
    dependant_coverage,
    insured_coverage,
    rule_book,
)
from snigi.beneficiaries.rights_check import (
    EnrolmentRights,
    RightsAnswer,
    _rank,
    check_rights,
    find_person,
)
from snigi.core.audit import LogEntry, record_access
from snigi.demo.loader import load_people
from tests.beneficiaries import samples

pytestmark = pytest.mark.django_db


def _orm_facts(enrolments: list[Enrolment], on: dt.date) -> Facts:
    facts = Facts()
    contributing = [e.pk for e in enrolments if basis_of(e) in (DECLARED_DAYS, PAID_MONTHS)]
    for enrolment_id, month, days, amount in (
        Contribution.objects.filter(enrolment_id__in=contributing, month__lte=on)
        .order_by()
        .values_list("enrolment_id", "month", "days", "amount")
    ):
        if days is not None:
            facts.declared.setdefault(enrolment_id, {})[(month.year, month.month)] = days
        if amount is not None:
            facts.paid.setdefault(enrolment_id, set()).add(month)
    children = [e.pk for e in enrolments if e.relationship == Enrolment.Relationship.CHILD]
    for enrolment_id, start, end in (
        StudentCertificate.objects.filter(enrolment_id__in=children)
        .order_by()
        .values_list("enrolment_id", "valid_from", "valid_until")
    ):
        facts.certificates.setdefault(enrolment_id, []).append((start, end))
    ramed = {e.ramed_eligibility_id for e in enrolments if e.ramed_eligibility_id}
    for eligibility_id, year, paid_on in (
        RamedContribution.objects.filter(eligibility_id__in=ramed)
        .order_by()
        .values_list("eligibility_id", "year", "paid_on")
    ):
        facts.ramed_paid[(eligibility_id, year)] = paid_on
    return facts


def _orm_answer(person: Person | None, on: dt.date) -> RightsAnswer:
    """The former implementation: querysets with ``select_related``, the same rules."""
    if person is None:
        reason = "Aucune personne immatriculée sous cet identifiant."
        return RightsAnswer(on=on, covered=False, reason=reason)
    enrolments = sorted(
        Enrolment.objects.filter(person=person)
        .select_related(
            "person", "regime", "organisation", "insured__regime", "insured__organisation"
        )
        .order_by(),
        key=lambda e: (e.start, e.pk),
        reverse=True,
    )
    if not enrolments:
        reason = "Aucune immatriculation à un régime."
        return RightsAnswer(on=on, covered=False, person=person, reason=reason)
    own = {e.pk: e for e in enrolments if e.kind == Enrolment.Kind.INSURED}
    dependants = sorted(
        Enrolment.objects.select_related("person", "regime", "organisation")
        .filter(insured_id__in=list(own), start__lte=on)
        .filter(Q(end__isnull=True) | Q(rights_until__gte=on))
        .order_by(),
        key=lambda e: (e.person.birth_date, e.pk),
    )
    for dependant in dependants:
        dependant.insured = own[dependant.insured_id]
    links = [e.insured for e in enrolments if e.insured is not None]
    facts, rules = _orm_facts([*enrolments, *links, *dependants], on), rule_book()

    def assess(items: list[Enrolment]) -> list[tuple[Enrolment, object]]:
        return [
            (
                e,
                insured_coverage(e, on, facts, rules)
                if e.kind == Enrolment.Kind.INSURED
                else dependant_coverage(
                    e, on, insured_coverage(e.insured, on, facts, rules), facts, rules
                ),
            )
            for e in items
        ]

    assessed = assess(enrolments)
    chosen, coverage = max(assessed, key=lambda item: _rank(item, on))
    answer = RightsAnswer(
        on=on,
        covered=coverage.covered,
        reason=coverage.reason,
        person=person,
        enrolment=chosen,
        until=coverage.until if coverage.covered else None,
        also_covered_by=[e.regime.code for e, c in assessed if c.covered and e.pk != chosen.pk],
    )
    if chosen.kind == Enrolment.Kind.INSURED:
        answer.dependants = [
            EnrolmentRights(e, c)  # type: ignore[arg-type]
            for e, c in assess([d for d in dependants if d.insured_id == chosen.pk])
        ]
    answer.exemptions = sorted(
        Exemption.objects.filter(person=person, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by(),
        key=lambda e: (e.valid_from, e.pk),
    )
    if chosen.ramed_eligibility_id:
        answer.card = RamedCard.objects.filter(eligibility_id=chosen.ramed_eligibility_id).first()
    return answer


def _summary(answer: RightsAnswer) -> dict[str, object]:
    """Everything an answer tells, by keys and values (the instances compared field by field)."""

    def fields(instance: object) -> dict[str, object] | None:
        if instance is None:
            return None
        return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}  # type: ignore[attr-defined]

    enrolment = answer.enrolment
    return {
        "on": answer.on,
        "covered": answer.covered,
        "reason": answer.reason,
        "until": answer.until,
        "person": fields(answer.person),
        "enrolment": fields(enrolment),
        "insured": fields(enrolment.insured) if enrolment and enrolment.insured_id else None,
        "regime": fields(enrolment.regime) if enrolment else None,
        "organisation": fields(enrolment.organisation) if enrolment else None,
        "dependants": [
            (fields(d.enrolment), fields(d.enrolment.person), d.coverage) for d in answer.dependants
        ],
        "exemptions": [fields(e) for e in answer.exemptions],
        "card": fields(answer.card),
        "also_covered_by": answer.also_covered_by,
    }


@pytest.fixture
def population(db):
    load_people(people=2500, seed=31)
    return list(Person.objects.exclude(cnie=None).order_by("pk"))


def test_the_sql_path_answers_as_the_orm_did(population, persona):
    provider = persona("dr_amine")
    today = timezone.localdate()
    days = [
        today,
        today - dt.timedelta(days=200),
        dt.date(2019, 6, 15),
        today + dt.timedelta(days=90),
    ]
    people = population[::2]
    checked = covered = with_dependants = with_exemptions = 0
    for index, person in enumerate(people):
        on = days[index % len(days)]
        answer = check_rights(actor=provider, on=on, cnie=person.cnie)
        assert _summary(answer) == _summary(_orm_answer(person, on)), (person.cnie, on)
        document = rights_document(answer)
        dumped = RightsOut.model_validate(document).model_dump()
        assert json.dumps(dumped, cls=NinjaJSONEncoder) == json.dumps(
            document, cls=NinjaJSONEncoder
        )
        checked += 1
        covered += answer.covered
        with_dependants += bool(answer.dependants)
        with_exemptions += bool(answer.exemptions)
    # the population is varied enough to mean something
    assert checked > 500
    assert 0.2 < covered / checked < 0.95
    assert with_dependants > 20
    assert with_exemptions > 0


def test_unknown_cnies_and_fund_numbers_answer_as_the_orm_did(population, persona):
    provider = persona("dr_amine")
    today = timezone.localdate()
    unknown = check_rights(actor=provider, on=today, cnie="ZZ999999")
    assert _summary(unknown) == _summary(_orm_answer(None, today))
    insured = (
        Enrolment.objects.filter(kind=Enrolment.Kind.INSURED)
        .exclude(fund_number="")
        .select_related("organisation")
        .order_by("pk")[:60]
    )
    for enrolment in insured:
        fund, number = enrolment.organisation.code, enrolment.fund_number
        answer = check_rights(actor=provider, on=today, fund=fund, number=number)
        person = find_person(fund=fund, number=number)
        assert _summary(answer) == _summary(_orm_answer(person, today)), (fund, number)


def test_the_month_arithmetic_is_relativedelta_s():
    """The rules' month steps, computed without building a ``relativedelta`` each time, give
    its results: every day of four years (two leap days), windows of 0 to 13 months."""
    day = dt.date(2023, 1, 1)
    while day < dt.date(2029, 1, 1):
        first = day.replace(day=1)
        for months in (0, 1, 6, 12, 13):
            expected = [
                ((first - relativedelta(months=n)).year, (first - relativedelta(months=n)).month)
                for n in range(months, 0, -1)
            ]
            assert window_months(day, months) == expected, (day, months)
        assert _month_end(day) == first + relativedelta(months=1) - dt.timedelta(days=1)
        assert _next_month(day) == day + relativedelta(months=1)
        day += dt.timedelta(days=1)


def test_the_access_log_entry_is_the_one_the_orm_wrote(persona):
    """``record_access`` writes by a plain INSERT the row ``LogEntry.objects.create`` wrote."""
    agent, provider = persona("karim"), persona("dr_amine")
    person = samples.insured(agent).person
    with set_actor(provider, remote_addr="192.0.2.7", remote_port=4242):
        record_access(person, actor=provider, purpose="rights_check")
    lean = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
    orm = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
        object_id=person.pk,
        object_repr=str(person)[:200],
        action=LogEntry.Action.ACCESS,
        actor=provider,
        actor_email=provider.email or None,
        remote_addr="192.0.2.7",
        remote_port=4242,
        timestamp=lean.timestamp,
        additional_data={"via": "rights_check"},
    )
    orm.refresh_from_db()

    def row(entry: LogEntry) -> dict[str, object]:
        return {f.attname: getattr(entry, f.attname) for f in LogEntry._meta.concrete_fields}

    assert {**row(lean), "id": None} == {**row(orm), "id": None}
    assert lean.timestamp.tzinfo is not None
