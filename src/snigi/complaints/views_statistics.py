"""The statistics page of e-réclamations: the report of ``statistics.complaint_report`` over a
period of receipt dates, laid out like the seed's tables (seed 002, V–VI), each table with its
chart (Chart.js, vendored), and its CSV and XLSX exports."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from snigi.complaints import statistics
from snigi.complaints.statistics_export import report_csv, report_tables, report_xlsx
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO: what type=date reads
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the widget's, and a date typed the French way


def _date_field(label: StrOrPromise) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE,
        input_formats=DATE_FORMATS,
        error_messages={
            "required": gettext_lazy("Ce champ est obligatoire."),
            "invalid": gettext_lazy("Date invalide (format JJ/MM/AAAA ou AAAA-MM-JJ)."),
        },
    )


class PeriodForm(forms.Form):
    start = _date_field(gettext_lazy("Reçus du"))
    end = _date_field(gettext_lazy("au"))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, datetime.date) and isinstance(end, datetime.date):
            try:
                statistics.check_period(start, end)
            except statistics.PeriodError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned


def _default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today.replace(month=1, day=1), today


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """The report over the period asked (by default, the current year to date)."""
    actor = request_actor(request)
    require(actor, Capability.VIEW_COMPLAINT_STATISTICS)
    start, end = _default_period()
    form = PeriodForm(request.GET if "start" in request.GET or "end" in request.GET else None,
                      initial={"start": start, "end": end})  # fmt: skip
    if form.is_bound:
        if not form.is_valid():
            return render(request, "complaints/statistics.html", {"form": form}, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        form = PeriodForm(initial={"start": start, "end": end})  # shown as ISO dates
    report = statistics.complaint_report(actor=actor, start=start, end=end)
    export = request.GET.get("format", "")
    name = f"reclamations-{start}-{end}"
    if export == "csv":
        return _download(report_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    if export == "xlsx":
        return _download(report_xlsx(report), XLSX, f"{name}.xlsx")
    tables = report_tables(report)
    charts = {table.key: table.chart.as_json() for table in tables if table.chart}
    context = {
        "form": form,
        "report": report,
        "tables": tables,
        "charts": charts,
        "query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
    }
    return render(request, "complaints/statistics.html", context)
