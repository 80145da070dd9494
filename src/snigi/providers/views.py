"""Public pages of the INPE registry: the directory and the code verification."""

from __future__ import annotations

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from snigi.core.inpe import InpeError
from snigi.core.selectors import province_list
from snigi.providers import selectors
from snigi.providers import statistics as stats
from snigi.providers.models import Category, Kind, Provider, Sector


def directory(request: HttpRequest) -> HttpResponse:
    params = {
        key: request.GET.get(key, "")[:100].replace("\x00", "")
        for key in ("q", "category", "province", "sector", "status")
    }
    results = selectors.provider_search(**params)
    paginator = selectors.DirectoryPaginator(results, 25)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "capped": paginator.capped,
        "cap": selectors.DIRECTORY_COUNT_CAP,
        "params": params,
        "categories": Category.objects.all(),
        "provinces": province_list(),
        "sectors": Sector.choices,
    }
    return render(request, "providers/directory.html", context)


def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")[:40].replace("\x00", "")
    day = request.GET.get("date", "")[:10]
    context: dict[str, object] = {"code": code, "date": day}
    if code:
        try:
            on = datetime.date.fromisoformat(day) if day else None
            context["result"] = selectors.inpe_verify(code, on=on)
        except InpeError as exc:
            context["error"] = str(exc)
        except ValueError:
            context["error"] = _("Date invalide (format AAAA-MM-JJ).")
        except Provider.DoesNotExist:
            context["error"] = _("Aucun prestataire ne porte ce code INPE.")
    return render(request, "providers/verify.html", context)


def statistics(request: HttpRequest) -> HttpResponse:
    """Table 7: attributions by category, public and private, over a period; CSV or XLSX."""
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", "")[:10])
        end = datetime.date.fromisoformat(request.GET.get("end", "")[:10])
        error = ""
    except ValueError:
        start, end = today.replace(month=1, day=1), today
        error = _("Dates invalides (format AAAA-MM-JJ) : période par défaut.") if (
            request.GET.get("start") or request.GET.get("end")
        ) else ""  # fmt: skip
    if end < start:
        start, end, error = end, start, _("Période inversée : dates remises dans l'ordre.")
    table = stats.attribution_table(start=start, end=end)
    export = request.GET.get("format", "")
    name = f"attributions-inpe-{start}-{end}"
    if export == "csv":
        response = HttpResponse(stats.table_csv(table), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if export == "xlsx":
        response = HttpResponse(stats.table_xlsx(table), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    kinds = [
        (label, [r for r in table.rows if r.kind == kind], table.kind_total(kind),
         table.registered[kind])
        for kind, label in Kind.choices
    ]  # fmt: skip
    context = {"table": table, "kinds": kinds, "error": error, "start": start, "end": end}
    return render(request, "providers/statistics.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
