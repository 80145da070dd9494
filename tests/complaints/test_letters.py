"""The letters, read back with PDFium: the reference and the key text in French and in Arabic;
who may download which, and the download logged."""

from __future__ import annotations

import os
import re
import unicodedata

import pypdfium2 as pdfium
import pytest
from auditlog.models import LogEntry

from snigi.complaints import letters, services
from snigi.complaints.models import ConventionCase, Decision
from tests.complaints.conftest import letter
from tests.conftest import login

pytestmark = pytest.mark.django_db
SHOW = os.environ.get("SNIGI_SHOW_LETTER", "")  # a path: the first page drawn there, to look at


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def text_of(pdf: bytes) -> str:
    """Every page's text, lines joined (PDFium gives Arabic back as base letters, each word in
    logical order)."""
    document = pdfium.PdfDocument(pdf)
    pages = [document[n].get_textpage().get_text_range() for n in range(len(document))]
    return " ".join(unicodedata.normalize("NFKC", " ".join(pages)).split())


def assert_arabic(text: str, *phrases: str) -> None:
    """Each phrase's words are there (word by word: lines mix both languages)."""
    words = set(re.findall("[\u0621-\u064a]+", text))
    for phrase in phrases:
        assert set(phrase.split()) <= words, phrase


def test_the_acknowledgement_names_the_reference_in_both_languages(staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    pdf = letters.acknowledgement_pdf(complaint)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert "Accusé de réception de votre réclamation" in text
    assert complaint.reference in text
    assert "Fatima Zahra Alaoui" in text
    assert f"reçue le {complaint.received_on:%d/%m/%Y} (courrier)" in text
    assert_arabic(text, "إشعار بتسلم شكايتكم", "الوكالة الوطنية للتأمين الصحي", "البريد")
    metadata = pdfium.PdfDocument(pdf).get_metadata_dict()
    assert metadata["Title"] == f"Accusé de réception de votre réclamation {complaint.reference}"
    assert letters.acknowledgement_pdf(complaint) == pdf  # deterministic
    if SHOW:
        pdfium.PdfDocument(pdf)[0].render(scale=1.5).to_pil().save(SHOW)


def test_the_decision_notification_says_what_was_decided(staff, proposed):
    complaint = proposed(Decision.INCOMPLETE)
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.INCOMPLETE,
        reason="Il manque le compte rendu.",
        details=services.DecisionDetails(missing_pieces="Compte rendu d'hospitalisation"),
    )
    complaint.refresh_from_db()
    text = text_of(letters.decision_pdf(complaint))
    assert "Notification de la décision" in text
    assert complaint.reference in text
    assert "Dossier incomplet" in text
    assert "Compte rendu d'hospitalisation" in text
    assert "Il manque le compte rendu." in text
    assert_arabic(text, "تبليغ القرار", "ملف غير مكتمل", "الوثائق الناقصة")


def test_a_long_reason_flows_onto_a_second_page(staff, proposed):
    complaint = proposed(Decision.UNFAVOURABLE)
    reason = " ".join(f"Considérant le point {n} du dossier," for n in range(400)) + " FIN."
    services.complaint_decide(
        actor=staff.dg, complaint=complaint, decision=Decision.UNFAVOURABLE, reason=reason
    )
    complaint.refresh_from_db()
    pdf = letters.decision_pdf(complaint)
    assert len(pdfium.PdfDocument(pdf)) >= 2
    assert "FIN." in text_of(pdf)


def test_the_referral_letter_is_addressed_to_the_body(staff, proposed):
    complaint = proposed(Decision.REFERRAL)
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.REFERRAL,
        reason="Compétence.",
        details=services.DecisionDetails(bodies=["CNOPS"], letter_reference="ANAM/DJ/2026/17"),
    )
    referral = complaint.referrals.select_related("body").get()
    text = text_of(letters.referral_pdf(referral))
    assert "Transmission d'une réclamation pour attribution" in text
    assert complaint.reference in text
    assert referral.body.name_fr in text
    assert "ANAM/DJ/2026/17" in text
    assert_arabic(text, "إحالة شكاية على الجهة المختصة", referral.body.name_ar)


def test_the_request_for_explanations_gives_the_provider_15_days(staff, proposed, clinic):
    complaint = proposed(
        Decision.COMMISSIONS, nature="convention_violation", provider_inpe=clinic.inpe
    )
    services.complaint_decide(
        actor=staff.dg,
        complaint=complaint,
        decision=Decision.COMMISSIONS,
        reason="Dépassement d'honoraires.",
    )
    case = ConventionCase.objects.select_related("complaint", "provider").get()
    text = text_of(letters.explanations_pdf(case))
    assert "Demande d'explications écrites" in text
    assert complaint.reference in text
    assert clinic.inpe in text
    assert "dans un délai de 15 jours" in text
    assert "2-05-733" in text
    assert_arabic(text, "طلب توضيحات كتابية", "لجنة التتبع الدائمة")


def test_who_downloads_which_letter_and_the_download_is_logged(staff, persona, proposed):
    fatima = persona("fatima", cnie="AB123456")
    complaint = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    client = login("fatima")
    base = f"/reclamations/{complaint.reference}/lettres"
    response = client.get(f"{base}/accuse-reception.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert complaint.reference in text_of(response.content)
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        object_pk=str(complaint.pk),
        actor=fatima,
        additional_data__via="letter:accuse-reception",
    ).exists()
    assert client.get(f"{base}/decision.pdf").status_code == 404  # nothing decided yet
    assert client.get(f"{base}/explications.pdf").status_code == 404
    assert client.get(f"{base}/inconnue.pdf").status_code == 404
    # The staff's referral letters are theirs.
    referred = proposed(Decision.REFERRAL)
    services.complaint_decide(
        actor=staff.dg,
        complaint=referred,
        decision=Decision.REFERRAL,
        reason="x",
        details=services.DecisionDetails(bodies=["CNSS"]),
    )
    referral = referred.referrals.get()
    url = f"/reclamations/{referred.reference}/lettres/attribution-{referral.pk}.pdf"
    assert login("nadia").get(url).status_code == 200
    assert client.get(url).status_code == 404
    other = f"/reclamations/{complaint.reference}/lettres/attribution-{referral.pk}.pdf"
    assert login("nadia").get(other).status_code == 404  # not this file's referral
