"""Forms of the RAMED officer's pages; every rule is the services' (ramed.py, ramed_cards.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from snigi.beneficiaries.forms import ServiceErrorsMixin, date_field
from snigi.beneficiaries.models import Person, RamedCard, RamedEligibility
from snigi.beneficiaries.services import PersonInput
from snigi.core.models import Commune

MAX_MEMBERS = 12


class ApplicationForm(ServiceErrorsMixin, forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Commune (autorité locale)"),
        queryset=Commune.objects.order_by("name_fr"),
        to_field_name="code",
        error_messages={"invalid_choice": _("Commune inconnue.")},
    )
    received_on = date_field(_("Reçue le"))
    urban = forms.BooleanField(label=_("Milieu urbain"), required=False)


class MemberForm(forms.Form):
    # A blank first choice: an untouched extra row submits nothing and is skipped.
    role = forms.ChoiceField(label=_("Qualité"), choices=[("", "—"), *Person.HouseholdRole.choices])
    last_name_lat = forms.CharField(label=_("Nom"), max_length=200)
    first_name_lat = forms.CharField(label=_("Prénom"), max_length=200)
    cnie = forms.CharField(label=_("CNIE"), max_length=40, required=False)
    sex = forms.ChoiceField(label=_("Sexe"), choices=[("", "—"), *Person.Sex.choices])
    birth_date = date_field(_("Naissance"))

    def person_input(self, commune: str) -> tuple[PersonInput, str]:
        data = self.cleaned_data
        person = PersonInput(
            last_name_lat=data["last_name_lat"],
            first_name_lat=data["first_name_lat"],
            cnie=data["cnie"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            commune=commune,
        )
        return person, data["role"]


MemberFormSet = forms.formset_factory(MemberForm, extra=6, max_num=MAX_MEMBERS, validate_max=True)


class DecisionForm(ServiceErrorsMixin, forms.Form):
    decided_on = date_field(_("Décidée le"))
    income_per_person = forms.DecimalField(
        label=_("Revenu annuel par personne (DH, milieu urbain)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    patrimony_score = forms.DecimalField(
        label=_("Score patrimonial"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    socioeconomic_score = forms.DecimalField(
        label=_("Score socio-économique (milieu rural)"),
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=2,
    )
    category = forms.ChoiceField(
        label=_("Catégorie attendue (contrôle)"),
        choices=[("", "—"), *RamedEligibility.Category.choices],
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Motif du passage outre (double immatriculation)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CardProduceForm(ServiceErrorsMixin, forms.Form):
    produced_on = date_field(_("Produite le"))


class CardAdvanceForm(ServiceErrorsMixin, forms.Form):
    state = forms.ChoiceField(label=_("Étape"), choices=RamedCard.State.choices[1:])
    on = date_field(_("Le"))


class ContributionPaidForm(ServiceErrorsMixin, forms.Form):
    year = forms.IntegerField(label=_("Année"), min_value=2012, max_value=2022)
    paid_on = date_field(_("Payée le"))
    receipt = forms.CharField(label=_("Quittance"), max_length=40)


class RenewalForm(ServiceErrorsMixin, forms.Form):
    received_on = date_field(_("Renouvellement reçu le"))
