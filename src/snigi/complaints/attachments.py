"""Pieces of a complaint file: PDF, JPEG or PNG checked by their content (at most 10 MB, kept
with their SHA-256, the same piece once per file), added by the mail office at intake, by ANAM's
staff while the file is open, or by the requester on their own open file online. Reading one is
access-checked and logged."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404

from snigi.complaints.intake import ComplaintInput
from snigi.complaints.models import Attachment, Complaint, Status
from snigi.complaints.selectors import can_read_complaint
from snigi.complaints.services import _step, complaint_file_online, complaint_receive
from snigi.core.audit import acting_as, record_access
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.providers.documents import EXTENSIONS, CheckedDocument, check_upload

Upload = UploadedFile | tuple[str, bytes]
MAX_PIECES_AT_ONCE = 10


def can_add_attachment(actor: object, complaint: Complaint) -> bool:
    """The mail office while the file is at intake; ANAM's staff while it is open; the
    requester on their own open file."""
    if complaint.status == Status.CLOSED or not getattr(actor, "is_authenticated", False):
        return False
    role = getattr(actor, "role", "")
    if role == Role.ANAM_MAIL_OFFICE:
        return complaint.status == Status.RECEIVED
    if role_has(role, Capability.VIEW_COMPLAINTS):
        return True
    return (
        role_has(role, Capability.FILE_COMPLAINTS)
        and complaint.requester_user_id is not None
        and complaint.requester_user_id == getattr(actor, "pk", None)
    )


def _store(
    actor: User, complaint: Complaint, checked: CheckedDocument, description: str
) -> Attachment:
    if complaint.attachments.filter(sha256=checked.sha256).exists():
        raise ValidationError(
            f"« {checked.name[:100]} » : cette pièce est déjà au dossier {complaint.reference} "
            "(même contenu)."
        )
    # Content-addressed: the same content is stored once on disk, whichever file it is on.
    name = f"complaints/{checked.sha256[:2]}/{checked.sha256}{EXTENSIONS[checked.content_type]}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(checked.content))
    attachment = Attachment(
        complaint=complaint,
        sha256=checked.sha256,
        content_type=checked.content_type,
        size=len(checked.content),
        original_name=checked.name.replace("\x00", "")[:200],
        description=description.replace("\x00", "").strip()[:200],
        uploaded_by=actor,
    )
    attachment.file.name = name
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin is refused, not a 500
            attachment.save()
    except IntegrityError as exc:
        raise ValidationError(
            f"« {checked.name[:100]} » : cette pièce est déjà au dossier {complaint.reference}."
        ) from exc
    requester = actor.pk == complaint.requester_user_id
    note = f"Pièce jointe : {attachment.original_name}."
    _step(complaint, actor, "attachment_added", note, public=requester or actor.role ==
          Role.ANAM_MAIL_OFFICE)  # fmt: skip
    return attachment


def _check_all(uploads: Sequence[Upload]) -> list[CheckedDocument]:
    """Every upload checked before anything is written; every problem at once."""
    if len(uploads) > MAX_PIECES_AT_ONCE:
        raise ValidationError(f"Au plus {MAX_PIECES_AT_ONCE} pièces par envoi.")
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            problems.extend(exc.messages)
    hashes = [c.sha256 for c in checked]
    if len(set(hashes)) != len(hashes):
        problems.append("La même pièce est jointe deux fois à cet envoi.")
    if problems:
        raise ValidationError(problems)
    return checked


@transaction.atomic
def attachment_add(
    *, actor: User, complaint: Complaint | int, upload: Upload, description: str = ""
) -> Attachment:
    """Add one piece to a file (ValidationError for a refused file or a piece already there)."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    complaint = Complaint.objects.select_for_update().get(pk=pk)
    if not can_add_attachment(actor, complaint):
        raise PermissionDenied("Vous ne pouvez pas joindre de pièce à ce dossier.")
    (checked,) = _check_all([upload])
    with acting_as(actor):
        return _store(actor, complaint, checked, description)


@transaction.atomic
def complaint_receive_with_pieces(
    *, actor: User, data: ComplaintInput, uploads: Sequence[Upload] = ()
) -> Complaint:
    """The mail office's intake with the pieces received: all of it, or nothing."""
    checked = _check_all(uploads)
    complaint = complaint_receive(actor=actor, data=data)
    with acting_as(actor):
        for document in checked:
            _store(actor, complaint, document, "")
    return complaint


@transaction.atomic
def complaint_file_online_with_pieces(
    *,
    actor: User,
    subject: str,
    description: str,
    nature_code: str = "",
    provider_inpe: str = "",
    uploads: Sequence[Upload] = (),
) -> Complaint:
    """A complaint filed on the portal with its pieces: all of it, or nothing."""
    checked = _check_all(uploads)
    complaint = complaint_file_online(
        actor=actor,
        subject=subject,
        description=description,
        nature_code=nature_code,
        provider_inpe=provider_inpe,
    )
    with acting_as(actor):
        for document in checked:
            _store(actor, complaint, document, "")
    return complaint


def attachments_for_actor(*, actor: User, complaint: Complaint) -> list[Attachment]:
    """The pieces the actor may read: all of them for ANAM's staff, the ones they sent for the
    requester."""
    if not can_read_complaint(actor, complaint):
        raise PermissionDenied("Accès refusé.")
    pieces = complaint.attachments.select_related("uploaded_by")
    if not role_has(actor.role, Capability.VIEW_COMPLAINTS):
        pieces = pieces.filter(uploaded_by=actor)
    return list(pieces)


def attachment_get_for_actor(*, actor: User, attachment_id: int) -> Attachment:
    """A piece to download, if the actor may read it (404 otherwise); the reading is logged."""
    attachment = Attachment.objects.select_related("complaint").filter(pk=attachment_id).first()
    if attachment is None or not can_read_complaint(actor, attachment.complaint):
        raise Http404("Pièce introuvable.")
    staff = role_has(actor.role, Capability.VIEW_COMPLAINTS)
    if not staff and attachment.uploaded_by_id != actor.pk:
        raise Http404("Pièce introuvable.")
    record_access(attachment, actor=actor, purpose="download")
    return attachment


@transaction.atomic
def attachments_add(
    *, actor: User, complaint: Complaint | int, uploads: Sequence[Upload], description: str = ""
) -> list[Attachment]:
    """Several pieces at once: all of them, or none."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    complaint = Complaint.objects.select_for_update().get(pk=pk)
    if not can_add_attachment(actor, complaint):
        raise PermissionDenied("Vous ne pouvez pas joindre de pièce à ce dossier.")
    checked = _check_all(uploads)
    if not checked:
        raise ValidationError("Choisissez au moins un fichier.")
    with acting_as(actor):
        return [_store(actor, complaint, document, description) for document in checked]
