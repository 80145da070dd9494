"""Shared-kernel endpoints: the caller's account, reference data, calendar, identifiers, tokens."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from snigi.core import selectors, services
from snigi.core.api_auth import SessionAuth
from snigi.core.forms import MAX_WORKING_DAYS
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.models import ApiToken
from snigi.core.scoping import request_actor

router = Router()

# PostgreSQL text cannot hold NUL: a string that reaches the database must not contain one.
NO_NUL = r"^[^\x00]*$"


class MeOut(Schema):
    username: str
    role: str
    organisation: str | None
    inpe: str
    cnie: str


class RegionOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    population_2014: int | None


class ProvinceOut(Schema):
    code: str
    region_code: str = Field(..., alias="region.code")
    kind: str
    name_fr: str
    name_ar: str
    population_2014: int | None


class OrganisationOut(Schema):
    code: str
    kind: str
    name_fr: str
    name_ar: str
    parent_code: str | None
    legal_basis: str

    @staticmethod
    def resolve_parent_code(obj: object) -> str | None:
        parent = getattr(obj, "parent", None)
        return parent.code if parent else None


class RegimeOut(Schema):
    code: str
    name_fr: str
    name_ar: str
    managing_organisation: str = Field(..., alias="managing_organisation.code")
    legal_basis: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class HolidayOut(Schema):
    date: datetime.date
    code: str
    kind: str
    name_fr: str
    name_ar: str
    name_en: str
    confirmed: bool


class AddWorkingDaysOut(Schema):
    start: datetime.date
    days: int
    result: datetime.date


class BetweenOut(Schema):
    start: datetime.date
    end: datetime.date
    working_days: int


class CnieIn(Schema):
    value: str = Field(..., max_length=64)


class CnieOut(Schema):
    valid: bool
    normalised: str | None
    message: str | None


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, pattern=NO_NUL)
    valid_days: int = Field(90, ge=1, le=366)


class TokenOut(Schema):
    id: int
    name: str
    token: str
    expires_at: datetime.datetime | None


@router.get("/me", response=MeOut, tags=["compte"])
def me(request: HttpRequest) -> MeOut:
    user = request_actor(request)
    return MeOut(
        username=user.username,
        role=user.role,
        organisation=user.organisation.code if user.organisation else None,
        inpe=user.inpe,
        cnie=user.cnie,
    )


class TokenInfoOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    last_used_at: datetime.datetime | None


@router.post("/tokens", response={201: TokenOut}, auth=SessionAuth(), tags=["compte"])
def token_create(request: HttpRequest, payload: TokenIn) -> Status[TokenOut]:
    """Issue a token for the signed-in account (web session only: a token cannot mint
    tokens)."""
    token, raw = services.api_token_create(
        actor=request_actor(request), name=payload.name, valid_days=payload.valid_days
    )
    return Status(
        201, TokenOut(id=token.pk, name=token.name, token=raw, expires_at=token.expires_at)
    )


@router.get("/tokens", response=list[TokenInfoOut], tags=["compte"])
def token_list(request: HttpRequest) -> object:
    """The caller's own tokens (never the secret, which is shown once at creation)."""
    return selectors.api_token_list(actor=request_actor(request))


@router.delete("/tokens/{token_id}", response={204: None}, tags=["compte"])
def token_revoke(
    request: HttpRequest, token_id: int = Path(..., ge=1, le=2**63 - 1)
) -> Status[None]:
    try:
        services.api_token_revoke(actor=request_actor(request), token_id=token_id)
    except ApiToken.DoesNotExist as exc:
        raise HttpError(404, "Jeton introuvable.") from exc
    return Status(204, None)


@router.get("/reference/regions", response=list[RegionOut], auth=None, tags=["référentiels"])
def regions(request: HttpRequest) -> object:
    return selectors.region_list()


@router.get("/reference/provinces", response=list[ProvinceOut], auth=None, tags=["référentiels"])
def provinces(
    request: HttpRequest, region: str | None = Query(None, max_length=2, pattern=NO_NUL)
) -> object:
    return selectors.province_list(region_code=region)


@router.get(
    "/reference/organisations", response=list[OrganisationOut], auth=None, tags=["référentiels"]
)
def organisations(
    request: HttpRequest, kind: str | None = Query(None, max_length=24, pattern=NO_NUL)
) -> object:
    return selectors.organisation_list(kind=kind)


@router.get("/reference/regimes", response=list[RegimeOut], auth=None, tags=["référentiels"])
def regimes(request: HttpRequest, on: datetime.date | None = None) -> object:
    return selectors.regime_list(on=on)


@router.get("/reference/holidays", response=list[HolidayOut], auth=None, tags=["calendrier"])
def holidays(request: HttpRequest, year: int | None = Query(None, ge=1, le=9999)) -> object:
    return selectors.holiday_list(year=year)


@router.get(
    "/calendar/add-working-days", response=AddWorkingDaysOut, auth=None, tags=["calendrier"]
)
def add_working_days(
    request: HttpRequest,
    start: datetime.date,
    days: int = Query(..., ge=-MAX_WORKING_DAYS, le=MAX_WORKING_DAYS),
) -> AddWorkingDaysOut:
    try:
        result = selectors.add_working_days(start, days)
    except OverflowError as exc:
        raise HttpError(422, "La date résultante sort du calendrier (an 1 à 9999).") from exc
    return AddWorkingDaysOut(start=start, days=days, result=result)


@router.get("/calendar/working-days-between", response=BetweenOut, auth=None, tags=["calendrier"])
def working_days_between(
    request: HttpRequest, start: datetime.date, end: datetime.date
) -> BetweenOut:
    return BetweenOut(start=start, end=end, working_days=selectors.working_days_between(start, end))


@router.post("/identifiers/cnie", response=CnieOut, auth=None, tags=["identifiants"])
def cnie_check(request: HttpRequest, payload: CnieIn) -> CnieOut:
    try:
        return CnieOut(valid=True, normalised=normalise_cnie(payload.value), message=None)
    except IdentifierError as exc:
        return CnieOut(valid=False, normalised=None, message=str(exc))
