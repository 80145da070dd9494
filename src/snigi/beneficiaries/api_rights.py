"""Rights check and enrolment endpoints.

``GET /api/v1/rights?cnie=…&date=…`` (or ``?fund=…&number=…``: the insured; or
``?fund=…&number=…&birth_date=…[&first_name=…]``: the member of that family born that day, a
child without a CNIE) answers covered or not, by which regime and fund, until when, with the
dependants and exemptions; a malformed CNIE, fund, number, date or birth date, or twins without
a first name, get 422 with the reason. The enrolment endpoints call the same services as the pages:
a refusal is 422 with the reason and the per-field errors, a double enrolment 409 naming the
other regime; nothing is written then.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from snigi.beneficiaries import selectors, services
from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights_check import (
    RightsAnswer,
    RightsQueryError,
    check_rights,
    parse_birth_date,
)
from snigi.core.scoping import request_actor

router = Router(tags=["droits et immatriculations"])
MAX_ID = 2**63 - 1
TEXT = r"^[^\x00]*$"


class Named(Schema):
    code: str
    name: str


class PersonIdentity(Schema):
    cnie: str | None
    first_name: str
    last_name: str
    birth_date: datetime.date
    sex: str


class DependantOut(Schema):
    first_name: str
    last_name: str
    birth_date: datetime.date
    relationship: str
    covered: bool
    until: datetime.date | None
    reason: str


class ExemptionOut(Schema):
    kind: str
    valid_from: datetime.date
    valid_to: datetime.date | None


class CardOut(Schema):
    number: str
    state: str


class RightsOut(Schema):
    date: datetime.date
    covered: bool
    reason: str
    person: PersonIdentity | None
    quality: str | None = Field(None, description="insured | dependant")
    relationship: str | None
    regime: Named | None
    fund: Named | None
    fund_number: str | None = Field(None, description="the insured's membership number")
    until: datetime.date | None = Field(None, description="last day known covered")
    dependants: list[DependantOut]
    exemptions: list[ExemptionOut]
    ramed_card: CardOut | None
    also_covered_by: list[str] = Field(..., description="other regimes covering that day")


def rights_document(answer: RightsAnswer) -> dict[str, object]:
    """The answer as ``RightsOut`` dumps it (same keys, same order, same values), built
    without the schema's validation: a check runs on every visit, and building the nested
    schemas cost it more than its access log entry. ``tests/beneficiaries/
    test_rights_equivalence.py`` validates these documents against ``RightsOut``."""
    enrolment, person = answer.enrolment, answer.person
    number = None
    if enrolment is not None:
        number = enrolment.fund_number or (
            enrolment.insured.fund_number if enrolment.insured else ""
        )
    return {
        "date": answer.on,
        "covered": answer.covered,
        "reason": answer.reason,
        "person": {
            "cnie": person.cnie,
            "first_name": person.first_name_lat,
            "last_name": person.last_name_lat,
            "birth_date": person.birth_date,
            "sex": person.sex,
        }
        if person
        else None,
        "quality": enrolment.kind if enrolment else None,
        "relationship": enrolment.relationship if enrolment else None,
        "regime": {"code": enrolment.regime.code, "name": enrolment.regime.name_fr}
        if enrolment
        else None,
        "fund": {"code": enrolment.organisation.code, "name": enrolment.organisation.name_fr}
        if enrolment
        else None,
        "fund_number": number or None,
        "until": answer.until,
        "dependants": [
            {
                "first_name": d.enrolment.person.first_name_lat,
                "last_name": d.enrolment.person.last_name_lat,
                "birth_date": d.enrolment.person.birth_date,
                "relationship": d.enrolment.relationship,
                "covered": d.coverage.covered,
                "until": d.coverage.until if d.coverage.covered else None,
                "reason": d.coverage.reason,
            }
            for d in answer.dependants
        ],
        "exemptions": [
            {"kind": e.kind, "valid_from": e.valid_from, "valid_to": e.valid_to}
            for e in answer.exemptions
        ],
        "ramed_card": {"number": answer.card.number, "state": answer.card.state}
        if answer.card
        else None,
        "also_covered_by": answer.also_covered_by,
    }


@router.get("/rights", response=RightsOut)
def rights(
    request: HttpRequest,
    response: HttpResponse,
    cnie: str = Query("", max_length=40, pattern=TEXT),
    fund: str = Query("", max_length=20, pattern=TEXT),
    number: str = Query("", max_length=40, pattern=TEXT),
    date: datetime.date | None = None,
    birth_date: str = Query(
        "",
        max_length=40,
        pattern=TEXT,
        description="YYYY-MM-DD, with fund and number: the member of that family born that day "
        "(a child without a CNIE)",
    ),
    first_name: str = Query(
        "", max_length=80, pattern=TEXT, description="with birth_date, to choose between twins"
    ),
) -> HttpResponse:
    """Is this person covered on this day? Coverage only, never medical data; each check of a
    known person is written to the access log."""
    add_never_cache_headers(response)
    try:
        answer = check_rights(
            actor=request_actor(request),
            on=date or timezone.localdate(),
            cnie=cnie,
            fund=fund,
            number=number,
            birth_date=parse_birth_date(birth_date),
            first_name=first_name,
        )
    except RightsQueryError as exc:
        raise HttpError(422, str(exc)) from exc
    # What ninja's default renderer does with a body, on the response it has prepared.
    response.content = json.dumps(rights_document(answer), cls=NinjaJSONEncoder)
    return response


# ----------------------------------------------------------------------------- enrolments


class PersonIn(Schema):
    cnie: str = Field("", max_length=40, pattern=TEXT)
    last_name_lat: str = Field(..., max_length=200, pattern=TEXT)
    first_name_lat: str = Field(..., max_length=200, pattern=TEXT)
    last_name_ar: str = Field("", max_length=200, pattern=TEXT)
    first_name_ar: str = Field("", max_length=200, pattern=TEXT)
    sex: str = Field(..., max_length=1, pattern=TEXT)
    birth_date: datetime.date
    commune: str = Field(..., max_length=20, pattern=TEXT, description="commune code")
    address_line: str = Field("", max_length=400, pattern=TEXT)
    phone: str = Field("", max_length=30, pattern=TEXT)

    def as_input(self) -> services.PersonInput:
        return services.PersonInput(**self.dict())


class InsuredIn(Schema):
    person: PersonIn
    regime: str = Field(..., max_length=30, pattern=TEXT)
    organisation: str = Field("", max_length=30, pattern=TEXT, description="fund or mutual")
    fund_number: str = Field(..., max_length=40, pattern=TEXT)
    start: datetime.date
    until: datetime.date | None = Field(None, description="end of a fixed period (students)")
    category: str = Field(Enrolment.Category.ACTIVE, max_length=14, pattern=TEXT)
    override_reason: str = Field("", max_length=1000, pattern=TEXT)


class CertificateIn(Schema):
    academic_year: str = Field(..., max_length=9, pattern=TEXT)
    valid_from: datetime.date
    valid_until: datetime.date


class DependantIn(Schema):
    person: PersonIn
    relationship: str = Field(..., max_length=8, pattern=TEXT, description="spouse | child")
    start: datetime.date
    disabled: bool = False
    student_certificate: CertificateIn | None = None
    override_reason: str = Field("", max_length=1000, pattern=TEXT)


class CloseIn(Schema):
    end: datetime.date
    reason: str = Field(..., max_length=16, pattern=TEXT)


class ContributionIn(Schema):
    month: datetime.date
    days: int | None = Field(None, ge=0, le=31)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)


class EnrolmentOut(Schema):
    id: int
    person_id: int
    regime: str = Field(..., alias="regime.code")
    organisation: str = Field(..., alias="organisation.code")
    kind: str
    relationship: str
    category: str
    insured_id: int | None
    fund_number: str
    start: datetime.date
    end: datetime.date | None
    end_reason: str
    rights_until: datetime.date | None
    disabled: bool
    overridden: bool

    @staticmethod
    def resolve_overridden(obj: Enrolment) -> bool:
        return bool(obj.override_reason)


class Refusal(Schema):
    """A refusal (``detail``: the reason; ``errors``: per field), or the request's own validation
    errors (``detail``: their list, as for every endpoint)."""

    detail: str | list[dict[str, object]]
    errors: dict[str, list[str]] = Field(default_factory=dict)


def _refused(exc: services.EnrolmentRefused) -> tuple[int, Refusal]:
    status = 409 if isinstance(exc, services.DoubleEnrolment) else 422
    return status, Refusal(detail=exc.message, errors=exc.errors)


def _enrolment_for(request: HttpRequest, enrolment_id: int) -> Enrolment:
    try:
        return selectors.enrolment_get_for_actor(
            actor=request_actor(request), enrolment_id=enrolment_id
        )
    except Enrolment.DoesNotExist as exc:
        raise HttpError(404, "Immatriculation introuvable ou hors de votre périmètre.") from exc


@router.post("/enrolments", response={201: EnrolmentOut, 409: Refusal, 422: Refusal})
def enrol(request: HttpRequest, payload: InsuredIn) -> tuple[int, object]:
    """Register an insured person (the one-person-one-regime check applies)."""
    try:
        return 201, services.enrol_insured(
            actor=request_actor(request),
            person=payload.person.as_input(),
            regime=payload.regime,
            organisation=payload.organisation,
            fund_number=payload.fund_number,
            start=payload.start,
            until=payload.until,
            category=payload.category,
            override_reason=payload.override_reason,
        )
    except services.EnrolmentRefused as exc:
        return _refused(exc)


@router.post(
    "/enrolments/{enrolment_id}/dependants",
    response={201: EnrolmentOut, 409: Refusal, 422: Refusal},
)
def add_dependant(
    request: HttpRequest, payload: DependantIn, enrolment_id: int = Path(..., ge=1, le=MAX_ID)
) -> tuple[int, object]:
    """Add a spouse or a child to an insured's enrolment."""
    insured = _enrolment_for(request, enrolment_id)
    certificate = payload.student_certificate
    try:
        return 201, services.add_dependant(
            actor=request_actor(request),
            insured=insured,
            person=payload.person.as_input(),
            relationship=payload.relationship,
            start=payload.start,
            disabled=payload.disabled,
            student_certificate=(
                (certificate.academic_year, certificate.valid_from, certificate.valid_until)
                if certificate
                else None
            ),
            override_reason=payload.override_reason,
        )
    except services.EnrolmentRefused as exc:
        return _refused(exc)


@router.post("/enrolments/{enrolment_id}/close", response={200: EnrolmentOut, 422: Refusal})
def close(
    request: HttpRequest, payload: CloseIn, enrolment_id: int = Path(..., ge=1, le=MAX_ID)
) -> tuple[int, object]:
    """Close rights (end of work, death, divorce…); dependants follow their insured."""
    enrolment = _enrolment_for(request, enrolment_id)
    try:
        closed = services.close_enrolment(
            actor=request_actor(request),
            enrolment=enrolment,
            end=payload.end,
            reason=payload.reason,
        )
    except services.EnrolmentRefused as exc:
        return _refused(exc)
    closed.refresh_from_db()
    return 200, closed


@router.post(
    "/enrolments/{enrolment_id}/contributions", response={200: dict[str, int], 422: Refusal}
)
def contributions(
    request: HttpRequest,
    payload: list[ContributionIn],
    enrolment_id: int = Path(..., ge=1, le=MAX_ID),
) -> tuple[int, object]:
    """Record months of contributions: days declared (salaried) or amount paid."""
    enrolment = _enrolment_for(request, enrolment_id)
    if not payload or len(payload) > 240:
        return 422, Refusal(detail="Entre 1 et 240 mois par envoi.", errors={})
    try:
        stored = services.record_contributions(
            actor=request_actor(request),
            enrolment=enrolment,
            months={item.month: (item.days, item.amount) for item in payload},
        )
    except services.EnrolmentRefused as exc:
        return _refused(exc)
    return 200, {"stored": stored}


@router.get("/persons/{person_id}/enrolments", response=list[EnrolmentOut])
def person_enrolments(
    request: HttpRequest, response: HttpResponse, person_id: int = Path(..., ge=1, le=MAX_ID)
) -> list[Enrolment]:
    """A person's enrolments, past and present (the access is logged)."""
    add_never_cache_headers(response)
    return list(selectors.person_enrolments(person=_person(request, person_id)))


class DependantPersonOut(Schema):
    id: int
    cnie: str | None
    first_name: str = Field(..., alias="first_name_lat")
    last_name: str = Field(..., alias="last_name_lat")
    birth_date: datetime.date
    sex: str
    household_role: str


class CardStatusOut(Schema):
    number: str
    state: str
    produced_on: datetime.date
    delivered_on: datetime.date | None
    collected_on: datetime.date | None
    activated_on: datetime.date | None
    reference: str = Field(..., alias="eligibility.reference")
    category: str = Field(..., alias="eligibility.category")
    valid_from: datetime.date | None = Field(None, alias="eligibility.valid_from")
    valid_to: datetime.date | None = Field(None, alias="eligibility.valid_to")


def _person(request: HttpRequest, person_id: int) -> Person:
    try:
        return selectors.person_get_for_actor(actor=request_actor(request), person_id=person_id)
    except Person.DoesNotExist as exc:
        raise HttpError(404, "Dossier introuvable ou hors de votre périmètre.") from exc


@router.get("/persons/{person_id}/dependants", response=list[DependantPersonOut])
def person_dependants(
    request: HttpRequest, response: HttpResponse, person_id: int = Path(..., ge=1, le=MAX_ID)
) -> list[Person]:
    """The dependants of a person that the caller may see (the access is logged)."""
    add_never_cache_headers(response)
    actor = request_actor(request)
    person = _person(request, person_id)
    dependants = list(selectors.person_dependants_for_actor(actor=actor, person=person))
    selectors.person_page_shown(actor=actor, people=dependants)
    return dependants


@router.get("/persons/{person_id}/cards", response=list[CardStatusOut])
def person_cards(
    request: HttpRequest, response: HttpResponse, person_id: int = Path(..., ge=1, le=MAX_ID)
) -> list[object]:
    """The RAMED cards of the households the person was enrolled with, and their state."""
    add_never_cache_headers(response)
    return list(selectors.person_ramed_cards(person=_person(request, person_id)))
