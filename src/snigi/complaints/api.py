"""REST endpoints of e-réclamations (under /api/v1/complaints/): file a complaint (online for an
insured person, a provider or a fund agent; the mail office's intake for ANAM), list one's own
complaints or search every file (ANAM's staff), read one file with its timeline (the public steps
for the requester, every step for the staff; 404 for anyone else)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import Field, Path, Query, Router, Schema, Status

from snigi.complaints import attachments, selectors, services
from snigi.complaints.intake import ComplaintInput
from snigi.complaints.models import Channel, Complaint, RequesterType
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor, require

router = Router(tags=["complaints"])

NO_NUL = r"^[^\x00]*$"
REFERENCE = r"^[Rr][Ee][Cc]-[0-9]{4}-[0-9]{6}$"
STATUSES = r"^(|received|registered|entered|instruction|medical_opinion|proposed|pending|closed)$"


class Message(Schema):
    detail: str


class ComplaintIn(Schema):
    """A complaint. Filed online, the requester is the signed-in account (the requester fields
    are then ignored); recorded by the mail office, ``requester_type`` and ``requester_name``
    are required and ``channel`` says how it came."""

    subject: str = Field(..., max_length=300, pattern=NO_NUL, description="objet")
    description: str = Field("", max_length=20_000, pattern=NO_NUL, description="exposé")
    nature_code: str = Field("", max_length=40, pattern=NO_NUL, description="active nature")
    provider_inpe: str = Field("", max_length=20, pattern=NO_NUL,
                               description="the provider complained about")  # fmt: skip
    requester_type: RequesterType | None = Field(None, description="mail office only")
    requester_name: str = Field("", max_length=200, pattern=NO_NUL)
    channel: Channel = Field(Channel.POST, description="mail office only (not online)")
    received_on: datetime.date | None = Field(None, description="mail office: today if empty")
    requester_cnie: str = Field("", max_length=20, pattern=NO_NUL)
    requester_inpe: str = Field("", max_length=20, pattern=NO_NUL)
    requester_email: str = Field("", max_length=254, pattern=NO_NUL)
    requester_phone: str = Field("", max_length=20, pattern=NO_NUL)
    requester_address: str = Field("", max_length=300, pattern=NO_NUL)
    requester_organisation: str = Field("", max_length=20, pattern=NO_NUL,
                                        description="an organisation's code")  # fmt: skip
    person_cnie: str = Field("", max_length=20, pattern=NO_NUL,
                             description="the insured person concerned")  # fmt: skip


class ComplaintOut(Schema):
    reference: str
    received_on: datetime.date
    channel: str
    requester_type: str
    requester_name: str
    subject: str
    nature: str | None = Field(None, description="the nature's code")
    status: str
    decision: str = Field(..., description="empty until the director general decides")
    decision_on: datetime.date | None
    decision_reason: str
    missing_pieces: str
    target_on: datetime.date | None
    closed_on: datetime.date | None

    @staticmethod
    def resolve_nature(obj: Complaint) -> str | None:
        return obj.nature.code if obj.nature else None


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    status: str
    note: str


class AttachmentOut(Schema):
    id: int
    original_name: str
    description: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime.datetime


class ComplaintDetailOut(ComplaintOut):
    description: str
    timeline: list[EventOut]
    attachments: list[AttachmentOut]


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    count: int


@router.post("", response={201: ComplaintOut, 403: Message, 422: dict})
def complaint_create(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    """File a complaint: online (insured person, provider, fund agent), or the mail office's
    record of one received by post, by hand, by email, at the front office or by phone."""
    actor = request_actor(request)
    if role_has(actor.role, Capability.FILE_COMPLAINTS):
        complaint = services.complaint_file_online(
            actor=actor,
            subject=payload.subject,
            description=payload.description,
            nature_code=payload.nature_code,
            provider_inpe=payload.provider_inpe,
        )
        return Status(201, complaint)
    require(actor, Capability.RECORD_COMPLAINTS)
    values = payload.dict()
    values["requester_type"] = values["requester_type"] or ""
    if values["channel"] == Channel.ONLINE:
        raise ValidationError("Canal : « en ligne » est le dépôt par le demandeur lui-même.")
    complaint = attachments.complaint_receive_with_pieces(
        actor=actor, data=ComplaintInput(**values)
    )
    return Status(201, complaint)


@router.get("", response={200: ComplaintPage, 403: Message})
def complaint_list(
    request: HttpRequest,
    response: HttpResponse,
    q: str = Query("", max_length=100, pattern=NO_NUL, description="staff: reference, name"),
    status: str = Query("", pattern=STATUSES),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> ComplaintPage:
    """The caller's own complaints (requesters), or a search of every file (ANAM's staff)."""
    actor = request_actor(request)
    if role_has(actor.role, Capability.FILE_COMPLAINTS):
        files = selectors.complaints_filed_by(actor=actor)
        if status:
            files = files.filter(status=status)
    else:
        files = selectors.complaint_search(actor=actor, query=q, status=status)
    add_never_cache_headers(response)
    items = [ComplaintOut.from_orm(c) for c in files[offset : offset + limit]]
    return ComplaintPage(items=items, count=files.count())


@router.get("/{reference}", response={200: ComplaintDetailOut, 403: Message, 404: Message})
def complaint_detail(
    request: HttpRequest, response: HttpResponse, reference: str = Path(..., pattern=REFERENCE)
) -> ComplaintDetailOut:
    """One file with its timeline and pieces: every step for ANAM's staff, the public ones and
    the pieces they sent for the requester; 404 for anyone else. The reading is logged."""
    actor = request_actor(request)
    complaint = selectors.complaint_get_for_actor(actor=actor, reference=reference)
    add_never_cache_headers(response)
    return ComplaintDetailOut(
        **ComplaintOut.from_orm(complaint).dict(),
        description=complaint.description,
        timeline=[
            EventOut.from_orm(e)
            for e in selectors.complaint_timeline(actor=actor, complaint=complaint)
        ],
        attachments=[
            AttachmentOut.from_orm(a)
            for a in attachments.attachments_for_actor(actor=actor, complaint=complaint)
        ],
    )
