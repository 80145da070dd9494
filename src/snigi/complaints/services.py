"""Writes of e-réclamations: each step of the workflow (seed 002, IV) is one service, checked
against the actor's role and the file's status, in one transaction, with a timeline event.

received (mail office, or online) → registered (DG secretariat) → entered (legal division's
assistant) → instruction (validated and assigned by the head of the legal division; a medical
opinion may be asked of the DCN) → proposed (legal officer) → decided by the director general:
closed (favourable, unfavourable), or pending (incomplete file, referral to the competent body,
external expertise, transparency commission, CPS/CSP), until what it waits for comes back.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation

from snigi.complaints.intake import ComplaintInput, clean_intake, online_requester
from snigi.complaints.models import (
    Complaint,
    ComplaintSerial,
    ConventionCase,
    Decision,
    Event,
    Expertise,
    MedicineAssessment,
    Nature,
    NatureGroup,
    Referral,
    Status,
)
from snigi.complaints.notifications import notify_decision, notify_received
from snigi.core.audit import acting_as
from snigi.core.models import Organisation, User
from snigi.core.roles import Capability, Role
from snigi.core.scoping import require

__all__ = [
    "ComplaintInput",
    "EntryInput",
    "complaint_decide",
    "complaint_enter",
    "complaint_file_online",
    "complaint_give_medical_opinion",
    "complaint_pieces_received",
    "complaint_propose",
    "complaint_receive",
    "complaint_register",
    "complaint_request_medical_opinion",
    "complaint_return",
    "complaint_validate",
]

PENDING_DECISIONS = frozenset(
    {
        Decision.INCOMPLETE,
        Decision.REFERRAL,
        Decision.EXPERTISE,
        Decision.TRANSPARENCY,
        Decision.COMMISSIONS,
    }
)
# What the director general may decide on a proposal (the commissions' own outcomes apart).
DG_DECISIONS = (
    Decision.UNFAVOURABLE,
    Decision.FAVOURABLE,
    Decision.INCOMPLETE,
    Decision.REFERRAL,
    Decision.EXPERTISE,
    Decision.TRANSPARENCY,
    Decision.COMMISSIONS,
)


def _today() -> datetime.date:
    return timezone.localdate()


def _fr(label: object) -> str:
    """A choice's label in French, the language of the record (the pages translate codes)."""
    with translation.override("fr"):
        return str(label)


def _next_reference(year: int) -> str:
    """REC-YYYY-NNNNNN: the year's next number (the serial row is locked until commit)."""
    ComplaintSerial.objects.get_or_create(year=year)
    serial = ComplaintSerial.objects.select_for_update().get(year=year)
    serial.last += 1
    serial.save(update_fields=["last"])
    return f"REC-{year}-{serial.last:06d}"


def _locked(complaint: Complaint | int) -> Complaint:
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    return Complaint.objects.select_for_update(of=("self",)).select_related("nature").get(pk=pk)


def _expect(complaint: Complaint, *statuses: Status) -> None:
    if complaint.status not in statuses:
        allowed = ", ".join(f"« {_fr(Status(s).label)} »" for s in statuses)
        raise ValidationError(
            f"Le dossier {complaint.reference} est « {_fr(Status(complaint.status).label)} » : "
            f"cette étape n'est possible qu'à l'état {allowed}."
        )


def _step(
    complaint: Complaint, actor: User | None, kind: str, note: str = "", *, public: bool = True
) -> Event:
    return Event.objects.create(
        complaint=complaint, actor=actor, kind=kind, status=complaint.status, note=note,
        public=public,
    )  # fmt: skip


def _text(value: str, label: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{label} : ce champ est obligatoire.")
    if "\x00" in value:
        raise ValidationError(f"{label} : caractère nul refusé.")
    if len(value) > limit:
        raise ValidationError(f"{label} : {limit} caractères au plus.")
    return value


def _create(data: ComplaintInput, actor: User, *, requester_user: User | None) -> Complaint:
    cleaned = clean_intake(data)
    with acting_as(actor):
        complaint = Complaint.objects.create(
            reference=_next_reference(cleaned.received_on.year),
            requester_user=requester_user,
            **cleaned.fields(),
        )
        _step(complaint, actor, "received", f"Canal : {_fr(complaint.get_channel_display())}.")
        _step(complaint, actor, "acknowledged", "Accusé de réception produit.")
        notify_received(complaint)
    return complaint


@transaction.atomic
def complaint_receive(*, actor: User, data: ComplaintInput) -> Complaint:
    """The mail office records a complaint (any channel) and produces its acknowledgement."""
    require(actor, Capability.RECORD_COMPLAINTS)
    return _create(data, actor, requester_user=None)


@transaction.atomic
def complaint_file_online(
    *, actor: User, subject: str, description: str, nature_code: str = "", provider_inpe: str = ""
) -> Complaint:
    """An insured person, a provider or a fund files a complaint on the portal; they follow it
    there. The requester is the account itself (its identity is not typed in)."""
    require(actor, Capability.FILE_COMPLAINTS)
    data = online_requester(actor)
    data.subject, data.description = subject, description
    data.nature_code, data.provider_inpe = nature_code, provider_inpe
    return _create(data, actor, requester_user=actor)


@transaction.atomic
def complaint_register(*, actor: User, complaint: Complaint | int) -> Complaint:
    """The director general's secretariat registers the file in e-réclamations."""
    require(actor, Capability.REGISTER_COMPLAINTS)
    complaint = _locked(complaint)
    _expect(complaint, Status.RECEIVED)
    with acting_as(actor):
        complaint.status = Status.REGISTERED
        complaint.save(update_fields=["status", "updated_at"])
        _step(complaint, actor, "registered")
    return complaint


@dataclass
class EntryInput:
    """What the legal division's assistant enters: the nature and the parties."""

    nature_code: str
    subject: str = ""
    description: str = ""
    person_cnie: str = ""
    provider_inpe: str = ""
    respondent_code: str = ""


@transaction.atomic
def complaint_enter(*, actor: User, complaint: Complaint | int, entry: EntryInput) -> Complaint:
    """Entry of the file: its nature (which sets the target delay) and the parties concerned. A
    convention violation names the provider; an arbitration, the fund."""
    from snigi.complaints.intake import resolve_parties

    require(actor, Capability.ENTER_COMPLAINTS)
    complaint = _locked(complaint)
    _expect(complaint, Status.REGISTERED, Status.ENTERED)
    nature = Nature.objects.filter(code=entry.nature_code.strip(), active=True).first()
    if nature is None:
        raise ValidationError(f"Nature de réclamation inconnue : « {entry.nature_code[:40]} ».")
    person, provider, respondent = resolve_parties(
        cnie=entry.person_cnie, inpe=entry.provider_inpe, respondent=entry.respondent_code
    )
    if nature.group == NatureGroup.CONVENTION_VIOLATION and provider is None:
        raise ValidationError(
            "Une violation de la convention nationale doit désigner le prestataire (INPE)."
        )
    with acting_as(actor):
        complaint.nature = nature
        complaint.target_on = complaint.received_on + datetime.timedelta(days=nature.target_days)
        complaint.person = person or complaint.person
        complaint.provider = provider or complaint.provider
        complaint.respondent = respondent or complaint.respondent
        if entry.subject.strip():
            complaint.subject = _text(entry.subject, "Objet", limit=300)
        if entry.description.strip():
            complaint.description = _text(entry.description, "Exposé", limit=20_000)
        complaint.status = Status.ENTERED
        complaint.save()
        _step(complaint, actor, "entered", nature.name_fr)
    return complaint


def _officer(user: User | None, role: Role, label: str) -> User | None:
    if user is None:
        return None
    if user.role != role or not user.is_active:
        raise ValidationError(f"{label} : {user.username} n'a pas ce rôle.")
    return user


@transaction.atomic
def complaint_validate(
    *,
    actor: User,
    complaint: Complaint | int,
    legal_officer: User,
    medical_officer: User | None = None,
) -> Complaint:
    """The head of the legal division validates the entry and assigns the instruction."""
    require(actor, Capability.VALIDATE_COMPLAINTS)
    complaint = _locked(complaint)
    _expect(complaint, Status.ENTERED, Status.INSTRUCTION)
    with acting_as(actor):
        complaint.legal_officer = _officer(legal_officer, Role.ANAM_LEGAL_OFFICER, "Juriste")
        complaint.medical_officer = _officer(medical_officer, Role.ANAM_MEDICAL_OFFICER, "Médecin")
        kind = "validated" if complaint.status == Status.ENTERED else "reassigned"
        complaint.status = Status.INSTRUCTION
        complaint.save()
        names = ", ".join(
            u.get_full_name() or u.username for u in (legal_officer, medical_officer) if u
        )
        _step(complaint, actor, kind, f"Instruction confiée à : {names}.", public=False)
    return complaint


@transaction.atomic
def complaint_return(*, actor: User, complaint: Complaint | int, reason: str) -> Complaint:
    """Send a step back: the head returns an entry for correction; the director general returns
    a proposal to instruction."""
    complaint = _locked(complaint)
    reason = _text(reason, "Motif du retour", limit=2000)
    if complaint.status == Status.ENTERED:
        require(actor, Capability.VALIDATE_COMPLAINTS)
        complaint.status = Status.REGISTERED
    elif complaint.status == Status.PROPOSED:
        require(actor, Capability.DECIDE_COMPLAINTS)
        complaint.status = Status.INSTRUCTION
    else:
        _expect(complaint, Status.ENTERED, Status.PROPOSED)
    with acting_as(actor):
        complaint.save(update_fields=["status", "updated_at"])
        _step(complaint, actor, "returned", reason, public=False)
    return complaint


def _require_instructing(actor: User, complaint: Complaint) -> None:
    require(actor, Capability.INSTRUCT_COMPLAINTS)
    if complaint.legal_officer_id != actor.pk:
        raise PermissionDenied("Ce dossier est instruit par un autre juriste.")


@transaction.atomic
def complaint_request_medical_opinion(
    *, actor: User, complaint: Complaint | int, question: str, medical_officer: User | None = None
) -> Complaint:
    """The legal officer asks the DCN for a medical opinion."""
    complaint = _locked(complaint)
    _require_instructing(actor, complaint)
    _expect(complaint, Status.INSTRUCTION)
    question = _text(question, "Question posée", limit=5000)
    officer = _officer(medical_officer, Role.ANAM_MEDICAL_OFFICER, "Médecin")
    officer = officer or complaint.medical_officer
    if officer is None:
        raise ValidationError("Désignez le médecin à qui demander l'avis.")
    with acting_as(actor):
        complaint.medical_officer = officer
        complaint.status = Status.MEDICAL_OPINION
        complaint.save()
        _step(complaint, actor, "medical_opinion_requested", question, public=False)
    return complaint


@transaction.atomic
def complaint_give_medical_opinion(
    *, actor: User, complaint: Complaint | int, opinion: str
) -> Complaint:
    """The medical officer gives the opinion; the file returns to its legal officer."""
    require(actor, Capability.GIVE_MEDICAL_OPINION)
    complaint = _locked(complaint)
    _expect(complaint, Status.MEDICAL_OPINION)
    if complaint.medical_officer_id != actor.pk:
        raise PermissionDenied("L'avis est demandé à un autre médecin.")
    opinion = _text(opinion, "Avis médical", limit=20_000)
    with acting_as(actor):
        complaint.status = Status.INSTRUCTION
        complaint.save(update_fields=["status", "updated_at"])
        _step(complaint, actor, "medical_opinion_given", opinion, public=False)
    return complaint


@transaction.atomic
def complaint_propose(
    *, actor: User, complaint: Complaint | int, decision: str, reason: str
) -> Complaint:
    """The legal officer proposes a decision to the director general, with its reasons."""
    complaint = _locked(complaint)
    _require_instructing(actor, complaint)
    _expect(complaint, Status.INSTRUCTION)
    if decision not in DG_DECISIONS:
        raise ValidationError(f"Décision inconnue : « {decision[:30]} ».")
    with acting_as(actor):
        complaint.proposal = decision
        complaint.proposal_reason = _text(reason, "Motifs de la proposition", limit=20_000)
        complaint.status = Status.PROPOSED
        complaint.save()
        _step(complaint, actor, "proposed", _fr(Decision(decision).label), public=False)
    return complaint


@dataclass
class DecisionDetails:
    """What some decisions need: the pieces missing, the bodies referred to, the expert."""

    missing_pieces: str = ""
    bodies: Sequence[str] = ()
    letter_reference: str = ""
    expert_name: str = ""


def _check_decision(complaint: Complaint, decision: str, details: DecisionDetails) -> None:
    if decision not in DG_DECISIONS:
        raise ValidationError(f"Décision inconnue : « {decision[:30]} ».")
    if decision == Decision.INCOMPLETE and not details.missing_pieces.strip():
        raise ValidationError("Un dossier incomplet : listez les pièces manquantes.")
    if decision == Decision.REFERRAL and not details.bodies:
        raise ValidationError("Une attribution : désignez l'organisme compétent.")
    if decision == Decision.EXPERTISE and not details.expert_name.strip():
        raise ValidationError("Une expertise : désignez le médecin expert.")
    if decision == Decision.COMMISSIONS:
        if complaint.provider_id is None:
            raise ValidationError("La CPS est saisie sur un prestataire : désignez-le (INPE).")
        if ConventionCase.objects.filter(complaint=complaint).exists():
            raise ValidationError("Ce dossier est déjà devant la CPS.")
    if decision == Decision.TRANSPARENCY and not hasattr(complaint, "medicine_assessment"):
        raise ValidationError(
            "Saisir la commission de la transparence suppose l'analyse du médicament."
        )


def _bodies(codes: Sequence[str]) -> list[Organisation]:
    found = {o.code: o for o in Organisation.objects.filter(code__in=[c.upper() for c in codes])}
    unknown = [c for c in codes if c.upper() not in found]
    if unknown:
        raise ValidationError(f"Organisme inconnu : {', '.join(sorted(unknown))}.")
    return [found[c.upper()] for c in dict.fromkeys(codes)]


def _open_pending(
    complaint: Complaint, decision: str, details: DecisionDetails, on: datetime.date
) -> str:
    """Start what a pending decision waits for; returns the timeline note."""
    if decision == Decision.INCOMPLETE:
        complaint.missing_pieces = _text(details.missing_pieces, "Pièces manquantes", limit=5000)
        return f"Pièces manquantes : {complaint.missing_pieces}"
    if decision == Decision.REFERRAL:
        bodies = _bodies(details.bodies)
        for body in bodies:
            Referral.objects.get_or_create(
                complaint=complaint,
                body=body,
                defaults={"sent_on": on, "letter_reference": details.letter_reference[:40]},
            )
        return "Transmis pour attribution à : " + ", ".join(b.code for b in bodies) + "."
    if decision == Decision.EXPERTISE:
        name = _text(details.expert_name, "Médecin expert", limit=200)
        Expertise.objects.create(complaint=complaint, expert_name=name, appointed_on=on)
        return f"Expertise confiée au Dr {name}."
    if decision == Decision.TRANSPARENCY:
        MedicineAssessment.objects.filter(complaint=complaint).update(transparency_referred_on=on)
        return "Soumis à la commission de la transparence."
    provider = complaint.provider
    if provider is None:  # checked by _check_decision
        raise ValidationError("La CPS est saisie sur un prestataire : désignez-le (INPE).")
    ConventionCase.objects.create(complaint=complaint, provider=provider, sent_on=on)
    return "Soumis à la Commission Permanente de Suivi : explications écrites à demander."


@transaction.atomic
def complaint_decide(
    *,
    actor: User,
    complaint: Complaint | int,
    decision: str,
    reason: str,
    details: DecisionDetails | None = None,
    on: datetime.date | None = None,
) -> Complaint:
    """The director general decides on the proposal (or otherwise, with reasons)."""
    require(actor, Capability.DECIDE_COMPLAINTS)
    complaint = _locked(complaint)
    _expect(complaint, Status.PROPOSED)
    details = details or DecisionDetails()
    on = on or _today()
    if on < complaint.received_on or on > _today():
        raise ValidationError("La date de décision doit être entre la réception et aujourd'hui.")
    _check_decision(complaint, decision, details)
    reason = _text(reason, "Motifs de la décision", limit=20_000)
    with acting_as(actor):
        note = reason
        if decision in PENDING_DECISIONS:
            note = f"{_open_pending(complaint, decision, details, on)}\n{reason}"
            complaint.status = Status.PENDING
        else:
            complaint.status, complaint.closed_on = Status.CLOSED, on
        complaint.decision, complaint.decision_on = decision, on
        complaint.decision_reason = reason
        complaint.save()
        _step(complaint, actor, "decided", f"{_fr(Decision(decision).label)}. {note}")
        notify_decision(complaint)
    return complaint


@transaction.atomic
def complaint_pieces_received(
    *, actor: User, complaint: Complaint | int, note: str = ""
) -> Complaint:
    """The missing pieces of an incomplete file came: it returns to instruction."""
    if getattr(actor, "role", None) not in {Role.ANAM_LEGAL_OFFICER, Role.ANAM_LEGAL_DATA_ENTRY}:
        raise PermissionDenied("Votre rôle ne permet pas cette action.")
    complaint = _locked(complaint)
    _expect(complaint, Status.PENDING)
    if complaint.decision != Decision.INCOMPLETE:
        raise ValidationError("Ce dossier n'attend pas de pièces.")
    with acting_as(actor):
        complaint.status = Status.INSTRUCTION
        complaint.save(update_fields=["status", "updated_at"])
        _step(complaint, actor, "pieces_received", _text(note, "Note", limit=2000, required=False))
    return complaint
