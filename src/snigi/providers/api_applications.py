"""INPE applications: the online portal and the INPE officer's desk (intake, completeness,
work queue, grant). Registered before the ``/inpe/{code}`` routes so that their paths win."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError

from snigi.core.scoping import request_actor
from snigi.providers import selectors, services
from snigi.providers.models import Application

router = Router(tags=["INPE – demandes"])


class OnlineApplicationIn(Schema):
    kind: str = Field(..., pattern="^(professional|establishment)$")
    director_application_id: int | None = Field(None, ge=1, le=2**63 - 1)
    data: dict[str, str] = Field(..., max_length=20)


class IntakeIn(OnlineApplicationIn):
    channel: str = Field(..., pattern="^(email|post|hand|fax)$")
    received_at: datetime.datetime


class ApplicationOut(Schema):
    id: int
    kind: str
    channel: str
    status: str
    received_at: datetime.datetime
    missing_pieces: list[str]
    deadline_at: datetime.datetime | None
    inpe: str | None
    decision_note: str


def _out(application: Application) -> ApplicationOut:
    return ApplicationOut(
        id=application.pk,
        kind=application.kind,
        channel=application.channel,
        status=application.status,
        received_at=application.received_at,
        missing_pieces=application.missing_pieces,
        deadline_at=application.deadline_at,
        inpe=application.provider.inpe if application.provider else None,
        decision_note=application.decision_note,
    )


class CheckIn(Schema):
    missing_pieces: list[str] = Field(default_factory=list, max_length=20)


class QueueItemOut(Schema):
    application: ApplicationOut
    hours_left: float
    overdue: bool


def _application_call(call: object, **kwargs: object) -> ApplicationOut:
    try:
        return _out(call(**kwargs))  # type: ignore[operator]
    except Application.DoesNotExist as exc:
        raise HttpError(404, "Demande introuvable.") from exc


@router.post("/inpe/applications", response={201: ApplicationOut}, auth=None)
def application_create(
    request: HttpRequest, payload: OnlineApplicationIn
) -> Status[ApplicationOut]:
    """Apply for a code online (no account needed: the applicant has no code yet)."""
    application = services.application_receive(
        actor=None,
        kind=payload.kind,
        channel="online",
        data=payload.data,
        director_application_id=payload.director_application_id,
    )
    return Status(201, _out(application))


@router.post("/inpe/applications/intake", response={201: ApplicationOut})
def application_intake(request: HttpRequest, payload: IntakeIn) -> Status[ApplicationOut]:
    """An INPE officer records a file received by email, post, hand delivery or fax, with its
    receipt date."""
    application = services.application_receive(
        actor=request_actor(request),
        kind=payload.kind,
        channel=payload.channel,
        data=payload.data,
        received_at=payload.received_at,
        director_application_id=payload.director_application_id,
    )
    return Status(201, _out(application))


@router.get("/inpe/applications/queue", response=list[QueueItemOut])
def application_queue(request: HttpRequest) -> list[QueueItemOut]:
    """The INPE officer's work queue: complete files by time left on the 48-hour delay."""
    return [
        QueueItemOut(
            application=_out(application),
            hours_left=round(left.total_seconds() / 3600, 1),
            overdue=overdue,
        )
        for application, left, overdue in selectors.application_work_queue(
            actor=request_actor(request)
        )
    ]


@router.post("/inpe/applications/{application_id}/check", response=ApplicationOut)
def application_check(
    request: HttpRequest, payload: CheckIn, application_id: int = Path(..., ge=1, le=2**63 - 1)
) -> ApplicationOut:
    """Completeness: list the missing pieces (the file becomes incomplete) or none (complete)."""
    return _application_call(
        services.application_check,
        actor=request_actor(request),
        application_id=application_id,
        missing_pieces=payload.missing_pieces,
    )


@router.post("/inpe/applications/{application_id}/grant", response=ApplicationOut)
def application_grant(
    request: HttpRequest, application_id: int = Path(..., ge=1, le=2**63 - 1)
) -> ApplicationOut:
    """Allocate the code of a complete file (a duplicate is refused with the existing code)."""
    return _application_call(
        services.application_grant, actor=request_actor(request), application_id=application_id
    )
