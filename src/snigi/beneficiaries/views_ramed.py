"""The RAMED / Tadamon officer's pages: applications from the local authorities, the eligibility
decision, the card's life, the vulnerable households' contributions, renewals and the local
authorities' annual estimate."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from snigi.beneficiaries import ramed, ramed_cards, ramed_selectors
from snigi.beneficiaries.forms_ramed import (
    ApplicationForm,
    CardAdvanceForm,
    CardProduceForm,
    ContributionPaidForm,
    DecisionForm,
    MemberFormSet,
    RenewalForm,
)
from snigi.beneficiaries.models import RamedCard, RamedEligibility
from snigi.beneficiaries.services import EnrolmentRefused
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import request_actor, require


def _officer(request: HttpRequest) -> None:
    require(request_actor(request), Capability.MANAGE_RAMED)


@never_cache
@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    _officer(request)
    applications = RamedEligibility.objects.select_related("commune", "card").order_by(
        "-received_on", "-pk"
    )
    status = request.GET.get("status", "")
    if status in RamedEligibility.Status.values:
        applications = applications.filter(status=status)
    card = request.GET.get("card", "")
    if card in RamedCard.State.values:
        applications = applications.filter(card__state=card)
    query = request.GET.get("q", "").strip().upper()[:20]
    if query:
        applications = applications.filter(reference__startswith=query)
    page = Paginator(applications, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "card": card,
        "query": query,
        "statuses": RamedEligibility.Status.choices,
        "card_states": RamedCard.State.choices,
    }
    return render(request, "beneficiaries/ramed_list.html", context)


@never_cache
@login_required
def application_new(request: HttpRequest) -> HttpResponse:
    _officer(request)
    form = ApplicationForm(request.POST or None)
    members = MemberFormSet(request.POST or None, prefix="members")
    if request.method == "POST" and form.is_valid() and members.is_valid():
        commune = form.cleaned_data["commune"].code
        rows = [m.person_input(commune) for m in members if m.has_changed()]
        if not rows:
            form.add_error(None, _("Indiquez au moins le chef de ménage."))
        else:
            try:
                application = ramed.application_receive(
                    actor=request_actor(request),
                    commune=commune,
                    received_on=form.cleaned_data["received_on"],
                    urban=form.cleaned_data["urban"],
                    members=rows,
                )
            except EnrolmentRefused as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("Demande enregistrée : %s.") % application.reference)
                return redirect("ramed:detail", application.pk)
    return render(request, "beneficiaries/ramed_new.html", {"form": form, "members": members})


def _application(request: HttpRequest, application_id: int) -> RamedEligibility:
    try:
        return ramed_selectors.application_get_for_actor(
            actor=request_actor(request), eligibility_id=application_id
        )
    except RamedEligibility.DoesNotExist as exc:
        raise Http404(_("Demande introuvable.")) from exc


ACTIONS = {
    "decide": DecisionForm,
    "produce": CardProduceForm,
    "advance": CardAdvanceForm,
    "pay": ContributionPaidForm,
    "renew": RenewalForm,
}


def _act(request: HttpRequest, application: RamedEligibility, action: str, form) -> object:  # type: ignore[no-untyped-def]
    actor, data = request_actor(request), form.cleaned_data
    if action == "decide":
        if not role_has(actor.role, Capability.OVERRIDE_DOUBLE_ENROLMENT):
            data["override_reason"] = ""
        return ramed.eligibility_decide(
            actor=actor,
            eligibility=application,
            decided_on=data["decided_on"],
            income_per_person=data["income_per_person"],
            patrimony_score=data["patrimony_score"],
            socioeconomic_score=data["socioeconomic_score"],
            category=data["category"] or None,
            override_reason=data["override_reason"],
        )
    if action == "produce":
        return ramed_cards.card_produce(
            actor=actor, eligibility=application, produced_on=data["produced_on"]
        )
    if action == "advance":
        card = RamedCard.objects.filter(eligibility=application).first()
        if card is None:
            raise EnrolmentRefused(_("Aucune carte produite."))
        return ramed_cards.card_advance(actor=actor, card=card, state=data["state"], on=data["on"])
    if action == "pay":
        return ramed_cards.contribution_record(
            actor=actor,
            eligibility=application,
            year=data["year"],
            paid_on=data["paid_on"],
            receipt=data["receipt"],
        )
    renewal = ramed.renewal_receive(
        actor=actor, previous=application, received_on=data["received_on"]
    )
    messages.success(request, _("Renouvellement enregistré : %s.") % renewal.reference)
    return renewal


@never_cache
@login_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    _officer(request)
    application = _application(request, application_id)
    today = timezone.localdate()
    forms = {name: cls(prefix=name, initial={"decided_on": today}) for name, cls in ACTIONS.items()}
    action = request.POST.get("action", "")
    if request.method == "POST" and action in ACTIONS:
        form = ACTIONS[action](request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                result = _act(request, application, action, form)
            except EnrolmentRefused as exc:
                form.add_refusal(exc)
            else:
                if action != "renew":
                    messages.success(request, _("Enregistré."))
                target = result.pk if isinstance(result, RamedEligibility) else application.pk
                return redirect("ramed:detail", target)
    if not role_has(request_actor(request).role, Capability.OVERRIDE_DOUBLE_ENROLMENT):
        forms["decide"].fields.pop("override_reason", None)
    card = RamedCard.objects.filter(eligibility=application).first()
    years = []
    if application.category == RamedEligibility.Category.VULNERABLE and application.valid_to:
        paid = {c.year: c for c in application.contributions.all()}
        last = min(application.valid_to.year, 2022)
        for year in range(application.valid_from.year, last + 1):  # type: ignore[union-attr]
            years.append(
                (
                    year,
                    ramed_cards.contribution_due(eligibility=application, year=year),
                    paid.get(year),
                )
            )
    context = {
        "application": application,
        "members": ramed_selectors.application_members(
            actor=request_actor(request), eligibility=application
        ),
        "card": card,
        "years": years,
        "forms": forms,
        "renewals": application.renewals.order_by("received_on"),
    }
    return render(request, "beneficiaries/ramed_detail.html", context)


@never_cache
@login_required
def ct_estimate(request: HttpRequest) -> HttpResponse:
    """Each local authority's annual contribution (40 DH per poor beneficiary), CSV on demand."""
    _officer(request)
    try:
        year = int(request.GET.get("year", "2015"))
    except ValueError:
        year = 2015
    try:
        estimate = ramed_selectors.ct_estimate(year=year)
    except EnrolmentRefused as exc:
        return render(
            request, "beneficiaries/ramed_ct.html", {"error": exc.message, "year": year}, status=422
        )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="estimation-ct-{year}.csv"'
        writer = csv.writer(response)
        writer.writerow(["commune", "nom", "region", "beneficiaires_pauvres", "montant_dh"])
        for row in estimate.rows:
            writer.writerow(
                [row.commune, row.commune_name, row.region, row.poor_persons, row.amount]
            )
        writer.writerow(["TOTAL", "", "", estimate.total_persons, estimate.total_amount])
        return response
    return render(request, "beneficiaries/ramed_ct.html", {"estimate": estimate, "year": year})
