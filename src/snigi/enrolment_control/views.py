"""The lists the bodies send for the double-enrolment control: the lists received, one list's
metadata, and the upload form (``intake.receive_list``). A fund agent sees and sends its own
body's lists; ANAM's officers every body's. No person's row is shown on these pages.

The section's pages share a sub-navigation (``section_links``) and ``render_page``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from snigi.core.models import User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor, require, scope_for
from snigi.enrolment_control import intake
from snigi.enrolment_control.forms import ListFilterForm, UploadForm
from snigi.enrolment_control.models import SubmittedList

PAGE_SIZE = 25
REFUSALS_SHOWN = 200
SUBMIT, RUN = Capability.SUBMIT_ENROLMENT_LISTS, Capability.RUN_ENROLMENT_CONTROL
REVIEW, ACT = Capability.REVIEW_DOUBLE_ENROLMENT, Capability.ACT_ON_DOUBLE_ENROLMENT
SECTION = (  # url name, label, the capabilities (any of them) that open the page
    ("lists", gettext_lazy("Listes reçues"), (SUBMIT, RUN)),
    ("upload", gettext_lazy("Déposer une liste"), (SUBMIT,)),
    ("runs", gettext_lazy("Contrôles"), (RUN,)),
    ("notices", gettext_lazy("Signalements"), (REVIEW, ACT)),
)


def section_links(actor: User, current: str) -> list[dict[str, object]]:
    """The section's pages ``actor`` may open (the main navigation has no room for them)."""
    return [
        {"label": label, "url": reverse(f"enrolment-control:{name}"), "current": name == current}
        for name, label, capabilities in SECTION
        if any(role_has(actor.role, c) for c in capabilities)
    ]


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, current: str = "",
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    actor = request_actor(request)
    context = {**context, "section": section_links(actor, current)}
    return render(request, f"enrolment_control/{template}", context, status=status)


# --- Selectors ----------------------------------------------------------------------------------


def lists_for_actor(actor: User) -> QuerySet[SubmittedList]:
    """The lists ``actor`` may see: its own body's for a fund agent, every one for ANAM."""
    if not (role_has(actor.role, SUBMIT) or role_has(actor.role, RUN)):
        raise PermissionDenied(_("Votre rôle ne permet pas de consulter les listes reçues."))
    scope = scope_for(actor)
    lists = SubmittedList.objects.select_related("organisation", "regime", "received_by")
    if not scope.national:
        lists = lists.filter(organisation__in=scope.organisation_ids)
    return lists


# --- Pages --------------------------------------------------------------------------------------


@never_cache
@login_required
def lists(request: HttpRequest) -> HttpResponse:
    """The lists received, the last received first; by body, kind and situation date."""
    actor = request_actor(request)
    visible = lists_for_actor(actor)
    form = ListFilterForm(request.GET or None, actor=actor)
    status = 200
    if form.is_bound and not form.is_valid():
        visible, status = visible.none(), 400
    elif form.is_bound:
        visible = form.apply(visible)
    page = Paginator(visible.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "national": scope_for(actor).national}
    return render_page(request, "lists.html", context, current="lists", status=status)


@never_cache
@login_required
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One list's metadata and the runs that used it (no person's row)."""
    actor = request_actor(request)
    submitted = get_object_or_404(lists_for_actor(actor), pk=pk)
    runs = submitted.control_runs.select_related("started_by").order_by("-created_at", "-pk")
    context = {
        "submitted": submitted,
        "runs": runs,
        "can_see_runs": role_has(actor.role, Capability.RUN_ENROLMENT_CONTROL),
    }
    return render_page(request, "list_detail.html", context, current="lists")


def _receive(actor: User, form: UploadForm) -> intake.IntakeReport:
    """The upload written to a temporary folder (its extension tells the format; its name, kept
    with the list, may be long or in any script), received, and always deleted."""
    data = form.cleaned_data
    name = form.file_name()
    with tempfile.TemporaryDirectory(prefix="snigi-upload-") as work:
        path = Path(work) / f"liste{Path(name).suffix}"
        with path.open("wb") as fh:
            for chunk in data["file"].chunks():
                fh.write(chunk)
        return intake.receive_list(
            actor=actor,
            path=path,
            organisation=data["organisation"],
            kind=data["kind"],
            situation_date=data["situation_date"],
            regime=data["regime"],
            columns=data["columns"] or None,
            dry_run=data["dry_run"],
            file_name=name,
        )


def _outcome(report: intake.IntakeReport) -> tuple[str, str, int]:
    """The report's verdict: (alert level, message, status)."""
    refused = len(report.refused)
    if refused:
        message = _(
            "Liste refusée : %(refused)d ligne(s) sur %(rows)d refusée(s). Rien n'a été "
            "enregistré ; corrigez le fichier et déposez-le à nouveau."
        ) % {"refused": refused, "rows": report.rows}
        return "danger", message, 400
    if report.present:
        previous = report.submitted_list
        when = f"{previous.created_at:%d/%m/%Y}" if previous is not None else "—"
        message = _(
            "Liste déjà reçue le %(date)s : ses %(rows)d lignes sont déjà présentes, rien n'a "
            "été enregistré."
        ) % {"date": when, "rows": report.present}
        return "info", message, 200
    if report.dry_run:
        message = _(
            "Vérification réussie : les %(rows)d lignes seraient enregistrées. Rien n'a été "
            "enregistré (vérification seulement)."
        ) % {"rows": report.rows}
        return "success", message, 200
    return "success", _("Liste enregistrée : %(rows)d lignes.") % {"rows": report.new}, 200


@never_cache
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """The upload form; the intake report on the same page."""
    actor = request_actor(request)
    require(actor, Capability.SUBMIT_ENROLMENT_LISTS)
    if request.method != "POST":
        return render_page(request, "upload.html", {"form": UploadForm(actor=actor)},
                           current="upload")  # fmt: skip
    form = UploadForm(request.POST, request.FILES, actor=actor)
    if not form.is_valid():
        return render_page(request, "upload.html", {"form": form}, current="upload", status=400)
    try:
        report = _receive(actor, form)
    except ValidationError as exc:
        form.add_error(None, _("Fichier refusé : %(reason)s") % {"reason": " ".join(exc.messages)})
        return render_page(request, "upload.html", {"form": form}, current="upload", status=400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Votre rôle ne permet pas ce dépôt."))
        return render_page(request, "upload.html", {"form": form}, current="upload", status=403)
    level, message, status = _outcome(report)
    data = form.cleaned_data
    if status == 200:  # a fresh form for the next list, the same body and kind
        form = UploadForm(
            actor=actor,
            initial={"organisation": data["organisation"].code, "kind": data["kind"]},
        )
    context = {
        "form": form,
        "report": report,
        "level": level,
        "message": message,
        "refused": report.refused[:REFUSALS_SHOWN],
        "more_refused": max(0, len(report.refused) - REFUSALS_SHOWN),
        "file_name": Path(data["file"].name).name,
    }
    return render_page(request, "upload.html", context, current="upload", status=status)
