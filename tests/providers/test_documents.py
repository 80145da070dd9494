"""Supporting documents: PDF, JPEG or PNG recognised by content, at most 10 MB, kept with their
SHA-256 (``providers.documents``)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from snigi.providers.documents import (
    MAX_DOCUMENT_BYTES,
    check_upload,
    document_attach,
    sniff_document,
)
from snigi.providers.models import Document
from snigi.providers.services import application_receive
from tests.providers.samples import PDF, doctor_form, jpeg_bytes, pdf_of_size, png_bytes, upload


def test_a_pdf_is_accepted_and_hashed():
    checked = check_upload(upload("cnie.pdf", PDF))
    assert checked.content_type == "application/pdf"
    assert checked.sha256 == hashlib.sha256(PDF).hexdigest()
    assert checked.content == PDF
    assert checked.name == "cnie.pdf"


@pytest.mark.parametrize(
    ("make", "content_type"), [(png_bytes, "image/png"), (jpeg_bytes, "image/jpeg")]
)
def test_real_images_are_accepted_by_their_content(make, content_type):
    content = make()
    assert check_upload(upload("scan", content)).content_type == content_type
    assert check_upload(("scan.bin", content)).content_type == content_type


def test_content_wins_over_the_name():
    """A PNG named .pdf is a PNG: it is kept as one."""
    content = png_bytes()
    checked = check_upload(upload("attestation.pdf", content))
    assert checked.content_type == "image/png"
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_a_phone_photo_in_multi_picture_jpeg_is_a_jpeg():
    """Phone cameras write JPEGs with a multi-picture (MPO) extension: Pillow names them MPO,
    they are still JPEG files."""
    buffer = io.BytesIO()
    picture = Image.effect_noise((32, 24), 40).convert("RGB")
    picture.save(buffer, "MPO", save_all=True, append_images=[picture])
    assert buffer.getvalue().startswith(b"\xff\xd8\xff")
    assert sniff_document(buffer.getvalue()) == "image/jpeg"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("cnie.pdf", PDF)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, id="exe"),
        pytest.param(_zip(), id="zip"),
        pytest.param(b"<!DOCTYPE html><html><body>%PDF-1.4 %%EOF</body></html>", id="html"),
        pytest.param("Attestation de l'Ordre n° 1234\n".encode(), id="text"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param(b" %PDF-1.4\n%%EOF\n", id="pdf-not-at-start"),
    ],
)
def test_other_formats_named_pdf_are_refused(content):
    with pytest.raises(ValidationError, match="Format refusé") as refused:
        check_upload(upload("attestation.pdf", content))
    assert "attestation.pdf" in refused.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="vide"):
        check_upload(upload("vide.pdf", b""))
    with pytest.raises(ValidationError, match="vide"):
        check_upload(("vide.pdf", b""))


def test_ten_megabytes_exactly_is_accepted_one_byte_more_is_refused():
    exactly = pdf_of_size(MAX_DOCUMENT_BYTES)
    assert len(exactly) == 10 * 1024 * 1024
    assert check_upload(upload("gros.pdf", exactly)).content_type == "application/pdf"
    assert check_upload(("gros.pdf", exactly)).content_type == "application/pdf"
    over = pdf_of_size(MAX_DOCUMENT_BYTES + 1)
    with pytest.raises(ValidationError, match="10 Mo"):
        check_upload(upload("trop-gros.pdf", over))
    with pytest.raises(ValidationError, match="10 Mo"):
        check_upload(("trop-gros.pdf", over))


def test_an_upload_lying_about_its_size_is_read_at_most_once_past_the_limit():
    """The size an upload announces is not trusted: what is read counts."""
    over = upload("menteur.pdf", pdf_of_size(MAX_DOCUMENT_BYTES + 1))
    over.size = 10
    with pytest.raises(ValidationError, match="10 Mo"):
        check_upload(over)


@pytest.mark.parametrize(
    ("make", "cut"),
    [
        pytest.param(png_bytes, lambda n: n // 2, id="png-half"),
        pytest.param(png_bytes, lambda n: n - 12, id="png-without-end-chunk"),
        pytest.param(png_bytes, lambda n: n - 4, id="png-end-chunk-cut"),
        pytest.param(jpeg_bytes, lambda n: n // 2, id="jpeg-half"),
        pytest.param(jpeg_bytes, lambda n: n - 2, id="jpeg-without-end-marker"),
    ],
)
def test_truncated_images_are_refused(make, cut):
    content = make()
    assert sniff_document(content)  # whole, it is fine
    with pytest.raises(ValidationError, match="tronqué|illisible"):
        check_upload(("scan.png", content[: cut(len(content))]))


def test_a_corrupt_png_is_refused():
    content = bytearray(png_bytes())
    content[20] ^= 0xFF  # inside the header chunk: its CRC no longer matches
    with pytest.raises(ValidationError, match="illisible"):
        check_upload(("scan.png", bytes(content)))


def test_a_png_bigger_than_sixty_million_pixels_is_refused_before_decoding():
    buffer = io.BytesIO()
    Image.new("1", (8_000, 8_000)).save(buffer, "PNG")  # tiny file, 64 million pixels
    with pytest.raises(ValidationError, match="trop grande"):
        check_upload(("plan.png", buffer.getvalue()))


def test_a_pdf_without_its_end_marker_is_refused():
    truncated = PDF[: PDF.rindex(b"%%EOF")]
    with pytest.raises(ValidationError, match="PDF incomplet"):
        check_upload(("cnie.pdf", truncated))
    with pytest.raises(ValidationError, match="PDF incomplet"):
        check_upload(("cnie.pdf", PDF[: len(PDF) // 2]))


@pytest.fixture
def application(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return application_receive(
        actor=None, kind="professional", channel="online", data=doctor_form()
    )


@pytest.mark.parametrize(
    ("make", "extension"), [(lambda: PDF, ".pdf"), (png_bytes, ".png"), (jpeg_bytes, ".jpg")]
)
def test_an_attached_document_is_stored_readable_under_its_hash(application, make, extension):
    content = make()
    checked = check_upload(upload("ma piece.pdf", content))
    document = document_attach(
        actor=None, checked=checked, piece="copie de la CNIE", application=application
    )
    stored = Document.objects.get(pk=document.pk)
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    assert stored.original_name == "ma piece.pdf"
    assert stored.piece == "copie de la CNIE"
    assert stored.file.name.endswith(stored.sha256 + extension)
    with stored.file.open("rb") as handle:
        assert handle.read() == content
    assert list(application.documents.all()) == [stored]


def test_a_nul_character_in_the_piece_is_dropped(application):
    """The API takes the piece as free text; PostgreSQL refuses a NUL character."""
    checked = check_upload(("cnie.pdf", PDF))
    document = document_attach(actor=None, checked=checked, piece="CNIE\x00 recto",
                               application=application)  # fmt: skip
    assert Document.objects.get(pk=document.pk).piece == "CNIE recto"


def test_a_document_belongs_to_exactly_one_application_or_change(application):
    checked = check_upload(("cnie.pdf", PDF))
    with pytest.raises(ValueError, match="one application or one change"):
        document_attach(actor=None, checked=checked)
    assert not Document.objects.exists()


def test_application_documents_are_checked_before_anything_is_written(db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match="Format refusé"):
        application_receive(
            actor=None,
            kind="professional",
            channel="online",
            data=doctor_form(2),
            documents=[
                ("copie de la CNIE", upload("cnie.pdf", PDF)),
                ("attestation de l'Ordre", upload("ordre.pdf", b"MZ\x90\x00")),
            ],
        )
    assert not Document.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))
