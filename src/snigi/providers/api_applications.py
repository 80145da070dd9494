"""INPE applications: the online portal and the INPE officer's desk (intake, completeness,
work queue, grant). Registered before the ``/inpe/{code}`` routes so that their paths win."""

from __future__ import annotations

import datetime
import json

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from snigi.core.ratelimit import hit
from snigi.core.scoping import request_actor
from snigi.providers import changes, selectors, services, views_portal
from snigi.providers.models import Application, Provider, ProviderChange

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
    reference: str | None
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
        reference=application.reference,
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


class ReceivedOut(ApplicationOut):
    follow_key: str = Field(..., description="shown once: with the reference, it follows the file")


class Message(Schema):
    detail: str


@router.post("/inpe/applications", response={201: ReceivedOut, 429: Message}, auth=None)
def application_create(
    request: HttpRequest, payload: OnlineApplicationIn
) -> Status[ReceivedOut] | Status[Message]:
    """Apply for a code online (no account needed: the applicant has no code yet). The answer
    carries the reference and, once, the follow-up key. Limited per client address."""
    limit, window = views_portal.APPLY_LIMIT
    if not hit("inpe-apply", request, limit=limit, window_seconds=window):
        return Status(
            429, Message(detail="Trop de demandes depuis cette adresse : réessayez plus tard.")
        )
    application = services.application_receive(
        actor=None,
        kind=payload.kind,
        channel="online",
        data=payload.data,
        director_application_id=payload.director_application_id,
    )
    return Status(201, ReceivedOut(**_out(application).dict(), follow_key=application.follow_key))


class FollowIn(Schema):
    reference: str = Field(..., max_length=20)
    key: str = Field(..., max_length=60)


@router.post("/inpe/applications/follow", response={200: ApplicationOut, 429: Message}, auth=None)
def application_follow(request: HttpRequest, payload: FollowIn) -> ApplicationOut | Status[Message]:
    """The applicant follows a file with its reference and follow-up key (404 for either wrong)."""
    limit, window = views_portal.FOLLOW_LIMIT  # shared with the follow-up page
    if not hit("inpe-follow", request, limit=limit, window_seconds=window):
        return Status(429, Message(detail="Trop de consultations : réessayez plus tard."))
    try:
        return _out(services.application_by_key(payload.reference, payload.key))
    except Application.DoesNotExist as exc:
        raise HttpError(404, "Référence ou clé de suivi incorrecte.") from exc


@router.post("/inpe/applications/{application_id}/documents", response=ApplicationOut)
def application_documents(
    request: HttpRequest,
    piece: Form[str],
    files: File[list[UploadedFile]],
    application_id: int = Path(..., ge=1, le=2**63 - 1),
) -> ApplicationOut:
    """An INPE officer attaches scanned pieces (PDF, JPEG or PNG by content, 10 MB at most)."""
    return _application_call(
        services.application_add_documents,
        actor=request_actor(request),
        application_id=application_id,
        documents=[(piece[:120], upload) for upload in files],
    )


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


# --- Declared changes -------------------------------------------------------------------------


class ChangeOut(Schema):
    id: int
    inpe: str
    kind: str
    status: str
    effective_on: datetime.date
    new_values: dict[str, str]
    previous_values: dict[str, str]
    note: str
    documents: list[str] = Field(..., description="SHA-256 of each supporting document")


def _change_out(change: ProviderChange) -> ChangeOut:
    return ChangeOut(
        id=change.pk,
        inpe=change.provider.inpe,
        kind=change.kind,
        status=change.status,
        effective_on=change.effective_on,
        new_values=change.new_values,
        previous_values=change.previous_values,
        note=change.note,
        documents=[d.sha256 for d in change.documents.all()],
    )


CODE = Path(..., max_length=9, pattern="^[0-9]{9}$")


@router.get("/inpe/{code}/changes", response=list[ChangeOut])
def change_history(request: HttpRequest, code: str = CODE) -> list[ChangeOut]:
    """A provider's history of declared changes (the holder and the INPE officer)."""
    actor = request_actor(request)
    provider = Provider.objects.filter(inpe=code).first()
    if provider is None:
        raise HttpError(404, "Aucun prestataire ne porte ce code INPE.")
    if not selectors.can_read_provider_file(actor, provider):
        raise HttpError(403, "Cet historique ne vous est pas accessible.")
    changes = provider.changes.select_related("provider").prefetch_related("documents")
    return [_change_out(change) for change in changes]


class ChangeIn(Schema):
    kind: str = Field(..., max_length=20)
    effective_on: datetime.date
    values: str = Field(
        "{}", max_length=4000, description='JSON object, e.g. {"commune_code": "141"}'
    )
    note: str = Field("", max_length=300)

    def parsed_values(self) -> dict[str, str]:
        try:
            values = json.loads(self.values or "{}")
        except json.JSONDecodeError as exc:
            raise HttpError(422, f"values n'est pas un objet JSON valide ({exc.msg}).") from exc
        if not isinstance(values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in values.items()
        ):
            raise HttpError(422, "values doit être un objet JSON de chaînes.")
        return values


@router.post("/inpe/{code}/changes", response={201: ChangeOut})
def change_create(
    request: HttpRequest,
    payload: Form[ChangeIn],
    documents: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    code: str = CODE,
) -> Status[ChangeOut]:
    """Declare a change (holder: waits for the officer) or record it (officer: applied), with
    its effective date and supporting document (multipart: ``values`` as JSON text)."""
    try:
        change = changes.change_declare(
            actor=request_actor(request),
            inpe=code,
            kind=payload.kind,
            effective_on=payload.effective_on,
            values=payload.parsed_values(),
            documents=[("pièce justificative", upload) for upload in documents or []],
            note=payload.note,
        )
    except Provider.DoesNotExist as exc:
        raise HttpError(404, "Aucun prestataire ne porte ce code INPE.") from exc
    return Status(201, _change_out(change))


class DecisionIn(Schema):
    accept: bool
    note: str = Field("", max_length=300)


@router.post("/inpe/changes/{change_id}/decision", response=ChangeOut)
def change_decision(
    request: HttpRequest, payload: DecisionIn, change_id: int = Path(..., ge=1, le=2**63 - 1)
) -> ChangeOut:
    """The INPE officer records a declared change or rejects it with its reason."""
    try:
        change = changes.change_decide(
            actor=request_actor(request),
            change_id=change_id,
            accept=payload.accept,
            note=payload.note,
        )
    except ProviderChange.DoesNotExist as exc:
        raise HttpError(404, "Modification introuvable.") from exc
    return _change_out(change)
