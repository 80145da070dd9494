"""Benchmark-only endpoints: the stack's own ceiling, for ``benchmarks/rights_check.py``.

``GET /api/v1/bench/bare?cnie=…`` goes through the same server, middleware, API and bearer-token
authentication as ``/api/v1/rights`` but does one indexed lookup and returns a tiny JSON. It does
not exist (404, before any authentication, absent from the OpenAPI document) unless
``SNIGI_BENCHMARK_ENDPOINTS`` is on; the setting is read per request, so tests can turn it on.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema

from snigi.beneficiaries.models import Person
from snigi.core.api_auth import SessionAuth, TokenAuth


def benchmark_endpoints_enabled(request: HttpRequest) -> None:
    """First in the authentication chain: 404 while the setting is off; then the usual chain."""
    if not settings.BENCHMARK_ENDPOINTS:
        raise Http404


router = Router(auth=[benchmark_endpoints_enabled, TokenAuth(), SessionAuth()])


class BareOut(Schema):
    found: bool


@router.get("/bench/bare", response=BareOut, include_in_schema=False)
def bare(request: HttpRequest, cnie: str = Query("", max_length=40)) -> BareOut:
    """One indexed lookup of a person by CNIE, nothing else (no access log: no file is shown)."""
    pk = Person.objects.filter(cnie=cnie).values_list("pk", flat=True).first()
    return BareOut(found=pk is not None)
