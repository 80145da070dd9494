"""Forms of the CPS/CSP pages: they parse the input (dates, choices); the services check the
rules and say, in French, what is wrong."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from snigi.complaints.models import CommissionSession
from snigi.complaints.selectors_commissions import sessions_for


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def _date(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput())


class LetterForm(StyledForm):
    reference = forms.CharField(label=_("N° de la lettre recommandée"), max_length=40)
    sent_on = _date(_("Envoyée le"))


class AcknowledgementForm(StyledForm):
    acknowledged_on = _date(_("Reçue par le prestataire le (accusé de réception)"))


class ExplanationsForm(StyledForm):
    received_on = _date(_("Explications reçues le"))
    explanations = forms.CharField(
        label=_("Explications écrites"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    force_majeure = forms.CharField(
        label=_("Cas de force majeure (si hors délai)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CommissionSession) -> str:  # type: ignore[override]
        return f"{obj.reference} ({obj.held_on:%d/%m/%Y})"


class CpsForm(StyledForm):
    session = _SessionChoice(
        label=_("Séance de la CPS"), queryset=CommissionSession.objects.none(), empty_label=None
    )
    outcome = forms.ChoiceField(
        label=_("Décision de la CPS"),
        choices=[("refer", _("Soumettre à la CSP")), ("close", _("Classer le dossier"))],
    )
    reason = forms.CharField(
        label=_("Motifs"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = sessions_for(CommissionSession.Commission.CPS)  # type: ignore[attr-defined]


class CspForm(StyledForm):
    session = _SessionChoice(
        label=_("Séance de la CSP"), queryset=CommissionSession.objects.none(), empty_label=None
    )
    outcome = forms.ChoiceField(
        label=_("Décision de la CSP"),
        choices=[("suspend", _("Mise hors convention")), ("close", _("Classer le dossier"))],
    )
    start = _date(_("Mise hors convention du"), required=False)
    end = _date(_("au (un an au plus)"), required=False)
    violation_not_established = forms.BooleanField(
        label=_("Violation non établie (seul motif de classement en cas de récidive)"),
        required=False,
    )
    reason = forms.CharField(
        label=_("Motifs"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = sessions_for(CommissionSession.Commission.CSP)  # type: ignore[attr-defined]


class SessionForm(StyledForm):
    commission = forms.ChoiceField(
        label=_("Commission"), choices=CommissionSession.Commission.choices
    )
    held_on = _date(_("Date de la séance"))
    reference = forms.CharField(label=_("Référence"), max_length=40)
    notes = forms.CharField(
        label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MoratoriumForm(StyledForm):
    starts_on = _date(_("Du"))
    ends_on = _date(_("Au (facultatif)"), required=False)
    reason = forms.CharField(label=_("Motif"), max_length=300)


class MoratoriumEndForm(StyledForm):
    ends_on = _date(_("Levé à compter du (dernier jour)"))
