"""The INPE attestation (PDF, French and Arabic): what a reader, a scanner and the API see."""

import datetime as dt
import re
import unicodedata
import zlib

import arabic_reshaper
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from django.test import Client
from django.utils import timezone
from reportlab.pdfbase.ttfonts import TTFontFile

from snigi.core.inpe import inpe_from_serial
from snigi.core.roles import Role
from snigi.core.services import user_create
from snigi.providers.attestation import (
    FONT_DIR,
    TITLE_AR,
    TITLE_FR,
    attestation_pdf,
    can_download_attestation,
)
from snigi.providers.changes import change_declare
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
API = "/api/v1"
ISSUED = dt.date(2030, 6, 15)


@pytest.fixture
def doctor(register):
    return register(
        name="Dr Salma Idrissi", name_ar="سلمى الإدريسي", specialty="Cardiologie", sector="private"
    )


@pytest.fixture
def holder(doctor):
    """The account of the doctor who holds the code."""
    return user_create(
        actor=None, username="dr_salma", password=PASSWORD, role=Role.PROVIDER, inpe=doctor.inpe
    )


def page_of(pdf: bytes) -> pdfium.PdfPage:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    return document[0]


def text_of(pdf: bytes) -> str:
    """The text a reader extracts. PDFium gives Arabic back as base letters (it folds the
    presentation forms) and each Arabic word in logical order."""
    return unicodedata.normalize("NFKC", page_of(pdf).get_textpage().get_text_range())


def arabic_text_objects(pdf: bytes) -> list[tuple[str, bool, str]]:
    """(font, embedded, text) of every text object with Arabic letters."""
    page = page_of(pdf)
    textpage = page.get_textpage()
    found = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
        text = obj.extract()
        if re.search("[\u0600-\u06ff]", text):
            font = obj.get_font()
            found.append((font.get_base_name(), font.is_embedded, text))
    return found


def drawn_characters(pdf: bytes) -> set[str]:
    """The characters the embedded fonts' ToUnicode maps say were drawn: for shaped Arabic,
    presentation forms (U+FB50–U+FEFF), never the base letters (U+0621–U+064A)."""
    drawn: set[str] = set()
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            cmap = zlib.decompress(stream).decode("latin-1")
        except zlib.error:
            continue
        if "beginbfchar" in cmap:
            targets = re.findall(r"<[0-9A-F]+> <([0-9A-F]{4})>", cmap)
            drawn |= {chr(int(code, 16)) for code in targets}
    return drawn


def test_the_barcode_scans_back_to_the_code(doctor):
    bitmap = page_of(attestation_pdf(doctor, issued_on=ISSUED)).render(scale=3).to_pil()
    results = zxingcpp.read_barcodes(bitmap)
    assert [(r.text, r.format.name) for r in results] == [(doctor.inpe, "Code128")]


def test_french_text_and_metadata(doctor):
    pdf = attestation_pdf(doctor, issued_on=ISSUED)
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for expected in (
        TITLE_FR,
        doctor.inpe,
        "Dr Salma Idrissi",
        doctor.category.name_fr,
        "Professionnel de santé",
        "Cardiologie",
        "Privé",
        doctor.commune.name_fr,
        doctor.commune.province.name_fr,
        f"Date d'attribution {doctor.attributed_on:%d/%m/%Y}",
        "Délivrée le 15/06/2030",
        "Statut du code Actif",
    ):
        assert expected in text
    assert "inactif" not in text.lower()
    metadata = pdfium.PdfDocument(pdf).get_metadata_dict()
    assert metadata["Title"] == f"{TITLE_FR} {doctor.inpe}"
    assert metadata["Author"] == "ANAM / SNIGI"


def test_arabic_is_there_shaped_in_the_embedded_naskh_font(doctor):
    pdf = attestation_pdf(doctor, issued_on=ISSUED)
    text = text_of(pdf)
    assert TITLE_AR in text  # a line of its own: extracted in logical order
    words = set(text.split())  # rows mix both languages: check the Arabic word by word
    for arabic in (doctor.name_ar, doctor.category.name_ar, doctor.commune.name_ar, "نشط"):
        assert arabic
        assert set(arabic.split()) <= words, arabic
    # Written in Noto Naskh Arabic, embedded (not left to a reader's fonts or drawn in Helvetica).
    objects = arabic_text_objects(pdf)
    assert objects
    assert {(font.split("+")[-1], embedded) for font, embedded, _ in objects} == {
        ("NotoNaskhArabic-Regular", True),
        ("NotoNaskhArabic-Bold", True),
    }
    # Shaped: the contextual forms of the name were drawn and no bare letter was; and the font
    # has a glyph for each of them (no missing-glyph boxes).
    drawn_arabic = {c for c in drawn_characters(pdf) if "\u0600" <= c <= "\ufeff"}
    assert not {c for c in drawn_arabic if "\u0621" <= c <= "\u064a"}
    assert set(arabic_reshaper.reshape(doctor.name_ar).replace(" ", "")) <= drawn_arabic
    naskh = TTFontFile(str(FONT_DIR / "NotoNaskhArabic-Regular.ttf")).charToGlyph
    assert all(ord(c) in naskh for c in drawn_arabic)


def test_an_inactive_code_says_so_in_both_languages(doctor, ilyas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    death = timezone.localdate() - dt.timedelta(days=10)
    change_declare(actor=ilyas, inpe=doctor.inpe, kind="death", effective_on=death,
                   documents=[("acte de décès", ("deces.pdf", b"%PDF-1.4\n%%EOF\n"))])  # fmt: skip
    doctor.refresh_from_db()
    text = text_of(attestation_pdf(doctor))
    assert f"CODE INACTIF : DÉCÉDÉ DEPUIS LE {death:%d/%m/%Y}" in text
    assert "Statut du code Code inactif : décédé depuis le" in text
    assert f"رقم غير نشط: متوفى منذ {death:%d/%m/%Y}" in text  # the banner's Arabic line
    # Issued before the death took effect, the attestation shows an active code.
    before = text_of(attestation_pdf(doctor, issued_on=death - dt.timedelta(days=1)))
    assert "INACTIF" not in before
    assert "inactif" not in before
    assert "Statut du code Actif ; décédé à" in before
    assert f"{death:%d/%m/%Y}" in before


def test_the_same_day_gives_the_same_bytes(doctor):
    assert attestation_pdf(doctor, issued_on=ISSUED) == attestation_pdf(doctor, issued_on=ISSUED)


# --- Who may download it, through the API --------------------------------------------------


def url(code: str) -> str:
    return f"{API}/inpe/{code}/attestation.pdf"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_anonymous_is_401(doctor):
    assert Client().get(url(doctor.inpe)).status_code == 401


@pytest.mark.parametrize("username", ["dr_amine", "karim", "nadia", "omar"])
def test_anyone_but_the_holder_and_the_inpe_officer_is_403(doctor, persona, username):
    user = persona(username)
    assert user.inpe != doctor.inpe
    response = client_for(user).get(url(doctor.inpe))
    assert response.status_code == 403
    assert "titulaire du code" in response.json()["detail"]


@pytest.mark.parametrize("who", ["holder", "ilyas"])
def test_the_holder_and_the_inpe_officer_get_the_pdf(doctor, holder, ilyas, who):
    response = client_for(holder if who == "holder" else ilyas).get(url(doctor.inpe))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="attestation-inpe-{doctor.inpe}.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF-")
    assert doctor.inpe in text_of(response.content)


def test_the_code_may_be_typed_in_groups(doctor, holder):
    grouped = f"{doctor.inpe[:3]}-{doctor.inpe[3:6]}-{doctor.inpe[6:]}"
    response = client_for(holder).get(url(grouped))
    assert response.status_code == 200
    assert doctor.inpe in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("code", "reason"), [("12345678", "9 chiffres"), ("100000012", "clé"), ("abc", "chiffres")]
)
def test_malformed_code_is_422_with_the_reason(ilyas, code, reason):
    response = client_for(ilyas).get(url(code))
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_unknown_code_is_404(ilyas):
    assert client_for(ilyas).get(url(inpe_from_serial(99_999_999))).status_code == 404


def test_a_deactivated_account_loses_the_right(doctor, holder):
    assert can_download_attestation(holder, doctor)
    holder.is_active = False
    assert not can_download_attestation(holder, doctor)
    assert not can_download_attestation(None, doctor)
