"""Sample inputs of the INPE workflow tests: real tiny documents (PDF, PNG, JPEG made with
Pillow) and the application forms of a doctor and a clinic."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from snigi.providers.models import InpeSerial

# A minimal but well-formed PDF: header, one empty page, cross-reference table, trailer, %%EOF.
PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000052 00000 n \n0000000101 00000 n \n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n"
)
AMINE_INPE = "100000011"  # the provider persona's code (tests/conftest.py)


def image_bytes(image_format: str, size: tuple[int, int] = (40, 30)) -> bytes:
    """A real image in ``image_format`` (noise, so that the compressed data is not trivial)."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 40).convert("RGB").save(buffer, image_format)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG")


def jpeg_bytes() -> bytes:
    return image_bytes("JPEG")


def pdf_of_size(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes (a comment pads it before the end marker)."""
    head, tail = b"%PDF-1.4\n%", b"\n%%EOF\n"
    return head + b"x" * (size - len(head) - len(tail)) + tail


def upload(name: str = "piece.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def doctor_form(n: int = 1, **extra: str) -> dict[str, str]:
    data = {
        "category_code": "MEDECIN_GENERALISTE",
        "sector": "private",
        "name": f"Dr Test {n}",
        "commune_code": "141.001",
        "cnie": f"BK{n:06d}",
        "order_number": f"ORD-{n}",
        "email": f"dr{n}@example.ma",
    }
    return data | extra


def clinic_form(n: int = 1, **extra: str) -> dict[str, str]:
    data = {
        "category_code": "CLINIQUE",
        "sector": "public",
        "name": f"Clinique {n}",
        "commune_code": "141.001",
        "authorisation_number": f"AUT-{n}",
        "email": f"clinique{n}@example.ma",
    }
    return data | extra


def next_code_is_amines() -> None:
    """Position the register's counter so that the next code allocated is ``AMINE_INPE``, the
    code the provider persona's account carries."""
    InpeSerial.objects.update_or_create(pk=1, defaults={"next_serial": 10_000_001})
