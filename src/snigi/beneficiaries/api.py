"""Persons endpoints, scoped to the caller; every read of one file is logged."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Person
from snigi.core.scoping import request_actor

router = Router(tags=["personnes"])
MAX_ID = 2**63 - 1


class PersonOut(Schema):
    id: int
    cnie: str | None
    first_name_lat: str
    last_name_lat: str
    first_name_ar: str
    last_name_ar: str
    sex: str
    birth_date: datetime.date
    household_role: str
    commune: str = Field(..., alias="commune.code")
    regime: str | None
    organisation: str | None

    @staticmethod
    def resolve_regime(obj: Person) -> str | None:
        return obj.regime.code if obj.regime else None

    @staticmethod
    def resolve_organisation(obj: Person) -> str | None:
        return obj.organisation.code if obj.organisation else None


class PersonDetailOut(PersonOut):
    address_line: str
    phone: str
    household_id: int | None
    primary_insured_id: int | None


class PersonPage(Schema):
    items: list[PersonOut]
    count: int


@router.get("", response=PersonPage)
def person_list(
    request: HttpRequest,
    response: HttpResponse,
    q: str = Query("", max_length=100, pattern=r"^[^\x00]*$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> PersonPage:
    """A page of the persons in the caller's scope; the persons shown are logged."""
    actor = request_actor(request)
    people = selectors.person_list_for_actor(actor=actor, query=q)
    items = list(people[offset : offset + limit])
    selectors.person_page_shown(actor=actor, people=items, query=q)
    add_never_cache_headers(response)
    return PersonPage(items=items, count=people.count())


@router.get("/{person_id}", response=PersonDetailOut)
def person_detail(
    request: HttpRequest, response: HttpResponse, person_id: int = Path(..., ge=1, le=MAX_ID)
) -> Person:
    add_never_cache_headers(response)
    try:
        return selectors.person_get_for_actor(actor=request_actor(request), person_id=person_id)
    except Person.DoesNotExist as exc:
        raise HttpError(404, "Dossier introuvable ou hors de votre périmètre.") from exc
