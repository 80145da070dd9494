"""Forms of the INPE pages: the application (online or recorded by an officer), the completeness
check, the declared change. Rules live in the services; forms only shape the input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from snigi.core.models import Commune
from snigi.providers.models import Application, Category, Kind, ProviderChange, Sector
from snigi.providers.services import PIECES


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PieceField(forms.FileField):
    """One or several files for a piece of the file (content checked by the service)."""

    widget = MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"})

    def clean(self, data: object, initial: object = None) -> list[object]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _communes() -> list[tuple[str, str]]:
    rows = Commune.objects.select_related("province").order_by("name_fr")
    return [("", "—")] + [(c.code, f"{c.name_fr} ({c.province.name_fr})") for c in rows]


class ApplicationForm(forms.Form):
    """Form 0.3.15.03 (professional) or 0.3.16.03 (establishment)."""

    category_code = forms.ChoiceField(label=_("Catégorie"))
    sector = forms.ChoiceField(label=_("Secteur"), choices=Sector.choices)
    name = forms.CharField(label=_("Nom et prénom / raison sociale"), max_length=200)
    name_ar = forms.CharField(label=_("Nom en arabe"), max_length=200, required=False)
    specialty = forms.CharField(label=_("Spécialité ou activité"), max_length=120, required=False)
    cnie = forms.CharField(label=_("CNIE"), max_length=20)
    order_number = forms.CharField(label=_("Numéro d'inscription à l'Ordre"), max_length=30,
                                   required=False)  # fmt: skip
    authorisation_number = forms.CharField(
        label=_("Autorisation d'ouverture et d'exploitation (numéro)"), max_length=60
    )
    legal_status = forms.CharField(label=_("Forme juridique"), max_length=80, required=False)
    medical_director_inpe = forms.CharField(
        label=_("Code INPE du directeur médical"), max_length=20, required=False
    )
    director_reference = forms.CharField(
        label=_("ou référence de la demande du directeur médical"), max_length=20, required=False
    )
    commune_code = forms.ChoiceField(label=_("Commune"))
    address_line = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    email = forms.EmailField(label=_("Adresse électronique"), max_length=200)
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)

    def __init__(self, *args: object, kind: str, officer: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kind = kind
        categories = Category.objects.filter(kind=kind)
        self.fields["category_code"].choices = [("", "—")] + [
            (c.code, c.name_fr) for c in categories
        ]
        self.fields["commune_code"].choices = _communes()
        if kind == Kind.PROFESSIONAL:
            for name in ("authorisation_number", "legal_status", "medical_director_inpe",
                         "director_reference"):  # fmt: skip
                del self.fields[name]
        else:
            del self.fields["cnie"], self.fields["order_number"]
        if officer:  # a posted file may come without an address
            self.fields["email"].required = False
            self.fields["channel"] = forms.ChoiceField(
                label=_("Canal"),
                choices=[c for c in Application.Channel.choices if c[0] != "online"],
            )
            self.fields["received_at"] = forms.DateTimeField(
                label=_("Reçu le"),
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
            )
        for n, piece in enumerate(PIECES[Kind(kind)]):
            self.fields[f"piece_{n}"] = PieceField(label=piece, required=False)

    def pieces(self) -> list[tuple[str, object]]:
        return [
            (piece, upload)
            for n, piece in enumerate(PIECES[Kind(self.kind)])
            for upload in self.cleaned_data.get(f"piece_{n}", [])
        ]

    def provider_data(self) -> dict[str, str]:
        skip = {"director_reference", "channel", "received_at"}
        return {
            name: str(value).strip()
            for name, value in self.cleaned_data.items()
            if name not in skip and not name.startswith("piece_") and str(value).strip()
        }


class FollowForm(forms.Form):
    reference = forms.CharField(label=_("Référence de la demande"), max_length=20)
    key = forms.CharField(label=_("Clé de suivi"), max_length=60)


class DocumentsForm(forms.Form):
    piece = forms.CharField(label=_("Pièce"), max_length=120)
    files = PieceField(label=_("Fichiers (PDF, JPEG ou PNG, 10 Mo au plus)"))


class CheckForm(forms.Form):
    missing = forms.MultipleChoiceField(
        label=_("Pièces manquantes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other = forms.CharField(label=_("Autre pièce manquante"), max_length=200, required=False)

    def __init__(self, *args: object, kind: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["missing"].choices = [(p, p) for p in PIECES[Kind(kind)]]

    def missing_pieces(self) -> list[str]:
        pieces = list(self.cleaned_data.get("missing", []))
        if self.cleaned_data.get("other", "").strip():
            pieces.append(self.cleaned_data["other"].strip())
        return pieces


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Modification"))
    effective_on = forms.DateField(
        label=_("Date d'effet"), widget=forms.DateInput(attrs={"type": "date"})
    )
    category_code = forms.ChoiceField(label=_("Nouvelle catégorie"), required=False)
    specialty = forms.CharField(label=_("Spécialité ou activité"), max_length=120, required=False)
    order_number = forms.CharField(label=_("Numéro d'inscription à l'Ordre"), max_length=30,
                                   required=False)  # fmt: skip
    name = forms.CharField(label=_("Raison sociale"), max_length=200, required=False)
    name_ar = forms.CharField(label=_("Nom en arabe"), max_length=200, required=False)
    medical_director_inpe = forms.CharField(label=_("Code INPE du directeur médical"),
                                            max_length=20, required=False)  # fmt: skip
    legal_status = forms.CharField(label=_("Forme juridique"), max_length=80, required=False)
    sector = forms.ChoiceField(label=_("Secteur"), required=False,
                               choices=[("", "—"), *Sector.choices])  # fmt: skip
    commune_code = forms.ChoiceField(label=_("Commune"), required=False)
    address_line = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    email = forms.EmailField(label=_("Adresse électronique"), max_length=200, required=False)
    phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)
    document = PieceField(label=_("Pièce justificative (nouvelle autorisation…)"), required=False)
    note = forms.CharField(label=_("Commentaire"), max_length=300, required=False)

    VALUE_FIELDS = ("category_code", "specialty", "order_number", "name", "name_ar",
                    "medical_director_inpe", "legal_status", "sector", "commune_code",
                    "address_line", "email", "phone")  # fmt: skip

    def __init__(self, *args: object, kinds: list[str], provider_kind: str, **kwargs: object
                 ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        labels = dict(ProviderChange.Kind.choices)
        self.fields["kind"].choices = [(k, labels[k]) for k in kinds]
        self.fields["category_code"].choices = [("", "—")] + [
            (c.code, c.name_fr) for c in Category.objects.filter(kind=provider_kind)
        ]
        self.fields["commune_code"].choices = _communes()

    def values(self) -> dict[str, str]:
        return {
            name: str(self.cleaned_data.get(name) or "").strip()
            for name in self.VALUE_FIELDS
            if str(self.cleaned_data.get(name) or "").strip()
        }
