"""The barcode of an INPE code: Code 128 (subset C packs the 9 digits densely), PNG and SVG."""

from __future__ import annotations

import io

from barcode import Code128
from barcode.writer import ImageWriter, SVGWriter

from snigi.core.inpe import normalise_inpe

_OPTIONS = {"module_height": 12.0, "quiet_zone": 4.0, "font_size": 10, "text_distance": 4.0}


def barcode_png(code: str, *, dpi: int = 300) -> bytes:
    inpe = normalise_inpe(code)
    buffer = io.BytesIO()
    Code128(inpe, writer=ImageWriter()).write(buffer, options={**_OPTIONS, "dpi": dpi})
    return buffer.getvalue()


def barcode_svg(code: str) -> bytes:
    inpe = normalise_inpe(code)
    buffer = io.BytesIO()
    Code128(inpe, writer=SVGWriter()).write(buffer, options=_OPTIONS)
    return buffer.getvalue()
