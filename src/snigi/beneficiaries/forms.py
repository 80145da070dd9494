"""Forms of the enrolment pages and the rights check. They only shape the input: every rule is
checked by the services, whose errors are put back on the fields."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.services import EnrolmentRefused, PersonInput
from snigi.core.models import Commune, Organisation, Regime

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO: what type=date reads


def date_field(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE,
        error_messages={
            "required": _("Ce champ est obligatoire."),
            "invalid": _("Date invalide (format AAAA-MM-JJ)."),
        },
    )


class ServiceErrorsMixin:
    def add_refusal(self, refusal: EnrolmentRefused) -> None:
        """Put a service's refusal back on the form: per field where it can, else on top."""
        placed = False
        for name, messages in refusal.errors.items():
            if name in self.fields:  # type: ignore[attr-defined]
                for message in messages:
                    self.add_error(name, message)  # type: ignore[attr-defined]
                placed = True
        if not placed or refusal.message not in str(refusal.errors):
            self.add_error(None, refusal.message)  # type: ignore[attr-defined]


class PersonFields(ServiceErrorsMixin, forms.Form):
    last_name_lat = forms.CharField(label=_("Nom"), max_length=200)
    first_name_lat = forms.CharField(label=_("Prénom"), max_length=200)
    last_name_ar = forms.CharField(label=_("Nom (en arabe)"), max_length=200, required=False)
    first_name_ar = forms.CharField(label=_("Prénom (en arabe)"), max_length=200, required=False)
    cnie = forms.CharField(label=_("Numéro CNIE"), max_length=40, required=False)
    sex = forms.ChoiceField(label=_("Sexe"), choices=Person.Sex.choices)
    birth_date = date_field(_("Date de naissance"))
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.select_related("province").order_by("name_fr"),
        to_field_name="code",
        error_messages={"invalid_choice": _("Commune inconnue.")},
    )
    address_line = forms.CharField(label=_("Adresse"), max_length=400, required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=30, required=False)

    def person_input(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            last_name_lat=data["last_name_lat"],
            first_name_lat=data["first_name_lat"],
            last_name_ar=data["last_name_ar"],
            first_name_ar=data["first_name_ar"],
            cnie=data["cnie"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            commune=data["commune"].code,
            address_line=data["address_line"],
            phone=data["phone"],
        )


class OverrideField(forms.Form):
    override_reason = forms.CharField(
        label=_("Motif du passage outre (double immatriculation)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Réservé aux agents habilités de l'ANAM ; le motif est journalisé."),
    )


class InsuredForm(PersonFields, OverrideField):
    regime = forms.ModelChoiceField(
        label=_("Régime"),
        queryset=Regime.objects.filter(valid_to__isnull=True),
        to_field_name="code",
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisme gestionnaire"),
        queryset=Organisation.objects.filter(
            kind__in=["fund", "mutual", "internal_fund", "insurer"]
        ),
        to_field_name="code",
        required=False,
        help_text=_("Par défaut : l'organisme du régime."),
    )
    fund_number = forms.CharField(label=_("Numéro d'immatriculation"), max_length=40)
    start = date_field(_("Date d'effet"))
    until = date_field(
        _("Fin de la période (étudiants : fin de l'année universitaire)"), required=False
    )
    category = forms.ChoiceField(
        label=_("Catégorie"),
        choices=[
            (value, label)
            for value, label in Enrolment.Category.choices
            if value not in (Enrolment.Category.POOR, Enrolment.Category.VULNERABLE)
        ],
        initial=Enrolment.Category.ACTIVE,
    )

    field_order = ["regime", "organisation", "fund_number", "start", "until", "category"]


class DependantForm(PersonFields, OverrideField):
    relationship = forms.ChoiceField(
        label=_("Lien avec l'assuré"),
        choices=[
            (Enrolment.Relationship.SPOUSE, _("conjoint")),
            (Enrolment.Relationship.CHILD, _("enfant")),
        ],
    )
    start = date_field(_("Date d'effet"))
    disabled = forms.BooleanField(label=_("Enfant en situation de handicap"), required=False)
    academic_year = forms.CharField(
        label=_("Certificat de scolarité : année (ex. 2025-2026)"), max_length=9, required=False
    )
    certificate_from = date_field(_("Certificat valable du"), required=False)
    certificate_until = date_field(_("Certificat valable jusqu'au"), required=False)

    field_order = ["relationship", "start"]

    def certificate(self) -> tuple[str, datetime.date, datetime.date] | None:
        data = self.cleaned_data
        if not (data.get("academic_year") or data.get("certificate_until")):
            return None
        return (
            data.get("academic_year") or "",
            data.get("certificate_from"),
            data.get("certificate_until"),
        )  # type: ignore[return-value]


class CloseForm(ServiceErrorsMixin, forms.Form):
    end = date_field(_("Date de fin"))
    end_reason = forms.ChoiceField(label=_("Motif"), choices=Enrolment.EndReason.choices)


class ContributionForm(ServiceErrorsMixin, forms.Form):
    month = date_field(_("Mois (un jour quelconque du mois)"))
    days = forms.IntegerField(label=_("Jours déclarés"), min_value=0, max_value=31, required=False)
    amount = forms.DecimalField(
        label=_("Montant payé (DH)"), min_value=0, max_digits=14, decimal_places=2, required=False
    )


class RightsForm(forms.Form):
    cnie = forms.CharField(label=_("Numéro CNIE"), max_length=40, required=False)
    fund = forms.ModelChoiceField(
        label=_("ou organisme"),
        queryset=Organisation.objects.filter(
            kind__in=["fund", "mutual", "internal_fund", "insurer"]
        ),
        to_field_name="code",
        required=False,
    )
    number = forms.CharField(label=_("et numéro d'immatriculation"), max_length=40, required=False)
    birth_date = date_field(
        _("Date de naissance (bénéficiaire sans CNIE, avec l'organisme et le numéro)"),
        required=False,
    )
    first_name = forms.CharField(
        label=_("Prénom (si plusieurs bénéficiaires sont nés ce jour-là)"),
        max_length=80,
        required=False,
    )
    date = date_field(_("Date des soins"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("cnie") and not (data.get("fund") and data.get("number")):
            raise forms.ValidationError(
                _("Indiquez un numéro CNIE, ou un organisme et un numéro d'immatriculation.")
            )
        data["date"] = data.get("date") or timezone.localdate()
        return data
