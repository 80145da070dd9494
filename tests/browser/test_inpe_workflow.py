"""End to end, in headless Chromium: the INPE registry pages. A professional applies online and
follows the application; an officer records a posted file, checks it and allocates the code; the
applicant downloads the attestation; the directory finds the code; a holder declares a change
that the officer records; and the pages pass axe-core in French and in Arabic."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from PIL import Image

from snigi.core.inpe import normalise_inpe
from snigi.core.models import Commune
from snigi.providers.changes import change_declare
from snigi.providers.models import Application, Document, Provider, ProviderChange
from snigi.providers.services import (
    ProviderInput,
    application_check,
    application_grant,
    application_receive,
    provider_register,
)
from tests.browser.test_accessibility import LANGUAGES, Audit
from tests.browser.test_personas import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CATEGORY = "MEDECIN_GENERALISTE"
HOLDER_INPE = "100000011"  # dr_amine's code (tests/conftest.py)
KEY_IN_MAIL = re.compile(r"Clé de suivi \(à garder\) : (\S+)")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded pieces go to a temporary folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def communes() -> list[Commune]:
    """Two communes: where the holders practise, and where one moves to."""
    found = list(Commune.objects.select_related("province").order_by("code")[:2])
    assert len(found) == 2, "the reference data should hold communes"
    return found


def pdf_file(tmp_path, name: str = "piece.pdf") -> str:
    """A real one-page PDF, made by Pillow."""
    path = tmp_path / name
    Image.new("RGB", (60, 80), "white").save(path, format="PDF")
    assert path.read_bytes().startswith(b"%PDF-")
    return str(path)


def scanned_png(tmp_path, name: str = "scan-cnie.png") -> str:
    path = tmp_path / name
    image = Image.new("L", (120, 80), 255)
    image.paste(0, (10, 10, 110, 30))
    image.save(path, format="PNG")
    return str(path)


def doctor_data(commune: Commune, n: int = 1, **overrides: str) -> dict[str, str]:
    return {
        "category_code": CATEGORY,
        "sector": "private",
        "name": f"Dr Salma Bennani {n}",
        "cnie": f"BK{n:06d}",
        "commune_code": commune.code,
        "email": f"salma{n}@example.ma",
    } | overrides


def granted_doctor(officer, commune: Commune, n: int = 1, **overrides: str) -> Application:
    """An application received online, checked and granted, through the services."""
    received = application_receive(
        actor=None,
        kind="professional",
        channel="online",
        data=doctor_data(commune, n, **overrides),
        documents=[("copie de la CNIE", ("cnie.pdf", b"%PDF-1.4\n%%EOF\n"))],
    )
    application_check(actor=officer, application_id=received.pk, missing_pieces=[])
    granted = application_grant(actor=officer, application_id=received.pk)
    assert granted.status == Application.Status.GRANTED
    return granted


def submit(page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")


def fill_professional(page, commune: Commune, *, name: str, cnie: str, email: str) -> None:
    page.select_option("#id_category_code", CATEGORY)
    page.select_option("#id_sector", "private")
    page.fill("#id_name", name)
    page.fill("#id_cnie", cnie)
    page.select_option("#id_commune_code", commune.code)
    page.fill("#id_email", email)


def follow(page, reference: str, key: str) -> None:
    page.goto("/inpe/suivi/")
    page.fill("#id_reference", reference)
    page.fill("#id_key", key)
    submit(page, "#follow-form")


# --- 1. Applying online as a professional ----------------------------------------------------


def test_a_professional_applies_online_and_follows_the_application(page, communes, tmp_path):
    page.goto("/inpe/demande/")
    with page.expect_navigation():
        page.click("#apply-professional")
    assert page.url.endswith("/inpe/demande/professionnel/")
    # One file input per piece of the professional's file.
    assert page.locator("#apply-form input[type=file]").count() == 3

    fill_professional(
        page, communes[0], name="Dr Yasmine Alaoui", cnie="BE123456", email="yasmine@example.ma"
    )
    page.set_input_files("#id_piece_1", pdf_file(tmp_path, "cnie.pdf"))
    submit(page, "#apply-form")

    assert page.url.endswith("/inpe/demande/recue/")
    reference = page.locator("#received-reference").inner_text().strip()
    key = page.locator("#received-key").inner_text().strip()
    assert re.fullmatch(r"INPE-\d{4}-\d{6}", reference), reference
    assert len(key) >= 20

    application = Application.objects.get(reference=reference)
    assert application.channel == Application.Channel.ONLINE
    assert application.data["name"] == "Dr Yasmine Alaoui"
    assert application.data["cnie"] == "BE123456"
    piece = application.documents.get()
    assert (piece.piece, piece.content_type) == ("copie de la CNIE", "application/pdf")

    follow(page, reference, key)
    status = page.locator("#follow-status")
    assert status.get_attribute("data-status") == "received"
    assert status.inner_text().strip() == "reçue"
    assert "cnie.pdf" in page.locator("#follow-pieces").inner_text()
    assert page.locator("#follow-inpe").count() == 0
    assert page.locator("#follow-attestation").count() == 0

    # A wrong key shows the same refusal as an unknown reference, and nothing else.
    follow(page, reference, key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert "Référence ou clé de suivi incorrecte." in page.locator("#form-errors").inner_text()
    assert page.locator("#follow-status").count() == 0


def test_a_text_file_renamed_pdf_is_refused_and_nothing_is_created(page, communes, tmp_path):
    fake = tmp_path / "attestation-ordre.pdf"
    fake.write_text("Ceci n'est pas un PDF.\n", encoding="utf-8")
    page.goto("/inpe/demande/professionnel/")
    fill_professional(
        page, communes[0], name="Dr Karim Tahiri", cnie="BE654321", email="karim@example.ma"
    )
    page.set_input_files("#id_piece_2", str(fake))
    submit(page, "#apply-form")

    assert page.url.endswith("/inpe/demande/professionnel/")
    errors = page.locator("#form-errors").inner_text()
    assert "attestation-ordre.pdf" in errors
    assert "Format refusé" in errors
    assert page.locator("#received-reference").count() == 0
    # What was typed is kept, so that only the file needs choosing again.
    assert page.input_value("#id_name") == "Dr Karim Tahiri"
    assert not Application.objects.exists()
    assert not Document.objects.exists()


# --- 2 and 3. Recording a posted file, checking it, allocating the code ------------------------


def test_officer_records_a_posted_file_and_allocates_the_code(
    page, browser, live_server, persona, communes, tmp_path, mailoutbox
):
    persona("ilyas")
    log_in(page, "ilyas")
    page.goto("/inpe/bureau/")
    with page.expect_navigation():
        page.click("#intake-professional")
    assert page.url.endswith("/inpe/bureau/saisie/professionnel/")

    received_at = (timezone.localtime() - dt.timedelta(days=2)).replace(second=0, microsecond=0)
    page.select_option("#id_channel", "post")
    assert page.locator("#id_channel option:checked").inner_text().strip() == "courrier"
    page.fill("#id_received_at", received_at.strftime("%Y-%m-%dT%H:%M"))
    fill_professional(
        page, communes[0], name="Dr Hicham Berrada", cnie="BH204060", email="hicham@example.ma"
    )
    page.set_input_files("#id_piece_0", pdf_file(tmp_path, "formulaire.pdf"))
    page.set_input_files("#id_piece_1", scanned_png(tmp_path))
    submit(page, "#intake-form")

    # 2. The application page, status received, with its receipt date and channel.
    application = Application.objects.get(data__name="Dr Hicham Berrada")
    assert page.url.endswith(f"/inpe/bureau/demandes/{application.pk}/")
    assert page.locator("#application-status").get_attribute("data-status") == "received"
    assert application.channel == Application.Channel.POST
    assert application.received_at == received_at
    main = page.locator("main").inner_text()
    assert f"{received_at:%d/%m/%Y %H:%M} (courrier)" in main
    assert f"Dossier {application.reference} enregistré." in main
    pieces = page.locator("#application-pieces").inner_text()
    assert "scan-cnie.png" in pieces
    assert "formulaire.pdf" in pieces
    assert sorted(application.documents.values_list("content_type", flat=True)) == [
        "application/pdf",
        "image/png",
    ]
    # The applicant is sent the reference and the follow-up key.
    mails = [m for m in mailoutbox if application.reference in m.subject]
    assert [m.to for m in mails] == [["hicham@example.ma"]]
    key = KEY_IN_MAIL.search(mails[0].body).group(1)

    # 3. Nothing missing: the file is complete and enters the 48-hour queue.
    boxes = page.locator("#check-form input[type=checkbox]")
    assert boxes.count() == 3
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
    submit(page, "#check-form")
    assert page.locator("#application-status").get_attribute("data-status") == "complete"
    assert re.search(r"4[78],\d h restantes", page.locator("#application-status").inner_text())

    page.goto("/inpe/bureau/")
    row = page.locator("#queue tbody tr", has_text=application.reference)
    assert row.count() == 1
    assert row.get_attribute("data-overdue") == "false"
    assert re.fullmatch(r"4[78],\d h", row.locator("td").nth(3).inner_text().strip())
    assert page.locator("#to-check tbody tr", has_text=application.reference).count() == 0

    with page.expect_navigation():
        row.locator("a").click()
    submit(page, "#grant-form")
    assert page.locator("#application-status").get_attribute("data-status") == "granted"
    code = page.locator("#application-inpe").inner_text().strip()
    assert re.fullmatch(r"\d{9}", code), code
    assert normalise_inpe(code) == code  # the Damm check digit holds
    assert f"Code INPE {code} attribué." in page.locator("main").inner_text()
    provider = Provider.objects.get(inpe=code)
    assert (provider.name, provider.cnie) == ("Dr Hicham Berrada", "BH204060")

    # The applicant, with the key from the acknowledgement, sees the code and gets the PDF.
    applicant = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        their_page = applicant.new_page()
        follow(their_page, application.reference, key)
        assert their_page.locator("#follow-status").get_attribute("data-status") == "granted"
        assert their_page.locator("#follow-inpe").inner_text().strip() == code
        with their_page.expect_download() as download_info:
            their_page.click("#follow-attestation")
        download = download_info.value
        assert download.suggested_filename == f"attestation-inpe-{code}.pdf"
        content = download.path().read_bytes()
        assert content.startswith(b"%PDF-")
        assert len(content) > 500
    finally:
        applicant.close()


# --- 4. Finding the code in the directory ------------------------------------------------------


def test_the_directory_finds_a_new_code_and_opens_the_provider_file(page, persona, communes):
    code = granted_doctor(persona("ilyas"), communes[0], name="Dr Imane Chraibi").provider.inpe
    granted_doctor(persona("ilyas"), communes[1], 2, name="Dr Omar Lahlou")

    page.goto("/inpe/")
    for query in (code, "chraibi"):
        page.fill("#q", query)
        submit(page, "form[role=search]")
        assert page.locator("#directory-count").inner_text().strip() == "1 résultat"
        rows = page.locator("main table tbody tr")
        assert rows.count() == 1
        assert "Dr Imane Chraibi" in rows.first.inner_text()
        assert rows.first.locator("a").inner_text().strip() == code

    with page.expect_navigation():
        page.locator("main table tbody tr a").first.click()
    assert page.url.endswith(f"/inpe/{code}/")
    assert page.locator("#file-inpe").inner_text().strip() == code
    barcode = page.locator(f"img[src$='/inpe/{code}/barcode.svg']")
    assert barcode.count() == 1
    assert code in barcode.get_attribute("alt")
    barcode.evaluate("img => img.decode()")  # rejects if the image did not load
    assert barcode.evaluate("img => img.naturalWidth") > 0
    # The public never sees the history nor the change form.
    assert page.locator("#file-history").count() == 0
    assert page.locator("#change-form").count() == 0


# --- 5. A holder declares a change, the officer records it -------------------------------------


def register_holder(officer, commune: Commune) -> Provider:
    """dr_amine's practice under code 100000011 (the second serial: one filler before it)."""
    for n, name in enumerate(("Dr Filler Premier", "Dr Amine Idrissi"), start=1):
        provider = provider_register(
            actor=officer,
            data=ProviderInput(
                kind="professional",
                category_code=CATEGORY,
                sector="private",
                name=name,
                cnie=f"BJ{n:06d}",
                commune_code=commune.code,
                address_line="12 rue Ibn Sina",
            ),
        )
    assert provider.inpe == HOLDER_INPE
    return provider


def test_holder_declares_a_transfer_and_the_officer_records_it(
    page, browser, live_server, persona, communes, tmp_path
):
    before, after = communes
    holder = register_holder(persona("ilyas"), before)
    persona("dr_amine")
    log_in(page, "dr_amine")
    page.goto(f"/inpe/{HOLDER_INPE}/")
    assert page.locator("#file-history tbody").inner_text().strip() == "Aucune modification."
    with page.expect_download() as download_info:
        page.click("#file-attestation")
    assert download_info.value.path().read_bytes().startswith(b"%PDF-")

    page.select_option("#id_kind", "transfer")
    page.fill("#id_effective_on", timezone.localdate().isoformat())
    page.select_option("#change-form #id_commune_code", after.code)
    page.fill("#change-form #id_address_line", "5 avenue Hassan II")
    page.set_input_files("#id_document", pdf_file(tmp_path, "nouvelle-autorisation.pdf"))
    submit(page, "#change-form")

    assert page.url.endswith(f"/inpe/{HOLDER_INPE}/")
    assert "elle attend la validation de l'ANAM" in page.locator("main").inner_text()
    declared = page.locator("#file-history tbody tr[data-status=declared]")
    assert declared.count() == 1
    assert "nouvelle-autorisation.pdf" in declared.inner_text()
    assert declared.locator("form").count() == 0  # the holder cannot record it
    holder.refresh_from_db()
    assert holder.commune_id == before.pk  # nothing changes before the officer records it

    officer = browser.new_context(base_url=live_server.url, locale="fr-FR")
    try:
        desk = officer.new_page()
        log_in(desk, "ilyas")
        desk.goto("/inpe/bureau/")
        pending = desk.locator("#pending-changes tbody tr", has_text=HOLDER_INPE)
        assert pending.count() == 1
        assert "transfert du lieu d'exercice" in pending.inner_text()
        with desk.expect_navigation():
            pending.locator("a").click()
        row = desk.locator("#file-history tbody tr[data-status=declared]")
        with desk.expect_navigation():
            row.locator("button[name=decision][value=accept]").click()

        applied = desk.locator("#file-history tbody tr[data-status=applied]")
        assert applied.count() == 1
        cells = applied.locator("td")
        assert f"commune_code : {before.code}" in cells.nth(2).inner_text()
        assert "address_line : 12 rue Ibn Sina" in cells.nth(2).inner_text()
        assert f"commune_code : {after.code}" in cells.nth(3).inner_text()
        assert "address_line : 5 avenue Hassan II" in cells.nth(3).inner_text()
        assert after.name_fr in desk.locator("#file-commune").inner_text()
        desk.goto("/inpe/bureau/")
        assert desk.locator("#pending-changes tbody tr", has_text=HOLDER_INPE).count() == 0
    finally:
        officer.close()

    change = ProviderChange.objects.get()
    assert change.status == ProviderChange.Status.APPLIED
    holder.refresh_from_db()
    assert (holder.commune_id, holder.address_line) == (after.pk, "5 avenue Hassan II")
    # The holder reads the same history, before and after.
    page.reload()
    assert page.locator("#file-history tbody tr[data-status=applied]").count() == 1


# --- 6. Accessibility ------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_inpe_pages_are_accessible(page, persona, communes, language):
    officer = persona("ilyas")
    holder = register_holder(officer, communes[0])
    change_declare(  # a declared change: the officer's file page shows its decision form
        actor=persona("dr_amine"),
        inpe=holder.inpe,
        kind="transfer",
        effective_on=timezone.localdate(),
        values={"commune_code": communes[1].code},
        documents=[("autorisation", ("autorisation.pdf", b"%PDF-1.4\n%%EOF\n"))],
    )
    waiting = application_receive(
        actor=None,
        kind="professional",
        channel="online",
        data=doctor_data(communes[0], 7),
        documents=[("copie de la CNIE", ("cnie.pdf", b"%PDF-1.4\n%%EOF\n"))],
    )
    complete = application_receive(
        actor=None, kind="professional", channel="online", data=doctor_data(communes[1], 8)
    )
    application_check(actor=officer, application_id=complete.pk, missing_pieces=[])

    audit = Audit(page, language)
    page.goto("/inpe/demande/professionnel/")
    audit.switch_language()
    audit.check("INPE application form")
    submit(page, "#apply-form")  # empty: every required field in error
    assert page.locator(".text-danger").count() >= 5
    audit.check("INPE application form with errors")

    page.goto("/inpe/suivi/")
    audit.check("INPE follow-up form")
    follow(page, waiting.reference, waiting.follow_key)
    assert page.locator("#follow-status").get_attribute("data-status") == "received"
    audit.check("INPE follow-up of an application")

    log_in(page, "ilyas")
    page.goto("/inpe/bureau/")
    assert page.locator("#queue tbody tr[data-overdue]").count() == 1
    assert page.locator("#to-check tbody tr", has_text=waiting.reference).count() == 1
    audit.check("INPE desk")
    page.goto("/inpe/bureau/saisie/professionnel/")
    audit.check("INPE intake form")
    page.goto(f"/inpe/bureau/demandes/{waiting.pk}/")
    assert page.locator("#check-form").count() == 1
    audit.check("INPE application, to check")
    page.goto(f"/inpe/{holder.inpe}/")
    assert page.locator("#file-history form button[value=accept]").count() == 1
    assert page.locator("#change-form").count() == 1
    audit.check("provider file, officer")
    audit.assert_clean()
