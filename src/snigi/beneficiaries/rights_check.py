"""The real-time rights check: "is this person covered on date D, by which regime and fund, with
which dependants and exemptions?", by CNIE or by fund and membership number.

It reveals coverage, never medical data (an exemption is told by its kind and dates, not its
condition), and each check of a known person is written to the access log with the purpose
``rights_check``. An insured person may check only themselves and their dependants.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from snigi.beneficiaries import rights_read
from snigi.beneficiaries.models import Enrolment, Exemption, Person, RamedCard
from snigi.beneficiaries.rights import (
    Coverage,
    Facts,
    dependant_coverage,
    insured_coverage,
    reference,
    rule_book,
)
from snigi.core.audit import record_access
from snigi.core.identifiers import IdentifierError, normalise_cnie, normalise_fund_number
from snigi.core.models import Organisation, User
from snigi.core.roles import Capability, Role
from snigi.core.scoping import require

EARLIEST_DAY = datetime.date(2005, 8, 18)  # AMO in force (law 65-00)


class RightsQueryError(ValueError):
    """A malformed question (CNIE, fund, number, date): the message says what is wrong."""


@dataclass(frozen=True)
class DependantRights:
    enrolment: Enrolment
    coverage: Coverage


@dataclass
class RightsAnswer:
    on: datetime.date
    covered: bool
    reason: str
    person: Person | None = None
    enrolment: Enrolment | None = None  # the enrolment the answer rests on
    until: datetime.date | None = None
    dependants: list[DependantRights] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    card: RamedCard | None = None
    also_covered_by: list[str] = field(default_factory=list)  # a double enrolment on that day


def _with_reference(enrolments: list[Enrolment], *, insured: bool = True) -> list[Enrolment]:
    """Their regimes and funds (and their insured's, if loaded) from the cached reference."""
    linked = [e.insured for e in enrolments if insured and e.insured is not None]
    every = [*enrolments, *linked]
    known = reference(
        regime_ids={e.regime_id for e in every}, organisation_ids={e.organisation_id for e in every}
    )
    for enrolment in every:
        enrolment.regime = known.regimes[enrolment.regime_id]
        enrolment.organisation = known.organisations[enrolment.organisation_id]
    return enrolments


def _latest_first(enrolments: list[Enrolment]) -> list[Enrolment]:
    if not enrolments:  # nothing to attach the reference data to
        return []
    return _with_reference(sorted(enrolments, key=lambda e: (e.start, e.pk), reverse=True))


def find_person(*, cnie: str = "", fund: str = "", number: str = "") -> Person | None:
    """The person behind a CNIE, or behind a fund's membership number (the insured)."""
    if cnie:
        try:
            cnie = normalise_cnie(cnie)
        except IdentifierError as exc:
            raise RightsQueryError(str(exc)) from exc
        return Person.objects.filter(cnie=cnie).first()
    if not (fund and number):
        raise RightsQueryError(
            "Indiquez un numéro CNIE, ou un organisme et un numéro d'immatriculation."
        )
    organisation = Organisation.objects.filter(code=fund.strip().upper()).first()
    if organisation is None:
        raise RightsQueryError(f"Organisme inconnu : « {fund[:40]} ».")
    try:
        number = normalise_fund_number(organisation.code, number)
    except IdentifierError as exc:
        raise RightsQueryError(str(exc)) from exc
    ids = [organisation.pk, *organisation.children.values_list("pk", flat=True)]
    enrolment = (
        Enrolment.objects.filter(
            organisation_id__in=ids, fund_number=number, kind=Enrolment.Kind.INSURED
        )
        .select_related("person")
        .order_by("-start")
        .first()
    )
    return enrolment.person if enrolment else None


def _person_and_enrolments(
    *, cnie: str, fund: str, number: str, on: datetime.date
) -> tuple[Person | None, list[Enrolment], list[Exemption]]:
    """The person, their enrolments (latest first; with the person and, for a dependant, the
    insured's enrolment) and their exemptions in force on ``on``: one statement by CNIE."""
    if cnie:
        try:
            cnie = normalise_cnie(cnie)
        except IdentifierError as exc:
            raise RightsQueryError(str(exc)) from exc
        person, enrolments, exemptions = rights_read.person_with_enrolments(on=on, cnie=cnie)
    else:
        found = find_person(fund=fund, number=number)
        if found is None:
            return None, [], []
        person, enrolments, exemptions = rights_read.person_with_enrolments(
            on=on, person_id=found.pk
        )
    return person, _latest_first(enrolments), exemptions


def _assess(
    enrolments: list[Enrolment], on: datetime.date, facts: Facts
) -> list[tuple[Enrolment, Coverage]]:
    rules = rule_book()
    insured_cache: dict[int, Coverage] = {}

    def insured_of(enrolment: Enrolment) -> Coverage:
        if enrolment.pk not in insured_cache:
            insured_cache[enrolment.pk] = insured_coverage(enrolment, on, facts, rules)
        return insured_cache[enrolment.pk]

    results = []
    for enrolment in enrolments:
        if enrolment.kind == Enrolment.Kind.INSURED:
            results.append((enrolment, insured_of(enrolment)))
        else:
            insured = insured_of(enrolment.insured)  # type: ignore[arg-type]  # a dependant's
            results.append((enrolment, dependant_coverage(enrolment, on, insured, facts, rules)))
    return results


def check_rights(
    *,
    actor: User,
    on: datetime.date,
    cnie: str = "",
    fund: str = "",
    number: str = "",
) -> RightsAnswer:
    require(actor, Capability.CHECK_RIGHTS)
    if not EARLIEST_DAY <= on <= timezone.localdate() + datetime.timedelta(days=366):
        raise RightsQueryError(
            f"La date doit être comprise entre le {EARLIEST_DAY:%d/%m/%Y} et l'an prochain."
        )
    person, enrolments, exemptions = _person_and_enrolments(
        cnie=cnie, fund=fund, number=number, on=on
    )
    if actor.role == Role.INSURED and (
        person is None
        or not (
            person.cnie == actor.cnie
            or Person.objects.filter(pk=person.primary_insured_id, cnie=actor.cnie).exists()
        )
    ):
        raise PermissionDenied(
            "Vous ne pouvez vérifier que vos propres droits et ceux de vos ayants droit."
        )
    if person is None:
        return RightsAnswer(
            on=on, covered=False, reason="Aucune personne immatriculée sous cet identifiant."
        )
    record_access(person, actor=actor, purpose="rights_check")
    if not enrolments:
        return RightsAnswer(
            on=on, covered=False, person=person, reason="Aucune immatriculation à un régime."
        )
    own_insured = {e.pk: e for e in enrolments if e.kind == Enrolment.Kind.INSURED}
    dependants = sorted(
        rights_read.dependants_on(list(own_insured), on),
        key=lambda e: (e.person.birth_date, e.pk),
    )
    _with_reference(dependants, insured=False)
    for dependant in dependants:  # their insured is one of ``own_insured``: share the objects
        dependant.insured = own_insured[dependant.insured_id]  # type: ignore[index]
    insured_links = [e.insured for e in enrolments if e.insured is not None]
    facts = Facts.load([*enrolments, *insured_links, *dependants], on)
    assessed = _assess(enrolments, on, facts)
    chosen, coverage = max(assessed, key=lambda item: _rank(item, on))
    answer = RightsAnswer(
        on=on,
        covered=coverage.covered,
        reason=coverage.reason,
        person=person,
        enrolment=chosen,
        until=coverage.until if coverage.covered else None,
        also_covered_by=[e.regime.code for e, c in assessed if c.covered and e.pk != chosen.pk],
        exemptions=exemptions,
    )
    if chosen.kind == Enrolment.Kind.INSURED:
        answer.dependants = [
            DependantRights(e, c)
            for e, c in _assess([d for d in dependants if d.insured_id == chosen.pk], on, facts)
        ]
    if chosen.ramed_eligibility_id:
        answer.card = RamedCard.objects.filter(eligibility_id=chosen.ramed_eligibility_id).first()
    return answer


def _rank(item: tuple[Enrolment, Coverage], on: datetime.date) -> tuple[int, int, int]:
    """Covered first; then an enrolment already started (the latest), then the nearest future."""
    enrolment, coverage = item
    started = enrolment.start <= on
    order = enrolment.start.toordinal() if started else -enrolment.start.toordinal()
    return (int(coverage.covered), int(started), order)
