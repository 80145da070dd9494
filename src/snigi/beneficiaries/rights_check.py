"""The real-time rights check: "is this person covered on date D, by which regime and fund, with
which dependants and exemptions?", by CNIE, by fund and membership number (the insured), or by
fund, membership number and birth date (a member of that family without a CNIE: a child; the
first name chooses between twins). The last answers as a check by the member's own CNIE would.

It reveals coverage, never medical data (an exemption is told by its kind and dates, not its
condition), and each check of a known person is written to the access log with the purpose
``rights_check``. An insured person may check only themselves and their dependants.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from snigi.beneficiaries import rights_read
from snigi.beneficiaries.identity import EARLIEST_BIRTH, normalise_name
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
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
FIRST_NAME_MAX = 80  # a stored first name's width, the REST API's and the page's limit


class RightsQueryError(ValueError):
    """A malformed or ambiguous question (CNIE, fund, number, date, birth date, twins without a
    first name): the message says what is wrong."""


@dataclass(frozen=True)
class EnrolmentRights:
    """An enrolment and its coverage on the day: a dependant's, or another regime's."""

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
    dependants: list[EnrolmentRights] = field(default_factory=list)
    exemptions: list[Exemption] = field(default_factory=list)
    card: RamedCard | None = None
    # Other enrolments covering that day (a double enrolment): their regimes, and themselves.
    also_covered_by: list[str] = field(default_factory=list)
    also_covered: list[EnrolmentRights] = field(default_factory=list)


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


def _fund(fund: str, number: str) -> tuple[list[int], str]:
    """The keys of the fund named by its code and of its mutuals, and the membership number
    normalised by the fund's pattern (one query), or RightsQueryError."""
    if not (fund and number):
        raise RightsQueryError(
            "Indiquez un numéro CNIE, ou un organisme et un numéro d'immatriculation."
        )
    code = fund.strip().upper()
    found = (
        []  # no code has a NUL, which PostgreSQL refuses in a query (a 500)
        if "\x00" in code
        else list(Organisation.objects.filter(Q(code=code) | Q(parent__code=code)).order_by())
    )
    organisation = next((o for o in found if o.code == code), None)
    if organisation is None:
        raise RightsQueryError(f"Organisme inconnu : « {fund[:40]} ».")
    try:
        number = normalise_fund_number(organisation.code, number)
    except IdentifierError as exc:
        raise RightsQueryError(str(exc)) from exc
    return [o.pk for o in found], number


def find_person(*, cnie: str = "", fund: str = "", number: str = "") -> Person | None:
    """The person behind a CNIE, or behind a fund's membership number (the insured)."""
    if cnie:
        try:
            cnie = normalise_cnie(cnie)
        except IdentifierError as exc:
            raise RightsQueryError(str(exc)) from exc
        return Person.objects.filter(cnie=cnie).first()
    ids, number = _fund(fund, number)
    enrolment = (
        Enrolment.objects.filter(
            organisation_id__in=ids, fund_number=number, kind=Enrolment.Kind.INSURED
        )
        .select_related("person")
        .order_by("-start")
        .first()
    )
    return enrolment.person if enrolment else None


def parse_birth_date(value: str) -> datetime.date | None:
    """A birth date written ``YYYY-MM-DD`` (None when empty), or RightsQueryError."""
    value = value.strip()
    if not value:
        return None
    if ISO_DAY.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise RightsQueryError(
        f"Date de naissance invalide : « {value[:20]} » (format AAAA-MM-JJ attendu)."
    )


@dataclass(frozen=True)
class _Member:
    """A person enrolled under a membership number (the insured or a dependant)."""

    person_id: int
    first_name_lat: str
    first_name_ar: str
    cnie: str | None
    primary_insured_cnie: str | None

    def in_scope(self, scope_cnie: str | None) -> bool:
        """Whether an insured person with this CNIE (None: any other role) may check them."""
        if scope_cnie is None:
            return True
        return bool(scope_cnie) and scope_cnie in (self.cnie, self.primary_insured_cnie)

    def named(self, normalised: str) -> bool:
        """Whether their Latin or Arabic first name is this one (``identity.normalise_name``)."""
        return normalised in (
            normalise_name(self.first_name_lat),
            normalise_name(self.first_name_ar),
        )


def find_family_member(
    *,
    fund: str,
    number: str,
    birth_date: datetime.date,
    first_name: str = "",
    scope_cnie: str | None = None,
) -> tuple[int | None, str]:
    """The person born on ``birth_date`` among those enrolled under a fund's membership number
    (the insured, their dependants), as ``(person id, "")``, or ``(None, the reason)``. The
    first name (compared normalised, to the Latin or the Arabic one) chooses only between
    several people born that day (twins); RightsQueryError when it is needed, or does not
    choose. ``scope_cnie``: an insured person's CNIE, who sees only themselves and their
    dependants. One query (after the fund's)."""
    ids, number = _fund(fund, number)
    columns = (
        "person_id",
        "person__first_name_lat",
        "person__first_name_ar",
        "person__cnie",
        "person__primary_insured__cnie",
    )
    cancelled = Q(end_reason=Enrolment.EndReason.CANCELLED)
    # A dependant of an insured enrolment cancelled as erroneous is not of that family either
    # (the cancellation closes only the dependants still open).
    cancelled_insured = Q(insured__end_reason=Enrolment.EndReason.CANCELLED)
    insured = Enrolment.objects.filter(
        kind=Enrolment.Kind.INSURED,
        organisation_id__in=ids,
        fund_number=number,
        person__birth_date=birth_date,
    )
    dependants = Enrolment.objects.filter(
        kind=Enrolment.Kind.DEPENDANT,
        insured__organisation_id__in=ids,
        insured__fund_number=number,
        person__birth_date=birth_date,
    )
    rows = (
        insured.exclude(cancelled)
        .order_by()
        .values_list(*columns)
        .union(dependants.exclude(cancelled | cancelled_insured).order_by().values_list(*columns))
    )
    members = [m for m in (_Member(*row) for row in rows) if m.in_scope(scope_cnie)]
    born = (
        f"né le {birth_date:%d/%m/%Y} sous le numéro d'immatriculation "
        f"{fund.strip().upper()} {number}"
    )
    if len(members) > 1:
        wanted = normalise_name(first_name)
        if not wanted:
            raise RightsQueryError(
                f"Plusieurs bénéficiaires sont nés le {birth_date:%d/%m/%Y} sous ce numéro "
                "d'immatriculation (jumeaux) : indiquez aussi le prénom."
            )
        members = [m for m in members if m.named(wanted)]
        if len(members) > 1:
            raise RightsQueryError(
                f"Plusieurs bénéficiaires nés le {birth_date:%d/%m/%Y} sous ce numéro portent "
                f"le prénom « {first_name[:40]} » : vérifiez leurs droits par leur CNIE "
                "s'ils en ont une, sinon auprès de l'organisme."
            )
        if not members:
            return None, f"Aucun bénéficiaire {born} ne porte le prénom « {first_name[:40]} »."
    if not members:
        return None, f"Aucun bénéficiaire (assuré ou ayant droit) {born}."
    return members[0].person_id, ""


def _check_birth_date(birth_date: datetime.date) -> None:
    if birth_date > timezone.localdate():
        raise RightsQueryError(f"La date de naissance ({birth_date:%d/%m/%Y}) est dans le futur.")
    if birth_date < EARLIEST_BIRTH:
        raise RightsQueryError(
            f"La date de naissance ({birth_date:%d/%m/%Y}) est antérieure à 1900."
        )


@dataclass(frozen=True)
class _Question:
    """Whose rights: a CNIE, a fund's membership number (the insured), or a membership number
    and a birth date (a member of that family; the first name for twins)."""

    cnie: str = ""
    fund: str = ""
    number: str = ""
    birth_date: datetime.date | None = None
    first_name: str = ""


def _person_and_enrolments(
    question: _Question, *, on: datetime.date, scope_cnie: str | None
) -> tuple[Person | None, list[Enrolment], list[Exemption], str]:
    """The person, their enrolments (latest first; with the person and, for a dependant, the
    insured's enrolment) and their exemptions in force on ``on`` (one statement by CNIE); or
    no person, and the reason when it is more precise than "nobody under this identifier"."""
    if question.first_name.strip() and question.birth_date is None:
        raise RightsQueryError("Le prénom s'indique avec la date de naissance.")
    if len(question.first_name) > FIRST_NAME_MAX:  # FHIR's given names are not bounded
        raise RightsQueryError(f"Le prénom est trop long ({FIRST_NAME_MAX} caractères au plus).")
    if question.birth_date is not None and question.cnie:
        raise RightsQueryError(
            "La date de naissance sert à vérifier un bénéficiaire sans CNIE, avec l'organisme "
            "et le numéro d'immatriculation de son assuré : ne l'indiquez pas avec un CNIE."
        )
    if question.cnie:
        try:
            cnie = normalise_cnie(question.cnie)
        except IdentifierError as exc:
            raise RightsQueryError(str(exc)) from exc
        person, enrolments, exemptions = rights_read.person_with_enrolments(on=on, cnie=cnie)
        return person, _latest_first(enrolments), exemptions, ""
    reason = ""
    if question.birth_date is not None:
        _check_birth_date(question.birth_date)
        person_id, reason = find_family_member(
            fund=question.fund,
            number=question.number,
            birth_date=question.birth_date,
            first_name=question.first_name,
            scope_cnie=scope_cnie,
        )
    else:
        found = find_person(fund=question.fund, number=question.number)
        person_id = found.pk if found is not None else None
    if person_id is None:
        return None, [], [], reason
    person, enrolments, exemptions = rights_read.person_with_enrolments(on=on, person_id=person_id)
    return person, _latest_first(enrolments), exemptions, reason


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
    birth_date: datetime.date | None = None,
    first_name: str = "",
) -> RightsAnswer:
    require(actor, Capability.CHECK_RIGHTS)
    if not EARLIEST_DAY <= on <= timezone.localdate() + datetime.timedelta(days=366):
        raise RightsQueryError(
            f"La date doit être comprise entre le {EARLIEST_DAY:%d/%m/%Y} et l'an prochain."
        )
    question = _Question(cnie, fund, number, birth_date, first_name)
    insured_actor = actor.role == Role.INSURED
    person, enrolments, exemptions, missing = _person_and_enrolments(
        question, on=on, scope_cnie=actor.cnie if insured_actor else None
    )
    if insured_actor and (
        person is None
        or not (
            person.cnie == actor.cnie
            or (
                person.primary_insured_id is not None
                and Person.objects.filter(pk=person.primary_insured_id, cnie=actor.cnie).exists()
            )
        )
    ):
        raise PermissionDenied(
            "Vous ne pouvez vérifier que vos propres droits et ceux de vos ayants droit."
        )
    if person is None:
        return RightsAnswer(
            on=on,
            covered=False,
            reason=missing or "Aucune personne immatriculée sous cet identifiant.",
        )
    record_access(person, actor=actor, purpose="rights_check")
    if not enrolments:
        return RightsAnswer(
            on=on, covered=False, person=person, reason="Aucune immatriculation à un régime."
        )
    return _answer(person, enrolments, exemptions, on)


def _answer(
    person: Person, enrolments: list[Enrolment], exemptions: list[Exemption], on: datetime.date
) -> RightsAnswer:
    """The answer for a person with enrolments: the one it rests on, the others covering the
    day, and the dependants of the chosen one if it is an insured's."""
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
    others = [EnrolmentRights(e, c) for e, c in assessed if c.covered and e.pk != chosen.pk]
    answer = RightsAnswer(
        on=on,
        covered=coverage.covered,
        reason=coverage.reason,
        person=person,
        enrolment=chosen,
        until=coverage.until if coverage.covered else None,
        also_covered_by=[other.enrolment.regime.code for other in others],
        also_covered=others,
        exemptions=exemptions,
    )
    if chosen.kind == Enrolment.Kind.INSURED:
        answer.dependants = [
            EnrolmentRights(e, c)
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
