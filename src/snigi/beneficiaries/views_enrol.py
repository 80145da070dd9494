"""Pages of the fund agent (enrol an insured person, add dependants, record contributions, close
rights), the rights check and the insured person's own space."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from snigi.beneficiaries import selectors, services
from snigi.beneficiaries.forms import (
    CloseForm,
    ContributionForm,
    DependantForm,
    InsuredForm,
    RightsForm,
)
from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights_check import RightsQueryError, check_rights
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import request_actor, require


def _can_override(request: HttpRequest) -> bool:
    return role_has(request_actor(request).role, Capability.OVERRIDE_DOUBLE_ENROLMENT)


def _form_page(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    form = context["form"]
    if not _can_override(request):
        form.fields.pop("override_reason", None)  # type: ignore[attr-defined]
    return render(request, template, {**context, "can_override": _can_override(request)})


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Register an insured person (the first step of enrolling a family)."""
    actor = request_actor(request)
    require(actor, Capability.ENROL_PERSONS)
    form = InsuredForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            enrolment = services.enrol_insured(
                actor=actor,
                person=form.person_input(),
                regime=data["regime"].code,
                organisation=data["organisation"].code if data["organisation"] else "",
                fund_number=data["fund_number"],
                start=data["start"],
                until=data["until"],
                category=data["category"],
                override_reason=data.get("override_reason", ""),
            )
        except services.EnrolmentRefused as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("Assuré immatriculé. Ajoutez ses ayants droit."))
            return redirect("beneficiaries:detail", enrolment.person_id)
    if actor.organisation is not None and not form.is_bound:
        form.fields["organisation"].initial = actor.organisation.code
    return _form_page(request, "beneficiaries/enrol.html", {"form": form})


def _enrolment(request: HttpRequest, enrolment_id: int) -> Enrolment:
    actor = request_actor(request)
    require(actor, Capability.ENROL_PERSONS)
    try:
        return selectors.enrolment_get_for_actor(actor=actor, enrolment_id=enrolment_id)
    except Enrolment.DoesNotExist as exc:
        raise Http404(str(exc)) from exc


@never_cache
@login_required
def add_dependant(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    insured = _enrolment(request, enrolment_id)
    form = DependantForm(
        request.POST or None,
        initial={"start": insured.start, "commune": insured.person.commune.code},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_dependant(
                actor=request_actor(request),
                insured=insured,
                person=form.person_input(),
                relationship=data["relationship"],
                start=data["start"],
                disabled=data["disabled"],
                student_certificate=form.certificate(),
                override_reason=data.get("override_reason", ""),
            )
        except services.EnrolmentRefused as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("Ayant droit ajouté."))
            return redirect("beneficiaries:detail", insured.person_id)
    return _form_page(request, "beneficiaries/dependant.html", {"form": form, "insured": insured})


@never_cache
@login_required
def close(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = _enrolment(request, enrolment_id)
    form = CloseForm(request.POST or None, initial={"end": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_enrolment(
                actor=request_actor(request),
                enrolment=enrolment,
                end=form.cleaned_data["end"],
                reason=form.cleaned_data["end_reason"],
            )
        except services.EnrolmentRefused as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("Immatriculation close."))
            return redirect("beneficiaries:detail", enrolment.person_id)
    return render(request, "beneficiaries/close.html", {"form": form, "enrolment": enrolment})


@never_cache
@login_required
def contributions(request: HttpRequest, enrolment_id: int) -> HttpResponse:
    enrolment = _enrolment(request, enrolment_id)
    form = ContributionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_contributions(
                actor=request_actor(request),
                enrolment=enrolment,
                months={data["month"]: (data["days"], data["amount"])},
            )
        except services.EnrolmentRefused as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("Cotisation enregistrée."))
            return redirect("beneficiaries:contributions", enrolment.pk)
    months = enrolment.contributions.order_by("-month")[:24]
    return render(
        request,
        "beneficiaries/contributions.html",
        {"form": form, "enrolment": enrolment, "months": months},
    )


@never_cache
@login_required
def rights(request: HttpRequest) -> HttpResponse:
    """The rights check: by CNIE, or fund and number (the insured; with a birth date, the member
    of that family born that day), on a date (today by default)."""
    actor = request_actor(request)
    require(actor, Capability.CHECK_RIGHTS)
    form = RightsForm(request.GET or None)
    answer = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            answer = check_rights(
                actor=actor,
                on=data["date"],
                cnie=data["cnie"],
                fund=data["fund"].code if data["fund"] else "",
                number=data["number"],
                birth_date=data["birth_date"],
                first_name=data["first_name"],
            )
        except RightsQueryError as exc:
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return render(request, "beneficiaries/rights.html", {"form": form, "answer": answer})


@never_cache
@login_required
def my_space(request: HttpRequest) -> HttpResponse:
    """The insured person's own space: rights today, dependants, cards, history."""
    actor = request_actor(request)
    if actor.role != Role.INSURED:
        raise PermissionDenied(_("Espace réservé aux assurés."))
    person = Person.objects.filter(cnie=actor.cnie).first() if actor.cnie else None
    if person is None:
        return render(request, "beneficiaries/my_space.html", {"person": None})
    person = selectors.person_get_for_actor(actor=actor, person_id=person.pk)
    answer = check_rights(actor=actor, on=timezone.localdate(), cnie=actor.cnie)
    context = {
        "person": person,
        "answer": answer,
        "enrolments": selectors.person_enrolments(person=person),
        "cards": selectors.person_ramed_cards(person=person),
    }
    return render(request, "beneficiaries/my_space.html", context)
