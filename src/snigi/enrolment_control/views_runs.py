"""The control runs (ANAM's control officer): the runs and the launch form
(``control.queue_control`` then ``control.launch``), one run with its pairs by band and what
the review decisions say of the model, the notices to the bodies (``notify.notify_run``), and
the report (``reports.conflict_report``) with its CSV export. No person's row on these pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from snigi.core.models import Organisation, Regime, Region
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor, require
from snigi.core.templatetags.snigi import localized_name
from snigi.enrolment_control import control, notify, reports, review
from snigi.enrolment_control.forms import LaunchForm
from snigi.enrolment_control.models import CandidatePair, ControlRun
from snigi.enrolment_control.views import PAGE_SIZE, render_page

LINK, REVIEW = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW
IN_PROGRESS = (ControlRun.Status.QUEUED, ControlRun.Status.RUNNING)
REFRESH_SECONDS = 5
OTHER_REPORTS = 10  # the latest finished runs, linked from a report


def runs_with_counts() -> QuerySet[ControlRun]:
    """The runs, the last first, with their pairs by band and the pairs still to decide."""
    return (
        ControlRun.objects.select_related("started_by")
        .prefetch_related("lists__organisation")
        .annotate(
            links=Count("pairs", filter=Q(pairs__band=LINK)),
            to_review=Count("pairs", filter=Q(pairs__band=REVIEW)),
            undecided=Count("pairs", filter=Q(pairs__band=REVIEW, pairs__decision__isnull=True)),
        )
        .order_by("-created_at", "-pk")
    )


@never_cache
@login_required
def runs(request: HttpRequest) -> HttpResponse:
    """The runs, and the form that launches one."""
    actor = request_actor(request)
    require(actor, Capability.RUN_ENROLMENT_CONTROL)
    control.fail_stale()  # a run its stopped process left running ends failed
    form = LaunchForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = control.queue_control(
                    actor=actor,
                    lists=list(data["lists"]),
                    threshold=data["threshold"],
                    review_floor=data["review_floor"],
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                control.launch(run)
                messages.success(
                    request, _("Contrôle n° %(number)d lancé : il est en file d'attente.")
                    % {"number": run.pk},
                )  # fmt: skip
                return redirect("enrolment-control:run_detail", run.pk)
        status = 400
    page = Paginator(runs_with_counts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "runs.html", {"form": form, "page": page}, current="runs",
                       status=status)  # fmt: skip


def _notify(request: HttpRequest, run: ControlRun) -> HttpResponse:
    try:
        created = notify.notify_run(actor=request_actor(request), run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                ngettext(
                    "%(count)d signalement envoyé aux organismes concernés.",
                    "%(count)d signalements envoyés aux organismes concernés.",
                    created,
                )
                % {"count": created},
            )
        else:
            messages.info(
                request, _("Aucun nouveau signalement : les organismes ont déjà été notifiés.")
            )
    return redirect("enrolment-control:run_detail", run.pk)


@never_cache
@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its state (the page polls it while the run waits or runs, and reloads when it
    ends), its lists, its
    pairs by band and the review's measures; POST notifies the bodies."""
    actor = request_actor(request)
    require(actor, Capability.RUN_ENROLMENT_CONTROL)
    control.fail_stale()  # a run its stopped process left running ends failed
    run = get_object_or_404(runs_with_counts(), pk=pk)
    if request.method == "POST":
        require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
        return _notify(request, run)
    done = run.status == ControlRun.Status.DONE
    in_progress = run.status in IN_PROGRESS
    context = {
        "run": run,
        "lists": run.lists.select_related("organisation", "regime").order_by(
            "organisation__code", "kind", "situation_date"
        ),
        "done": done,
        "in_progress": in_progress,
        "refresh": REFRESH_SECONDS if in_progress and request.GET.get("actualiser") != "non" else 0,
        "measures": review.measures(run) if done else None,
        "notices": run.notices.count(),
        "can_review": role_has(actor.role, Capability.REVIEW_DOUBLE_ENROLMENT),
        "can_report": role_has(actor.role, Capability.VIEW_ENROLMENT_CONTROL_REPORTS),
    }
    return render_page(request, "run_detail.html", context, current="runs")


@never_cache
@login_required
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the run page (htmx) while the run waits or runs: nothing to do (204) until
    it ends, then ``HX-Refresh`` reloads the page."""
    require(request_actor(request), Capability.RUN_ENROLMENT_CONTROL)
    run = get_object_or_404(ControlRun.objects.only("status"), pk=pk)
    if run.status in IN_PROGRESS:
        return HttpResponse(status=204)
    response = HttpResponse(status=200)
    response["HX-Refresh"] = "true"
    return response


def _names(codes: set[str]) -> dict[str, str]:
    """A regime's (or, for a list without regime, a body's) name in the active language."""
    names = {o.code: localized_name(o) for o in Organisation.objects.filter(code__in=codes)}
    names.update({r.code: localized_name(r) for r in Regime.objects.filter(code__in=codes)})
    return names


@never_cache
@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's double enrolments by pair of regimes and by region, and what the rules settle."""
    actor = request_actor(request)
    require(actor, Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    run = get_object_or_404(ControlRun, pk=pk)
    conflicts = reports.conflict_report(run)
    names = _names({code for a, b, _n in conflicts.by_regimes for code in (a, b)})
    regions = {  # the report names regions in French (its CSV too): the page in its language
        r.name_fr: localized_name(r)
        for r in Region.objects.filter(name_fr__in=[name for name, _ in conflicts.by_region])
    }
    context = {
        "run": run,
        "report": conflicts,
        "lists": run.lists.select_related("organisation", "regime").order_by(
            "organisation__code", "kind", "situation_date"
        ),
        "by_regimes": [
            {"a": a, "b": b, "name_a": names.get(a, ""), "name_b": names.get(b, ""), "count": n}
            for a, b, n in conflicts.by_regimes
        ],
        "by_region": [
            {"region": "" if region == reports.UNKNOWN else regions.get(region, region), "count": n}
            for region, n in conflicts.by_region
        ],
        "done": run.status == ControlRun.Status.DONE,
        "can_see_run": role_has(actor.role, Capability.RUN_ENROLMENT_CONTROL),
        "other_runs": ControlRun.objects.filter(status=ControlRun.Status.DONE)
        .exclude(pk=run.pk)
        .order_by("-created_at", "-pk")[:OTHER_REPORTS],
    }
    return render_page(request, "report.html", context)


@never_cache
@login_required
def report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as CSV (UTF-8 with BOM, ``;``), as an attachment."""
    actor = request_actor(request)
    require(actor, Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    run = get_object_or_404(ControlRun, pk=pk)
    response = HttpResponse(reports.report_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="controle-{run.pk}-rapport.csv"'
    return response
