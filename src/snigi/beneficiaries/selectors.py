"""Reads of persons, scoped to the actor: ANAM roles with the capability see everyone, a fund
agent the people of its organisation (and of the mutuals acting for it), an insured person
their own file and their dependants; other roles see no person."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from snigi.beneficiaries.models import Person
from snigi.core.audit import record_access
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
    query = query.strip()
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
