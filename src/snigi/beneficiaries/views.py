from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Enrolment, Person
from snigi.core.models import User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor, scope_for


def _manages(actor: User, enrolment: Enrolment) -> bool:
    """May the actor act on this enrolment (close it, add dependants, record contributions)?"""
    if not role_has(actor.role, Capability.ENROL_PERSONS):
        return False
    scope = scope_for(actor)
    return scope.national or enrolment.organisation_id in scope.organisation_ids


@never_cache
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    people = selectors.person_list_for_actor(actor=request_actor(request), query=query)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    selectors.person_page_shown(actor=request_actor(request), people=page, query=query)
    return render(request, "beneficiaries/person_list.html", {"page": page, "query": query})


@never_cache
@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person = selectors.person_get_for_actor(actor=request_actor(request), person_id=person_id)
    except Person.DoesNotExist as exc:
        raise Http404(str(exc)) from exc
    actor = request_actor(request)
    enrolments = list(selectors.person_enrolments(person=person))
    context = {
        "person": person,
        "dependants": selectors.person_dependants_for_actor(actor=actor, person=person),
        "primary_insured": selectors.person_primary_insured_for_actor(actor=actor, person=person),
        "enrolments": enrolments,
        "cards": selectors.person_ramed_cards(person=person),
        "exemptions": person.exemptions.order_by("-valid_from"),
        "can_enrol": role_has(actor.role, Capability.ENROL_PERSONS),
        "manageable": {e.pk for e in enrolments if _manages(actor, e)},
    }
    return render(request, "beneficiaries/person_detail.html", context)
