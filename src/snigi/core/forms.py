from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_WORKING_DAYS = 3650


class WorkingDaysForm(forms.Form):
    """The calendar page's calculator: a start date, then working days to add or an end date."""

    start = forms.DateField(
        label=_("Date de départ"),
        error_messages={
            "required": _("Indiquez une date de départ."),
            "invalid": _("Date de départ invalide (format AAAA-MM-JJ)."),
        },
    )
    days = forms.IntegerField(
        label=_("Jours ouvrables à ajouter"),
        required=False,
        min_value=-MAX_WORKING_DAYS,
        max_value=MAX_WORKING_DAYS,
        error_messages={
            "invalid": _("Nombre de jours ouvrables invalide (entier entre -3650 et 3650)."),
            "min_value": _("Nombre de jours ouvrables invalide (entier entre -3650 et 3650)."),
            "max_value": _("Nombre de jours ouvrables invalide (entier entre -3650 et 3650)."),
        },
    )
    end = forms.DateField(
        label=_("ou date de fin"),
        required=False,
        error_messages={"invalid": _("Date de fin invalide (format AAAA-MM-JJ).")},
    )


class HolidayRescheduleForm(forms.Form):
    date = forms.DateField(
        label=_("Date annoncée"),
        error_messages={
            "required": _("Indiquez la date annoncée."),
            "invalid": _("Date invalide (format AAAA-MM-JJ)."),
        },
    )
