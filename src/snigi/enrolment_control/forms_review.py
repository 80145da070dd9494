"""Forms of the review pages: the queue's filters and the officer's decision on a pair. They
only shape the input: ``review.decide`` checks the rules (a note to say two people differ) and
its refusals are put back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

BAND_REVIEW, BAND_LINK, ALL = "review", "link", "all"
UNDECIDED, SAME, DIFFERENT = "undecided", "same", "different"


class QueueFilterForm(forms.Form):
    """Which pairs of a run the queue lists; an empty or unknown value keeps the default (the
    pairs to review that no officer decided yet)."""

    band = forms.ChoiceField(
        label=_("Bande"),
        required=False,
        choices=[
            (BAND_REVIEW, _("À revoir")),
            (BAND_LINK, _("Liens")),
            (ALL, _("Toutes")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    decision = forms.ChoiceField(
        label=_("Décision"),
        required=False,
        choices=[
            (UNDECIDED, _("Non décidées")),
            (SAME, _("Même personne")),
            (DIFFERENT, _("Personnes différentes")),
            (ALL, _("Toutes")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def filters(self) -> tuple[str, str]:
        """(band, decision), the defaults for what is missing or unknown."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("band") or BAND_REVIEW, data.get("decision") or UNDECIDED


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Ces deux enregistrements désignent-ils la même personne ?"),
        choices=[(SAME, _("Même personne")), (DIFFERENT, _("Personnes différentes"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={
            "required": _("Choisissez « même personne » ou « personnes différentes ».")
        },
    )
    note = forms.CharField(
        label=_("Note"),
        help_text=_("Obligatoire pour « personnes différentes » : ce qui distingue les deux."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )

    @property
    def same_person(self) -> bool:
        return self.cleaned_data["verdict"] == SAME
