"""REST endpoints of e-réclamations: the CSP's published suspensions (public data, under
/api/v1/complaints/)."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from snigi.complaints.selectors_commissions import published_suspensions

router = Router(tags=["complaints"])


class SuspensionOut(Schema):
    inpe: str
    name: str
    category: str = Field(..., description="the provider's category code")
    commune: str
    csp_session_on: datetime.date | None
    start: datetime.date
    end: datetime.date
    published_on: datetime.date
    in_force: bool = Field(..., description="the provider is out of the convention today")


class SuspensionPage(Schema):
    count: int
    page: int
    pages: int
    results: list[SuspensionOut]


@router.get("/suspensions", response=SuspensionPage, auth=None)
def suspensions(
    request: HttpRequest,
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(50, ge=1, le=200),
) -> SuspensionPage:
    """The suspensions from the national convention (mise hors convention) pronounced by the
    CSP and published at the director general's request, the latest first. Public."""
    paginator = Paginator(published_suspensions(), page_size)
    current = paginator.get_page(page)
    today = timezone.localdate()
    results = []
    for case in current:
        start, end = case.suspension_start, case.suspension_end
        if start is None or end is None or case.published_on is None:  # excluded by the query
            continue
        results.append(
            SuspensionOut(
                inpe=case.provider.inpe,
                name=case.provider.name,
                category=case.provider.category.code,
                commune=case.provider.commune.name_fr,
                csp_session_on=case.csp_session.held_on if case.csp_session else None,
                start=start,
                end=end,
                published_on=case.published_on,
                in_force=start <= today <= end,
            )
        )
    return SuspensionPage(
        count=paginator.count, page=current.number, pages=paginator.num_pages, results=results
    )
