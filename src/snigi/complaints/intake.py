"""What a complaint is recorded with, checked before anything is written: the requester, the
channel, the dates, the identifiers of the people and providers it names."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from snigi.beneficiaries.models import Person
from snigi.complaints.models import Channel, Nature, RequesterType
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.inpe import InpeError
from snigi.core.models import Organisation, User
from snigi.core.roles import Role
from snigi.providers.models import Provider
from snigi.providers.selectors import inpe_canonical

# ANAM's arbitration mission starts with law 65-00 in force (18 August 2005).
EARLIEST_RECEIPT = datetime.date(2005, 8, 18)


@dataclass
class ComplaintInput:
    """A complaint as the mail office (or the portal) receives it."""

    requester_type: str
    requester_name: str
    subject: str
    channel: str = Channel.POST
    received_on: datetime.date | None = None  # today when not given
    description: str = ""
    requester_cnie: str = ""
    requester_inpe: str = ""
    requester_email: str = ""
    requester_phone: str = ""
    requester_address: str = ""
    requester_organisation: str = ""  # an organisation's code (a fund, a ministry)
    nature_code: str = ""  # the mail office may already know it; the entry confirms it
    person_cnie: str = ""  # the insured person concerned, when known
    provider_inpe: str = ""  # the provider complained about, when known


@dataclass
class CleanedIntake:
    values: dict[str, Any] = field(default_factory=dict)
    received_on: datetime.date = EARLIEST_RECEIPT

    def fields(self) -> dict[str, Any]:
        return {**self.values, "received_on": self.received_on}


def _text(
    problems: list[str], value: str, label: str, limit: int, *, required: bool = False
) -> str:
    value = (value or "").strip()
    if required and not value:
        problems.append(f"{label} : ce champ est obligatoire.")
    elif "\x00" in value:
        problems.append(f"{label} : caractère nul refusé.")
    elif len(value) > limit:
        problems.append(f"{label} : {limit} caractères au plus.")
    return value


def _cnie(problems: list[str], value: str, label: str) -> str:
    if not value.strip():
        return ""
    try:
        return normalise_cnie(value)
    except IdentifierError as exc:
        problems.append(f"{label} : {exc}")
        return ""


def _inpe(problems: list[str], value: str, label: str) -> str:
    if not value.strip():
        return ""
    try:
        return inpe_canonical(value)
    except InpeError as exc:
        problems.append(f"{label} : {exc}")
        return ""


def _received_on(problems: list[str], value: datetime.date | None) -> datetime.date:
    today = timezone.localdate()
    if value is None:
        return today
    if value > today:
        problems.append("Date de réception : elle ne peut pas être dans le futur.")
    elif value < EARLIEST_RECEIPT:
        problems.append(
            f"Date de réception : pas avant le {EARLIEST_RECEIPT:%d/%m/%Y} (loi 65-00 en vigueur)."
        )
    return value


def clean_intake(data: ComplaintInput) -> CleanedIntake:
    """Every problem of the input at once (ValidationError with the list), or the values."""
    problems: list[str] = []
    if data.requester_type not in RequesterType.values:
        problems.append(f"Type de demandeur inconnu : « {str(data.requester_type)[:30]} ».")
    if data.channel not in Channel.values:
        problems.append(f"Canal inconnu : « {str(data.channel)[:30]} ».")
    values: dict[str, Any] = {
        "requester_type": data.requester_type,
        "channel": data.channel,
        "requester_name": _text(problems, data.requester_name, "Demandeur", 200, required=True),
        "subject": _text(problems, data.subject, "Objet", 300, required=True),
        "description": _text(problems, data.description, "Exposé", 20_000),
        "requester_phone": _text(problems, data.requester_phone, "Téléphone", 20),
        "requester_address": _text(problems, data.requester_address, "Adresse", 300),
        "requester_cnie": _cnie(problems, data.requester_cnie, "CNIE du demandeur"),
        "requester_inpe": _inpe(problems, data.requester_inpe, "INPE du demandeur"),
    }
    email = _text(problems, data.requester_email, "Courriel", 254)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"Courriel : « {email[:60]} » n'est pas une adresse valide.")
    values["requester_email"] = email
    received_on = _received_on(problems, data.received_on)
    if data.requester_organisation.strip():
        organisation = Organisation.objects.filter(
            code=data.requester_organisation.strip().upper()
        ).first()
        if organisation is None:
            problems.append(f"Organisme inconnu : « {data.requester_organisation[:40]} ».")
        values["requester_organisation"] = organisation
    if data.nature_code.strip():
        nature = Nature.objects.filter(code=data.nature_code.strip(), active=True).first()
        if nature is None:
            problems.append(f"Nature de réclamation inconnue : « {data.nature_code[:40]} ».")
        values["nature"] = nature
    try:
        person, provider, _ = resolve_parties(cnie=data.person_cnie, inpe=data.provider_inpe)
    except ValidationError as exc:
        problems.extend(exc.messages)
    else:
        values["person"], values["provider"] = person, provider
    if problems:
        raise ValidationError(problems)
    return CleanedIntake(values=values, received_on=received_on)


def resolve_parties(
    *, cnie: str = "", inpe: str = "", respondent: str = ""
) -> tuple[Person | None, Provider | None, Organisation | None]:
    """The insured person, the provider and the fund a complaint names (each optional); an
    identifier that is malformed or unknown to the registers is refused with its reason."""
    problems: list[str] = []
    person = provider = organisation = None
    if cnie.strip():
        number = _cnie(problems, cnie, "CNIE de l'assuré concerné")
        if number:
            person = Person.objects.filter(cnie=number).first()
            if person is None:
                problems.append(f"CNIE de l'assuré concerné : {number} n'est pas immatriculé.")
    if inpe.strip():
        code = _inpe(problems, inpe, "INPE du prestataire")
        if code:
            provider = Provider.objects.filter(inpe=code).first()
            if provider is None:
                problems.append(f"INPE du prestataire : {code} n'est pas au registre.")
    if respondent.strip():
        organisation = Organisation.objects.filter(code=respondent.strip().upper()).first()
        if organisation is None:
            problems.append(f"Organisme mis en cause inconnu : « {respondent[:40]} ».")
    if problems:
        raise ValidationError(problems)
    return person, provider, organisation


ONLINE_REQUESTERS = {
    Role.INSURED: RequesterType.INSURED,
    Role.PROVIDER: RequesterType.PROFESSIONAL,
    Role.FUND_AGENT: RequesterType.FUND,
}


def online_requester(actor: User) -> ComplaintInput:
    """The requester of a complaint filed on the portal: the account itself."""
    requester_type = ONLINE_REQUESTERS[Role(actor.role)]
    name = actor.get_full_name() or actor.username
    organisation = actor.organisation.code if actor.organisation_id else ""
    return ComplaintInput(
        requester_type=requester_type,
        requester_name=name,
        subject="",
        channel=Channel.ONLINE,
        requester_cnie=actor.cnie if actor.role == Role.INSURED else "",
        requester_inpe=actor.inpe if actor.role == Role.PROVIDER else "",
        requester_email=actor.email,
        requester_organisation=organisation if actor.role == Role.FUND_AGENT else "",
        person_cnie=actor.cnie
        if actor.role == Role.INSURED
        and actor.cnie
        and Person.objects.filter(cnie=actor.cnie).exists()
        else "",
    )
