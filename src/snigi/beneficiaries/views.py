from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Person
from snigi.core.scoping import request_actor


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
    context = {
        "person": person,
        "dependants": selectors.person_dependants_for_actor(actor=actor, person=person),
        "primary_insured": selectors.person_primary_insured_for_actor(actor=actor, person=person),
    }
    return render(request, "beneficiaries/person_detail.html", context)
