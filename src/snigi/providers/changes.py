"""Declared changes and status of a provider: what a holder declares (qualification, transfer,
medical director, company name, activity, legal status, sector, contact, cessation, death) and
the INPE officer records or rejects, with its effective date and supporting document. The
history is kept for ever; the code never changes.

Every function is one transaction, checks the actor's capability and is audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from snigi.core.audit import acting_as
from snigi.core.models import Commune, User
from snigi.core.roles import Capability, role_has
from snigi.core.scoping import require
from snigi.providers import notifications
from snigi.providers.documents import document_attach
from snigi.providers.models import Category, Kind, Provider, ProviderChange
from snigi.providers.services import (
    FIELD_OF,
    UploadLike,
    _checked_documents,
    _text_problems,
    director_required,
)

CK = ProviderChange.Kind
# Which change a kind of provider may declare, and the fields each one sets.
CHANGE_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    Kind.PROFESSIONAL: {
        CK.QUALIFICATION: ("category_code", "specialty", "order_number"),
        CK.TRANSFER: ("commune_code", "address_line", "sector"),
        CK.CONTACT: ("email", "phone", "address_line"),
        CK.CESSATION: (),
        CK.DEATH: (),
        CK.REMOVAL: (),
    },
    Kind.ESTABLISHMENT: {
        CK.MEDICAL_DIRECTOR: ("medical_director_inpe",),
        CK.NAME: ("name", "name_ar"),
        CK.ACTIVITY: ("category_code", "specialty"),
        CK.LEGAL_STATUS: ("legal_status",),
        CK.TRANSFER: ("commune_code", "address_line"),
        CK.SECTOR: ("sector",),
        CK.CONTACT: ("email", "phone", "address_line"),
        CK.CESSATION: (),
        CK.REMOVAL: (),
    },
}
STATUS_CHANGES = {
    CK.CESSATION: Provider.Status.CEASED,
    CK.DEATH: Provider.Status.DECEASED,
    CK.REMOVAL: Provider.Status.REMOVED,
}
# Contact details need no document; a removal (radiation) is ANAM's decision, not declared.
NO_DOCUMENT = {CK.CONTACT}
OFFICER_ONLY = {CK.REMOVAL}
MAX_FUTURE = datetime.timedelta(days=366)


def _check_still_active(provider: Provider, kind: str) -> None:
    """A code that has ceased (or whose holder died or was removed) takes no more changes; one
    whose cessation is recorded for a later date still takes changes, but not a second end."""
    if provider.status == Provider.Status.ACTIVE:
        return
    since = provider.status_since
    if since is None or since <= timezone.localdate():
        raise ValidationError(
            f"Le code {provider.inpe} n'est plus actif ({provider.get_status_display()})."
        )
    if kind in STATUS_CHANGES:
        raise ValidationError(
            f"Le code {provider.inpe} a déjà une fin enregistrée "
            f"({provider.get_status_display()} le {since:%d/%m/%Y})."
        )


def _is_holder(actor: User, provider: Provider) -> bool:
    return actor.role == "provider" and actor.is_active and actor.inpe == provider.inpe


def _clean_change_values(provider: Provider, kind: str, values: dict[str, str]) -> dict[str, str]:
    allowed = CHANGE_FIELDS[provider.kind].get(kind)
    if allowed is None:
        raise ValidationError(
            f"Modification « {kind} » impossible pour un {provider.get_kind_display()}."
        )
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(
            f"Champs sans rapport avec cette modification : {', '.join(sorted(unknown))}."
        )
    cleaned = {k: str(v).strip() for k, v in values.items() if str(v).strip()}
    if allowed and not cleaned:
        raise ValidationError("Indiquez au moins une nouvelle valeur.")
    # Checked now, not when recorded: a declared value the register cannot hold would wait for
    # an officer who could only reject it.
    problems = _text_problems(cleaned)
    if problems:
        raise ValidationError(problems[0])
    if "category_code" in cleaned:
        category = Category.objects.filter(code=cleaned["category_code"]).first()
        if category is None or category.kind != provider.kind:
            raise ValidationError(f"Catégorie inconnue pour ce type : {cleaned['category_code']}.")
    if (
        "commune_code" in cleaned
        and not Commune.objects.filter(code=cleaned["commune_code"]).exists()
    ):
        raise ValidationError(f"Commune inconnue : {cleaned['commune_code']}.")
    new_category = (
        Category.objects.filter(code=cleaned["category_code"]).first()
        if "category_code" in cleaned
        else None
    )
    if (
        provider.kind == Kind.ESTABLISHMENT
        and ("sector" in cleaned or new_category is not None)
        and director_required(
            cleaned.get("sector", provider.sector), new_category or provider.category
        )
        and provider.medical_director is None
    ):
        raise ValidationError(
            "Un établissement privé doit avoir un directeur médical : déclarez-le d'abord."
        )
    if "sector" in cleaned and cleaned["sector"] not in ("public", "private"):
        raise ValidationError(f"Secteur inconnu : {cleaned['sector']}.")
    if "email" in cleaned:
        try:
            validate_email(cleaned["email"])
        except ValidationError as exc:
            raise ValidationError(
                f"Adresse électronique invalide : {cleaned['email'][:100]}."
            ) from exc
    if "medical_director_inpe" in cleaned:
        director = Provider.objects.filter(
            inpe=cleaned["medical_director_inpe"], kind=Kind.PROFESSIONAL, status="active"
        ).first()
        if director is None:
            raise ValidationError("Le nouveau directeur médical doit détenir un code INPE actif.")
    if "order_number" in cleaned:
        holder = Provider.objects.filter(order_number=cleaned["order_number"]).exclude(
            pk=provider.pk
        )
        if holder.exists():
            raise ValidationError("Ce numéro d'inscription à l'Ordre appartient à un autre code.")
    return cleaned


@transaction.atomic
def change_declare(
    *,
    actor: User,
    inpe: str,
    kind: str,
    effective_on: datetime.date,
    values: dict[str, str] | None = None,
    documents: Sequence[tuple[str, UploadLike]] = (),
    note: str = "",
) -> ProviderChange:
    """A change declared by the holder (it waits for the INPE officer) or recorded by the
    officer (applied at once), with its effective date and its supporting document (the new
    authorisation); the code never changes."""
    provider = Provider.objects.select_for_update().filter(inpe=inpe).first()
    if provider is None:
        raise Provider.DoesNotExist(f"Aucun prestataire ne porte le code {inpe}.")
    officer = role_has(actor.role, Capability.MANAGE_PROVIDERS) and actor.is_active
    if not officer and not _is_holder(actor, provider):
        raise PermissionDenied(
            "Seul le titulaire du code ou un gestionnaire INPE déclare une modification."
        )
    if kind not in ProviderChange.Kind.values:
        raise ValidationError(f"Type de modification inconnu : {kind}.")
    if kind in OFFICER_ONLY and not officer:
        raise PermissionDenied("Une radiation est enregistrée par un gestionnaire INPE.")
    _check_still_active(provider, kind)
    if effective_on > timezone.localdate() + MAX_FUTURE:
        raise ValidationError("La date d'effet est à plus d'un an.")
    cleaned = _clean_change_values(provider, kind, values or {})
    if kind not in NO_DOCUMENT and not documents:
        raise ValidationError(
            "Joignez la pièce justificative (nouvelle autorisation, attestation de l'Ordre…)."
        )
    checked = _checked_documents(documents)
    if ProviderChange.objects.filter(
        provider=provider, kind=kind, status=ProviderChange.Status.DECLARED
    ).exists():
        raise ValidationError("Une modification de ce type attend déjà la validation.")
    with acting_as(actor):
        change = ProviderChange.objects.create(
            provider=provider,
            kind=kind,
            effective_on=effective_on,
            new_values=cleaned,
            declared_by=actor,
            note=_note(note),
        )
        for piece, document in checked:
            document_attach(actor=actor, checked=document, piece=piece, change=change)
    if officer:
        return _apply_change(actor, change, provider)
    return change


def _note(note: str) -> str:
    return note.replace("\x00", "").strip()[:300]


def _apply_change(actor: User, change: ProviderChange, provider: Provider) -> ProviderChange:
    previous: dict[str, str] = {}
    with acting_as(actor):
        for name, value in change.new_values.items():
            field = FIELD_OF.get(name, name)
            if name == "category_code":
                previous[name] = provider.category.code
                provider.category = Category.objects.get(code=value)
            elif name == "commune_code":
                previous[name] = provider.commune.code
                provider.commune = Commune.objects.get(code=value)
            elif name == "medical_director_inpe":
                previous[name] = provider.medical_director.inpe if provider.medical_director else ""
                provider.medical_director = Provider.objects.get(inpe=value)
            else:
                previous[name] = getattr(provider, field) or ""
                setattr(provider, field, value)
        if change.kind in STATUS_CHANGES:
            previous["status"] = provider.status
            previous["status_since"] = str(provider.status_since or "")
            provider.status = STATUS_CHANGES[ProviderChange.Kind(change.kind)]
            provider.status_since = change.effective_on
        provider.full_clean()
        provider.save()
        change.previous_values = previous
        change.status = ProviderChange.Status.APPLIED
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save()
    notifications.change_decided(change)
    return change


@transaction.atomic
def change_decide(*, actor: User, change_id: int, accept: bool, note: str = "") -> ProviderChange:
    """The INPE officer records a declared change (it takes effect on its date) or rejects it
    with a reason; the holder is notified either way."""
    require(actor, Capability.MANAGE_PROVIDERS)
    change = ProviderChange.objects.select_for_update().get(pk=change_id)
    if change.status != ProviderChange.Status.DECLARED:
        raise ValidationError(f"Modification déjà {change.get_status_display()}.")
    provider = Provider.objects.select_for_update().get(pk=change.provider_id)
    if accept:
        _check_still_active(provider, change.kind)
        change.new_values = _clean_change_values(provider, change.kind, change.new_values)
        if _note(note):
            change.note = _note(note)
        return _apply_change(actor, change, provider)
    if not _note(note):
        raise ValidationError("Indiquez le motif du rejet.")
    with acting_as(actor):
        change.status = ProviderChange.Status.REJECTED
        change.note = _note(note)
        change.decided_by = actor
        change.decided_at = timezone.now()
        change.save()
    notifications.change_decided(change)
    return change
