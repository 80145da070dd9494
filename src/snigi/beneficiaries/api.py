"""Persons endpoints, scoped to the caller; every read of one file is logged."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.conf import settings as ninja_settings
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from snigi.beneficiaries import selectors
from snigi.beneficiaries.models import Person
from snigi.core.scoping import request_actor

router = Router(tags=["personnes"])
MAX_ID = 2**63 - 1


class PersonPagination(LimitOffsetPagination):
    """Bounded limit and offset: unbounded integers overflow the database's 64-bit LIMIT."""

    class Input(Schema):
        limit: int = Field(ninja_settings.PAGINATION_PER_PAGE, ge=1, le=500)
        offset: int = Field(0, ge=0, le=10**12)


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


@router.get("", response=list[PersonOut])
@paginate(PersonPagination)
def person_list(
    request: HttpRequest, q: str = Query("", max_length=100, pattern=r"^[^\x00]*$")
) -> object:
    return selectors.person_list_for_actor(actor=request_actor(request), query=q)


@router.get("/{person_id}", response=PersonDetailOut)
def person_detail(request: HttpRequest, person_id: int = Path(..., ge=1, le=MAX_ID)) -> Person:
    try:
        return selectors.person_get_for_actor(actor=request_actor(request), person_id=person_id)
    except Person.DoesNotExist as exc:
        raise HttpError(404, "Dossier introuvable ou hors de votre périmètre.") from exc
