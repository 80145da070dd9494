"""INPE registry endpoints: the public directory, code verification, barcodes and the holder's
attestation."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from snigi.core.inpe import InpeError
from snigi.core.scoping import request_actor
from snigi.providers import barcodes, selectors
from snigi.providers.attestation import attestation_pdf, attestation_provider_get
from snigi.providers.models import Provider

router = Router(tags=["INPE"])
NO_NUL = r"^[^\x00]*$"
CODE = Path(..., max_length=40, pattern=NO_NUL)


class ProviderOut(Schema):
    inpe: str
    name: str
    name_ar: str
    kind: str
    category: str = Field(..., alias="category.code")
    category_label: str = Field(..., alias="category.name_fr")
    specialty: str
    sector: str
    commune: str = Field(..., alias="commune.name_fr")
    province: str = Field(..., alias="commune.province.code")
    status: str


class DirectoryPage(Schema):
    count: int = Field(..., description="matches, counted up to 1000 (see count_capped)")
    count_capped: bool = Field(..., description="more than 1000 matches: refine the search")
    page: int
    pages: int
    results: list[ProviderOut]


class ConventionOut(Schema):
    status: str
    since: datetime.date | None
    until: datetime.date | None
    under_convention: bool


class VerificationOut(Schema):
    inpe: str
    valid: bool
    active: bool
    date: datetime.date
    provider: ProviderOut
    convention: ConventionOut


@router.get("/providers", response=DirectoryPage, auth=None)
def directory(
    request: HttpRequest,
    q: str = Query("", max_length=100, pattern=NO_NUL),
    category: str = Query("", max_length=40, pattern=NO_NUL),
    province: str = Query("", max_length=10, pattern=NO_NUL),
    sector: str = Query("", pattern="^(|public|private)$"),
    status: str = Query("", pattern="^(|active|ceased|deceased|removed)$"),
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
) -> DirectoryPage:
    """Search the national directory of health professionals and establishments."""
    results = selectors.provider_search(
        q=q, category=category, province=province, sector=sector, status=status
    )
    paginator = selectors.DirectoryPaginator(results, page_size)
    current = paginator.get_page(page)
    return DirectoryPage(
        count=min(paginator.count, selectors.DIRECTORY_COUNT_CAP),
        count_capped=paginator.capped,
        page=current.number,
        pages=paginator.num_pages,
        results=list(current.object_list),  # type: ignore[arg-type]
    )


@router.get(
    "/inpe/{code}",
    response={200: VerificationOut, 404: dict, 422: dict},
    auth=None,
)
def verify(
    request: HttpRequest, code: str = CODE, date: datetime.date | None = None
) -> VerificationOut:
    """Is this INPE valid, active and under the national convention today (or on ``date``)?"""
    try:
        result = selectors.inpe_verify(code, on=date)
    except InpeError as exc:
        raise HttpError(422, str(exc)) from exc
    except Provider.DoesNotExist as exc:
        raise HttpError(404, "Aucun prestataire ne porte ce code INPE.") from exc
    return VerificationOut(
        inpe=result.inpe,
        valid=True,
        active=result.active,
        date=result.on,
        provider=result.provider,  # type: ignore[arg-type]
        convention=ConventionOut(
            status=result.convention.status,
            since=result.convention.since,
            until=result.convention.until,
            under_convention=result.convention.under_convention,
        ),
    )


def _barcode(code: str, render: object, content_type: str) -> HttpResponse:
    try:
        body = render(code)  # type: ignore[operator]
    except InpeError as exc:
        raise HttpError(422, str(exc)) from exc
    return HttpResponse(body, content_type=content_type)


@router.get("/inpe/{code}/barcode.png", auth=None, response={200: None, 422: dict})
def barcode_png(request: HttpRequest, code: str = CODE) -> HttpResponse:
    """The Code 128 barcode of a well-formed INPE code, as PNG."""
    return _barcode(code, barcodes.barcode_png, "image/png")


@router.get(
    "/inpe/{code}/barcode.svg", auth=None, response={200: None, 422: dict}, url_name="barcode_svg"
)
def barcode_svg(request: HttpRequest, code: str = CODE) -> HttpResponse:
    """The Code 128 barcode of a well-formed INPE code, as SVG."""
    return _barcode(code, barcodes.barcode_svg, "image/svg+xml")


@router.get(
    "/inpe/{code}/attestation.pdf",
    response={200: None, 403: dict, 404: dict, 422: dict},
    url_name="inpe_attestation",
)
def attestation(request: HttpRequest, code: str = CODE) -> HttpResponse:
    """The attestation of attribution of an INPE code (PDF, French and Arabic), for its holder
    and the INPE officers."""
    try:
        provider = attestation_provider_get(actor=request_actor(request), code=code)
    except InpeError as exc:
        raise HttpError(422, str(exc)) from exc
    except Provider.DoesNotExist as exc:
        raise HttpError(404, "Aucun prestataire ne porte ce code INPE.") from exc
    response = HttpResponse(attestation_pdf(provider), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="attestation-inpe-{provider.inpe}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
