"""The staff pages: the mail office's intake, each role's queue, the search, the file page with
only the forms the role may use at that status; a wrong role is refused (403) and bad input is
shown on the form with nothing written."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from snigi.complaints import services
from snigi.complaints.models import Attachment, Complaint, Decision, Event, Status
from snigi.complaints.views_actions import ACTIONS
from tests.complaints.conftest import letter
from tests.conftest import login
from tests.providers.samples import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


STAFF = ("mounia", "sanae", "hamza", "rachida", "nadia", "dr_tazi", "directeur")


def intake_data(**overrides) -> dict[str, object]:
    data = {
        "requester_type": "insured",
        "requester_name": "Fatima Zahra Alaoui",
        "channel": "post",
        "received_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "subject": "Refus de remboursement d'un médicament",
        "description": "Traitement d'une ALD refusé par la caisse.",
        "requester_email": "f.alaoui@example.ma",
    }
    data.update(overrides)
    return data


def test_the_mail_office_records_a_complaint_with_its_pieces(staff):
    client = login("mounia")
    assert client.get("/reclamations/saisie/").status_code == 200
    piece = SimpleUploadedFile("lettre.pdf", PDF)
    response = client.post("/reclamations/saisie/", {**intake_data(), "pieces": [piece]})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reclamations/{complaint.reference}/"
    html = client.get(response["Location"]).content.decode()
    assert complaint.reference in html
    assert f"/reclamations/{complaint.reference}/lettres/accuse-reception.pdf" in html
    assert "lettre.pdf" in html
    assert complaint.attachments.count() == 1
    assert complaint.channel == "post"


def test_bad_intake_is_shown_on_the_form_and_writes_nothing(staff):
    client = login("mounia")
    future = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        "/reclamations/saisie/",
        intake_data(received_on=future, person_cnie="12", provider_inpe="123"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "ne peut pas être dans le futur" in html
    assert "CNIE de l&#x27;assuré concerné" in html
    assert not Complaint.objects.exists()
    bad_piece = SimpleUploadedFile("note.txt", b"plain text")
    response = client.post("/reclamations/saisie/", {**intake_data(), "pieces": [bad_piece]})
    assert "seuls les fichiers PDF, JPEG et PNG" in response.content.decode()
    assert not Complaint.objects.exists()
    assert not Attachment.objects.exists()


def test_each_role_finds_its_files_in_its_queue(staff, proposed):
    received = services.complaint_receive(actor=staff.mail, data=letter(subject="Reçue"))
    waiting = proposed(Decision.FAVOURABLE)
    html = login("sanae").get("/reclamations/").content.decode()
    assert received.reference in html
    assert waiting.reference not in html
    html = login("directeur").get("/reclamations/").content.decode()
    assert waiting.reference in html
    assert received.reference not in html
    html = login("hamza").get("/reclamations/").content.decode()
    assert "attend votre étape." in html
    # The mail office sees what it recorded, waiting for registration.
    assert received.reference in login("mounia").get("/reclamations/").content.decode()


def test_the_search_finds_every_file_by_reference_name_subject_and_status(staff):
    first = services.complaint_receive(actor=staff.mail, data=letter(subject="Carte RAMED"))
    services.complaint_receive(actor=staff.mail, data=letter(requester_name="Omar Bennani"))
    client = login("nadia")
    html = client.get("/reclamations/dossiers/", {"q": first.reference.lower()}).content.decode()
    assert first.reference in html
    assert "1 dossier" in html
    html = client.get("/reclamations/dossiers/", {"q": "bennani"}).content.decode()
    assert "Omar Bennani" in html
    assert first.reference not in html
    html = client.get("/reclamations/dossiers/", {"status": "closed"}).content.decode()
    assert "0 dossier" in html
    response = client.get("/reclamations/dossiers/", {"q": "a\x00b", "status": "x", "page": "z"})
    assert response.status_code == 200


def test_the_search_is_paginated(staff):
    for n in range(27):
        services.complaint_receive(actor=staff.mail, data=letter(subject=f"Objet {n}"))
    client = login("rachida")
    first = client.get("/reclamations/dossiers/").content.decode()
    assert "27 dossiers" in first
    assert "1 / 2" in first
    second = client.get("/reclamations/dossiers/", {"page": 2}).content.decode()
    assert second.count("data-reference=") == 2


def post_action(client, complaint, action, data=None, prefix=None):
    prefix = prefix or action
    payload = {f"{prefix}-{k}": v for k, v in (data or {}).items()}
    payload["form_prefix"] = prefix
    return client.post(f"/reclamations/{complaint.reference}/actions/{action}/", payload)


def test_a_file_goes_through_every_role_on_the_pages(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    sanae = login("sanae")
    html = sanae.get(f"/reclamations/{complaint.reference}/").content.decode()
    assert 'id="action-enregistrer"' in html
    assert 'id="action-saisir"' not in html
    assert post_action(sanae, complaint, "enregistrer").status_code == 302
    hamza = login("hamza")
    entry = {"nature_code": "reimbursement_medicine", "respondent_code": "CNOPS"}
    assert post_action(hamza, complaint, "saisir", entry).status_code == 302
    rachida = login("rachida")
    html = rachida.get(f"/reclamations/{complaint.reference}/").content.decode()
    assert 'value="nadia"' in html
    assert 'value="dr_tazi"' in html
    assert post_action(rachida, complaint, "valider", {"legal_officer": "nadia"}).status_code == 302
    nadia = login("nadia")
    asked = {"question": "ALD ?", "medical_officer": "dr_tazi"}
    assert post_action(nadia, complaint, "avis-medical-demande", asked).status_code == 302
    doctor = login("dr_tazi")
    opinion = {"opinion": "ALD confirmée."}
    assert post_action(doctor, complaint, "avis-medical", opinion).status_code == 302
    medicine = {
        "medicine": "Imatinib",
        "case": "not_reimbursable",
        "ald_or_rare_chronic": "on",
        "no_reimbursable_alternative": "on",
    }
    assert post_action(nadia, complaint, "analyse-medicament", medicine).status_code == 302
    proposal = {"decision": "favourable", "reason": "Dérogation."}
    assert post_action(nadia, complaint, "proposer", proposal).status_code == 302
    dg = login("directeur")
    html = dg.get(f"/reclamations/{complaint.reference}/").content.decode()
    assert 'id="medicine-outcome" data-outcome="waiver"' in html
    decision = {"decision": "favourable", "reason": "Dérogation accordée."}
    assert post_action(dg, complaint, "decider", decision).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.decision == Decision.FAVOURABLE
    html = dg.get(f"/reclamations/{complaint.reference}/").content.decode()
    assert 'id="no-action"' in html
    assert "lettres/decision.pdf" in html


@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_is_refused_to_a_role_that_may_not_take_it(staff, persona, action):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    refused = [name for name in STAFF if not ACTIONS[action].allowed(persona(name))]
    persona("fatima", cnie="AB123456")
    events = Event.objects.count()
    for username in [*refused, "fatima"]:
        response = post_action(login(username), complaint, action, {"reason": "x", "note": "x"})
        assert response.status_code == 403, username
    assert Event.objects.count() == events
    assert Complaint.objects.get().status == Status.RECEIVED


def test_a_refusal_of_the_service_is_shown_and_writes_nothing(staff, proposed):
    complaint = proposed(Decision.INCOMPLETE)
    dg = login("directeur")
    response = post_action(dg, complaint, "decider", {"decision": "incomplete", "reason": "x"})
    assert response.status_code == 422
    assert "listez les pièces manquantes" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == Status.PROPOSED
    assert not complaint.events.filter(kind="decided").exists()
    # A step out of order: the form says why.
    response = post_action(dg, complaint, "renvoyer", {})
    assert response.status_code == 422
    assert "Ce champ est obligatoire" in response.content.decode()


def test_a_referral_is_answered_from_the_file_page(staff, proposed):
    complaint = proposed(Decision.REFERRAL)
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.REFERRAL,
        reason="Compétence de la caisse.",
        details=services.DecisionDetails(bodies=["CNSS", "CNOPS"]),
    )
    referrals = {r.body.code: r for r in complaint.referrals.select_related("body")}
    nadia = login("nadia")
    html = nadia.get(f"/reclamations/{complaint.reference}/").content.decode()
    for referral in referrals.values():
        assert f'id="action-attribution-reponse-{referral.pk}"' in html
        assert f"lettres/attribution-{referral.pk}.pdf" in html
    cnss = referrals["CNSS"]
    prefix = f"attribution-relance-{cnss.pk}"
    assert (
        post_action(
            nadia, complaint, "attribution-relance", {"referral": cnss.pk}, prefix=prefix
        ).status_code
        == 302
    )
    cnss.refresh_from_db()
    assert cnss.reminders == 1
    today = timezone.localdate().isoformat()
    for code, referral in referrals.items():
        prefix = f"attribution-reponse-{referral.pk}"
        answer = {"referral": referral.pk, "answered_on": today, "answer": f"Réponse {code}"}
        response = post_action(nadia, complaint, "attribution-reponse", answer, prefix=prefix)
        assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    # Answered twice: the refusal is still shown, on the form sent.
    again = {"referral": cnss.pk, "answered_on": today, "answer": "Encore"}
    response = post_action(nadia, complaint, "attribution-reponse", again,
                           prefix=f"attribution-reponse-{cnss.pk}")  # fmt: skip
    assert response.status_code == 422
    assert "CNSS a déjà répondu" in response.content.decode()


def test_the_file_page_is_for_anams_staff_and_logged(staff, persona):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    response = login("rachida").get(f"/reclamations/{complaint.reference}/")
    assert response.status_code == 200
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(complaint.pk), actor=staff.head
    ).exists()
    persona("fatima", cnie="AB123456")
    assert login("fatima").get(f"/reclamations/{complaint.reference}/").status_code == 403
    persona("samira")
    assert login("samira").get(f"/reclamations/{complaint.reference}/").status_code == 403
    assert login("rachida").get("/reclamations/REC-1999-000001/").status_code == 404


def test_the_navigation_leads_each_side_to_its_pages(staff, persona):
    assert 'href="/reclamations/"' in login("nadia").get("/").content.decode()
    persona("fatima", cnie="AB123456")
    html = login("fatima").get("/").content.decode()
    assert 'href="/reclamations/mes-reclamations/"' in html
    assert 'href="/reclamations/"' not in html
    persona("leila")
    assert "/reclamations/" not in login("leila").get("/").content.decode()


def test_only_the_assigned_legal_officer_proposes(staff, persona, in_instruction):
    complaint = in_instruction()
    persona("youness")
    proposal = {"decision": "favourable", "reason": "x"}
    html = login("youness").get(f"/reclamations/{complaint.reference}/").content.decode()
    assert 'id="action-proposer"' not in html
    assert post_action(login("youness"), complaint, "proposer", proposal).status_code == 403
    assert Complaint.objects.get().status == Status.INSTRUCTION


def test_expertise_and_transparency_come_back_through_the_file_page(staff, proposed):
    today = timezone.localdate().isoformat()
    expertise = proposed(Decision.EXPERTISE, nature="arbitration_insured_fund")
    services.complaint_decide(
        actor=staff.dg,
        complaint=expertise,
        decision=Decision.EXPERTISE,
        reason="Litige médical.",
        details=services.DecisionDetails(expert_name="Benjelloun"),
    )
    appointed = expertise.expertises.get()
    nadia = login("nadia")
    conclusions = {"expertise": appointed.pk, "conclusions_on": today,
                   "conclusions": "Soins justifiés.", "in_favour_of": "insured"}  # fmt: skip
    response = post_action(
        nadia, expertise, "expertise", conclusions, prefix=f"expertise-{appointed.pk}"
    )
    assert response.status_code == 302
    expertise.refresh_from_db()
    assert (expertise.status, expertise.proposal) == (Status.PROPOSED, Decision.FAVOURABLE)

    medicine = proposed(Decision.TRANSPARENCY)
    services.complaint_return(actor=staff.dg, complaint=medicine, reason="Analyse à faire.")
    checklist = {"medicine": "Trastuzumab", "case": "no_authorisation"}
    assert post_action(nadia, medicine, "analyse-medicament", checklist).status_code == 302
    services.complaint_propose(
        actor=staff.lawyer, complaint=medicine, decision=Decision.TRANSPARENCY, reason="CT."
    )
    services.complaint_decide(
        actor=staff.dg, complaint=medicine, decision=Decision.TRANSPARENCY, reason="CT."
    )
    opinion = {"opinion": "unfavourable", "on": today}
    assert post_action(nadia, medicine, "transparence", opinion).status_code == 302
    medicine.refresh_from_db()
    assert (medicine.status, medicine.proposal) == (Status.PROPOSED, Decision.UNFAVOURABLE)
    html = nadia.get(f"/reclamations/{medicine.reference}/").content.decode()
    assert 'data-outcome="no_reimbursement"' in html
