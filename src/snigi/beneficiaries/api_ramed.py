"""RAMED endpoints for ANAM's RAMED operations (historical regime, 2012-2022).

Each operation calls one service of ``ramed`` / ``ramed_cards`` or one read of
``ramed_selectors``. A refusal is 422 with the reason and the per-field errors, a double enrolment
409 naming the member and the other regime; nothing is written then. A role without
``MANAGE_RAMED`` gets 403.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from snigi.beneficiaries import ramed, ramed_cards, ramed_selectors
from snigi.beneficiaries.api_rights import TEXT, PersonIn, Refusal
from snigi.beneficiaries.identity import DoubleEnrolment, EnrolmentRefused
from snigi.beneficiaries.models import RamedCard, RamedEligibility
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require

router = Router(tags=["RAMED"])
MAX_ID = 2**63 - 1
REFUSALS = {409: Refusal, 422: Refusal}


class MemberIn(Schema):
    person: PersonIn
    role: str = Field(..., max_length=8, pattern=TEXT, description="head | spouse | child | other")


class ApplicationIn(Schema):
    commune: str = Field(..., max_length=20, pattern=TEXT, description="commune code")
    received_on: datetime.date
    urban: bool
    members: list[MemberIn] = Field(..., max_length=ramed.MAX_MEMBERS)


class RamedDecisionIn(Schema):
    decided_on: datetime.date
    income_per_person: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    patrimony_score: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    socioeconomic_score: Decimal | None = Field(None, ge=0, max_digits=8, decimal_places=2)
    category: str = Field(
        "", max_length=10, pattern=TEXT, description="expected: poor | vulnerable"
    )
    override_reason: str = Field("", max_length=1000, pattern=TEXT)


class CardIn(Schema):
    produced_on: datetime.date


class CardStateIn(Schema):
    state: str = Field(..., max_length=9, pattern=TEXT, description="delivered|collected|activated")
    on: datetime.date


class RamedContributionIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    paid_on: datetime.date | None = None
    receipt: str = Field("", max_length=40, pattern=TEXT)


class RamedCardOut(Schema):
    id: int
    number: str
    state: str
    produced_on: datetime.date
    delivered_on: datetime.date | None
    collected_on: datetime.date | None
    activated_on: datetime.date | None


class ContributionOut(Schema):
    year: int
    persons: int
    amount_due: Decimal
    paid_on: datetime.date | None
    receipt: str


class MemberOut(Schema):
    person_id: int
    cnie: str | None
    first_name: str
    last_name: str
    birth_date: datetime.date
    household_role: str
    relationship: str | None = Field(None, description="self | spouse | child; none: not enrolled")


class RamedApplicationOut(Schema):
    id: int
    reference: str
    household_id: int
    commune: str
    received_on: datetime.date
    urban: bool
    status: str
    category: str
    income_per_person: Decimal | None
    patrimony_score: Decimal | None
    socioeconomic_score: Decimal | None
    decision_reason: str
    decided_on: datetime.date | None
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    renewal_of: str | None
    members: list[MemberOut]
    card: RamedCardOut | None
    contributions: list[ContributionOut]


class CtRowOut(Schema):
    commune: str
    commune_name: str
    region: str
    poor_persons: int
    amount: Decimal


class CtEstimateOut(Schema):
    year: int
    per_poor: Decimal
    rows: list[CtRowOut]
    total_persons: int
    total_amount: Decimal


PLAIN_FIELDS = (
    "id", "reference", "household_id", "received_on", "urban", "status", "category",
    "income_per_person", "patrimony_score", "socioeconomic_score", "decision_reason",
    "decided_on", "valid_from", "valid_to",
)  # fmt: skip


def _refused(exc: EnrolmentRefused) -> tuple[int, Refusal]:
    status = 409 if isinstance(exc, DoubleEnrolment) else 422
    return status, Refusal(detail=exc.message, errors=exc.errors)


def _application(request: HttpRequest, eligibility_id: int) -> RamedEligibility:
    try:
        return ramed_selectors.application_get_for_actor(
            actor=request_actor(request), eligibility_id=eligibility_id
        )
    except RamedEligibility.DoesNotExist as exc:
        raise HttpError(404, "Demande RAMED introuvable.") from exc


def _application_out(request: HttpRequest, eligibility_id: int) -> RamedApplicationOut:
    eligibility = _application(request, eligibility_id)
    members = ramed_selectors.application_members(
        actor=request_actor(request), eligibility=eligibility
    )
    card: RamedCard | None = getattr(eligibility, "card", None)  # none yet: no attribute
    return RamedApplicationOut(
        **{field: getattr(eligibility, field) for field in PLAIN_FIELDS},
        commune=eligibility.commune.code,
        renewal_of=eligibility.renewal_of.reference if eligibility.renewal_of else None,
        members=[
            MemberOut(
                person_id=p.pk,
                cnie=p.cnie,
                first_name=p.first_name_lat,
                last_name=p.last_name_lat,
                birth_date=p.birth_date,
                household_role=p.household_role,
                relationship=e.relationship if e else None,
            )
            for p, e in members
        ],  # fmt: skip
        card=RamedCardOut.from_orm(card) if card else None,
        contributions=[ContributionOut.from_orm(c) for c in eligibility.contributions.all()],
    )


@router.post("/ramed/applications", response={201: RamedApplicationOut, **REFUSALS})
def application_receive(request: HttpRequest, payload: ApplicationIn) -> tuple[int, object]:
    """Receive a household's application sent by the local authority."""
    try:
        eligibility = ramed.application_receive(
            actor=request_actor(request),
            commune=payload.commune,
            received_on=payload.received_on,
            urban=payload.urban,
            members=[(m.person.as_input(), m.role) for m in payload.members],
        )
    except EnrolmentRefused as exc:
        return _refused(exc)
    return 201, _application_out(request, eligibility.pk)


@router.post(
    "/ramed/applications/{eligibility_id}/decision", response={200: RamedApplicationOut, **REFUSALS}
)
def eligibility_decide(
    request: HttpRequest, payload: RamedDecisionIn, eligibility_id: int = Path(..., ge=1, le=MAX_ID)
) -> tuple[int, object]:
    """Decide by the published thresholds; when eligible, enrol the household (one person, one
    regime: a member covered elsewhere blocks the decision, 409)."""
    eligibility = _application(request, eligibility_id)
    try:
        ramed.eligibility_decide(
            actor=request_actor(request),
            eligibility=eligibility,
            decided_on=payload.decided_on,
            income_per_person=payload.income_per_person,
            patrimony_score=payload.patrimony_score,
            socioeconomic_score=payload.socioeconomic_score,
            category=payload.category or None,
            override_reason=payload.override_reason,
        )
    except EnrolmentRefused as exc:
        return _refused(exc)
    return 200, _application_out(request, eligibility_id)


@router.post("/ramed/applications/{eligibility_id}/card", response={201: RamedCardOut, **REFUSALS})
def card_produce(
    request: HttpRequest, payload: CardIn, eligibility_id: int = Path(..., ge=1, le=MAX_ID)
) -> tuple[int, object]:
    """Produce the household's card for the eligibility period."""
    eligibility = _application(request, eligibility_id)
    try:
        return 201, ramed_cards.card_produce(
            actor=request_actor(request), eligibility=eligibility, produced_on=payload.produced_on
        )
    except EnrolmentRefused as exc:
        return _refused(exc)


@router.post("/ramed/cards/{card_id}/state", response={200: RamedCardOut, **REFUSALS})
def card_advance(
    request: HttpRequest, payload: CardStateIn, card_id: int = Path(..., ge=1, le=MAX_ID)
) -> tuple[int, object]:
    """Move the card to its next state (delivered, collected, activated), in order."""
    actor = request_actor(request)
    require(actor, Capability.MANAGE_RAMED)
    card = RamedCard.objects.filter(pk=card_id).first()
    if card is None:
        raise HttpError(404, "Carte RAMED introuvable.")
    try:
        return 200, ramed_cards.card_advance(
            actor=actor, card=card, state=payload.state, on=payload.on
        )
    except EnrolmentRefused as exc:
        return _refused(exc)


@router.post(
    "/ramed/applications/{eligibility_id}/contributions",
    response={200: ContributionOut, **REFUSALS},
)
def contribution_record(
    request: HttpRequest,
    payload: RamedContributionIn,
    eligibility_id: int = Path(..., ge=1, le=MAX_ID),
) -> tuple[int, object]:
    """Record a vulnerable household's contribution for a year (paid or only due)."""
    eligibility = _application(request, eligibility_id)
    try:
        return 200, ramed_cards.contribution_record(
            actor=request_actor(request),
            eligibility=eligibility,
            year=payload.year,
            paid_on=payload.paid_on,
            receipt=payload.receipt,
        )
    except EnrolmentRefused as exc:
        return _refused(exc)


@router.get("/ramed/applications/{eligibility_id}", response=RamedApplicationOut)
def application_detail(
    request: HttpRequest, response: HttpResponse, eligibility_id: int = Path(..., ge=1, le=MAX_ID)
) -> RamedApplicationOut:
    """An application with its members, card and contributions (the persons shown are logged)."""
    add_never_cache_headers(response)
    return _application_out(request, eligibility_id)


@router.get("/ramed/ct-estimate", response={200: CtEstimateOut, 422: Refusal})
def ct_estimate(
    request: HttpRequest, year: int = Query(..., ge=2000, le=2100)
) -> tuple[int, object]:
    """The annual estimate of each local authority's contribution (40 DH per poor beneficiary)."""
    require(request_actor(request), Capability.MANAGE_RAMED)
    try:
        return 200, ramed_selectors.ct_estimate(year=year)
    except EnrolmentRefused as exc:
        return _refused(exc)
