"""Enrolment: registering insured people and their dependants, recording what opens rights,
closing rights; with the exact one-person-one-regime check at the door.

Every service checks its inputs and writes in one transaction, or raises ``EnrolmentRefused``
(the message and the per-field errors are French) and writes nothing. A person is one national
record: enrolling someone already known (same CNIE; without one, same normalised names, birth
date and sex) reuses their record and checks it against every enrolment of every regime
overlapping the new one. A conflict raises ``DoubleEnrolment`` naming the other regime; only an
actor with ``OVERRIDE_DOUBLE_ENROLMENT`` can go past it, with a reason kept on the enrolment and
in the audit trail.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from snigi.beneficiaries import eligibility

# Re-exported: callers import the refusals and the person input from the services.
from snigi.beneficiaries.identity import (  # noqa: F401
    CleanPerson,
    Conflict,
    DoubleEnrolment,
    EnrolmentRefused,
    PersonInput,
    clean_person,
    conflicts_for,
    matching_people,
)
from snigi.beneficiaries.models import (
    Contribution,
    Enrolment,
    Exemption,
    Household,
    Person,
    StudentCertificate,
)
from snigi.beneficiaries.rights import rule_book
from snigi.core.audit import acting_as
from snigi.core.identifiers import IdentifierError, normalise_fund_number
from snigi.core.models import Organisation, Regime, User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require, scope_for

EARLIEST_START = datetime.date(2005, 8, 18)  # law 65-00's AMO in force
MIN_OVERRIDE_REASON = 10


def _check_override(actor: User, conflicts: list[Conflict], reason: str, label: str) -> str:
    if not conflicts:
        return ""
    reason = " ".join((reason or "").replace("\x00", "").split())
    if not reason or not role_has(actor.role, Capability.OVERRIDE_DOUBLE_ENROLMENT):
        raise DoubleEnrolment(label, conflicts)
    if len(reason) < MIN_OVERRIDE_REASON:
        raise EnrolmentRefused(
            "Le motif du passage outre doit être explicite.",
            {"override_reason": [f"Au moins {MIN_OVERRIDE_REASON} caractères."]},
        )
    return reason[:1000]


def _organisation_for(actor: User, regime: Regime, organisation_code: str) -> Organisation:
    """The managing organisation of the new enrolment: the regime's fund or one of its mutuals;
    a fund agent enrols only for their own organisation (or its mutuals)."""
    code = (organisation_code or "").strip().upper() or regime.managing_organisation.code
    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        raise EnrolmentRefused(
            f"Organisme inconnu : « {code[:30]} ».", {"organisation": ["Inconnu."]}
        )
    if regime.managing_organisation_id not in {organisation.pk, organisation.parent_id}:
        raise EnrolmentRefused(
            f"L'organisme {organisation.code} ne gère pas le régime « {regime.name_fr} ».",
            {"organisation": ["Organisme sans rapport avec le régime."]},
        )
    scope = scope_for(actor)
    if not scope.national and organisation.pk not in scope.organisation_ids:
        raise EnrolmentRefused(
            f"Vous ne pouvez immatriculer que pour votre organisme, pas pour {organisation.code}.",
            {"organisation": ["Hors de votre périmètre."]},
        )
    return organisation


def _store_person(
    clean: CleanPerson, existing: Person | None, *, role: str, household: Household | None,
    primary: Person | None,
) -> Person:  # fmt: skip
    if existing is not None:
        if existing.birth_date != clean.birth_date or existing.sex != clean.sex:
            raise EnrolmentRefused(
                f"Le numéro CNIE {clean.cnie} est déjà enregistré pour une personne née le "
                f"{existing.birth_date:%d/%m/%Y}, de sexe {existing.sex} : vérifiez la saisie.",
                {"cnie": ["Identité différente de celle déjà enregistrée pour ce numéro."]},
            )
        changed = []
        if clean.cnie and not existing.cnie:
            existing.cnie = clean.cnie
            changed.append("cnie")
        if primary is not None and existing.primary_insured_id != primary.pk:
            existing.primary_insured = primary
            changed.append("primary_insured")
        if changed:
            existing.save(update_fields=[*changed, "updated_at"])
        return existing
    if household is None:
        household = Household.objects.create(commune=clean.commune, address_line=clean.address_line)
    return Person.objects.create(
        cnie=clean.cnie,
        last_name_lat=clean.last_name_lat,
        first_name_lat=clean.first_name_lat,
        last_name_ar=clean.last_name_ar,
        first_name_ar=clean.first_name_ar,
        sex=clean.sex,
        birth_date=clean.birth_date,
        commune=clean.commune,
        address_line=clean.address_line,
        phone=clean.phone,
        household=household,
        household_role=role,
        primary_insured=primary,
    )


def sync_current(person: Person) -> None:
    """Mirror the person's current (else latest) enrolment on ``Person.regime/organisation``."""
    today = timezone.localdate()
    enrolments = person.enrolments.exclude(end_reason=Enrolment.EndReason.CANCELLED)
    current = (
        enrolments.filter(start__lte=today).filter(Q(end__isnull=True) | Q(end__gte=today))
        .order_by("-start", "-pk").first()
        or enrolments.order_by("-start", "-pk").first()
    )  # fmt: skip
    regime_id = current.regime_id if current else None
    organisation_id = current.organisation_id if current else None
    if (person.regime_id, person.organisation_id) != (regime_id, organisation_id):
        person.regime_id, person.organisation_id = regime_id, organisation_id
        person.save(update_fields=["regime", "organisation", "updated_at"])


def _check_start(start: datetime.date | None, regime: Regime) -> datetime.date:
    if start is None:
        raise EnrolmentRefused("La date d'effet est obligatoire.", {"start": ["Obligatoire."]})
    if start < EARLIEST_START or start > timezone.localdate() + relativedelta(years=1):
        raise EnrolmentRefused(
            f"Date d'effet hors limites ({start:%d/%m/%Y}).", {"start": ["Date hors limites."]}
        )
    if not regime.in_force_on(start):
        raise EnrolmentRefused(
            f"Le régime « {regime.name_fr} » n'est pas en vigueur le {start:%d/%m/%Y}.",
            {"start": ["Régime non en vigueur à cette date."]},
        )
    return start


def enrol_insured(
    *,
    actor: User,
    person: PersonInput,
    regime: str,
    fund_number: str,
    start: datetime.date | None,
    organisation: str = "",
    category: str = Enrolment.Category.ACTIVE,
    override_reason: str = "",
    source: str = Enrolment.Source.AGENT,
    until: datetime.date | None = None,
) -> Enrolment:
    """Register an insured person in a regime with their membership number. ``until`` closes a
    fixed period at once (required for students: the academic year of the institution's
    list, 13 months at most)."""
    require(actor, Capability.ENROL_PERSONS)
    regime_obj = Regime.objects.select_related("managing_organisation").filter(code=regime).first()
    if regime_obj is None:
        raise EnrolmentRefused(f"Régime inconnu : « {regime[:30]} ».", {"regime": ["Inconnu."]})
    org = _organisation_for(actor, regime_obj, organisation)
    start = _check_start(start, regime_obj)
    _check_until(regime_obj, start, until)
    if category not in Enrolment.Category.values:
        raise EnrolmentRefused("Catégorie inconnue.", {"category": ["Inconnue."]})
    clean = clean_person(person, cnie_required=True, today=timezone.localdate())
    try:
        number = normalise_fund_number(
            org.parent.code if org.parent is not None else org.code, fund_number
        )
    except IdentifierError as exc:
        raise EnrolmentRefused(str(exc), {"fund_number": [str(exc)]}) from exc
    with transaction.atomic(), acting_as(actor):
        matches = list(matching_people(clean).select_for_update())
        existing = next(
            (p for p in matches if p.cnie == clean.cnie), matches[0] if matches else None
        )
        fund_id = org.parent_id or org.pk  # the fund and all its mutuals: one series of numbers
        holder = (
            Enrolment.objects.filter(
                Q(organisation_id=fund_id) | Q(organisation__parent_id=fund_id),
                fund_number=number, kind=Enrolment.Kind.INSURED,
            ).exclude(person__in=matches).select_related("person").first()
        )  # fmt: skip
        if holder is not None:
            raise EnrolmentRefused(
                f"Le numéro d'immatriculation {number} est déjà attribué à une autre personne "
                f"par {holder.organisation.code}.",
                {"fund_number": ["Numéro déjà attribué."]},
            )
        # The identity first (same CNIE, other birth date: a typing error, not a conflict);
        # a refusal below rolls the stored person back.
        stored = _store_person(
            clean, existing, role=Person.HouseholdRole.HEAD, household=None, primary=None
        )
        conflicts = conflicts_for(matches, start)
        label = f"{clean.first_name_lat} {clean.last_name_lat}"
        reason = _check_override(actor, conflicts, override_reason, label)
        enrolment = Enrolment.objects.create(
            person=stored, regime=regime_obj, organisation=org, kind=Enrolment.Kind.INSURED,
            relationship=Enrolment.Relationship.SELF, category=category, fund_number=number,
            start=start, override_reason=reason, override_by=actor if reason else None,
            source=source, end=until, rights_until=until,
            end_reason=Enrolment.EndReason.ELIGIBILITY_END if until else "",
        )  # fmt: skip
        sync_current(stored)
    return enrolment


STUDENT_REGIME = "AMO_ETUDIANTS"
STUDENT_MAX_MONTHS = 13


def _check_until(regime: Regime, start: datetime.date, until: datetime.date | None) -> None:
    if until is None:
        if regime.code == STUDENT_REGIME:
            raise EnrolmentRefused(
                "Étudiants : indiquez la fin de l'année universitaire (liste de l'établissement).",
                {"until": ["Obligatoire pour les étudiants."]},
            )
        return
    if until < start:
        raise EnrolmentRefused(
            "La fin de la période précède son début.", {"until": ["Avant le début."]}
        )
    if regime.code == STUDENT_REGIME and until > start + relativedelta(months=STUDENT_MAX_MONTHS):
        raise EnrolmentRefused(
            "Étudiants : une immatriculation vaut pour une année universitaire.",
            {"until": [f"{STUDENT_MAX_MONTHS} mois au plus."]},
        )
    if regime.valid_to is not None and until > regime.valid_to:
        raise EnrolmentRefused(
            "Le régime prend fin avant cette date.", {"until": ["Après le régime."]}
        )


def _insured_enrolment_for(actor: User, insured: Enrolment) -> Enrolment:
    require(actor, Capability.ENROL_PERSONS)
    scope = scope_for(actor)
    if not scope.national and insured.organisation_id not in scope.organisation_ids:
        raise EnrolmentRefused("Cet assuré n'est pas géré par votre organisme.")
    if insured.kind != Enrolment.Kind.INSURED:
        raise EnrolmentRefused("Un ayant droit ne peut pas avoir lui-même d'ayants droit.")
    return insured


def add_dependant(
    *,
    actor: User,
    insured: Enrolment,
    person: PersonInput,
    relationship: str,
    start: datetime.date | None,
    disabled: bool = False,
    student_certificate: tuple[str, datetime.date, datetime.date] | None = None,
    override_reason: str = "",
    source: str = Enrolment.Source.AGENT,
) -> Enrolment:
    """Add a spouse or a child to an insured's enrolment. A child must be covered by the age
    rule on the start date (under 21; to 26 with ``student_certificate`` = (academic year,
    valid from, valid until); any age when ``disabled``); a spouse must not be covered in their
    own right (the one-person-one-regime check)."""
    insured = _insured_enrolment_for(actor, insured)
    if relationship not in (Enrolment.Relationship.SPOUSE, Enrolment.Relationship.CHILD):
        raise EnrolmentRefused("Lien inconnu : conjoint ou enfant.", {"relationship": ["Inconnu."]})
    today = timezone.localdate()
    clean = clean_person(person, cnie_required=False, today=today)
    start = _check_start(start, insured.regime)
    if start < insured.start or (insured.end is not None and start > insured.end):
        raise EnrolmentRefused(
            "La date d'effet doit être dans la période d'immatriculation de l'assuré.",
            {"start": ["Hors de la période de l'assuré."]},
        )
    start = max(start, clean.birth_date)
    certificate = _check_certificate(student_certificate)
    if relationship == Enrolment.Relationship.CHILD:
        _check_child(clean, start, disabled, certificate)
    elif eligibility.age_on(clean.birth_date, start) < 15:
        raise EnrolmentRefused(
            "Un conjoint ne peut pas avoir moins de 15 ans.", {"birth_date": ["Âge impossible."]}
        )
    insured_person = insured.person
    if clean.cnie and clean.cnie == insured_person.cnie:
        raise EnrolmentRefused(
            "L'assuré ne peut pas être son propre ayant droit.", {"cnie": ["Même personne."]}
        )
    with transaction.atomic(), acting_as(actor):
        matches = list(matching_people(clean).select_for_update())
        existing = next(
            (p for p in matches if clean.cnie and p.cnie == clean.cnie),
            matches[0] if matches else None,
        )
        if existing is not None and existing.pk == insured_person.pk:
            raise EnrolmentRefused("L'assuré ne peut pas être son propre ayant droit.")
        conflicts = conflicts_for(matches, start)
        label = f"{clean.first_name_lat} {clean.last_name_lat}"
        if relationship == Enrolment.Relationship.SPOUSE and any(
            c.enrolment.kind == Enrolment.Kind.INSURED for c in conflicts
        ):
            label = f"le conjoint {label}, assuré à titre personnel,"
        role = (
            Person.HouseholdRole.SPOUSE if relationship == "spouse" else Person.HouseholdRole.CHILD
        )
        stored = _store_person(  # the identity first; a refusal below rolls it back
            clean, existing, role=role, household=insured_person.household, primary=insured_person
        )
        reason = _check_override(actor, conflicts, override_reason, label)
        enrolment = Enrolment.objects.create(
            person=stored, regime=insured.regime, organisation=insured.organisation,
            kind=Enrolment.Kind.DEPENDANT, relationship=relationship, category=insured.category,
            insured=insured, start=start, disabled=disabled, override_reason=reason,
            override_by=actor if reason else None, source=source,
        )  # fmt: skip
        if certificate is not None:
            StudentCertificate.objects.create(
                enrolment=enrolment, academic_year=certificate[0], valid_from=certificate[1],
                valid_until=certificate[2],
            )  # fmt: skip
        sync_current(stored)
    return enrolment


ACADEMIC_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def _check_certificate(
    certificate: tuple[str, datetime.date, datetime.date] | None,
) -> tuple[str, datetime.date, datetime.date] | None:
    if certificate is None:
        return None
    year, valid_from, valid_until = certificate
    match = ACADEMIC_YEAR.fullmatch((year or "").strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise EnrolmentRefused(
            "Année universitaire attendue sous la forme 2025-2026.",
            {"academic_year": ["Forme attendue : 2025-2026."]},
        )
    if valid_from is None or valid_until is None or valid_until < valid_from:
        raise EnrolmentRefused(
            "Les dates de validité du certificat de scolarité sont incohérentes.",
            {"certificate_until": ["Dates incohérentes."]},
        )
    if (valid_until - valid_from).days > 400:
        raise EnrolmentRefused(
            "Un certificat de scolarité vaut pour une année universitaire au plus.",
            {"certificate_until": ["Une année au plus."]},
        )
    return (match.group(0), valid_from, valid_until)


def _check_child(
    clean: CleanPerson,
    start: datetime.date,
    disabled: bool,
    certificate: tuple[str, datetime.date, datetime.date] | None,
) -> None:
    rules = rule_book()
    studying_until = certificate[2] if certificate and certificate[1] <= start else None
    result = eligibility.child_coverage(
        clean.birth_date,
        start,
        child_max_age=rules.integer("CHILD_MAX_AGE", start, default=21),
        student_max_age=rules.integer("STUDENT_CHILD_MAX_AGE", start, default=26),
        studying_until=studying_until,
        disabled=disabled,
    )
    if not result.covered:
        raise EnrolmentRefused(
            f"Enfant trop âgé pour être ayant droit le {start:%d/%m/%Y} : {result.reason}",
            {"birth_date": [result.reason]},
        )


RETENTION_RULE = {
    Enrolment.EndReason.END_OF_WORK: "RETENTION_MONTHS",
    Enrolment.EndReason.DIVORCE: "RETENTION_DIVORCED_MONTHS",
    Enrolment.EndReason.INSURED_DEATH: "RETENTION_WIDOWED_MONTHS",
}


def close_enrolment(
    *, actor: User, enrolment: Enrolment, end: datetime.date | None, reason: str
) -> Enrolment:
    """Close rights: the end of work, a death or a divorce (the spouse's enrolment), a change of
    regime, an error… Rights are then kept as the regime's rules say (6 months after the end of
    work, 12 for a divorced spouse, 24 for a widow(er) and orphans). Closing an insured closes
    their dependants on the same day: on the insured's death with the survivors' retention."""
    require(actor, Capability.ENROL_PERSONS)
    scope = scope_for(actor)
    if not scope.national and enrolment.organisation_id not in scope.organisation_ids:
        raise EnrolmentRefused("Cette immatriculation n'est pas gérée par votre organisme.")
    if reason not in Enrolment.EndReason.values:
        raise EnrolmentRefused("Motif de clôture inconnu.", {"end_reason": ["Inconnu."]})
    if end is None:
        raise EnrolmentRefused("La date de fin est obligatoire.", {"end": ["Obligatoire."]})
    if end > timezone.localdate() + relativedelta(years=1):
        raise EnrolmentRefused("Date de fin trop lointaine.", {"end": ["Date hors limites."]})
    if (
        reason == Enrolment.EndReason.DIVORCE
        and enrolment.relationship != Enrolment.Relationship.SPOUSE
    ):
        raise EnrolmentRefused("Le divorce clôt la qualité d'ayant droit d'un conjoint.")
    if reason == Enrolment.EndReason.INSURED_DEATH and enrolment.kind == Enrolment.Kind.INSURED:
        raise EnrolmentRefused("Pour l'assuré lui-même, le motif est « décès ».")
    with transaction.atomic(), acting_as(actor):
        enrolment = (
            Enrolment.objects.select_for_update().select_related("regime").get(pk=enrolment.pk)
        )
        if enrolment.end is not None:
            raise EnrolmentRefused(f"Immatriculation déjà close le {enrolment.end:%d/%m/%Y}.")
        if end < enrolment.start - datetime.timedelta(days=1) or (
            end < enrolment.start and reason != Enrolment.EndReason.CANCELLED
        ):
            raise EnrolmentRefused(
                "La date de fin précède le début de l'immatriculation "
                f"({enrolment.start:%d/%m/%Y}).",
                {"end": ["Avant le début."]},
            )
        end = max(end, enrolment.start)
        _close(enrolment, end, reason)
        if enrolment.kind == Enrolment.Kind.INSURED:
            follow = (
                Enrolment.EndReason.INSURED_DEATH if reason == Enrolment.EndReason.DEATH else reason
            )
            for dependant in enrolment.dependants.select_for_update().filter(end__isnull=True):
                _close(dependant, max(end, dependant.start), follow)
    return enrolment


def _close(enrolment: Enrolment, end: datetime.date, reason: str) -> None:
    months = 0
    rule = RETENTION_RULE.get(reason)  # type: ignore[call-overload]
    if rule:
        months = rule_book().integer(rule, end, regime=enrolment.regime.code, default=0)
    enrolment.end, enrolment.end_reason = end, reason
    enrolment.rights_until = eligibility.kept_until(end, months) if months else end
    enrolment.save(update_fields=["end", "end_reason", "rights_until", "updated_at"])
    sync_current(enrolment.person)


def record_contributions(
    *,
    actor: User,
    enrolment: Enrolment,
    months: Mapping[datetime.date, tuple[int | None, Decimal | None]],
) -> int:
    """Record (or correct) months of contributions of an insured's enrolment: days declared
    and/or amount paid, per month (any day of the month). Returns how many months were stored."""
    require(actor, Capability.ENROL_PERSONS)
    scope = scope_for(actor)
    if not scope.national and enrolment.organisation_id not in scope.organisation_ids:
        raise EnrolmentRefused("Cette immatriculation n'est pas gérée par votre organisme.")
    if enrolment.kind != Enrolment.Kind.INSURED:
        raise EnrolmentRefused("Les cotisations se rapportent à l'assuré, pas à un ayant droit.")
    rows: list[tuple[datetime.date, int | None, Decimal | None]] = []
    for day, (days, amount) in sorted(months.items()):
        month = day.replace(day=1)
        label = f"{month:%m/%Y}"
        if month < enrolment.start.replace(day=1) or month > timezone.localdate():
            raise EnrolmentRefused(f"Mois {label} hors de la période d'immatriculation.")
        if days is None and amount is None:
            raise EnrolmentRefused(f"Mois {label} : jours déclarés ou montant payé attendus.")
        if days is not None and not 0 <= days <= 31:
            raise EnrolmentRefused(f"Mois {label} : entre 0 et 31 jours.")
        if amount is not None and (amount < 0 or amount.as_tuple().exponent < -2):  # type: ignore[operator]
            raise EnrolmentRefused(f"Mois {label} : montant invalide.")
        rows.append((month, days, amount))
    with transaction.atomic(), acting_as(actor):
        for month, days, amount in rows:
            Contribution.objects.update_or_create(
                enrolment=enrolment, month=month, defaults={"days": days, "amount": amount}
            )
    return len(rows)


def add_student_certificate(
    *, actor: User, enrolment: Enrolment, academic_year: str, valid_from: datetime.date,
    valid_until: datetime.date,
) -> StudentCertificate:  # fmt: skip
    """File a child's school or university certificate for an academic year."""
    require(actor, Capability.ENROL_PERSONS)
    scope = scope_for(actor)
    if not scope.national and enrolment.organisation_id not in scope.organisation_ids:
        raise EnrolmentRefused("Cette immatriculation n'est pas gérée par votre organisme.")
    if enrolment.relationship != Enrolment.Relationship.CHILD:
        raise EnrolmentRefused("Un certificat de scolarité concerne un enfant ayant droit.")
    year, start, until = _check_certificate((academic_year, valid_from, valid_until))  # type: ignore[misc]
    with transaction.atomic(), acting_as(actor):
        certificate, _ = StudentCertificate.objects.update_or_create(
            enrolment=enrolment, academic_year=year,
            defaults={"valid_from": start, "valid_until": until},
        )  # fmt: skip
    return certificate


def grant_exemption(
    *, actor: User, person: Person, kind: str, valid_from: datetime.date,
    valid_to: datetime.date | None = None, condition_code: str = "",
) -> Exemption:  # fmt: skip
    """Record an ALD/ALC exemption granted by the actor's fund to one of its insured people."""
    require(actor, Capability.ENROL_PERSONS)
    scope = scope_for(actor)
    if kind not in Exemption.Kind.values:
        raise EnrolmentRefused("Type d'exonération inconnu (ALD ou ALC).")
    if valid_to is not None and valid_to < valid_from:
        raise EnrolmentRefused("La fin de l'exonération précède son début.")
    organisation = person.organisation
    if organisation is None or (
        not scope.national and organisation.pk not in scope.organisation_ids
    ):
        raise EnrolmentRefused("Cette personne n'est pas couverte par votre organisme.")
    with transaction.atomic(), acting_as(actor):
        return Exemption.objects.create(
            person=person, organisation=organisation, kind=kind, valid_from=valid_from,
            valid_to=valid_to, condition_code=(condition_code or "").strip()[:10],
        )  # fmt: skip
