"""The notices of confirmed double enrolments (``notify``): a body's agent reads its own and
records what it did; ANAM's control officer reads them all. Each page shows people's records:
the list logs the rows it shows, a notice its two records (law 09-08). A notice outside the
reader's scope is "not found", so that its existence is not told."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from snigi.core.audit import record_access, record_list_access
from snigi.core.bilingual import SEPARATOR
from snigi.core.models import Commune, User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor
from snigi.core.templatetags.snigi import localized_name
from snigi.enrolment_control import notify
from snigi.enrolment_control.forms import NoticeFilterForm, OutcomeForm
from snigi.enrolment_control.models import ListEntry, Notice
from snigi.enrolment_control.views import PAGE_SIZE, render_page

PURPOSE = "double_enrolment_notice"


@never_cache
@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """The notices the reader may see, by outcome (those waiting for an answer by default)."""
    actor = request_actor(request)
    visible = notify.notices_for(actor)
    form = NoticeFilterForm(request.GET or None)
    status, outcome = 200, Notice.Outcome.PENDING.value
    if form.is_bound and not form.is_valid():
        visible, status = visible.none(), 400
    elif form.is_bound:
        outcome = form.chosen()
    if outcome != "all":
        visible = visible.filter(outcome=outcome)
    page = Paginator(visible.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = [entry for notice in page for entry in (notice.entry, notice.other)]
    record_list_access(shown, actor=actor, query=f"outcome={outcome}")
    if not form.is_bound:
        form = NoticeFilterForm(initial={"outcome": outcome})
    context = {
        "form": form,
        "page": page,
        "outcome": outcome,
        "national": not role_has(actor.role, Capability.ACT_ON_DOUBLE_ENROLMENT),
    }
    return render_page(request, "notices.html", context, current="notices", status=status)


def _side(entry: ListEntry, communes: dict[str, str]) -> dict[str, Any]:
    submitted = entry.submitted_list
    commune = communes.get(entry.commune, "")
    return {
        "body": f"{submitted.organisation.code} – {localized_name(submitted.organisation)}",
        "regime": localized_name(submitted.regime) if submitted.regime else "",
        "list": _("%(kind)s au %(date)s")
        % {"kind": submitted.get_kind_display(), "date": f"{submitted.situation_date:%d/%m/%Y}"},
        "record_id": entry.record_id,
        "cnie": entry.cnie,
        "last_name": entry.last_name,
        "first_name": entry.first_name,
        "birth_date": entry.birth_date,
        "sex": entry.sex,
        "commune": f"{entry.commune} – {commune}" if commune else entry.commune,
        "fund_number": entry.fund_number,
        "card_number": entry.card_number,
    }


INTERNAL = ("fund_number", "card_number")  # a body's own numbers: not shown to another body


def _sides(notice: Notice, *, national: bool) -> list[dict[str, str]]:
    """The two records, field by field: (label, the body's value, the other's value). A body
    does not see the other body's internal numbers; ANAM sees both."""
    codes = {notice.entry.commune, notice.other.commune} - {""}
    communes = {c.code: localized_name(c) for c in Commune.objects.filter(code__in=codes)}
    own, other = _side(notice.entry, communes), _side(notice.other, communes)
    if not national:
        other.update(dict.fromkeys(INTERNAL, "—"))
    labels = {
        "body": _("Organisme"),
        "regime": _("Régime"),
        "list": _("Liste"),
        "record_id": _("Identifiant dans la liste"),
        "cnie": _("CNIE"),
        "last_name": _("Nom"),
        "first_name": _("Prénom"),
        "birth_date": _("Date de naissance (telle qu'écrite)"),
        "sex": _("Sexe"),
        "commune": _("Commune"),
        "fund_number": _("Numéro d'immatriculation"),
        "card_number": _("Numéro de carte ou de ménage"),
    }
    return [{"label": label, "own": own[key], "other": other[key]} for key, label in labels.items()]


def _messages(notice: Notice) -> list[dict[str, str]]:
    """The notice's text in French then Arabic, each with its language."""
    parts = notice.message.split(SEPARATOR)
    if len(parts) != 2:
        return [{"text": notice.message, "lang": "fr", "dir": "ltr"}]
    return [
        {"text": parts[0], "lang": "fr", "dir": "ltr"},
        {"text": parts[1], "lang": "ar", "dir": "rtl"},
    ]


def _answer(request: HttpRequest, actor: User, notice: Notice, form: OutcomeForm) -> bool:
    """Record the body's outcome; False with the refusal on the form."""
    if not form.is_valid():
        return False
    try:
        notify.record_outcome(
            actor=actor,
            notice=notice,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        form.add_error(None, " ".join(exc.messages))
        return False
    messages.success(request, _("Suite enregistrée : %(outcome)s.")
                     % {"outcome": notice.get_outcome_display()})  # fmt: skip
    return True


@never_cache
@login_required
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice: its message, the two records side by side, the proposal, and for the body's
    agent the outcome form (``notify.record_outcome``)."""
    actor = request_actor(request)
    found = get_object_or_404(
        notify.notices_for(actor).select_related("entry__submitted_list__organisation"), pk=pk
    )
    can_answer = (
        role_has(actor.role, Capability.ACT_ON_DOUBLE_ENROLMENT)
        and found.outcome != Notice.Outcome.WITHDRAWN
    )
    status = 200
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied(_("Vous ne pouvez pas donner suite à ce signalement."))
        form = OutcomeForm(request.POST)
        if _answer(request, actor, found, form):
            return redirect("enrolment-control:notice", found.pk)
        status = 400
    else:
        answered = found.outcome in {answer.value for answer in notify.ANSWERS}
        form = OutcomeForm(
            initial={"outcome": found.outcome if answered else "", "note": found.outcome_note}
        )
    for entry in (found.entry, found.other):
        record_access(entry, actor=actor, purpose=PURPOSE)
    context = {
        "notice": found,
        "sides": _sides(found, national=role_has(actor.role, Capability.REVIEW_DOUBLE_ENROLMENT)),
        "texts": _messages(found),
        "form": form if can_answer else None,
    }
    return render_page(request, "notice.html", context, current="notices", status=status)
