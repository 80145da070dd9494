"""Reads of persons, scoped to the actor (each read of a file, and each list page shown, is
written to the access log): ANAM roles with the capability see everyone, a fund
agent the people of its organisation (and of the mutuals acting for it), an insured person
their own file and their dependants; other roles see no person."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from snigi.beneficiaries.models import EligibilityRule, Enrolment, Person, RamedCard
from snigi.core.audit import record_access, record_list_access
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import require, scope_for


def person_list_for_actor(*, actor: User, query: str = "") -> QuerySet[Person]:
    require(actor, Capability.VIEW_PERSON)
    scope = scope_for(actor)
    people = Person.objects.select_related("commune", "regime", "organisation")
    if scope.national:
        pass
    elif scope.organisation_ids:
        people = people.filter(organisation_id__in=scope.organisation_ids)
    elif scope.cnie:
        people = people.filter(Q(cnie=scope.cnie) | Q(primary_insured__cnie=scope.cnie))
    else:
        return people.none()
    query = query.replace("\x00", "").strip()
    if query:
        upper = query.upper()
        people = people.filter(
            Q(cnie=upper.replace(" ", ""))
            | Q(last_name_lat__startswith=upper)
            | Q(last_name_ar__startswith=query)
        )
    return people


def person_get_for_actor(*, actor: User, person_id: int) -> Person:
    """One person's file, if in the actor's scope (else ``Person.DoesNotExist``, so that a file
    outside the scope is indistinguishable from a missing one); the access is logged."""
    person = (
        person_list_for_actor(actor=actor)
        .select_related("household", "primary_insured", "commune__province__region")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise Person.DoesNotExist("Dossier introuvable ou hors de votre périmètre.")
    record_access(person, actor=actor)
    return person


def person_dependants_for_actor(*, actor: User, person: Person) -> QuerySet[Person]:
    """The dependants of ``person`` that the actor may see."""
    return person_list_for_actor(actor=actor).filter(primary_insured=person)


def person_primary_insured_for_actor(*, actor: User, person: Person) -> Person | None:
    """The primary insured of ``person`` if the actor may see them."""
    if person.primary_insured_id is None:
        return None
    return person_list_for_actor(actor=actor).filter(pk=person.primary_insured_id).first()


def person_page_shown(*, actor: User, people: Iterable[Person], query: str = "") -> None:
    """Log that a list or search page showed these persons to the actor (law 09-08)."""
    record_list_access(people, actor=actor, query=query)


def enrolment_get_for_actor(*, actor: User, enrolment_id: int) -> Enrolment:
    """An enrolment the actor may act on: ANAM national roles with the capability, a fund agent
    for their organisation and its mutuals (else ``Enrolment.DoesNotExist``)."""
    require(actor, Capability.VIEW_PERSON)
    scope = scope_for(actor)
    enrolments = Enrolment.objects.select_related("person", "regime", "organisation", "insured")
    if scope.national:
        pass
    elif scope.organisation_ids:
        enrolments = enrolments.filter(organisation_id__in=scope.organisation_ids)
    else:
        enrolments = enrolments.none()
    enrolment = enrolments.filter(pk=enrolment_id).first()
    if enrolment is None:
        raise Enrolment.DoesNotExist("Immatriculation introuvable ou hors de votre périmètre.")
    return enrolment


def person_enrolments(*, person: Person) -> QuerySet[Enrolment]:
    """Every enrolment of a person (already read through ``person_get_for_actor``), latest
    first, with the insured they depend on."""
    return (
        Enrolment.objects.filter(person=person)
        .select_related("regime", "organisation", "insured__person", "override_by")
        .order_by("-start", "-pk")
    )


def person_ramed_cards(*, person: Person) -> QuerySet[RamedCard]:
    """The RAMED cards of the households' eligibilities the person was enrolled under."""
    return (
        RamedCard.objects.filter(eligibility__enrolments__person=person)
        .select_related("eligibility")
        .distinct()
        .order_by("-produced_on")
    )


class RuleMissing(LookupError):
    """No version of an eligibility rule is in force on the date asked."""


def rule_value(code: str, on: datetime.date, *, regime: str = "") -> EligibilityRule:
    """The version of rule ``code`` in force on ``on``: the regime's own if it has one, else
    the general one (every regime); the latest that started on or before the date."""
    in_force = (
        EligibilityRule.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("regime")
        .order_by("-valid_from", "-pk")
    )
    if regime:
        own = in_force.filter(regime__code=regime).first()
        if own is not None:
            return own
    general = in_force.filter(regime__isnull=True).first()
    if general is None:
        raise RuleMissing(f"Aucune règle {code} en vigueur le {on:%d/%m/%Y}" + (
            f" pour le régime {regime}." if regime else "."))  # fmt: skip
    return general
