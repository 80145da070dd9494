from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from snigi import __version__
from snigi.core import home as role_home
from snigi.core import selectors
from snigi.core.audit import LogEntry


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"stats": role_home.public_stats()})
    return render(request, "core/home.html", role_home.home_context(request.user))  # type: ignore[arg-type]


def reference(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/reference.html",
        {
            "regions": selectors.region_list().prefetch_related("provinces"),
            "organisations": selectors.organisation_list(),
            "regimes": selectors.regime_list(),
        },
    )


def _parse_date(raw: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def calendar(request: HttpRequest) -> HttpResponse:
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date in the server's zone
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    context: dict[str, object] = {
        "year": year,
        "holidays": selectors.holiday_list(year=year),
        "start": request.GET.get("start", ""),
        "days": request.GET.get("days", ""),
        "end": request.GET.get("end", ""),
    }
    start = _parse_date(request.GET.get("start"))
    errors = []
    if "start" in request.GET:
        if start is None:
            errors.append("Date de départ invalide (format AAAA-MM-JJ).")
        else:
            days_raw = request.GET.get("days", "")
            end = _parse_date(request.GET.get("end"))
            if days_raw:
                try:
                    days = int(days_raw)
                    if abs(days) > 3650:
                        raise ValueError
                    context["result_date"] = selectors.add_working_days(start, days)
                except (ValueError, OverflowError):
                    errors.append("Nombre de jours ouvrables invalide (entier entre -3650 et 3650).")
            if request.GET.get("end"):
                if end is None:
                    errors.append("Date de fin invalide (format AAAA-MM-JJ).")
                else:
                    context["result_count"] = selectors.working_days_between(start, end)
    context["errors"] = errors
    template = "core/_calendar_result.html" if request.headers.get("HX-Request") else (
        "core/calendar.html"
    )
    return render(request, template, context)


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    action = request.GET.get("action")
    action_value = int(action) if action and action.isdigit() else None
    try:
        entries = selectors.audit_entries_for_actor(
            actor=request.user, action=action_value  # type: ignore[arg-type]
        )
    except PermissionDenied:
        raise
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit.html",
        {"page": page, "actions": LogEntry.Action.choices, "action": action_value},
    )


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database state, for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except DatabaseError as exc:
        database = {"status": "error", "vendor": connection.vendor, "error": type(exc).__name__}
        status = 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "version": __version__,
         "database": database},
        status=status,
    )
