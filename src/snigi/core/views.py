from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from snigi import __version__
from snigi.core import home as role_home
from snigi.core import selectors, services
from snigi.core.audit import LogEntry
from snigi.core.forms import HolidayRescheduleForm, WorkingDaysForm
from snigi.core.models import PublicHoliday
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "core/landing.html", {"stats": role_home.public_stats()})
    return render(request, "core/home.html", role_home.home_context(request_actor(request)))


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


def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = min(max(int(request.GET.get("year", today.year)), 2000), 2100)
    except ValueError:
        year = today.year
    context: dict[str, object] = {
        "year": year,
        "holidays": selectors.holiday_list(year=year),
        "start": request.GET.get("start", ""),
        "days": request.GET.get("days", ""),
        "end": request.GET.get("end", ""),
        "errors": [],
        "can_reschedule": role_has(getattr(request.user, "role", ""), Capability.MANAGE_CALENDAR),
    }
    if "start" in request.GET:
        context.update(_working_days_results(WorkingDaysForm(request.GET)))
    template = "core/_calendar_result.html" if request.headers.get("HX-Request") else None
    return render(request, template or "core/calendar.html", context)


def _working_days_results(form: WorkingDaysForm) -> dict[str, object]:
    if not form.is_valid():
        return {"errors": [e for errors in form.errors.values() for e in errors]}
    start, days, end = (form.cleaned_data[k] for k in ("start", "days", "end"))
    results: dict[str, object] = {"errors": []}
    if days is not None:
        try:
            results["result_date"] = selectors.add_working_days(start, days)
        except OverflowError:
            results["errors"] = [_("La date résultante sort du calendrier.")]
    if end is not None:
        results["result_count"] = selectors.working_days_between(start, end)
    return results


@login_required
@require_POST
def holiday_reschedule(request: HttpRequest, holiday_id: int) -> HttpResponse:
    """An administrator fixes a religious holiday after the moon sighting (its second day
    follows)."""
    form = HolidayRescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    else:
        try:
            moved = services.public_holiday_reschedule(
                actor=request_actor(request),
                holiday_id=holiday_id,
                new_date=form.cleaned_data["date"],
            )
        except PublicHoliday.DoesNotExist as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s : date confirmée au %(date)s.")
                % {"name": moved[0].name_fr, "date": moved[0].date.isoformat()},
            )
    year = form.cleaned_data["date"].year if form.is_valid() else ""
    return redirect(f"{reverse('core:calendar')}?year={year}")


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    actions = {str(value): value for value, _label in LogEntry.Action.choices}
    action_value = actions.get(request.GET.get("action", ""))
    model = request.GET.get("model", "")
    model = model if model.isidentifier() and len(model) <= 100 else ""
    object_pk = request.GET.get("object", "").strip()
    object_pk = object_pk if object_pk.isdigit() and len(object_pk) <= 19 else ""
    entries = selectors.audit_entries_for_actor(
        actor=request_actor(request), action=action_value, model=model, object_pk=object_pk
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit.html",
        {
            "page": page,
            "actions": LogEntry.Action.choices,
            "action": action_value,
            "model": model,
            "object": object_pk,
        },
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
        {
            "status": "ok" if status == 200 else "degraded",
            "version": __version__,
            "database": database,
        },
        status=status,
    )
