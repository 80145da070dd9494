"""Pieces of a complaint file: checked by content, once per file, added by the right people,
downloaded by those who may read them, and every download logged."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from snigi.complaints import attachments, services
from snigi.complaints.models import Attachment, Complaint, Decision, Event
from tests.complaints.conftest import letter
from tests.conftest import login
from tests.providers.samples import PDF, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def upload(name: str = "ordonnance.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def insured(persona):
    return persona("fatima", cnie="AB123456")


@pytest.fixture
def online(insured):
    return services.complaint_file_online(
        actor=insured, subject="Retard de remboursement", description="Dossier déposé en mars."
    )


def test_the_mail_office_joins_pieces_at_intake_with_their_hash(staff):
    complaint = attachments.complaint_receive_with_pieces(
        actor=staff.mail, data=letter(), uploads=[upload(), upload("scan.png", png_bytes())]
    )
    pieces = list(complaint.attachments.order_by("pk"))
    assert [p.content_type for p in pieces] == ["application/pdf", "image/png"]
    assert pieces[0].size == len(PDF)
    assert len(pieces[0].sha256) == 64
    assert pieces[0].file.read() == PDF
    assert pieces[0].uploaded_by == staff.mail


def test_the_same_piece_twice_on_a_file_is_refused_clearly(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    attachments.attachment_add(actor=staff.mail, complaint=complaint, upload=upload())
    with pytest.raises(ValidationError, match="déjà au dossier"):
        attachments.attachment_add(actor=staff.mail, complaint=complaint, upload=upload("b.pdf"))
    assert complaint.attachments.count() == 1
    # The same content on another file is another piece.
    other = services.complaint_receive(actor=staff.mail, data=letter())
    attachments.attachment_add(actor=staff.mail, complaint=other, upload=upload())
    assert Attachment.objects.count() == 2


def test_a_bad_piece_refuses_the_whole_intake(staff):
    with pytest.raises(ValidationError) as caught:
        attachments.complaint_receive_with_pieces(
            actor=staff.mail,
            data=letter(),
            uploads=[upload(), upload("virus.exe", b"MZ\x90\x00 not a document")],
        )
    assert "seuls les fichiers PDF, JPEG et PNG" in " ".join(caught.value.messages)
    assert not Complaint.objects.exists()
    assert not Attachment.objects.exists()


def test_the_same_file_twice_in_one_sending_is_refused(staff):
    with pytest.raises(ValidationError, match="deux fois"):
        attachments.complaint_receive_with_pieces(
            actor=staff.mail, data=letter(), uploads=[upload(), upload("copie.pdf")]
        )
    assert not Complaint.objects.exists()


def test_who_may_add_a_piece(staff, persona, insured, online):
    received = services.complaint_receive(actor=staff.mail, data=letter())
    services.complaint_register(actor=staff.secretariat, complaint=received)
    # The mail office only at intake; the staff while the file is open.
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(actor=staff.mail, complaint=received, upload=upload())
    attachments.attachment_add(actor=staff.entry, complaint=received, upload=upload())
    # The requester on their own file, not on another one.
    attachments.attachment_add(actor=insured, complaint=online, upload=upload())
    assert online.events.filter(kind="attachment_added", public=True).exists()
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(
            actor=insured, complaint=received, upload=upload("x.png", png_bytes())
        )
    other = persona("yassine", cnie="CD998877")
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(
            actor=other, complaint=online, upload=upload("y.png", png_bytes())
        )


def test_nothing_is_added_to_a_closed_file(staff, proposed):
    complaint = proposed(Decision.UNFAVOURABLE)
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.UNFAVOURABLE, reason="Hors liste."
    )
    events = Event.objects.filter(complaint=complaint).count()
    with pytest.raises(PermissionDenied):
        attachments.attachment_add(actor=staff.lawyer, complaint=complaint, upload=upload())
    assert Event.objects.filter(complaint=complaint).count() == events


def test_downloads_are_checked_and_logged(staff, persona, insured, online):
    mine = attachments.attachment_add(actor=insured, complaint=online, upload=upload())
    theirs = attachments.attachment_add(
        actor=staff.lawyer, complaint=online, upload=upload("note.png", png_bytes())
    )
    client = login("fatima")
    response = client.get(f"/reclamations/pieces/{mine.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "no-store"
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        object_pk=str(mine.pk),
        actor=insured,
        additional_data__via="download",
    ).exists()
    # The requester does not read the staff's pieces; another person reads none.
    assert client.get(f"/reclamations/pieces/{theirs.pk}/").status_code == 404
    persona("yassine", cnie="CD998877")
    assert login("yassine").get(f"/reclamations/pieces/{mine.pk}/").status_code == 404
    # ANAM's staff read every piece; a role outside the complaints reads none.
    assert login("hamza").get(f"/reclamations/pieces/{theirs.pk}/").status_code == 200
    persona("samira")
    assert login("samira").get(f"/reclamations/pieces/{mine.pk}/").status_code == 404
    with pytest.raises(Http404):
        attachments.attachment_get_for_actor(actor=insured, attachment_id=10**9)
