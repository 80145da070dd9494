"""Writes on files waiting for someone else: the bodies referred to, the external expert, the
transparency commission; and the medicine checklist recorded during instruction."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from snigi.complaints.models import (
    Complaint,
    Decision,
    Expertise,
    MedicineAssessment,
    Referral,
    Status,
)
from snigi.complaints.rules import medicine_outcome
from snigi.complaints.services import _expect, _fr, _locked, _step, _text
from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.roles import Capability, Role
from snigi.core.scoping import require


def _today() -> datetime.date:
    return timezone.localdate()


def _answer_date(on: datetime.date, since: datetime.date, label: str) -> datetime.date:
    if on < since or on > _today():
        raise ValidationError(
            f"{label} : la date doit être entre le {since:%d/%m/%Y} et aujourd'hui."
        )
    return on


@transaction.atomic
def referral_answer(
    *, actor: User, referral: Referral | int, answered_on: datetime.date, answer: str
) -> Referral:
    """The body answered; when every body has, the file is closed."""
    require(actor, Capability.INSTRUCT_COMPLAINTS)
    pk = referral.pk if isinstance(referral, Referral) else referral
    referral = Referral.objects.select_related("body").get(pk=pk)
    complaint = _locked(referral.complaint_id)
    referral = Referral.objects.select_for_update().select_related("body").get(pk=pk)
    if referral.answered_on is not None:
        raise ValidationError(
            f"{referral.body.code} a déjà répondu le {referral.answered_on:%d/%m/%Y}."
        )
    with acting_as(actor):
        referral.answered_on = _answer_date(answered_on, referral.sent_on, "Réponse")
        referral.answer = _text(answer, "Réponse de l'organisme", limit=20_000)
        referral.save()
        _step(complaint, actor, "referral_answered", f"{referral.body.code} : {referral.answer}")
        if not complaint.referrals.filter(answered_on__isnull=True).exists():
            complaint.status, complaint.closed_on = Status.CLOSED, referral.answered_on
            complaint.save(update_fields=["status", "closed_on", "updated_at"])
            _step(complaint, actor, "closed", "Tous les organismes saisis ont répondu.")
    return referral


@transaction.atomic
def referral_remind(*, actor: User | None, referral: Referral | int) -> Referral:
    """A reminder to a body that has not answered (by an officer, or by the deadline worker)."""
    if actor is not None:
        require(actor, Capability.INSTRUCT_COMPLAINTS)
    pk = referral.pk if isinstance(referral, Referral) else referral
    referral = Referral.objects.select_for_update().select_related("body", "complaint").get(pk=pk)
    if referral.answered_on is not None:
        raise ValidationError(f"{referral.body.code} a déjà répondu.")
    with acting_as(actor):
        referral.reminders += 1
        referral.last_reminder_on = _today()
        referral.save()
        _step(referral.complaint, actor, "referral_reminded", f"Relance n° {referral.reminders} : "
              f"{referral.body.code}.", public=False)  # fmt: skip
    return referral


@transaction.atomic
def expertise_conclude(
    *,
    actor: User,
    expertise: Expertise | int,
    conclusions_on: datetime.date,
    conclusions: str,
    in_favour_of: str,
) -> Expertise:
    """The expert's conclusions (binding on both parties, art. 30 of law 65-00) come back: the
    file goes to the director general with the matching proposal."""
    if getattr(actor, "role", None) not in {Role.ANAM_LEGAL_OFFICER, Role.ANAM_MEDICAL_OFFICER}:
        raise PermissionDenied("Votre rôle ne permet pas cette action.")
    pk = expertise.pk if isinstance(expertise, Expertise) else expertise
    complaint = _locked(Expertise.objects.get(pk=pk).complaint_id)
    expertise = Expertise.objects.select_for_update().get(pk=pk)
    if expertise.conclusions_on is not None:
        raise ValidationError("Les conclusions de cette expertise sont déjà enregistrées.")
    if in_favour_of not in Expertise.InFavourOf.values:
        raise ValidationError("Indiquez en faveur de qui l'expert conclut.")
    with acting_as(actor):
        expertise.conclusions_on = _answer_date(conclusions_on, expertise.appointed_on, "Expertise")
        expertise.conclusions = _text(conclusions, "Conclusions", limit=20_000)
        expertise.in_favour_of = in_favour_of
        expertise.save()
        favourable = in_favour_of == Expertise.InFavourOf.INSURED
        complaint.proposal = Decision.FAVOURABLE if favourable else Decision.UNFAVOURABLE
        complaint.proposal_reason = f"Conclusions de l'expert (art. 30, loi 65-00) : {conclusions}"
        complaint.status = Status.PROPOSED
        complaint.save()
        _step(complaint, actor, "expertise_concluded", _fr(expertise.get_in_favour_of_display()))
    return expertise


@transaction.atomic
def medicine_assess(
    *,
    actor: User,
    complaint: Complaint | int,
    medicine: str,
    case: str,
    ald_or_rare_chronic: bool = False,
    no_reimbursable_alternative: bool = False,
    validated_protocol: bool = False,
    life_threatening: bool = False,
) -> MedicineAssessment:
    """Record the medicine checklist of seed 002, VII.1 on the file, with its outcome."""
    if getattr(actor, "role", None) not in {Role.ANAM_LEGAL_OFFICER, Role.ANAM_MEDICAL_OFFICER}:
        raise PermissionDenied("Votre rôle ne permet pas cette action.")
    complaint = _locked(complaint)
    _expect(complaint, Status.INSTRUCTION, Status.MEDICAL_OPINION)
    if case not in MedicineAssessment.Case.values:
        raise ValidationError(f"Cas inconnu : « {case[:30]} ».")
    outcome, reasons = medicine_outcome(
        case,
        ald_or_rare_chronic=ald_or_rare_chronic,
        no_reimbursable_alternative=no_reimbursable_alternative,
        validated_protocol=validated_protocol,
        life_threatening=life_threatening,
    )
    with acting_as(actor):
        assessment, _ = MedicineAssessment.objects.update_or_create(
            complaint=complaint,
            defaults={
                "medicine": _text(medicine, "Médicament", limit=200),
                "case": case,
                "ald_or_rare_chronic": ald_or_rare_chronic,
                "no_reimbursable_alternative": no_reimbursable_alternative,
                "validated_protocol": validated_protocol,
                "life_threatening": life_threatening,
                "outcome": outcome,
                "reasons": reasons,
            },
        )
        _step(complaint, actor, "medicine_assessed", f"{assessment.medicine} : {reasons}",
              public=False)  # fmt: skip
    return assessment


@transaction.atomic
def transparency_opinion(
    *, actor: User, complaint: Complaint | int, opinion: str, on: datetime.date
) -> MedicineAssessment:
    """The transparency commission's opinion: the file goes back to the director general with
    the matching proposal."""
    require(actor, Capability.INSTRUCT_COMPLAINTS)
    complaint = _locked(complaint)
    if complaint.status != Status.PENDING or complaint.decision != Decision.TRANSPARENCY:
        raise ValidationError("Ce dossier n'attend pas l'avis de la commission de la transparence.")
    if opinion not in MedicineAssessment.Opinion.values:
        raise ValidationError(f"Avis inconnu : « {opinion[:30]} ».")
    assessment = MedicineAssessment.objects.select_for_update().get(complaint=complaint)
    with acting_as(actor):
        assessment.transparency_opinion = opinion
        assessment.transparency_opinion_on = _answer_date(
            on, assessment.transparency_referred_on or complaint.received_on, "Avis"
        )
        assessment.save()
        complaint.proposal = {
            MedicineAssessment.Opinion.FAVOURABLE: Decision.FAVOURABLE,
            MedicineAssessment.Opinion.UNFAVOURABLE: Decision.UNFAVOURABLE,
            MedicineAssessment.Opinion.INCOMPLETE: Decision.INCOMPLETE,
        }[MedicineAssessment.Opinion(opinion)]
        shown = _fr(assessment.get_transparency_opinion_display())
        complaint.proposal_reason = f"Avis de la commission de la transparence : {shown}."
        complaint.status = Status.PROPOSED
        complaint.save()
        _step(complaint, actor, "transparency_opinion", complaint.proposal_reason)
    return assessment
