"""End to end, in headless Chromium: e-réclamations. An insured person files a complaint online
and follows it to the decision; a letter goes from the mail office to a favourable decision
through every role, each signing in with their own account; the pages pass axe-core in French
and in Arabic (right to left)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from PIL import Image

from snigi.complaints import services
from snigi.complaints.models import Complaint, Decision, Status
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in
from tests.complaints.conftest import letter

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_file(tmp_path, name: str = "ordonnance.pdf") -> str:
    path = tmp_path / name
    Image.new("RGB", (60, 80), "white").save(path, format="PDF")
    return str(path)


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(f"{selector} button[type=submit]")


def switch_user(page, username: str) -> None:
    page.context.clear_cookies()
    log_in(page, username)


def test_an_insured_person_files_online_and_follows_it_to_the_decision(page, persona, tmp_path):
    fatima = persona("fatima", cnie="AB123456")
    staff = {name: persona(name) for name in ("sanae", "hamza", "rachida", "nadia", "directeur")}
    log_in(page, "fatima")
    with page.expect_navigation():
        page.click("#nav-main a:text-is('Mes réclamations')")
    with page.expect_navigation():
        page.click("#new-complaint")
    page.fill("#id_subject", "Refus de remboursement de mon traitement")
    page.fill("#id_description", "La caisse refuse un médicament prescrit pour mon ALD.")
    page.select_option("#id_nature_code", "reimbursement_medicine")
    page.set_input_files("#id_pieces", pdf_file(tmp_path))
    submit(page, "#online-form")
    complaint = Complaint.objects.get(requester_user=fatima)
    assert complaint.reference in page.locator("h1").inner_text()
    assert page.locator("#complaint-status").get_attribute("data-status") == "received"
    assert "ordonnance.pdf" in page.locator("#complaint-pieces").inner_text()
    ack = page.request.get(page.locator("#letter-ack").get_attribute("href"))
    assert ack.status == 200
    assert ack.body().startswith(b"%PDF-")

    # ANAM instructs it; the requester sees the public steps only, then the decision.
    services.complaint_register(actor=staff["sanae"], complaint=complaint)
    services.complaint_enter(
        actor=staff["hamza"],
        complaint=complaint,
        entry=services.EntryInput("reimbursement_medicine"),
    )
    services.complaint_validate(
        actor=staff["rachida"], complaint=complaint, legal_officer=staff["nadia"]
    )
    services.complaint_propose(
        actor=staff["nadia"],
        complaint=complaint,
        decision=Decision.FAVOURABLE,
        reason="Proposition interne",
    )
    page.reload()
    steps = page.locator("#complaint-timeline").inner_text()
    assert "Enregistré" in steps
    assert "Proposition interne" not in steps
    assert page.locator("#complaint-decision").count() == 0
    services.complaint_decide(
        actor=staff["directeur"],
        complaint=complaint,
        decision=Decision.FAVOURABLE,
        reason="Dérogation accordée.",
    )
    page.reload()
    assert page.locator("#complaint-decision").get_attribute("data-decision") == "favourable"
    assert "Dérogation accordée." in page.locator("#complaint-decision").inner_text()
    assert page.locator("#letter-decision").count() == 1
    with page.expect_navigation():
        page.click("a:text-is('Mes réclamations') >> nth=-1")
    row = page.locator(f"#my-complaints tr[data-reference='{complaint.reference}']")
    assert "Avis favorable" in row.inner_text()


def test_a_letter_goes_from_intake_to_a_favourable_decision_through_every_role(
    page, persona, tmp_path
):
    for name in ("mounia", "sanae", "hamza", "rachida", "nadia", "dr_tazi", "directeur"):
        persona(name)
    received = (timezone.localdate() - dt.timedelta(days=4)).isoformat()

    log_in(page, "mounia")  # the mail office
    page.goto("/reclamations/")
    with page.expect_navigation():
        page.click("#new-intake")
    page.select_option("#id_requester_type", "insured")
    page.fill("#id_requester_name", "Fatima Zahra Alaoui")
    page.select_option("#id_channel", "post")
    page.fill("#id_received_on", received)
    page.fill("#id_subject", "Refus de remboursement d'un médicament prescrit pour une ALD")
    page.set_input_files("#id_pieces", pdf_file(tmp_path, "courrier.pdf"))
    submit(page, "#intake-form")
    complaint = Complaint.objects.get()
    assert complaint.reference in page.locator("h1").inner_text()
    assert page.locator("#letter-ack").count() == 1
    file_url = f"/reclamations/{complaint.reference}/"

    switch_user(page, "sanae")  # the director general's secretariat
    page.goto("/reclamations/")
    with page.expect_navigation():
        page.click(f"#complaint-queue a:text-is('{complaint.reference}')")
    submit(page, "#action-enregistrer")

    switch_user(page, "hamza")  # the legal division's assistant
    page.goto(file_url)
    page.select_option("#id_saisir-nature_code", "reimbursement_medicine")
    page.select_option("#id_saisir-respondent_code", "CNOPS")
    submit(page, "#action-saisir")
    assert page.locator("#complaint-status").get_attribute("data-status") == "entered"

    switch_user(page, "rachida")  # the head of the legal division
    page.goto(file_url)
    page.select_option("#id_valider-legal_officer", "nadia")
    submit(page, "#action-valider")

    switch_user(page, "nadia")  # the legal officer asks for a medical opinion
    page.goto("/reclamations/")
    assert complaint.reference in page.locator("#complaint-queue").inner_text()
    page.goto(file_url)
    page.fill("#id_avis-medical-demande-question", "ALD confirmée ? Alternative remboursable ?")
    page.select_option("#id_avis-medical-demande-medical_officer", "dr_tazi")
    submit(page, "#action-avis-medical-demande")

    switch_user(page, "dr_tazi")  # the medical officer (DCN)
    page.goto(file_url)
    page.fill("#id_avis-medical-opinion", "ALD confirmée, aucune alternative remboursable.")
    submit(page, "#action-avis-medical")

    switch_user(page, "nadia")
    page.goto(file_url)
    page.select_option("#id_proposer-decision", "favourable")
    page.fill("#id_proposer-reason", "Dérogation : ALD sans alternative remboursable.")
    submit(page, "#action-proposer")

    switch_user(page, "directeur")  # the director general
    page.goto(file_url)
    assert page.locator("#id_decider-decision").input_value() == "favourable"
    submit(page, "#action-decider")
    assert page.locator("#complaint-status").get_attribute("data-status") == "closed"
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED
    assert complaint.decision == Decision.FAVOURABLE
    kinds = list(complaint.events.values_list("kind", flat=True))
    for kind in (
        "received",
        "registered",
        "entered",
        "validated",
        "medical_opinion_requested",
        "medical_opinion_given",
        "proposed",
        "decided",
    ):
        assert kind in kinds
    decision = page.request.get(page.locator("#letter-decision").get_attribute("href"))
    assert decision.status == 200


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_complaint_pages_pass_axe(page, persona, language):
    mail, lawyer = persona("mounia"), persona("nadia")
    for name in ("sanae", "hamza", "rachida"):
        persona(name)
    fatima = persona("fatima", cnie="AB123456")
    complaint = services.complaint_receive(actor=mail, data=letter())
    services.complaint_register(actor=persona("sanae"), complaint=complaint)
    services.complaint_enter(
        actor=persona("hamza"),
        complaint=complaint,
        entry=services.EntryInput("reimbursement_medicine"),
    )
    services.complaint_validate(actor=persona("rachida"), complaint=complaint, legal_officer=lawyer)
    online = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    audit = Audit(page, language)
    page.goto("/")
    audit.switch_language()

    log_in(page, "nadia")
    for name, url in (
        ("complaints queue", "/reclamations/"),
        ("complaints search", "/reclamations/dossiers/?q=REC"),
        ("complaint file with actions", f"/reclamations/{complaint.reference}/"),
    ):
        page.goto(url)
        audit.check(name)
    audit.log_out()  # the language cookie stays
    log_in(page, "mounia")
    page.goto("/reclamations/saisie/")
    audit.check("mail office intake")
    submit(page, "#intake-form")  # empty: the errors are shown
    audit.check("intake with errors")

    audit.log_out()
    log_in(page, "fatima")
    for name, url in (
        ("my complaints", "/reclamations/mes-reclamations/"),
        ("file a complaint", "/reclamations/mes-reclamations/nouvelle/"),
        ("follow a complaint", f"/reclamations/mes-reclamations/{online.reference}/"),
    ):
        page.goto(url)
        audit.check(name)
    audit.assert_clean()
