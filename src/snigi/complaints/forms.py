"""Forms of the e-réclamations pages. They only shape the input: the services check every rule
and their refusals are put back on the form."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from snigi.beneficiaries.forms import date_field
from snigi.complaints.models import (
    Channel,
    Expertise,
    MedicineAssessment,
    Nature,
    RequesterType,
    Status,
)
from snigi.complaints.services import DG_DECISIONS
from snigi.core.models import Organisation, User
from snigi.core.roles import Role
from snigi.providers.forms import PieceField

PIECES_LABEL = _("Pièces jointes (PDF, JPEG ou PNG, 10 Mo au plus chacune)")


class Styled(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def _natures() -> list[tuple[str, str]]:
    return [("", "—")] + [
        (n.code, n.name_fr) for n in Nature.objects.filter(active=True).order_by("position")
    ]


def _organisations() -> list[tuple[str, str]]:
    return [(o.code, f"{o.code} – {o.name_fr}") for o in Organisation.objects.order_by("code")]


def _officers(role: Role) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=User.objects.filter(role=role, is_active=True).order_by("username"),
        to_field_name="username",
    )


class IntakeForm(Styled):
    """A complaint as the mail office receives it (any channel)."""

    requester_type = forms.ChoiceField(label=_("Type de demandeur"), choices=RequesterType.choices)
    requester_name = forms.CharField(label=_("Demandeur (nom ou organisme)"), max_length=200)
    channel = forms.ChoiceField(
        label=_("Canal"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE]
    )
    received_on = date_field(_("Reçu le"))
    subject = forms.CharField(label=_("Objet"), max_length=300)
    description = forms.CharField(
        label=_("Exposé"), max_length=20_000, required=False, widget=forms.Textarea({"rows": 4})
    )
    requester_cnie = forms.CharField(label=_("CNIE du demandeur"), max_length=20, required=False)
    requester_inpe = forms.CharField(label=_("INPE du demandeur"), max_length=20, required=False)
    requester_email = forms.CharField(label=_("Courriel du demandeur"), max_length=254,
                                      required=False)  # fmt: skip
    requester_phone = forms.CharField(label=_("Téléphone"), max_length=20, required=False)
    requester_address = forms.CharField(label=_("Adresse"), max_length=300, required=False)
    requester_organisation = forms.ChoiceField(label=_("Organisme demandeur"), required=False)
    nature_code = forms.ChoiceField(label=_("Nature (si connue)"), required=False)
    person_cnie = forms.CharField(label=_("CNIE de l'assuré concerné"), max_length=20,
                                  required=False)  # fmt: skip
    provider_inpe = forms.CharField(label=_("INPE du prestataire mis en cause"), max_length=20,
                                    required=False)  # fmt: skip
    pieces = PieceField(label=PIECES_LABEL, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester_organisation"].choices = [("", "—"), *_organisations()]
        self.fields["nature_code"].choices = _natures()
        if not self.is_bound:
            self.fields["received_on"].initial = timezone.localdate()

    def intake_values(self) -> dict[str, object]:
        return {k: v for k, v in self.cleaned_data.items() if k != "pieces"}


class OnlineForm(Styled):
    """A complaint filed on the portal: the requester is the signed-in account."""

    subject = forms.CharField(label=_("Objet de la réclamation"), max_length=300)
    description = forms.CharField(
        label=_("Exposé des faits"), max_length=20_000, widget=forms.Textarea({"rows": 6})
    )
    nature_code = forms.ChoiceField(label=_("Nature (facultatif)"), required=False)
    provider_inpe = forms.CharField(
        label=_("INPE du professionnel ou de l'établissement mis en cause (facultatif)"),
        max_length=20,
        required=False,
    )
    pieces = PieceField(label=PIECES_LABEL, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nature_code"].choices = _natures()


class PieceForm(Styled):
    piece = PieceField(label=_("Pièce (PDF, JPEG ou PNG, 10 Mo au plus)"))
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class SearchForm(Styled):
    q = forms.CharField(label=_("Référence, demandeur ou objet"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous")), *Status.choices]
    )


# --- The actions on a file -------------------------------------------------------------------


class ConfirmForm(Styled):
    """An action without input (registration)."""


class EnterForm(Styled):
    nature_code = forms.ChoiceField(label=_("Nature de la réclamation"))
    subject = forms.CharField(label=_("Objet (corrigé)"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Exposé"), max_length=20_000, required=False, widget=forms.Textarea({"rows": 3})
    )
    person_cnie = forms.CharField(label=_("CNIE de l'assuré concerné"), max_length=20,
                                  required=False)  # fmt: skip
    provider_inpe = forms.CharField(label=_("INPE du prestataire"), max_length=20, required=False)
    respondent_code = forms.ChoiceField(label=_("Organisme mis en cause"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nature_code"].choices = _natures()
        self.fields["respondent_code"].choices = [("", "—"), *_organisations()]


class ValidateForm(Styled):
    legal_officer = _officers(Role.ANAM_LEGAL_OFFICER)
    medical_officer = _officers(Role.ANAM_MEDICAL_OFFICER)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["legal_officer"].label = _("Juriste chargé du dossier")
        self.fields["medical_officer"].label = _("Médecin chargé du dossier (facultatif)")
        self.fields["medical_officer"].required = False
        for name in ("legal_officer", "medical_officer"):
            field = self.fields[name]
            field.label_from_instance = lambda u: u.get_full_name() or u.username  # type: ignore[attr-defined]


class ReturnForm(Styled):
    reason = forms.CharField(label=_("Motif du retour"), max_length=2000,
                             widget=forms.Textarea({"rows": 2}))  # fmt: skip


class MedicalQuestionForm(Styled):
    question = forms.CharField(label=_("Question posée au médecin"), max_length=5000,
                               widget=forms.Textarea({"rows": 3}))  # fmt: skip
    medical_officer = _officers(Role.ANAM_MEDICAL_OFFICER)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["medical_officer"].label = _("Médecin (à défaut, celui du dossier)")
        self.fields["medical_officer"].required = False


class MedicalOpinionForm(Styled):
    opinion = forms.CharField(label=_("Avis médical"), max_length=20_000,
                              widget=forms.Textarea({"rows": 4}))  # fmt: skip


def _decisions() -> list[tuple[str, object]]:
    return [("", "—")] + [(d.value, d.label) for d in DG_DECISIONS]


class ProposeForm(Styled):
    decision = forms.ChoiceField(label=_("Décision proposée"))
    reason = forms.CharField(label=_("Motifs"), max_length=20_000,
                             widget=forms.Textarea({"rows": 4}))  # fmt: skip

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = _decisions()


class DecideForm(ProposeForm):
    missing_pieces = forms.CharField(
        label=_("Pièces manquantes (dossier incomplet)"), max_length=5000, required=False,
        widget=forms.Textarea({"rows": 2}),
    )  # fmt: skip
    bodies = forms.MultipleChoiceField(
        label=_("Organismes compétents (attribution)"), required=False,
        widget=forms.SelectMultiple({"size": 5}),
    )  # fmt: skip
    letter_reference = forms.CharField(label=_("Référence du courrier d'attribution"),
                                       max_length=40, required=False)  # fmt: skip
    expert_name = forms.CharField(label=_("Médecin expert (expertise)"), max_length=200,
                                  required=False)  # fmt: skip
    on = date_field(_("Date de la décision"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].label = _("Décision")
        self.fields["bodies"].choices = _organisations()


class NoteForm(Styled):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReferralAnswerForm(Styled):
    referral = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    answered_on = date_field(_("Répondu le"))
    answer = forms.CharField(label=_("Réponse de l'organisme"), max_length=20_000,
                             widget=forms.Textarea({"rows": 2}))  # fmt: skip


class ReferralRemindForm(Styled):
    referral = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)


class ExpertiseForm(Styled):
    expertise = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    conclusions_on = date_field(_("Conclusions reçues le"))
    conclusions = forms.CharField(label=_("Conclusions de l'expert"), max_length=20_000,
                                  widget=forms.Textarea({"rows": 3}))  # fmt: skip
    in_favour_of = forms.ChoiceField(label=_("En faveur"), choices=Expertise.InFavourOf.choices)


class MedicineForm(Styled):
    medicine = forms.CharField(label=_("Médicament"), max_length=200)
    case = forms.ChoiceField(label=_("Cas"), choices=MedicineAssessment.Case.choices)
    ald_or_rare_chronic = forms.BooleanField(label=_("ALD ou maladie rare chronique"),
                                             required=False)  # fmt: skip
    no_reimbursable_alternative = forms.BooleanField(
        label=_("Aucune alternative thérapeutique remboursable"), required=False
    )
    validated_protocol = forms.BooleanField(
        label=_("Protocole thérapeutique validant l'indication"), required=False
    )
    life_threatening = forms.BooleanField(label=_("Pronostic vital engagé"), required=False)


class TransparencyForm(Styled):
    opinion = forms.ChoiceField(
        label=_("Avis de la commission de la transparence"),
        choices=MedicineAssessment.Opinion.choices,
    )
    on = date_field(_("Avis rendu le"))
