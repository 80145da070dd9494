"""RAMED (historical: 2012-03-13 to 2022-11-30), the ANAM officer's services: a household's
application sent by the local authority, the eligibility decision by the published thresholds
and the household's enrolment, the renewals. The cards and the vulnerable households'
contributions are in ``ramed_cards``; the reads and the local authorities' estimate in
``ramed_selectors``.

Every service checks everything first and writes in one transaction, or raises
``EnrolmentRefused`` (French message, per-field errors) and writes nothing. Thresholds and amounts
are the ``EligibilityRule``s in force (``selectors.rule_value``).

Conventions, documented because the texts leave them open:
- Decree 2-08-177 art. 3: urban households are eligible when the income per person is *below*
  ``RAMED_URBAN_INCOME_MAX`` and the patrimony score *at most* ``RAMED_URBAN_PATRIMONY_SCORE_MAX``,
  poor when the income is *below* ``RAMED_URBAN_POOR_INCOME_MAX``; rural households are eligible
  when the patrimony score is *at most* ``RAMED_RURAL_PATRIMONY_SCORE_MAX``, poor when the
  socio-economic score is *at most* ``RAMED_RURAL_POOR_SCORE_MAX``; otherwise vulnerable.
- Enrolled: the head (insured; number = the reference's digits), spouses, children, and "other"
  members aged at most ``CHILD_MAX_AGE`` on the first day (as children: the model has no other
  relationship); older "other" members are not enrolled and the decision says so.
- The enrolments end with the period, or on the regime's last day (2022-11-30, the move to AMO
  Tadamon) when sooner, so that no RAMED enrolment outlives the regime.
- A renewal is received from ``RENEWAL_WINDOW_MONTHS`` before the previous period ends.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils import timezone

from snigi.beneficiaries.eligibility import age_on
from snigi.beneficiaries.identity import (
    CleanPerson,
    Conflict,
    EnrolmentRefused,
    PersonInput,
    clean_person,
    conflicts_for,
    matching_people,
    name_key,
)
from snigi.beneficiaries.models import Enrolment, Household, Person, RamedEligibility
from snigi.beneficiaries.selectors import RuleMissing, rule_value
from snigi.beneficiaries.services import _check_override, sync_current
from snigi.core.audit import acting_as
from snigi.core.models import Commune, Regime, User
from snigi.core.roles import Capability
from snigi.core.scoping import require

REGIME = "RAMED"
RENEWAL_WINDOW_MONTHS = 3  # not in the published rules: to confirm with ANAM
ADULT_AGE = 18  # the head signs the application: civil majority (family code, art. 209)
MAX_MEMBERS = 30
ROLES = Person.HouseholdRole
Status, Category = RamedEligibility.Status, RamedEligibility.Category
CENTIME = Decimal("0.01")


def ramed_regime() -> Regime:
    return Regime.objects.select_related("managing_organisation").get(code=REGIME)


def ramed_rule(code: str, on: datetime.date) -> Decimal:
    try:
        return rule_value(code, on, regime=REGIME).value
    except RuleMissing as exc:
        raise EnrolmentRefused(str(exc)) from exc


def rules_day(year: int) -> datetime.date:
    """The day a year's amounts are read on: 1 January, or the regime's first day."""
    return max(datetime.date(year, 1, 1), ramed_regime().valid_from)


def check_day(
    day: datetime.date | None, field: str, after: datetime.date | None = None, label: str = ""
) -> datetime.date:
    """A date of the RAMED's life: given, regime in force, not future, not before ``after``."""
    if day is None:
        raise EnrolmentRefused("La date est obligatoire.", {field: ["Obligatoire."]})
    if not ramed_regime().in_force_on(day) or day > timezone.localdate():
        raise EnrolmentRefused(
            f"Le {day:%d/%m/%Y} est hors de la période du RAMED ou dans le futur.",
            {field: ["Hors de la période du RAMED."]},
        )
    if after is not None and day < after:
        raise EnrolmentRefused(
            f"La date ({day:%d/%m/%Y}) précède {label} ({after:%d/%m/%Y}).",
            {field: [f"Avant {label}."]},
        )
    return day


def locked(eligibility: RamedEligibility) -> RamedEligibility:
    return RamedEligibility.objects.select_for_update().get(pk=eligibility.pk)


# ----------------------------------------------------------------------------- applications


def _clean_members(
    members: Sequence[tuple[PersonInput, str]], commune: str, today: datetime.date
) -> list[tuple[int, CleanPerson, str]]:
    """The members checked, head first, with their index in the application (for the errors)."""
    errors: dict[str, list[str]] = {}
    if not 1 <= len(members) <= MAX_MEMBERS:
        errors["members"] = [f"Entre 1 et {MAX_MEMBERS} membres."]
    elif sum(role == ROLES.HEAD for _, role in members) != 1:
        errors["members"] = ["Un et un seul chef de ménage (rôle « head »)."]
    cleaned: list[tuple[int, CleanPerson, str]] = []
    seen: set[object] = set()
    for index, (member, role) in enumerate(members[:MAX_MEMBERS]):
        prefix = f"members.{index}."
        if role not in ROLES.values:
            errors[prefix + "role"] = ["Rôle attendu : head, spouse, child ou other."]
            continue
        try:
            member = replace(member, commune=member.commune or commune)
            clean = clean_person(member, cnie_required=role == ROLES.HEAD, today=today)
        except EnrolmentRefused as exc:
            errors.update({prefix + field: list(msgs) for field, msgs in exc.errors.items()})
            continue
        if role == ROLES.HEAD and age_on(clean.birth_date, today) < ADULT_AGE:
            errors[prefix + "birth_date"] = [f"Le chef de ménage doit avoir {ADULT_AGE} ans."]
        keys: set[object] = {clean.cnie} if clean.cnie else set()
        keys.add((name_key(clean.last_name_lat, clean.first_name_lat), clean.birth_date, clean.sex))
        if keys & seen:
            errors[prefix + "cnie"] = ["Cette personne figure déjà dans la demande."]
        seen |= keys
        cleaned.append((index, clean, role))
    if errors:
        raise EnrolmentRefused("La demande du ménage comporte des erreurs.", errors)
    return sorted(cleaned, key=lambda item: item[2] != ROLES.HEAD)


def _known(clean: CleanPerson, index: int) -> Person | None:
    """The member's record if known; refused when it is another identity, or a member of an
    application still pending (moving them would change that application)."""
    matches = list(matching_people(clean).select_for_update())
    person = next((p for p in matches if clean.cnie and p.cnie == clean.cnie), None)
    person = person or (matches[0] if matches else None)
    field = f"members.{index}.cnie"
    if person is None:
        return None
    if person.birth_date != clean.birth_date or person.sex != clean.sex:
        raise EnrolmentRefused(
            f"Le numéro CNIE {clean.cnie} est déjà enregistré pour une autre identité.",
            {field: ["Identité différente de celle déjà enregistrée."]},
        )
    pending = RamedEligibility.objects.filter(
        household_id=person.household_id or 0, status=Status.RECEIVED
    ).first()
    if pending is not None:
        raise EnrolmentRefused(
            f"{person} figure dans la demande {pending.reference}, en cours d'instruction.",
            {field: ["Déjà dans une demande en cours."]},
        )
    return person


def _store_member(clean: CleanPerson, person: Person | None, household: Household,
                  role: str) -> None:  # fmt: skip
    if person is None:
        Person.objects.create(
            cnie=clean.cnie, last_name_lat=clean.last_name_lat,
            first_name_lat=clean.first_name_lat, last_name_ar=clean.last_name_ar,
            first_name_ar=clean.first_name_ar, sex=clean.sex, birth_date=clean.birth_date,
            commune=clean.commune, address_line=clean.address_line, phone=clean.phone,
            household=household, household_role=role,
        )  # fmt: skip
        return
    person.household, person.household_role = household, role
    person.cnie = person.cnie or clean.cnie
    person.save(update_fields=["household", "household_role", "cnie", "updated_at"])


def _new_application(received_on: datetime.date, **fields: object) -> RamedEligibility:
    """Numbered RAMED-YYYY-NNNNNN, the next of the year: when two receptions compute the same
    number, the unique reference refuses the second, which takes the following one."""
    year = received_on.year
    for _attempt in range(20):
        last = (
            RamedEligibility.objects.filter(reference__regex=rf"^RAMED-{year}-[0-9]{{6}}$")
            .order_by("-reference").values_list("reference", flat=True).first()
        )  # fmt: skip
        reference = f"RAMED-{year}-{int(last[-6:]) + 1 if last else 1:06d}"
        try:
            with transaction.atomic():
                return RamedEligibility.objects.create(
                    reference=reference, received_on=received_on, **fields
                )
        except IntegrityError:
            continue
    raise EnrolmentRefused("Trop de demandes simultanées : réessayez.")


def application_receive(
    *, actor: User, commune: str, received_on: datetime.date | None, urban: bool,
    members: Sequence[tuple[PersonInput, str]],
) -> RamedEligibility:  # fmt: skip
    """Receive a household's application from the local authority (commune code): its members
    ``(identity, role)`` (known persons reused), a new household, the application (received)."""
    require(actor, Capability.MANAGE_RAMED)
    commune_obj = Commune.objects.filter(code=(commune or "").strip()).first()
    if commune_obj is None:
        raise EnrolmentRefused("Commune inconnue.", {"commune": ["Code du référentiel attendu."]})
    received_on = check_day(received_on, "received_on")
    cleaned = _clean_members(members, commune_obj.code, received_on)
    with transaction.atomic(), acting_as(actor):
        known = [_known(clean, index) for index, clean, _role in cleaned]
        ids = [p.pk for p in known if p is not None]
        if len(ids) != len(set(ids)):
            raise EnrolmentRefused("Deux membres de la demande désignent la même personne.")
        household = Household.objects.create(
            commune=commune_obj, address_line=cleaned[0][1].address_line
        )
        for (_index, clean, role), person in zip(cleaned, known, strict=True):
            _store_member(clean, person, household, role)
        return _new_application(
            received_on, household=household, commune=commune_obj, urban=bool(urban)
        )


def renewal_receive(
    *, actor: User, previous: RamedEligibility, received_on: datetime.date | None
) -> RamedEligibility:
    """Receive the renewal of an eligible household's application: the same household."""
    require(actor, Capability.MANAGE_RAMED)
    received_on = check_day(received_on, "received_on")
    with transaction.atomic(), acting_as(actor):
        previous = locked(previous)
        if previous.status != Status.ELIGIBLE or previous.valid_to is None:
            raise EnrolmentRefused(f"La demande {previous.reference} n'a pas été jugée éligible.")
        opens = previous.valid_to - relativedelta(months=RENEWAL_WINDOW_MONTHS)
        if received_on < opens:
            raise EnrolmentRefused(
                f"Le renouvellement se demande à partir du {opens:%d/%m/%Y}, "
                f"{RENEWAL_WINDOW_MONTHS} mois avant la fin de l'éligibilité.",
                {"received_on": ["Trop tôt."]},
            )
        other = previous.renewals.exclude(status=Status.INELIGIBLE).first()
        if other is not None:
            raise EnrolmentRefused(f"Renouvellement déjà reçu : {other.reference}.")
        return _new_application(
            received_on, household_id=previous.household_id, commune_id=previous.commune_id,
            urban=previous.urban, renewal_of=previous,
        )  # fmt: skip


# ----------------------------------------------------------------------------- decision


def _figure(value: Decimal | None, field: str, digits: int, errors: dict[str, list[str]],
            required: bool) -> Decimal | None:  # fmt: skip
    if value is None:
        if required:
            errors[field] = ["Obligatoire dans ce milieu."]
        return None
    try:
        number = Decimal(str(value))
        if not number.is_finite() or number < 0 or number >= Decimal(10) ** (digits - 2):
            raise InvalidOperation
        return number.quantize(CENTIME)
    except InvalidOperation:
        errors[field] = ["Nombre positif attendu (deux décimales)."]
        return None


def classify(*, urban: bool, on: datetime.date, income: Decimal | None,
             patrimony: Decimal, socio: Decimal | None) -> tuple[str, str]:  # fmt: skip
    """``(category, reason)`` by the thresholds in force on ``on``; category "" = ineligible."""

    def threshold(code: str) -> Decimal:
        return ramed_rule(f"RAMED_{code}", on).quantize(CENTIME)

    if urban:
        assert income is not None  # noqa: S101 - required by the caller
        ceiling, poor = threshold("URBAN_INCOME_MAX"), threshold("URBAN_POOR_INCOME_MAX")
        score_max = threshold("URBAN_PATRIMONY_SCORE_MAX")
        eligible = income < ceiling and patrimony <= score_max
        category = (Category.POOR if income < poor else Category.VULNERABLE) if eligible else ""
        figures = (
            f"milieu urbain, revenu annuel par personne {income} DH (éligible en dessous de "
            f"{ceiling}, pauvreté en dessous de {poor}), score patrimonial {patrimony} "
            f"(au plus {score_max})"
        )
    else:
        assert socio is not None  # noqa: S101 - required by the caller
        score_max, poor = threshold("RURAL_PATRIMONY_SCORE_MAX"), threshold("RURAL_POOR_SCORE_MAX")
        category = Category.POOR if socio <= poor else Category.VULNERABLE
        category = category if patrimony <= score_max else ""
        figures = (
            f"milieu rural, score patrimonial {patrimony} (au plus {score_max}), "
            f"score socio-économique {socio} (pauvreté jusqu'à {poor})"
        )
    verdict = {"poor": "Pauvreté", "vulnerable": "Vulnérabilité"}.get(category, "Non éligible")
    return category, f"{verdict} : {figures}."


def eligibility_decide(
    *, actor: User, eligibility: RamedEligibility, decided_on: datetime.date | None,
    income_per_person: Decimal | None = None, patrimony_score: Decimal | None = None,
    socioeconomic_score: Decimal | None = None, category: str | None = None,
    override_reason: str = "",
) -> RamedEligibility:  # fmt: skip
    """Decide an application by the thresholds; when eligible, check every member against every
    regime (one person, one regime) and enrol the household in the RAMED for the period.
    ``category``, if given, is the category the officer expects: a mismatch is refused."""
    require(actor, Capability.MANAGE_RAMED)
    decided_on = check_day(decided_on, "decided_on", eligibility.received_on, "la réception")
    errors: dict[str, list[str]] = {}
    urban = eligibility.urban
    income = _figure(income_per_person, "income_per_person", 14, errors, urban)
    patrimony = _figure(patrimony_score, "patrimony_score", 8, errors, True)
    socio = _figure(socioeconomic_score, "socioeconomic_score", 8, errors, not urban)
    if category not in (None, "", *Category.values):
        errors["category"] = ["Catégorie attendue : poor ou vulnerable."]
    if errors or patrimony is None:
        raise EnrolmentRefused("Les données de la décision comportent des erreurs.", errors)
    found, reason = classify(urban=urban, on=decided_on, income=income, patrimony=patrimony,
                             socio=socio)  # fmt: skip
    if category and category != found:
        raise EnrolmentRefused(
            f"Les seuils ne donnent pas la catégorie attendue ({category}). {reason}",
            {"category": ["Contraire aux seuils."]},
        )
    with transaction.atomic(), acting_as(actor):
        eligibility = locked(eligibility)
        if eligibility.status != Status.RECEIVED:
            raise EnrolmentRefused(f"La demande {eligibility.reference} est déjà décidée.")
        eligibility.income_per_person, eligibility.patrimony_score = income, patrimony
        eligibility.socioeconomic_score, eligibility.decided_on = socio, decided_on
        eligibility.status = Status.ELIGIBLE if found else Status.INELIGIBLE
        eligibility.category = found
        if found:
            reason += _enrol_household(actor, eligibility, override_reason)
        eligibility.decision_reason = reason[:300]
        eligibility.save()
    return eligibility


def _beneficiaries(
    household: Household, start: datetime.date
) -> tuple[list[tuple[Person, str]], int]:
    """``(person, relationship)`` to enrol, head first, and how many "other" adults are not."""
    members = list(household.members.select_for_update().order_by("birth_date", "pk"))
    heads = [p for p in members if p.household_role == ROLES.HEAD]
    if len(heads) != 1:
        raise EnrolmentRefused("Le ménage doit avoir un et un seul chef de ménage.")
    child_max = int(ramed_rule("CHILD_MAX_AGE", start))
    chosen = [(heads[0], str(Enrolment.Relationship.SELF))]
    for person in members:
        role = person.household_role
        if role == ROLES.OTHER and age_on(person.birth_date, start) <= child_max:
            role = ROLES.CHILD
        if role in (ROLES.SPOUSE, ROLES.CHILD):
            chosen.append((person, role))  # the same values as Enrolment.Relationship
    return chosen, len(members) - len(chosen)


def _conflicts(person: Person, start: datetime.date, end: datetime.date) -> list[Conflict]:
    """Enrolments over ``start``-``end`` of this person and of records of the same identity."""
    identity = CleanPerson(person.cnie, person.last_name_lat, person.first_name_lat, "", "",
                           person.sex, person.birth_date, person.commune, "", "")  # fmt: skip
    people = matching_people(identity) | Person.objects.filter(pk=person.pk)
    return [c for c in conflicts_for(people, start) if c.enrolment.start <= end]


def _enrol_household(actor: User, eligibility: RamedEligibility, override: str) -> str:
    """Set the period and enrol the household (a conflict refuses the whole decision)."""
    assert eligibility.decided_on is not None  # noqa: S101
    start, previous, regime = eligibility.decided_on, eligibility.renewal_of, ramed_regime()
    if previous is not None and previous.valid_to is not None and previous.valid_to >= start:
        start = previous.valid_to + datetime.timedelta(days=1)  # a renewal follows on
    if not regime.in_force_on(start):
        raise EnrolmentRefused(f"Le RAMED n'est plus en vigueur le {start:%d/%m/%Y}.")
    years = int(ramed_rule("RAMED_ELIGIBILITY_YEARS", eligibility.decided_on))
    valid_to = start + relativedelta(years=years) - datetime.timedelta(days=1)
    eligibility.valid_from, eligibility.valid_to = start, valid_to
    end = min(valid_to, regime.valid_to or valid_to)
    chosen, left_out = _beneficiaries(eligibility.household, start)
    conflicts = {person.pk: _conflicts(person, start, end) for person, _ in chosen}
    reasons: dict[int, str] = {}
    for person, _relationship in chosen:
        try:
            reasons[person.pk] = _check_override(actor, conflicts[person.pk], override, str(person))
        except EnrolmentRefused as exc:
            exc.errors.update(
                {f"person.{pk}": ["Déjà couvert."] for pk, c in conflicts.items() if c}
            )
            raise
    end_reason = (
        Enrolment.EndReason.ELIGIBILITY_END
        if end == valid_to
        else Enrolment.EndReason.REGIME_CHANGE
    )
    head: Enrolment | None = None
    for person, relationship in chosen:
        enrolment = Enrolment.objects.create(
            person=person, regime=regime, organisation=regime.managing_organisation,
            kind=Enrolment.Kind.DEPENDANT if head else Enrolment.Kind.INSURED,
            relationship=relationship, category=eligibility.category, insured=head,
            fund_number="" if head else re.sub(r"\D", "", eligibility.reference),
            start=start, end=end, end_reason=end_reason, rights_until=end,
            ramed_eligibility=eligibility, source=Enrolment.Source.RAMED,
            override_reason=reasons[person.pk], override_by=actor if reasons[person.pk] else None,
        )  # fmt: skip
        if head is None:
            head = enrolment
        elif person.primary_insured_id != head.person_id:
            person.primary_insured = head.person
            person.save(update_fields=["primary_insured", "updated_at"])
        sync_current(person)
    note = f" {len(chosen)} bénéficiaire(s) du {start:%d/%m/%Y} au {valid_to:%d/%m/%Y}."
    if left_out:
        note += f" {left_out} autre(s) membre(s) majeur(s) non couvert(s)."
    return note
