"""Public pages of the INPE registry: the directory and the code verification."""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from snigi.core.inpe import InpeError
from snigi.core.selectors import province_list
from snigi.providers import selectors
from snigi.providers.models import Category, Provider, Sector


def directory(request: HttpRequest) -> HttpResponse:
    params = {
        key: request.GET.get(key, "")[:100].replace("\x00", "")
        for key in ("q", "category", "province", "sector", "status")
    }
    results = selectors.provider_search(**params)
    page = Paginator(results, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
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
