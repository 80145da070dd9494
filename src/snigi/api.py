"""The REST API at /api/v1/: one NinjaAPI, one router per app."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from snigi.api_bench import router as bench_router
from snigi.beneficiaries.api import router as persons_router
from snigi.beneficiaries.api_ramed import router as ramed_router
from snigi.beneficiaries.api_rights import router as rights_router
from snigi.complaints.api import router as complaints_router
from snigi.complaints.api_commissions import router as commissions_router
from snigi.complaints.api_stats import router as complaint_stats_router
from snigi.core.api import router as core_router
from snigi.core.api_auth import SessionAuth, TokenAuth
from snigi.enrolment_control.api import router as enrolment_lists_router
from snigi.enrolment_control.api_runs import router as enrolment_runs_router
from snigi.providers.api import router as providers_router
from snigi.providers.api_applications import router as applications_router

api = NinjaAPI(
    title="SNIGI API",
    version="1",
    description=(
        "API of SNIGI, the integrated information system of the basic medical coverage "
        "(AMO, RAMED). Authenticate with a session (web login) or a bearer token "
        "(`Authorization: Bearer snigi_…`, issued by `POST /api/v1/tokens`)."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
)
api.add_router("/", core_router)
api.add_router("/persons", persons_router)
api.add_router("/", rights_router)
api.add_router("/", ramed_router)
api.add_router("/", applications_router)  # before /inpe/{code}
api.add_router("/", providers_router)
api.add_router("/complaints", complaint_stats_router)  # before /complaints/{reference}
api.add_router("/complaints", commissions_router)
api.add_router("/complaints", complaints_router)
api.add_router("/enrolment-control/", enrolment_lists_router)
api.add_router("/enrolment-control/", enrolment_runs_router)
api.add_router("/", bench_router)  # 404 unless SNIGI_BENCHMARK_ENDPOINTS is on


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Accès refusé."}, status=403)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.messages}, status=422)
