"""Writes of the INPE registry: registration with code allocation, convention periods, status.

Every function is one transaction, checks the actor's capability and is audited.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from snigi.core.audit import acting_as
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.inpe import FIRST_SERIAL, LAST_SERIAL, inpe_from_serial
from snigi.core.models import Commune, User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.providers.models import (
    Application,
    Category,
    ConventionPeriod,
    InpeSerial,
    Kind,
    Provider,
)

MAX_SUSPENSION_DAYS = 366  # at most one year (seed 002); 366 covers a leap year


class DuplicateProvider(ValidationError):
    """The holder already has a code: the message and ``existing_inpe`` give it."""

    def __init__(self, message: str, existing_inpe: str) -> None:
        super().__init__(message, code="duplicate")
        self.existing_inpe = existing_inpe


@dataclass(frozen=True)
class ProviderInput:
    kind: str
    category_code: str
    sector: str
    name: str
    commune_code: str
    name_ar: str = ""
    specialty: str = ""
    cnie: str = ""
    order_number: str = ""
    authorisation_number: str = ""
    medical_director_inpe: str = ""
    address_line: str = ""
    legal_status: str = ""
    email: str = ""
    phone: str = ""


def allocate_inpe() -> str:
    """The next code, under a row lock: concurrent allocations never share a serial."""
    counter = InpeSerial.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        InpeSerial.objects.get_or_create(pk=1, defaults={"next_serial": FIRST_SERIAL})
        counter = InpeSerial.objects.select_for_update().get(pk=1)
    serial = counter.next_serial
    # A code imported from an existing register may already hold a serial: skip it.
    while serial <= LAST_SERIAL and Provider.objects.filter(inpe=inpe_from_serial(serial)).exists():
        serial += 1
    if serial > LAST_SERIAL:
        raise ValidationError("Plus aucun code INPE disponible.")
    InpeSerial.objects.filter(pk=1).update(next_serial=serial + 1)
    return inpe_from_serial(serial)


def _check_duplicates(data: ProviderInput, cnie: str | None) -> None:
    checks = (
        ("cnie", cnie, "CNIE"),
        ("order_number", data.order_number or None, "numéro d'inscription à l'Ordre"),
        ("authorisation_number", data.authorisation_number or None, "autorisation"),
    )
    for field, value, label in checks:
        if value is None:
            continue
        existing = Provider.objects.filter(**{field: value}).values_list("inpe", flat=True).first()
        if existing:
            raise DuplicateProvider(
                f"Demande en double : ce {label} ({value}) a déjà le code INPE {existing}.",
                existing,
            )


def _validated(data: ProviderInput) -> tuple[Category, Commune, str | None, Provider | None]:
    category = Category.objects.filter(code=data.category_code).first()
    if category is None or category.kind != data.kind:
        raise ValidationError(f"Catégorie inconnue pour ce type : {data.category_code}.")
    commune = Commune.objects.filter(code=data.commune_code).first()
    if commune is None:
        raise ValidationError(f"Commune inconnue : {data.commune_code}.")
    if not data.name.strip():
        raise ValidationError("Le nom est obligatoire.")
    cnie = None
    director = None
    if data.kind == Kind.PROFESSIONAL:
        try:
            cnie = normalise_cnie(data.cnie)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc
    else:
        if not data.authorisation_number.strip():
            raise ValidationError("L'autorisation d'ouverture et d'exploitation est obligatoire.")
        if data.sector == "private":
            director = Provider.objects.filter(
                inpe=data.medical_director_inpe, kind=Kind.PROFESSIONAL, status="active"
            ).first()
            if director is None:
                raise ValidationError(
                    "Le directeur médical doit détenir un code INPE actif : "
                    "sa propre demande doit être accordée d'abord."
                )
    return category, commune, cnie, director


@transaction.atomic
def provider_register(*, actor: User, data: ProviderInput) -> Provider:
    """Register a provider and allocate its permanent INPE code. A holder already registered
    (same CNIE or order number, same authorisation) is refused with the existing code."""
    require(actor, Capability.MANAGE_PROVIDERS)
    category, commune, cnie, director = _validated(data)
    _check_duplicates(data, cnie)
    with acting_as(actor):
        provider = Provider(
            inpe=allocate_inpe(),
            kind=data.kind,
            category=category,
            sector=data.sector,
            name=data.name.strip(),
            name_ar=data.name_ar.strip(),
            specialty=data.specialty.strip(),
            cnie=cnie,
            order_number=data.order_number.strip() or None,
            authorisation_number=data.authorisation_number.strip() or None,
            medical_director=director,
            commune=commune,
            address_line=data.address_line.strip(),
            legal_status=data.legal_status.strip(),
            email=data.email.strip(),
            phone=data.phone.strip(),
        )
        provider.full_clean()
        provider.save()
    return provider


@transaction.atomic
def convention_declare(
    *, actor: User, inpe: str, adherent: bool, valid_from: datetime.date, document: str
) -> ConventionPeriod:
    """Record an "affichage de l'adhésion" or a "déclaration de non adhésion" from a date."""
    require(actor, Capability.MANAGE_PROVIDERS)
    provider = Provider.objects.select_for_update().get(inpe=inpe)
    status = ConventionPeriod.Status.ADHERENT if adherent else ConventionPeriod.Status.NON_ADHERENT
    with acting_as(actor):
        return ConventionPeriod.objects.create(
            provider=provider, status=status, valid_from=valid_from, document=document
        )


@transaction.atomic
def convention_suspend(
    *, actor: User, inpe: str, start: datetime.date, end: datetime.date, decision: str
) -> ConventionPeriod:
    """Mise hors convention for a period of at most one year; reinstatement is automatic at
    its end."""
    require(actor, Capability.SUSPEND_PROVIDERS)
    if end < start:
        raise ValidationError("La fin de la suspension précède son début.")
    if (end - start).days + 1 > MAX_SUSPENSION_DAYS:
        raise ValidationError("Une mise hors convention dure au plus un an.")
    if not decision.strip():
        raise ValidationError("La référence de la décision est obligatoire.")
    provider = Provider.objects.select_for_update().get(inpe=inpe)
    with acting_as(actor):
        return ConventionPeriod.objects.create(
            provider=provider,
            status=ConventionPeriod.Status.SUSPENDED,
            valid_from=start,
            valid_to=end,
            document=decision.strip(),
        )


# --- Applications -----------------------------------------------------------------------------

# The guide: the code is sent within 48 hours of the complete file.
GRANT_DELAY = datetime.timedelta(hours=48)
PIECES = {
    Kind.PROFESSIONAL: ("formulaire 0.3.15.03", "copie de la CNIE", "attestation de l'Ordre"),
    Kind.ESTABLISHMENT: (
        "formulaire 0.3.16.03",
        "copie de l'autorisation d'ouverture et d'exploitation",
    ),
}


REQUIRED_FIELDS = ("category_code", "sector", "name", "commune_code")


def _application_input(kind: str, data: dict[str, str]) -> ProviderInput:
    allowed = set(ProviderInput.__dataclass_fields__) - {"kind"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(f"Champs inconnus : {', '.join(sorted(unknown))}.")
    if kind not in Kind.values:
        raise ValidationError(f"Type de demande inconnu : {kind}.")
    missing = [name for name in REQUIRED_FIELDS if not str(data.get(name, "")).strip()]
    if missing:
        raise ValidationError(f"Champs obligatoires manquants : {', '.join(missing)}.")
    return ProviderInput(kind=kind, **{k: str(v) for k, v in data.items()})


@transaction.atomic
def application_receive(
    *,
    actor: User | None,
    kind: str,
    channel: str,
    data: dict[str, str],
    received_at: datetime.datetime | None = None,
    director_application_id: int | None = None,
) -> Application:
    """Record an application: online (``actor`` None or the applicant), or a file arriving by
    email, post, hand delivery or fax recorded by an INPE officer with its receipt date."""
    if channel != Application.Channel.ONLINE:
        if actor is None:
            raise PermissionDenied("Seul un gestionnaire INPE enregistre un dossier reçu.")
        require(actor, Capability.MANAGE_PROVIDERS)
    if channel not in Application.Channel.values:
        raise ValidationError(f"Canal inconnu : {channel}.")
    now = timezone.now()
    if received_at is not None and received_at > now:
        raise ValidationError("La date de réception ne peut pas être dans le futur.")
    _application_input(kind, data)  # refuses unknown fields and kinds now, not at the grant
    director = None
    if director_application_id is not None:
        director = Application.objects.filter(
            pk=director_application_id, kind=Kind.PROFESSIONAL
        ).first()
        if director is None:
            raise ValidationError("La demande du directeur médical est introuvable.")
    with acting_as(actor):
        return Application.objects.create(
            kind=kind,
            channel=channel,
            received_at=received_at or now,
            data=data,
            director_application=director,
        )


@transaction.atomic
def application_check(
    *, actor: User, application_id: int, missing_pieces: list[str]
) -> Application:
    """The completeness check: missing pieces make the file incomplete (the applicant is told
    which); none make it complete and start the 48-hour delay."""
    require(actor, Capability.MANAGE_PROVIDERS)
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status not in (Application.Status.RECEIVED, Application.Status.INCOMPLETE):
        raise ValidationError(f"La demande est déjà {application.get_status_display()}.")
    pieces = [piece.strip() for piece in missing_pieces if piece.strip()]
    with acting_as(actor):
        if pieces:
            application.status = Application.Status.INCOMPLETE
            application.missing_pieces = pieces
        else:
            application.status = Application.Status.COMPLETE
            application.missing_pieces = []
            application.completed_at = timezone.now()
            application.deadline_at = application.completed_at + GRANT_DELAY
        application.save()
    return application


@transaction.atomic
def application_grant(*, actor: User, application_id: int) -> Application:
    """Allocate the code of a complete application. A duplicate is refused with the existing
    code; an establishment whose director applied alongside waits for the director's code."""
    require(actor, Capability.MANAGE_PROVIDERS)
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status != Application.Status.COMPLETE:
        raise ValidationError("Seule une demande complète reçoit un code.")
    data = dict(application.data)
    director = application.director_application
    if director is not None:
        if director.status != Application.Status.GRANTED or director.provider is None:
            raise ValidationError(
                f"Le directeur médical doit d'abord recevoir son code (demande {director.pk})."
            )
        data["medical_director_inpe"] = director.provider.inpe
    try:
        provider = provider_register(actor=actor, data=_application_input(application.kind, data))
    except DuplicateProvider as exc:
        with acting_as(actor):
            application.status = Application.Status.REFUSED
            application.decision_note = exc.messages[0]
            application.save()
        return application
    with acting_as(actor):
        application.status = Application.Status.GRANTED
        application.provider = provider
        application.save()
    return application
