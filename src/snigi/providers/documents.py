"""Supporting documents: PDF, JPEG or PNG only, recognised by their content (never by their
name), at most 10 MB, kept with their SHA-256."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.providers.models import Application, Document, ProviderChange

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Images bigger than this many pixels are refused before decoding (a "decompression bomb").
MAX_IMAGE_PIXELS = 60_000_000
# Pillow names a JPEG with the multi-picture extension that phone cameras write "MPO".
IMAGE_FORMATS = {"JPEG": {"JPEG", "MPO"}, "PNG": {"PNG"}}
# A PNG ends with this chunk (length 0, type IEND and its fixed CRC); Pillow decodes the pixels
# without reading it, so a file cut after its image data would pass the decoding.
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


@dataclass(frozen=True)
class CheckedDocument:
    content: bytes
    content_type: str
    sha256: str
    name: str


def _image_type(content: bytes, expected: str) -> str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format not in IMAGE_FORMATS[expected]:
                    raise ValidationError(f"Image illisible : format {image.format} annoncé.")
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValidationError("Image trop grande (plus de 60 millions de pixels).")
                image.load()  # decodes it whole: a truncated or corrupt image fails here
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise ValidationError("Image illisible, corrompue ou tronquée.") from exc
    return "image/png" if expected == "PNG" else "image/jpeg"


def sniff_document(content: bytes) -> str:
    """The content type of an acceptable document, or ValidationError saying why not."""
    if not content:
        raise ValidationError("Le fichier est vide.")
    if len(content) > MAX_DOCUMENT_BYTES:
        size = len(content) / (1024 * 1024)
        raise ValidationError(f"Le fichier fait {size:.1f} Mo : au plus 10 Mo sont acceptés.")
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-2048:]:
            raise ValidationError("PDF incomplet ou tronqué (marque de fin absente).")
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return _image_type(content, "JPEG")
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        if PNG_END not in content:
            raise ValidationError("Image illisible ou tronquée (fin du fichier PNG absente).")
        return _image_type(content, "PNG")
    raise ValidationError(
        "Format refusé : seuls les fichiers PDF, JPEG et PNG sont acceptés "
        "(le contenu est vérifié, pas le nom)."
    )


def check_upload(upload: UploadedFile | tuple[str, bytes]) -> CheckedDocument:
    """Read an upload (or a ``(name, bytes)`` pair) at most 10 MB and check its content."""
    if isinstance(upload, tuple):
        name, content = upload
    else:
        name = upload.name or "document"
        if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
            size = upload.size / (1024 * 1024)
            raise ValidationError(f"« {name} » fait {size:.1f} Mo : au plus 10 Mo sont acceptés.")
        upload.seek(0)
        content = upload.read(MAX_DOCUMENT_BYTES + 1)
    try:
        content_type = sniff_document(content)
    except ValidationError as exc:
        raise ValidationError(f"« {name[:100]} » : {exc.messages[0]}") from exc
    return CheckedDocument(content, content_type, hashlib.sha256(content).hexdigest(), name)


def document_attach(
    *,
    actor: User | None,
    checked: CheckedDocument,
    piece: str = "",
    application: Application | None = None,
    change: ProviderChange | None = None,
) -> Document:
    """Store a checked document against an application or a change (call inside the caller's
    transaction; the file is named by its hash)."""
    if (application is None) == (change is None):
        raise ValueError("a document belongs to one application or one change")
    with acting_as(actor):
        document = Document(
            sha256=checked.sha256,
            content_type=checked.content_type,
            size=len(checked.content),
            original_name=checked.name[:200],
            piece=piece.replace("\x00", "")[:120],  # PostgreSQL refuses NUL
            application=application,
            change=change,
            uploaded_by=actor,
        )
        # Content-addressed: the same content is stored once, whoever sends it again.
        name = f"documents/{checked.sha256[:2]}/{checked.sha256}{EXTENSIONS[checked.content_type]}"
        if not default_storage.exists(name):
            name = default_storage.save(name, ContentFile(checked.content))
        document.file.name = name
        document.save()
    return document
