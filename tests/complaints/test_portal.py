"""The requester's pages: filing online, "Mes réclamations", following a file (public steps
only, what is missing, the decision), sending a missing piece; never another person's file."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from snigi.complaints import services
from snigi.complaints.models import Complaint, Decision, Status
from tests.conftest import login
from tests.providers.samples import PDF, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fatima(persona):
    return persona("fatima", cnie="AB123456")


def file_online(client, **overrides):
    data = {
        "subject": "Refus de remboursement de mon traitement",
        "description": "La caisse refuse le remboursement d'un médicament prescrit pour mon ALD.",
        "nature_code": "reimbursement_medicine",
    }
    data.update(overrides)
    return client.post("/reclamations/mes-reclamations/nouvelle/", data)


def test_an_insured_person_files_online_and_follows_the_file(fatima, staff):
    client = login("fatima")
    assert client.get("/reclamations/").status_code == 302  # the requester's home is their list
    page = client.get("/reclamations/mes-reclamations/nouvelle/").content.decode()
    assert "Demande de remboursement d&#x27;un médicament" in page
    response = file_online(client, pieces=[SimpleUploadedFile("ordonnance.pdf", PDF)])
    complaint = Complaint.objects.get()
    assert response["Location"] == f"/reclamations/mes-reclamations/{complaint.reference}/"
    assert complaint.requester_user == fatima
    assert complaint.channel == "online"
    assert complaint.requester_cnie == "AB123456"
    assert complaint.nature.code == "reimbursement_medicine"
    html = client.get("/reclamations/mes-reclamations/").content.decode()
    assert complaint.reference in html
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="received"' in html
    assert "ordonnance.pdf" in html
    assert "lettres/accuse-reception.pdf" in html
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(complaint.pk), actor=fatima
    ).exists()


def test_bad_online_input_writes_nothing(fatima):
    client = login("fatima")
    response = file_online(client, subject="", provider_inpe="12")
    assert response.status_code == 200
    assert not Complaint.objects.exists()
    response = file_online(client, provider_inpe="123456789")
    assert "INPE du prestataire" in response.content.decode()
    response = file_online(client, pieces=[SimpleUploadedFile("a.gif", b"GIF89a....")])
    assert "seuls les fichiers PDF, JPEG et PNG" in response.content.decode()
    assert not Complaint.objects.exists()


def test_the_requester_sees_the_public_steps_and_the_decision(fatima, staff):
    complaint = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    services.complaint_enter(
        actor=staff.entry, complaint=complaint, entry=services.EntryInput("reimbursement_medicine")
    )
    services.complaint_validate(actor=staff.head, complaint=complaint, legal_officer=staff.lawyer)
    services.complaint_propose(
        actor=staff.lawyer,
        complaint=complaint,
        decision=Decision.FAVOURABLE,
        reason="Note interne du juriste",
    )
    client = login("fatima")
    url = f"/reclamations/mes-reclamations/{complaint.reference}/"
    html = client.get(url).content.decode()
    assert 'data-kind="registered"' in html
    assert 'data-kind="validated"' not in html
    assert 'data-kind="proposed"' not in html
    assert "Note interne du juriste" not in html
    assert "nadia" not in html
    assert 'id="complaint-decision"' not in html
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.FAVOURABLE,
        reason="Dérogation accordée.",
    )
    html = client.get(url).content.decode()
    assert 'data-decision="favourable"' in html
    assert "Dérogation accordée." in html
    assert "lettres/decision.pdf" in html
    assert 'id="piece-form"' not in html  # a closed file takes no more pieces


def test_an_incomplete_file_says_what_is_missing_and_takes_the_piece(fatima, staff):
    complaint = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    services.complaint_enter(
        actor=staff.entry, complaint=complaint, entry=services.EntryInput("reimbursement_medicine")
    )
    services.complaint_validate(actor=staff.head, complaint=complaint, legal_officer=staff.lawyer)
    services.complaint_propose(
        actor=staff.lawyer, complaint=complaint, decision=Decision.INCOMPLETE, reason="Pièces."
    )
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.INCOMPLETE,
        reason="Pièces.",
        details=services.DecisionDetails(missing_pieces="Compte rendu du médecin traitant"),
    )
    client = login("fatima")
    url = f"/reclamations/mes-reclamations/{complaint.reference}/"
    html = client.get(url).content.decode()
    assert 'id="missing-pieces"' in html
    assert "Compte rendu du médecin traitant" in html
    response = client.post(
        url, {"piece": SimpleUploadedFile("cr.png", png_bytes()), "description": "Compte rendu"}
    )
    assert response.status_code == 302
    assert complaint.attachments.get().description == "Compte rendu"
    # The same piece again is refused, on the form.
    response = client.post(
        url, {"piece": SimpleUploadedFile("cr2.png", complaint.attachments.get().file.read())}
    )
    assert response.status_code == 422
    assert "déjà au dossier" in response.content.decode()
    assert complaint.attachments.count() == 1
    # The legal officer sees it in the queue and resumes the instruction.
    assert complaint.reference in login("nadia").get("/reclamations/").content.decode()
    services.complaint_pieces_received(actor=staff.lawyer, complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.INSTRUCTION


def test_a_requester_never_sees_another_persons_file(fatima, persona, staff):
    complaint = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    posted = services.complaint_receive(
        actor=staff.mail,
        data=services.ComplaintInput(
            requester_type="insured",
            requester_name="Fatima",
            subject="Par courrier",
            requester_cnie="AB123456",
        ),
    )
    persona("yassine", cnie="CD998877")
    other = login("yassine")
    url = f"/reclamations/mes-reclamations/{complaint.reference}/"
    assert other.get(url).status_code == 404
    assert other.post(url, {"piece": SimpleUploadedFile("a.pdf", PDF)}).status_code == 404
    assert complaint.reference not in other.get("/reclamations/mes-reclamations/").content.decode()
    for kind in ("accuse-reception", "decision"):
        letter = f"/reclamations/{complaint.reference}/lettres/{kind}.pdf"
        assert other.get(letter).status_code == 404
    # A file recorded by the mail office is not followed online, even by the same person.
    mine = login("fatima")
    assert mine.get(f"/reclamations/mes-reclamations/{posted.reference}/").status_code == 404
    # ANAM's staff use their own pages, not the requester's.
    assert login("nadia").get(url).status_code == 403


def test_a_provider_and_a_fund_agent_file_online_too(persona, staff):
    persona("dr_amine")
    persona("karim")
    response = file_online(login("dr_amine"), nature_code="", subject="Retard de paiement")
    assert response.status_code == 302
    response = file_online(login("karim"), nature_code="other")
    assert response.status_code == 302
    kinds = dict(Complaint.objects.values_list("requester_user__username", "requester_type"))
    assert kinds == {"dr_amine": "professional", "karim": "fund"}
    assert Complaint.objects.get(requester_type="fund").requester_organisation.code == "CNSS"
