"""Forms of the double-enrolment control's pages. They only shape the input: the services
(``intake``, ``control``, ``notify``) check every rule and their refusals are put back on the
form."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, cast

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q, QuerySet
from django.utils.functional import lazy
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Organisation, Regime, User
from snigi.core.scoping import scope_for
from snigi.core.templatetags.snigi import localized_name
from snigi.enrolment_control.intake import FIELDS
from snigi.enrolment_control.models import Notice, SubmittedList
from snigi.enrolment_control.notify import ANSWERS

FORMATS = (".csv", ".xml", ".parquet")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO: what type=date reads
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the widget's, and a date typed the French way
BODY_KINDS = (  # the bodies that send lists: those managing coverage, and ANAM (RAMED)
    Organisation.Kind.FUND,
    Organisation.Kind.MUTUAL,
    Organisation.Kind.INTERNAL_FUND,
    Organisation.Kind.INSURER,
    Organisation.Kind.REGULATOR,
)


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE,
        input_formats=DATE_FORMATS,
        error_messages={
            "required": _("Ce champ est obligatoire."),
            "invalid": _("Date invalide (format JJ/MM/AAAA ou AAAA-MM-JJ)."),
        },
    )


class Styled(forms.Form):
    """Bootstrap classes on every widget; a field in error is marked and points to its error."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field, bound = self.fields[name], self[name]
            if isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue  # their fieldset points to the error
            attrs = field.widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            described = [f"{bound.auto_id}_helptext"] if field.help_text else []
            attrs["aria-describedby"] = " ".join([*described, f"{bound.auto_id}-error"])


class BodyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.code} – {localized_name(obj)}"


class RegimeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Regime) -> str:
        return f"{obj.code} – {localized_name(obj)}"


def bodies_for(actor: User) -> QuerySet[Organisation]:
    """The bodies ``actor`` may send lists for: any for ANAM, its own (and its members) for a
    fund agent."""
    scope = scope_for(actor)
    if scope.national:
        return Organisation.objects.filter(kind__in=BODY_KINDS).order_by("code")
    return Organisation.objects.filter(pk__in=scope.organisation_ids).order_by("code")


def _columns(text: str) -> dict[str, str]:
    """``field=header`` lines, one per field, as the command line's ``--column``."""
    columns: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, sep, header = (part.strip() for part in line.partition("="))
        if not sep or not name or not header:
            raise forms.ValidationError(
                _("Ligne %(line)d : « %(text)s » n'est pas de la forme champ=en-tête."),
                params={"line": number, "text": line},
            )
        if name not in FIELDS:
            raise forms.ValidationError(
                _("Ligne %(line)d : champ inconnu « %(name)s » (champs : %(fields)s)."),
                params={"line": number, "name": name, "fields": ", ".join(FIELDS)},
            )
        if name in columns:
            raise forms.ValidationError(
                _("Ligne %(line)d : le champ « %(name)s » est déjà indiqué."),
                params={"line": number, "name": name},
            )
        columns[name] = header
    return columns


class UploadForm(Styled):
    """A list a body sends: the file and what it holds."""

    file = forms.FileField(
        label=_("Fichier de la liste (CSV, XML ou Parquet)"),
        widget=forms.FileInput(attrs={"accept": ",".join(FORMATS)}),
        error_messages={
            "required": _("Choisissez le fichier de la liste."),
            "empty": _("Le fichier envoyé est vide."),
            "invalid": _("Aucun fichier n'a été reçu : choisissez-le à nouveau."),
        },
    )
    organisation = BodyChoice(
        label=_("Organisme"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        empty_label=_("— Choisissez —"),
        error_messages={
            "required": _("Choisissez l'organisme qui envoie la liste."),
            "invalid_choice": _(
                "Vous ne pouvez déposer une liste que pour les organismes proposés."
            ),
        },
    )
    kind = forms.ChoiceField(
        label=_("Type de liste"),
        choices=SubmittedList.Kind.choices,
        error_messages={"invalid_choice": _("Type de liste inconnu.")},
    )
    situation_date = date_field(_("Date de situation"))
    regime = RegimeChoice(
        label=_("Régime (facultatif)"),
        queryset=Regime.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— Aucun —"),
        error_messages={"invalid_choice": _("Régime inconnu.")},
    )
    columns = forms.CharField(
        label=_("Correspondance des colonnes (facultatif)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=lazy(
            lambda: (
                gettext(
                    "Si les en-têtes du fichier ne sont pas les noms habituels : une ligne par "
                    "champ, champ=en-tête (par exemple cnie=NUM_CIN). Champs : %(fields)s."
                )
                % {"fields": ", ".join(FIELDS)}
            ),
            str,
        )(),
    )
    dry_run = forms.BooleanField(
        label=_("Vérifier seulement (rien n'est enregistré)"), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bodies = bodies_for(actor)
        organisation = cast(BodyChoice, self.fields["organisation"])
        organisation.queryset = bodies
        regimes = Regime.objects.order_by("code")
        if not scope_for(actor).national:
            regimes = regimes.filter(
                Q(managing_organisation__in=bodies) | Q(managing_organisation__children__in=bodies)
            ).distinct()
            own = actor.organisation
            if own is not None and not self.is_bound:
                organisation.initial = own.code
            if len(bodies) == 1:  # the agent's own body, fixed
                organisation.empty_label = None
        cast(RegimeChoice, self.fields["regime"]).queryset = regimes

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name).suffix.lower()
        if suffix not in FORMATS:
            raise forms.ValidationError(
                _("Format non pris en charge « %(suffix)s » : envoyez un fichier CSV, XML ou "
                  "Parquet (.csv, .xml, .parquet)."),
                params={"suffix": suffix or "—"},
            )  # fmt: skip
        return upload

    def clean_columns(self) -> dict[str, str]:
        return _columns(self.cleaned_data.get("columns", ""))

    def file_name(self) -> str:
        """The uploaded file's own name, made safe for the disk, its extension kept."""
        upload = self.cleaned_data["file"]
        original = Path(upload.name)
        try:
            stem = get_valid_filename(original.stem)
        except SuspiciousFileOperation:  # a name made only of forbidden characters
            stem = ""
        return f"{stem or 'liste'}{original.suffix.lower()}"


class ListFilterForm(Styled):
    """The filters of the lists received."""

    organisation = BodyChoice(
        label=_("Organisme"),
        queryset=Organisation.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("Tous"),
        error_messages={"invalid_choice": _("Organisme inconnu.")},
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Tous")), *SubmittedList.Kind.choices],
        required=False,
        error_messages={"invalid_choice": _("Type de liste inconnu.")},
    )
    date = date_field(_("Date de situation"), required=False)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(BodyChoice, self.fields["organisation"]).queryset = bodies_for(actor)

    def apply(self, lists: QuerySet[SubmittedList]) -> QuerySet[SubmittedList]:
        data = self.cleaned_data
        if data.get("organisation"):
            lists = lists.filter(organisation=data["organisation"])
        if data.get("kind"):
            lists = lists.filter(kind=data["kind"])
        if isinstance(data.get("date"), datetime.date):
            lists = lists.filter(situation_date=data["date"])
        return lists


class ListChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: SubmittedList) -> str:
        regime = f" ({obj.regime.code})" if obj.regime else ""
        return _("%(body)s%(regime)s · %(kind)s au %(date)s · %(rows)s lignes") % {
            "body": obj.organisation.code,
            "regime": regime,
            "kind": obj.get_kind_display(),
            "date": f"{obj.situation_date:%d/%m/%Y}",
            "rows": obj.rows,
        }


def _threshold_field(label: Any, initial: float, help_text: Any, required: Any) -> forms.FloatField:
    """A probability threshold of a run, between 0.01 and 1."""
    invalid = _("Seuil invalide : un nombre entre 0 et 1.")
    return forms.FloatField(
        label=label,
        initial=initial,
        min_value=0.01,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=help_text,
        error_messages={"required": required, "invalid": invalid, "min_value": invalid,
                        "max_value": invalid},
    )  # fmt: skip


class LaunchForm(Styled):
    """A control over chosen lists, with its two thresholds."""

    lists = ListChoice(
        label=_("Listes à contrôler"),
        queryset=SubmittedList.objects.select_related("organisation", "regime").order_by(
            "-situation_date", "organisation__code", "kind"
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choisissez au moins une liste."),
            "invalid_choice": _("Liste inconnue."),
            "invalid_pk_value": _("Liste inconnue."),
        },
    )
    threshold = _threshold_field(
        _("Seuil de lien"), 0.9, _("Probabilité à partir de laquelle deux lignes sont liées."),
        _("Indiquez le seuil de lien."),
    )  # fmt: skip
    review_floor = _threshold_field(
        _("Seuil de revue"), 0.5, _("Probabilité à partir de laquelle une paire est à revoir."),
        _("Indiquez le seuil de revue."),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        threshold, floor = cleaned.get("threshold"), cleaned.get("review_floor")
        if threshold is not None and floor is not None and floor > threshold:
            raise forms.ValidationError(_("Le seuil de revue ne peut dépasser le seuil de lien."))
        return cleaned


OUTCOME_FILTERS = [
    *Notice.Outcome.choices,
    ("all", _("Toutes")),
]


class NoticeFilterForm(Styled):
    outcome = forms.ChoiceField(
        label=_("Suite"),
        choices=OUTCOME_FILTERS,
        required=False,
        error_messages={"invalid_choice": _("Suite inconnue.")},
    )

    def chosen(self) -> str:
        return self.cleaned_data.get("outcome") or Notice.Outcome.PENDING


class OutcomeForm(Styled):
    """What the body did with a notice."""

    outcome = forms.ChoiceField(
        label=_("Suite donnée"),
        choices=[(answer.value, answer.label) for answer in ANSWERS],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez la suite donnée."),
            "invalid_choice": _("Suite inconnue."),
        },
    )
    note = forms.CharField(
        label=_("Observation"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire si l'immatriculation est maintenue ou contestée."),
    )
