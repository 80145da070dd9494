"""Pages of the CPS/CSP procedure: the cases by stage with their deadlines, a case with the
form of each step, the commissions' sessions, the moratorium (administrator), the alerts of the
signed-in role, and the public page of the CSP's published suspensions. Each POST calls one
service; a wrong role gets 403; a refused input is shown in French and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from snigi.complaints import commissions, deadlines
from snigi.complaints import forms_commissions as f
from snigi.complaints import selectors_commissions as reads
from snigi.complaints.display import event_label
from snigi.complaints.models import Alert, ConventionCase, Moratorium
from snigi.complaints.selectors import complaint_timeline
from snigi.core.models import User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require

Stage = ConventionCase.Stage

MAX_LISTED = 2000  # the list shows the pending stages first; filter by stage beyond

# action -> (form, capability, service call with the cleaned data)
Step = tuple[type[forms.Form], Capability, Callable[[User, ConventionCase, dict[str, Any]], object]]
STEPS: dict[str, Step] = {
    "letter": (f.LetterForm, Capability.MANAGE_COMMISSIONS, lambda u, c, d: commissions.case_letter_sent(actor=u, case=c, **d)),  # noqa: E501
    "acknowledgement": (f.AcknowledgementForm, Capability.MANAGE_COMMISSIONS, lambda u, c, d: commissions.case_acknowledged(actor=u, case=c, **d)),  # noqa: E501
    "explanations": (f.ExplanationsForm, Capability.MANAGE_COMMISSIONS, lambda u, c, d: commissions.case_explanations(actor=u, case=c, **d)),  # noqa: E501
    "cps": (f.CpsForm, Capability.MANAGE_COMMISSIONS, lambda u, c, d: commissions.cps_decide(actor=u, case=c, **d)),  # noqa: E501
    "csp": (f.CspForm, Capability.MANAGE_COMMISSIONS, lambda u, c, d: commissions.csp_decide(actor=u, case=c, **d)),  # noqa: E501
}  # fmt: skip
DONE = {
    "letter": gettext_lazy("Envoi de la lettre enregistré."),
    "acknowledgement": gettext_lazy("Accusé de réception enregistré."),
    "explanations": gettext_lazy("Explications enregistrées."),
    "cps": gettext_lazy("Décision de la CPS enregistrée."),
    "csp": gettext_lazy("Décision de la CSP enregistrée."),
    "publish": gettext_lazy("Décision publiée."),
}


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 — behind login_required
    return user


def _pk(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")[:12]
    if not value.isdigit():
        raise Http404
    return int(value)


def _errors(form: forms.Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _forms_for(case: ConventionCase, user: User) -> dict[str, forms.Form]:
    """The step forms open at the case's stage, for a role that may use them."""
    if not role_has(user.role, Capability.MANAGE_COMMISSIONS):
        return {}
    open_steps: list[str] = []
    if case.stage == Stage.EXPLANATIONS:
        if case.acknowledged_on is None:
            open_steps.append("letter")
        if case.letter_sent_on and case.acknowledged_on is None:
            open_steps.append("acknowledgement")
    if case.stage in (Stage.EXPLANATIONS, Stage.CPS):
        if case.letter_sent_on and case.explanations_on is None:
            open_steps.append("explanations")
        open_steps.append("cps")
    if case.stage == Stage.CSP:
        open_steps.append("csp")
    return {name: STEPS[name][0](prefix=name) for name in open_steps}


@login_required
@never_cache
def cases(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    stage = request.GET.get("stage", "")[:20]
    today = timezone.localdate()
    listed = reads.case_list(actor=actor, stage=stage)[:MAX_LISTED]
    rows = [(c, reads.case_deadline(c, today)) for c in listed]
    groups = [(value, label, [r for r in rows if r[0].stage == value]) for value, label in
              Stage.choices if not stage or stage == value]  # fmt: skip
    return render(
        request,
        "complaints/commissions/cases.html",
        {"groups": groups, "stage": stage, "stages": Stage.choices},
    )


@login_required
@never_cache
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    actor = _actor(request)
    item = reads.case_get(actor=actor, case_id=case_id)
    step_forms = _forms_for(item, actor)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "publish":
            require(actor, Capability.DECIDE_COMPLAINTS)
            try:
                commissions.csp_decision_publish(actor=actor, case=item)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, DONE[action])
            return redirect("complaints-commissions:case", item.pk)
        if action not in STEPS:
            return HttpResponse(_("Action inconnue."), status=400)
        form_class, capability, call = STEPS[action]
        require(actor, capability)
        form = form_class(request.POST, prefix=action)
        if form.is_valid():
            try:
                call(actor, item, form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, DONE[action])
                return redirect("complaints-commissions:case", item.pk)
        step_forms[action] = form
    context = {
        "case": item,
        "complaint": item.complaint,
        "deadline": reads.case_deadline(item),
        "forms": step_forms,
        "can_publish": role_has(actor.role, Capability.DECIDE_COMPLAINTS)
        and item.stage == Stage.SUSPENDED
        and item.published_on is None,
        "events": [
            (e, event_label(e.kind))
            for e in complaint_timeline(actor=actor, complaint=item.complaint)
        ],
    }
    return render(request, "complaints/commissions/case.html", context)


@login_required
@never_cache
def sessions(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    listed = reads.session_list(actor=actor)
    form = f.SessionForm(request.POST or None)
    if request.method == "POST":
        require(actor, Capability.MANAGE_COMMISSIONS)
        if form.is_valid():
            try:
                session = commissions.session_create(actor=actor, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Séance %(ref)s enregistrée.") % {"ref": session})
                return redirect("complaints-commissions:sessions")
    can_manage = role_has(actor.role, Capability.MANAGE_COMMISSIONS)
    return render(
        request,
        "complaints/commissions/sessions.html",
        {"sessions": listed[:200], "form": form if can_manage else None},
    )


@login_required
@never_cache
def moratorium(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    listed = list(reads.moratorium_list(actor=actor))
    can_manage = role_has(actor.role, Capability.MANAGE_MORATORIUM)
    form = f.MoratoriumForm(request.POST if request.POST.get("action") == "set" else None)
    end_forms = {m.pk: f.MoratoriumEndForm(prefix=f"end-{m.pk}") for m in listed if not m.ends_on}
    if request.method == "POST":
        require(actor, Capability.MANAGE_MORATORIUM)
        if request.POST.get("action") == "end":
            target = get_object_or_404(Moratorium, pk=_pk(request, "moratorium"))
            bound = f.MoratoriumEndForm(request.POST, prefix=f"end-{target.pk}")
            end_forms[target.pk] = bound
            if bound.is_valid():
                try:
                    commissions.moratorium_end(actor=actor, moratorium=target, **bound.cleaned_data)
                except ValidationError as exc:
                    _errors(bound, exc)
                else:
                    messages.success(request, _("Moratoire levé."))
                    return redirect("complaints-commissions:moratorium")
        elif form.is_valid():
            try:
                commissions.moratorium_set(actor=actor, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Moratoire enregistré."))
                return redirect("complaints-commissions:moratorium")
    rows = [(m, end_forms.get(m.pk) if can_manage else None, f"end-form-{m.pk}") for m in listed]
    return render(
        request,
        "complaints/commissions/moratorium.html",
        {"rows": rows, "form": form if can_manage else None},
    )


@login_required
@never_cache
def alerts(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if request.method == "POST":
        require(actor, Capability.VIEW_COMPLAINTS)
        alert = get_object_or_404(Alert, pk=_pk(request, "alert"))
        deadlines.alert_resolve(actor=actor, alert=alert)
        messages.success(request, _("Alerte marquée comme traitée."))
        return redirect("complaints-commissions:alerts")
    listed = reads.alerts_for(actor=actor)
    return render(request, "complaints/commissions/alerts.html", {"alerts": listed[:500]})


def decisions(request: HttpRequest) -> HttpResponse:
    """Public: the CSP's published suspensions (anonymous access)."""
    page = Paginator(reads.published_suspensions(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/commissions/decisions.html",
        {"page": page, "today": timezone.localdate()},
    )
