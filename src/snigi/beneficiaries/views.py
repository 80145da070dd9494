from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Person
from snigi.core.scoping import request_actor


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    people = selectors.person_list_for_actor(actor=request_actor(request), query=query)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render(request, "beneficiaries/person_list.html", {"page": page, "query": query})


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    try:
        person = selectors.person_get_for_actor(actor=request_actor(request), person_id=person_id)
    except Person.DoesNotExist as exc:
        raise Http404(str(exc)) from exc
    return render(request, "beneficiaries/person_detail.html", {"person": person})
