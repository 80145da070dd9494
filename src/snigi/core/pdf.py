"""Bilingual PDF pages (French on the left, Arabic on the right) with ReportLab, shared by the
documents SNIGI issues (the INPE attestation, the complaint letters).

Arabic text is shaped (``arabic-reshaper``: contextual letter forms and ligatures) and put in
visual order (``python-bidi``), then written in Noto Naskh Arabic (vendored in ``fonts/``,
embedded as a subset); every run of Latin text is written in Helvetica, since the Arabic font has
no Latin letters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).resolve().parent / "fonts"
LATIN, LATIN_BOLD = "Helvetica", "Helvetica-Bold"
ARABIC, ARABIC_BOLD = "NotoNaskhArabic", "NotoNaskhArabic-Bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 20 * mm
MIDDLE = PAGE_WIDTH / 2
COLUMN = MIDDLE - MARGIN - 6 * mm  # width of the French and of the Arabic column
ANAM_GREEN = colors.HexColor("#00594f")
GREY = colors.HexColor("#5f6368")
ALERT = colors.HexColor("#b3261e")


# --- Fonts and bidirectional text ------------------------------------------------------------

_font_lock = threading.Lock()
_arabic_coverage: frozenset[int] = frozenset()


def arabic_font_coverage() -> frozenset[int]:
    """Register the Arabic fonts with ReportLab (once per process); the code points they draw."""
    global _arabic_coverage
    with _font_lock:
        if not _arabic_coverage:
            regular = TTFont(ARABIC, str(FONT_DIR / "NotoNaskhArabic-Regular.ttf"))
            pdfmetrics.registerFont(regular)
            pdfmetrics.registerFont(TTFont(ARABIC_BOLD, str(FONT_DIR / "NotoNaskhArabic-Bold.ttf")))
            _arabic_coverage = frozenset(regular.face.charToGlyph)
    return _arabic_coverage


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" or "\u0750" <= char <= "\u077f" for char in text)


def visual(text: str, *, rtl: bool) -> str:
    """``text`` as drawn from left to right: Arabic shaped into its presentation forms, then
    reordered by the Unicode bidirectional algorithm (base direction right-to-left for the Arabic
    column). Text without Arabic letters comes back unchanged."""
    if not _has_arabic(text):
        return text
    return get_display(arabic_reshaper.reshape(text), base_dir="R" if rtl else "L")


def runs(drawn: str, *, bold: bool) -> Iterator[tuple[str, str]]:
    """(font, text) runs of a visual string: the Arabic font where it has the glyph of a
    non-ASCII character, Helvetica elsewhere; spaces stay with the run they follow."""
    coverage = arabic_font_coverage()
    arabic, latin = (ARABIC_BOLD, LATIN_BOLD) if bold else (ARABIC, LATIN)
    font, run = "", ""
    for char in drawn:
        wanted = arabic if ord(char) > 0x7F and ord(char) in coverage else latin
        if run and wanted != font and char != " ":
            yield font, run
            run = ""
        if not run:
            font = wanted
        run += char
    if run:
        yield font, run


@dataclass(frozen=True)
class Style:
    size: float
    bold: bool = False
    color: colors.Color = colors.black
    leading: float = 1.3  # line height, times the size (Naskh needs more than Latin)

    @property
    def line_height(self) -> float:
        return self.size * self.leading


def scaled(style: Style, scale: float) -> Style:
    return replace(style, size=style.size * scale)


def text_width(text: str, style: Style, *, rtl: bool) -> float:
    drawn = visual(text, rtl=rtl)
    return sum(
        pdfmetrics.stringWidth(run, font, style.size) for font, run in runs(drawn, bold=style.bold)
    )


def wrap(text: str, style: Style, width: float, *, rtl: bool) -> list[str]:
    """Lines of at most ``width``, cut between words in logical order (so that a right-to-left
    paragraph reads from its top line down), each line reordered on its own when drawn."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", style, rtl=rtl) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


# --- Drawing ---------------------------------------------------------------------------------


class Page:
    """A canvas and a cursor going down the page."""

    def __init__(self, canvas: Canvas) -> None:
        self.canvas = canvas
        self.y = PAGE_HEIGHT - MARGIN

    def line(self, text: str, x: float, y: float, style: Style, *, align: str, rtl: bool) -> None:
        """One line at baseline ``y``; ``x`` is its left edge, right edge or centre."""
        parts = list(runs(visual(text, rtl=rtl), bold=style.bold))
        width = sum(pdfmetrics.stringWidth(run, font, style.size) for font, run in parts)
        x -= {"left": 0, "right": width, "centre": width / 2}[align]
        self.canvas.setFillColor(style.color)
        for font, run in parts:
            self.canvas.setFont(font, style.size)
            self.canvas.drawString(x, y, run)
            x += pdfmetrics.stringWidth(run, font, style.size)

    def block(
        self, text: str, x: float, y: float, style: Style, *, width: float, rtl: bool
    ) -> float:
        """A wrapped paragraph from the top ``y``, aligned left (French) or right (Arabic, with
        ``x`` its right edge); returns its height."""
        lines = wrap(text, style, width, rtl=rtl)
        step = style.line_height
        for number, text_line in enumerate(lines, start=1):
            baseline = y - number * step + style.size * (style.leading - 1)
            self.line(text_line, x, baseline, style, align="right" if rtl else "left", rtl=rtl)
        return len(lines) * step

    def centred(self, text: str, style: Style, *, rtl: bool = False) -> None:
        for text_line in wrap(text, style, PAGE_WIDTH - 2 * MARGIN, rtl=rtl):
            self.y -= style.line_height
            self.line(text_line, MIDDLE, self.y + style.size * 0.3, style, align="centre", rtl=rtl)

    def pair(self, french: str, arabic: str, style: Style, arabic_style: Style) -> None:
        """French in the left column, Arabic in the right one, side by side."""
        left = self.block(french, MARGIN, self.y, style, width=COLUMN, rtl=False)
        right = self.block(
            arabic, PAGE_WIDTH - MARGIN, self.y, arabic_style, width=COLUMN, rtl=True
        )
        self.y -= max(left, right)

    def rule(self, color: colors.Color = ANAM_GREEN, width: float = 0.6) -> None:
        self.canvas.setStrokeColor(color)
        self.canvas.setLineWidth(width)
        self.canvas.line(MARGIN, self.y, PAGE_WIDTH - MARGIN, self.y)
