"""Reads of e-réclamations, scoped by role: ANAM's staff see every file; a requester who filed
online sees their own, with the public steps only. Opening a file is logged (law 09-08)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from snigi.complaints.models import Complaint, Event, Status
from snigi.core.audit import record_access
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import require, scope_for

# The files waiting for each role's step (seed 002, IV.2).
QUEUE_STATUSES: dict[str, tuple[str, ...]] = {
    Role.ANAM_MAIL_OFFICE: (),
    Role.ANAM_DG_SECRETARIAT: (Status.RECEIVED,),
    Role.ANAM_LEGAL_DATA_ENTRY: (Status.REGISTERED,),
    Role.ANAM_LEGAL_HEAD: (Status.ENTERED,),
    Role.ANAM_LEGAL_OFFICER: (Status.INSTRUCTION, Status.PENDING),
    Role.ANAM_MEDICAL_OFFICER: (Status.MEDICAL_OPINION,),
    Role.ANAM_DIRECTOR_GENERAL: (Status.PROPOSED,),
}


def complaint_queue(*, actor: User) -> QuerySet[Complaint]:
    """The files on the actor's desk, oldest first: for a legal officer, those assigned to
    them; for a medical officer, the opinions asked of them."""
    require(actor, Capability.VIEW_COMPLAINTS)
    statuses = QUEUE_STATUSES.get(actor.role, ())
    files = Complaint.objects.filter(status__in=statuses).select_related("nature")
    if actor.role == Role.ANAM_LEGAL_OFFICER:
        files = files.filter(legal_officer=actor)
    elif actor.role == Role.ANAM_MEDICAL_OFFICER:
        files = files.filter(medical_officer=actor)
    return files.order_by("received_on", "pk")


def complaint_search(*, actor: User, query: str = "", status: str = "") -> QuerySet[Complaint]:
    """Every file, for ANAM's staff: by reference, requester or subject, and by status."""
    require(actor, Capability.VIEW_COMPLAINTS)
    files = Complaint.objects.select_related("nature")
    query = query.strip()[:100]
    if query:
        files = files.filter(
            Q(reference__iexact=query)
            | Q(requester_name__icontains=query)
            | Q(subject__icontains=query)
        )
    if status in Status.values:
        files = files.filter(status=status)
    return files


def complaints_filed_by(*, actor: User) -> QuerySet[Complaint]:
    """The complaints an insured person, a provider or a fund agent filed online."""
    require(actor, Capability.FILE_COMPLAINTS)
    return Complaint.objects.filter(requester_user=actor).select_related("nature")


def can_read_complaint(actor: object, complaint: Complaint) -> bool:
    role = getattr(actor, "role", "")
    if role_has(role, Capability.VIEW_COMPLAINTS):
        return True
    return complaint.requester_user_id is not None and complaint.requester_user_id == getattr(
        actor, "pk", None
    )


def complaint_get_for_actor(*, actor: User, reference: str, purpose: str = "file") -> Complaint:
    """A file by its reference, if the actor may read it (404 otherwise, so as not to reveal
    which references exist); the view is logged."""
    scope_for(actor)
    complaint = (
        Complaint.objects.select_related(
            "nature", "person", "provider", "respondent", "requester_organisation"
        )
        .filter(reference=reference.strip().upper()[:20])
        .first()
    )
    if complaint is None or not can_read_complaint(actor, complaint):
        raise Http404("Réclamation introuvable.")
    record_access(complaint, actor=actor, purpose=purpose)
    return complaint


def complaint_timeline(*, actor: User, complaint: Complaint) -> QuerySet[Event]:
    """The file's steps: all for ANAM's staff, the public ones for the requester."""
    if not can_read_complaint(actor, complaint):
        raise PermissionDenied("Accès refusé.")
    events = complaint.events.select_related("actor")
    if not role_has(actor.role, Capability.VIEW_COMPLAINTS):
        events = events.filter(public=True)
    return events
