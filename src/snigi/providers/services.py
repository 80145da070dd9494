"""Writes of the INPE registry: registration with code allocation, convention periods, status.

Every function is one transaction, checks the actor's capability and is audited.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from snigi.core.audit import acting_as
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.inpe import FIRST_SERIAL, LAST_SERIAL, inpe_from_serial
from snigi.core.models import Commune, User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require
from snigi.providers import notifications
from snigi.providers.documents import CheckedDocument, check_upload, document_attach
from snigi.providers.models import (
    Application,
    Category,
    ConventionPeriod,
    InpeSerial,
    Kind,
    Provider,
    Sector,
)

MAX_SUSPENSION_DAYS = 366  # at most one year (seed 002); 366 covers a leap year
# Form fields naming a related row by its code, and the model field they set.
FIELD_OF = {"category_code": "category", "commune_code": "commune",
            "medical_director_inpe": "medical_director"}  # fmt: skip


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
    return allocate_inpe_codes(1)[0]


def allocate_inpe_codes(count: int) -> list[str]:
    """The next ``count`` codes, in order, under the same row lock. A code imported from an
    existing register may already hold a serial: taken codes are skipped, looked up by windows
    that double while they are full, so a long run of imported codes costs a few queries."""
    counter = InpeSerial.objects.select_for_update().filter(pk=1).first()
    if counter is None:
        InpeSerial.objects.get_or_create(pk=1, defaults={"next_serial": FIRST_SERIAL})
        counter = InpeSerial.objects.select_for_update().get(pk=1)
    serial, window = counter.next_serial, min(count + 16, 2000)
    codes: list[str] = []
    while len(codes) < count:
        serials = range(serial, min(serial + window, LAST_SERIAL + 1))
        if not serials:
            raise ValidationError("Plus aucun code INPE disponible.")
        candidates = {inpe_from_serial(n): n for n in serials}
        found = Provider.objects.filter(inpe__in=list(candidates)).values_list("inpe", flat=True)
        taken = set(found)
        codes += [code for code in candidates if code not in taken][: count - len(codes)]
        serial = candidates[codes[-1]] + 1 if len(codes) == count else serials[-1] + 1
        window = min(window * 2, 2000)
    InpeSerial.objects.filter(pk=1).update(next_serial=serial)
    return codes


def _check_duplicates(data: ProviderInput, cnie: str | None) -> None:
    checks = (
        ("cnie", cnie, "CNIE"),
        ("order_number", data.order_number.strip() or None, "numéro d'inscription à l'Ordre"),
        ("authorisation_number", data.authorisation_number.strip() or None, "autorisation"),
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


DIRECTOR_NEEDED = (
    "Le directeur médical doit détenir un code INPE actif : "
    "sa propre demande doit être accordée d'abord."
)


def provider_input_problems(
    data: ProviderInput, *, category: Category | None, commune_known: bool, director_known: bool
) -> list[str]:
    """The registration rules as reasons (French), in the order ``provider_register`` applies
    them, without touching the database: the caller looks up the category, whether the commune
    exists and whether a private establishment's medical director holds an active professional
    code (the bulk import resolves them for a whole file at once)."""
    problems = []
    if category is None or category.kind != data.kind:
        problems.append(f"Catégorie inconnue pour ce type : {data.category_code}.")
    if not commune_known:
        problems.append(f"Commune inconnue : {data.commune_code}.")
    if not data.name.strip():
        problems.append("Le nom est obligatoire.")
    if data.sector not in Sector.values:
        problems.append(f"Secteur inconnu : {data.sector[:20]}.")
    if data.kind == Kind.PROFESSIONAL:
        try:
            normalise_cnie(data.cnie)
        except IdentifierError as exc:
            problems.append(str(exc))
    else:
        if not data.authorisation_number.strip():
            problems.append("L'autorisation d'ouverture et d'exploitation est obligatoire.")
        if director_required(data.sector, category) and not director_known:
            problems.append(DIRECTOR_NEEDED)
        elif data.medical_director_inpe.strip() and not director_known:
            problems.append(
                f"Le directeur médical indiqué ({data.medical_director_inpe.strip()[:20]}) "
                "n'a pas de code INPE actif de professionnel."
            )
    return problems


def director_required(sector: str, category: Category | None) -> bool:
    """A private clinic or similar establishment (data: ``categories.csv``) needs a medical
    director holding an INPE; a pharmacy or a laboratory is run by its pharmacist or biologist."""
    return sector == "private" and category is not None and category.director_required


def _validated(data: ProviderInput) -> tuple[Category, Commune, str | None, Provider | None]:
    category = Category.objects.filter(code=data.category_code).first()
    commune = Commune.objects.filter(code=data.commune_code).first()
    director = None
    if data.kind != Kind.PROFESSIONAL and (
        director_required(data.sector, category) or data.medical_director_inpe.strip()
    ):
        director = Provider.objects.filter(
            inpe=data.medical_director_inpe, kind=Kind.PROFESSIONAL, status="active"
        ).first()
    problems = provider_input_problems(
        data, category=category, commune_known=commune is not None, director_known=bool(director)
    )
    if problems or category is None or commune is None:  # the latter two are among problems
        raise ValidationError(problems[0])
    cnie = normalise_cnie(data.cnie) if data.kind == Kind.PROFESSIONAL else None
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
EARLIEST_RECEIPT = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # a mistyped year


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
    values = {k: str(v).strip() for k, v in data.items()}
    problems = _text_problems(values)
    if problems:
        raise ValidationError(problems)
    return ProviderInput(kind=kind, **values)


def _text_problems(values: dict[str, str]) -> list[str]:
    """A NUL character (PostgreSQL refuses it) or a value longer than the register's column,
    found when the form is received, not when an officer grants or records it."""
    problems = []
    for name, value in values.items():
        if "\x00" in value:
            problems.append(f"Caractère nul interdit dans « {name} ».")
            continue
        # A CNIE is checked once normalised; codes are looked up.
        field = None if name in FIELD_OF or name == "cnie" else Provider._meta.get_field(name)
        limit = getattr(field, "max_length", None)
        if limit is not None and len(value) > limit:
            problems.append(f"Valeur trop longue pour « {name} » ({limit} caractères au plus).")
    return problems


class _OnlineDuplicate(Exception):  # noqa: N818 — internal signal, never leaves this module
    def __init__(self, existing_inpe: str) -> None:
        super().__init__(existing_inpe)
        self.existing_inpe = existing_inpe


def application_receive(**kwargs: Any) -> Application:
    """See ``_application_receive``. An online application from a holder already registered is
    refused without naming the code (law 09-08: typing an identifier must not reveal whose code
    it is); the registered holder is reminded of it instead, outside the refused transaction."""
    try:
        return _application_receive(**kwargs)
    except _OnlineDuplicate as exc:
        provider = Provider.objects.filter(inpe=exc.existing_inpe).first()
        if provider is not None:
            with transaction.atomic():
                notifications.code_reminder(provider)
        raise ValidationError(ONLINE_DUPLICATE) from exc


@transaction.atomic
def _application_receive(
    *,
    actor: User | None,
    kind: str,
    channel: str,
    data: dict[str, str],
    received_at: datetime.datetime | None = None,
    director_application_id: int | None = None,
    documents: Sequence[tuple[str, UploadLike]] = (),
) -> Application:
    """Record an application: online (``actor`` None or the applicant), or a file arriving by
    email, post, hand delivery or fax recorded by an INPE officer with its receipt date. The
    documents are ``(piece, upload)`` pairs. The returned application carries its reference and,
    once, its follow-up key (``follow_key``); the applicant is sent both."""
    if channel != Application.Channel.ONLINE:
        if actor is None:
            raise PermissionDenied("Seul un gestionnaire INPE enregistre un dossier reçu.")
        require(actor, Capability.MANAGE_PROVIDERS)
    if channel not in Application.Channel.values:
        raise ValidationError(f"Canal inconnu : {channel}.")
    now = timezone.now()
    if received_at is not None and timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)  # a time read in Morocco
    if received_at is not None and received_at > now:
        raise ValidationError("La date de réception ne peut pas être dans le futur.")
    if received_at is not None and received_at < EARLIEST_RECEIPT:
        raise ValidationError("Date de réception invalide : antérieure au 01/01/2000.")
    provider_input = _application_input(kind, data)  # unknown fields and kinds: refused now
    data = {name: getattr(provider_input, name) for name in data}  # as checked: trimmed
    director = None
    if director_application_id is not None:
        director = Application.objects.filter(
            pk=director_application_id, kind=Kind.PROFESSIONAL
        ).first()
        if director is None:
            raise ValidationError("La demande du directeur médical est introuvable.")
    problems = _receipt_problems(provider_input, director_applied=director is not None)
    if problems:
        raise ValidationError(problems)
    cnie = normalise_cnie(provider_input.cnie) if kind == Kind.PROFESSIONAL else None
    if cnie:
        data = {**data, "cnie": cnie}  # stored normalised, so that duplicates are found
    officer = actor is not None and role_has(actor.role, Capability.MANAGE_PROVIDERS)
    _check_pending_duplicates(provider_input, cnie, reveal=officer)
    try:
        _check_duplicates(provider_input, cnie)
        refusal = ""
    except DuplicateProvider as exc:
        if not officer:
            raise _OnlineDuplicate(exc.existing_inpe) from exc
        refusal = exc.messages[0]  # a posted file: kept, refused, and the applicant told
    checked = _checked_documents(documents)
    email = str(data.get("email", "")).strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(f"Adresse électronique invalide : {email[:100]}.") from exc
    key = secrets.token_urlsafe(18)
    with acting_as(actor):
        application = Application.objects.create(
            kind=kind,
            channel=channel,
            received_at=received_at or now,
            data=data,
            director_application=director,
            applicant=actor if actor is not None and actor.role == "provider" else None,
            follow_key_hash=_key_hash(key),
            status=Application.Status.REFUSED if refusal else Application.Status.RECEIVED,
            decision_note=refusal,
        )
        year = timezone.localtime(application.received_at).year  # the year in Morocco
        application.reference = f"INPE-{year}-{application.pk:06d}"
        application.save(update_fields=["reference"])
        for piece, document in checked:
            document_attach(actor=actor, checked=document, piece=piece, application=application)
    application.follow_key = key
    notifications.application_received(application, key)
    if refusal:
        notifications.application_refused(application)
    return application


ONLINE_DUPLICATE = (
    "Demande en double : un code INPE existe déjà pour ce titulaire. Il vient d'être rappelé "
    "aux coordonnées enregistrées du titulaire ; pour toute question, contactez l'ANAM "
    "(inpe@anam.ma)."
)


def _check_pending_duplicates(data: ProviderInput, cnie: str | None, *, reveal: bool) -> None:
    """A second application for the same holder while the first is still being handled."""
    pending = Application.objects.filter(
        status__in=[
            Application.Status.RECEIVED,
            Application.Status.INCOMPLETE,
            Application.Status.COMPLETE,
        ]
    )
    checks = (
        ("cnie", cnie, "CNIE"),
        ("order_number", data.order_number.strip(), "numéro d'inscription à l'Ordre"),
        ("authorisation_number", data.authorisation_number.strip(), "autorisation"),
    )
    for field, value, label in checks:
        if not value:
            continue
        found = pending.filter(**{f"data__{field}": value}).values_list("reference", flat=True)
        if reference := found.first():
            if not reveal:
                raise ValidationError(
                    f"Une demande pour ce {label} est déjà en cours d'instruction ; "
                    "suivez-la avec sa référence et sa clé de suivi."
                )
            raise ValidationError(
                f"Une demande pour ce {label} ({value}) est déjà en cours d'instruction "
                f"(référence {reference})."
            )


UploadLike = UploadedFile | tuple[str, bytes]


def _receipt_problems(data: ProviderInput, *, director_applied: bool) -> list[str]:
    """The registration rules, checked at receipt so that the applicant hears of a malformed
    CNIE or an unknown category now, not at the grant. A director who applied alongside is
    enough: the grant waits for the director's code."""
    director_known = director_applied
    if not director_known and data.kind != Kind.PROFESSIONAL and data.medical_director_inpe.strip():
        director_known = Provider.objects.filter(
            inpe=data.medical_director_inpe.strip(), kind=Kind.PROFESSIONAL, status="active"
        ).exists()
    return provider_input_problems(
        data,
        category=Category.objects.filter(code=data.category_code).first(),
        commune_known=Commune.objects.filter(code=data.commune_code).exists(),
        director_known=director_known,
    )


def _checked_documents(
    documents: Sequence[tuple[str, UploadLike]],
) -> list[tuple[str, CheckedDocument]]:
    if len(documents) > MAX_DOCUMENTS:
        raise ValidationError(f"Au plus {MAX_DOCUMENTS} pièces par envoi.")
    return [(piece, check_upload(upload)) for piece, upload in documents]


MAX_DOCUMENTS = 10


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def application_by_key(reference: str, key: str) -> Application:
    """The application an applicant follows with its reference and follow-up key; the same
    error for an unknown reference and a wrong key."""
    reference = reference.replace("\x00", "").strip().upper()[:20]  # PostgreSQL refuses NUL
    application = Application.objects.filter(reference=reference).first()
    if (
        application is None
        or not application.follow_key_hash
        or not hmac.compare_digest(application.follow_key_hash, _key_hash(key.strip()))
    ):
        raise Application.DoesNotExist("Référence ou clé de suivi incorrecte.")
    return application


@transaction.atomic
def application_add_documents(
    *,
    actor: User | None,
    application_id: int,
    documents: Sequence[tuple[str, UploadLike]],
) -> Application:
    """Add pieces to a file not yet decided: the applicant (``actor`` None, having shown the
    follow-up key) sends missing pieces, or an INPE officer attaches a scanned piece. An
    incomplete file goes back to the officer's check."""
    if actor is not None:
        require(actor, Capability.MANAGE_PROVIDERS)
    if not documents:
        raise ValidationError("Aucune pièce jointe.")
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status in (Application.Status.GRANTED, Application.Status.REFUSED):
        raise ValidationError(f"La demande est déjà {application.get_status_display()}.")
    checked = _checked_documents(documents)
    with acting_as(actor):
        for piece, document in checked:
            document_attach(actor=actor, checked=document, piece=piece, application=application)
        if application.status == Application.Status.INCOMPLETE:
            application.status = Application.Status.RECEIVED
            application.save(update_fields=["status", "updated_at"])
    return application


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
    pieces = [piece.replace("\x00", "").strip()[:200] for piece in missing_pieces]
    pieces = [piece for piece in pieces if piece]
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
    if pieces:
        notifications.application_incomplete(application)
    return application


@transaction.atomic
def application_refuse(*, actor: User, application_id: int, reason: str) -> Application:
    """The INPE officer refuses a file not yet decided (not a health professional, a forged
    piece…) with its reason; the applicant is notified, and may apply again."""
    require(actor, Capability.MANAGE_PROVIDERS)
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise ValidationError("Indiquez le motif du refus.")
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status in (Application.Status.GRANTED, Application.Status.REFUSED):
        raise ValidationError(f"La demande est déjà {application.get_status_display()}.")
    with acting_as(actor):
        application.status = Application.Status.REFUSED
        application.decision_note = reason[:300]
        application.save()
    notifications.application_refused(application)
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
        notifications.application_refused(application)
        return application
    with acting_as(actor):
        application.status = Application.Status.GRANTED
        application.provider = provider
        application.save()
    notifications.application_granted(application)
    return application
