"""The INPE attestation: one A4 page, in French and Arabic, that the holder of a code downloads.

ReportLab draws it with the bilingual page of ``snigi.core.pdf`` (Arabic shaped and put in visual
order, written in the embedded Noto Naskh Arabic; Latin runs in Helvetica). The Code 128 barcode
is vector. The output is deterministic: the
same provider on the same day gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.text import capfirst
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from snigi.core.models import Province, User
from snigi.core.pdf import (
    ALERT,
    ANAM_GREEN,
    COLUMN,
    GREY,
    LATIN,
    MARGIN,
    MIDDLE,
    PAGE_WIDTH,
    Page,
    Style,
    arabic_font_coverage,
)
from snigi.core.pdf import FONT_DIR as FONT_DIR  # re-exported (the attestation tests)
from snigi.core.pdf import scaled as _scaled
from snigi.core.pdf import wrap as _wrap
from snigi.providers.models import Kind, Provider, Sector
from snigi.providers.selectors import can_read_provider_file, inpe_canonical

TITLE_FR = "Attestation d'attribution du code INPE"
TITLE_AR = "شهادة منح الرقم الوطني لتعريف مهنيي ومؤسسات الصحة"
KIND_AR = {Kind.PROFESSIONAL: "مهني الصحة", Kind.ESTABLISHMENT: "مؤسسة صحية"}
SECTOR_AR = {Sector.PUBLIC: "عام", Sector.PRIVATE: "خاص"}
STATUS_AR = {
    Provider.Status.ACTIVE: "نشط",
    Provider.Status.CEASED: "توقف عن مزاولة النشاط",
    Provider.Status.DECEASED: "متوفى",
    Provider.Status.REMOVED: "مشطب عليه",
}
AREA_AR = {Province.Kind.PROVINCE: "الإقليم", Province.Kind.PREFECTURE: "العمالة"}
FORBIDDEN = (
    "Seuls le titulaire du code et les gestionnaires INPE peuvent obtenir cette attestation."
)

LABEL_FR, LABEL_AR = 31 * mm, 25 * mm  # width of the labels in the table of details
ROW_GAP = 2.5 * mm
FOOTER_TOP = MARGIN + 24 * mm


# --- Who may have it -------------------------------------------------------------------------


def can_download_attestation(user: User | AnonymousUser | None, provider: Provider) -> bool:
    """The holder of the code (a provider account carrying it) and the INPE officers: the
    readers of the provider's private file."""
    return can_read_provider_file(user, provider)


def attestation_provider_get(*, actor: User | AnonymousUser | None, code: str) -> Provider:
    """The provider whose attestation ``actor`` asks for. Raises ``InpeError`` for a malformed
    code, ``Provider.DoesNotExist`` for an unknown one and ``PermissionDenied`` for anyone but the
    holder and the INPE officers."""
    inpe = inpe_canonical(code)
    provider = Provider.objects.select_related("category", "commune__province").get(inpe=inpe)
    if not can_download_attestation(actor, provider):
        raise PermissionDenied(FORBIDDEN)
    return provider


# --- The attestation -------------------------------------------------------------------------

SMALL_FR = Style(8.5, color=GREY)
SMALL_AR = Style(9.5, color=GREY, leading=1.7)
BODY_FR = Style(10)
BODY_AR = Style(11, leading=1.7)
VALUE_FR = Style(11, bold=True)
VALUE_AR = Style(12, bold=True, leading=1.7)


@dataclass(frozen=True)
class Field:
    label_fr: str
    value_fr: str
    label_ar: str
    value_ar: str


def _date(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _status(provider: Provider, issued_on: datetime.date) -> tuple[str, str]:
    """The status of the code on the day of issue, in French and in Arabic."""
    with translation.override("fr"):
        status_fr = str(Provider.Status(provider.status).label)
    status_ar = STATUS_AR[Provider.Status(provider.status)]
    since = provider.status_since
    if provider.status == Provider.Status.ACTIVE:
        return capfirst(status_fr), status_ar
    if provider.active_on(issued_on) and since is not None:  # a cessation to come
        return (
            f"Actif ; {status_fr} à compter du {_date(since)}",
            f"نشط؛ {status_ar} ابتداء من {_date(since)}",
        )
    return (
        f"Code inactif : {status_fr}" + (f" depuis le {_date(since)}" if since else ""),
        f"رقم غير نشط: {status_ar}" + (f" منذ {_date(since)}" if since else ""),
    )


def _fields(provider: Provider, issued_on: datetime.date) -> list[Field]:
    category, commune = provider.category, provider.commune
    province = commune.province
    status_fr, status_ar = _status(provider, issued_on)
    with translation.override("fr"):
        kind = capfirst(str(Kind(provider.kind).label))
        sector = capfirst(str(Sector(provider.sector).label))
        area = capfirst(str(Province.Kind(province.kind).label))
    fields = [
        Field("Titulaire", provider.name, "صاحب الرقم", provider.name_ar or provider.name),
        Field("Nature", kind, "الصفة", KIND_AR[Kind(provider.kind)]),
        Field("Catégorie", category.name_fr, "الفئة", category.name_ar or category.name_fr),
    ]
    if provider.specialty:
        fields.append(Field("Spécialité", provider.specialty, "التخصص", provider.specialty))
    return [
        *fields,
        Field("Secteur", sector, "القطاع", SECTOR_AR[Sector(provider.sector)]),
        Field("Commune", commune.name_fr, "الجماعة", commune.name_ar or commune.name_fr),
        Field(
            area,
            province.name_fr,
            AREA_AR[Province.Kind(province.kind)],
            province.name_ar or province.name_fr,
        ),
        Field(
            "Date d'attribution",
            _date(provider.attributed_on),
            "تاريخ المنح",
            _date(provider.attributed_on),
        ),
        Field("Statut du code", status_fr, "وضعية الرقم", status_ar),
    ]


def _header(page: Page) -> None:
    page.pair("Royaume du Maroc", "المملكة المغربية", SMALL_FR, SMALL_AR)
    page.pair(
        "Agence nationale de l'assurance maladie",
        "الوكالة الوطنية للتأمين الصحي",
        Style(11, bold=True, color=ANAM_GREEN),
        Style(12, bold=True, color=ANAM_GREEN, leading=1.7),
    )
    page.pair(
        "Registre national INPE (SNIGI)",
        "السجل الوطني لمهنيي ومؤسسات الصحة",
        SMALL_FR,
        SMALL_AR,
    )
    page.y -= 2 * mm
    page.rule(width=1.2)
    page.y -= 6 * mm


def _title(page: Page) -> None:
    page.centred(TITLE_FR, Style(17, bold=True, color=ANAM_GREEN))
    page.centred(TITLE_AR, Style(17, bold=True, color=ANAM_GREEN, leading=1.8), rtl=True)
    page.y -= 4 * mm
    page.pair(
        "L'Agence nationale de l'assurance maladie atteste que le code INPE ci-dessous a été "
        "attribué au titulaire désigné. Ce code est permanent : il n'est jamais réattribué.",
        "تشهد الوكالة الوطنية للتأمين الصحي بأن الرقم الوطني المبين أدناه قد أسند إلى صاحبه "
        "المذكور، وهو رقم دائم لا يعاد إسناده.",
        BODY_FR,
        BODY_AR,
    )
    page.y -= 4 * mm


def _code_block(page: Page, provider: Provider) -> None:
    """The code in large type and its Code 128 barcode (vector), in a frame."""
    width, height = 110 * mm, 44 * mm
    left, bottom = MIDDLE - width / 2, page.y - height
    page.canvas.setStrokeColor(ANAM_GREEN)
    page.canvas.setLineWidth(1)
    page.canvas.roundRect(left, bottom, width, height, 3 * mm, stroke=1, fill=0)
    top = page.y - 6 * mm
    page.line("Code INPE", left + 4 * mm, top, SMALL_FR, align="left", rtl=False)
    page.line("الرقم الوطني INPE", left + width - 4 * mm, top, SMALL_AR, align="right", rtl=True)
    page.line(provider.inpe, MIDDLE, top - 11 * mm, Style(30, bold=True), align="centre", rtl=False)
    barcode = Code128(
        provider.inpe,
        barWidth=1.2,  # points per module: 3.6 pixels when rendered at 216 dpi
        barHeight=13 * mm,
        humanReadable=True,
        fontName=LATIN,
        fontSize=9,
    )
    barcode.drawOn(page.canvas, MIDDLE - barcode.width / 2, bottom + 6 * mm)
    page.y = bottom - 6 * mm


def _banner(page: Page, status_fr: str, status_ar: str) -> None:
    """An inactive code, said so in red across the page."""
    top, height = page.y, 18 * mm
    page.canvas.setFillColor(ALERT)
    page.canvas.rect(MARGIN, top - height, PAGE_WIDTH - 2 * MARGIN, height, stroke=0, fill=1)
    page.y -= 1.5 * mm
    page.centred(status_fr.upper(), Style(12, bold=True, color=colors.white))
    page.centred(status_ar, Style(13, bold=True, color=colors.white, leading=1.7), rtl=True)
    page.y = top - height - 4 * mm


def _row_height(field: Field, scale: float) -> float:
    french, arabic = _scaled(VALUE_FR, scale), _scaled(VALUE_AR, scale)
    return ROW_GAP + max(
        len(_wrap(field.value_fr, french, COLUMN - LABEL_FR, rtl=False)) * french.line_height,
        len(_wrap(field.value_ar, arabic, COLUMN - LABEL_AR, rtl=True)) * arabic.line_height,
    )


def _details(page: Page, fields: list[Field], *, bottom: float) -> None:
    """One row per field: French label and value on the left, Arabic ones on the right; the
    values get smaller if long ones would not otherwise fit above ``bottom``."""
    room = page.y - bottom
    scale = next(
        (k for k in (1.0, 0.9, 0.8, 0.7) if sum(_row_height(f, k) for f in fields) <= room), 0.6
    )
    french, arabic = _scaled(VALUE_FR, scale), _scaled(VALUE_AR, scale)
    right = PAGE_WIDTH - MARGIN
    for field in fields:
        baseline = page.y - french.size
        page.line(field.label_fr, MARGIN, baseline, SMALL_FR, align="left", rtl=False)
        page.line(field.label_ar, right, baseline, SMALL_AR, align="right", rtl=True)
        height = max(
            page.block(field.value_fr, MARGIN + LABEL_FR, page.y, french,
                       width=COLUMN - LABEL_FR, rtl=False),
            page.block(field.value_ar, right - LABEL_AR, page.y, arabic,
                       width=COLUMN - LABEL_AR, rtl=True),
        )  # fmt: skip
        page.y -= height + 1 * mm
        page.rule(colors.HexColor("#d0d4d8"), 0.4)
        page.y -= ROW_GAP - 1 * mm


def _footer(page: Page, issued_on: datetime.date) -> None:
    page.y = FOOTER_TOP
    page.rule()
    page.y -= 2 * mm
    page.pair(f"Délivrée le {_date(issued_on)}", f"سلمت بتاريخ {_date(issued_on)}",
              BODY_FR, BODY_AR)  # fmt: skip
    page.pair(
        "Le statut de ce code peut être vérifié à tout moment dans l'annuaire public INPE. "
        "Document établi par SNIGI.",
        "يمكن التحقق من وضعية هذا الرقم في أي وقت عبر الدليل العمومي للرقم الوطني.",
        SMALL_FR,
        SMALL_AR,
    )


def attestation_pdf(provider: Provider, *, issued_on: datetime.date | None = None) -> bytes:
    """The attestation of ``provider``'s INPE code, issued on ``issued_on`` (today by default):
    one A4 page, French and Arabic."""
    day = issued_on or timezone.localdate()
    arabic_font_coverage()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(f"{TITLE_FR} {provider.inpe}")
    canvas.setAuthor("ANAM / SNIGI")
    canvas.setSubject(f"Code INPE {provider.inpe} : {provider.name}")
    canvas.setCreator("SNIGI")
    page = Page(canvas)
    _header(page)
    _title(page)
    if not provider.active_on(day):
        _banner(page, *_status(provider, day))
    _code_block(page, provider)
    _details(page, _fields(provider, day), bottom=FOOTER_TOP + 3 * mm)
    _footer(page, day)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
