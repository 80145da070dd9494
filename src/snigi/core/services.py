"""Writes of the shared kernel: each one transaction, audited through django-auditlog."""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from snigi.core.audit import acting_as
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.inpe import InpeError, normalise_inpe
from snigi.core.models import ApiToken, Organisation, PublicHoliday, User
from snigi.core.roles import Capability, Role
from snigi.core.scoping import require
from snigi.core.selectors import token_digest

TOKEN_PREFIX_LENGTH = 8
ADMINISTRATORS_GROUP = "Administrateurs SNIGI"
# What the administrator role may do in the admin site: reference data and accounts, no person.
ADMINISTRATOR_PERMISSIONS = {
    "core": [
        "region",
        "province",
        "commune",
        "organisation",
        "regime",
        "publicholiday",
        "user",
        "apitoken",
    ],
    "beneficiaries": ["eligibilityrule"],  # reference data: the rules, not people
    "complaints": ["nature", "delay"],  # the natures of complaints and the procedure's delays
}


@transaction.atomic
def public_holiday_reschedule(
    *, actor: User, holiday_id: int, new_date: datetime.date, confirmed: bool = True
) -> list[PublicHoliday]:
    """Move a religious holiday after the moon sighting. Its following days (``<code>_2``) move
    with it, so a two-day Aïd stays two consecutive days."""
    require(actor, Capability.MANAGE_CALENDAR)
    holiday = PublicHoliday.objects.select_for_update().get(pk=holiday_id)
    if holiday.kind != PublicHoliday.Kind.RELIGIOUS:
        raise ValidationError("Seules les fêtes religieuses se déplacent après l'observation.")
    if holiday.code.endswith("_2"):
        raise ValidationError("Déplacez le premier jour de la fête : le second le suit.")
    if abs((new_date - holiday.date).days) > 3:
        raise ValidationError("Une fête religieuse ne se déplace que de trois jours au plus.")
    shift = new_date - holiday.date
    group = [holiday]
    if not holiday.code.endswith("_2"):
        group += list(
            PublicHoliday.objects.select_for_update().filter(
                code=f"{holiday.code}_2",
                date__gt=holiday.date,
                date__lte=holiday.date + datetime.timedelta(days=3),
            )
        )
    with acting_as(actor):
        for day in group:
            day.date += shift
            day.confirmed = confirmed
            day.full_clean()
            day.save(update_fields=["date", "confirmed", "updated_at"])
    return group


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    organisation: Organisation | None = None,
    inpe: str = "",
    cnie: str = "",
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create an account with one role and its scope. ``actor`` None means a system command."""
    if actor is not None:
        require(actor, Capability.MANAGE_USERS)
    if role not in Role.values:
        raise ValidationError(f"Rôle inconnu : {role}.")
    if role == Role.FUND_AGENT and (organisation is None or not organisation.manages_coverage):
        raise ValidationError(
            "Un agent d'organisme doit être rattaché à un organisme gestionnaire."
        )
    if role == Role.PROVIDER:
        try:
            inpe = normalise_inpe(inpe)
        except InpeError as exc:
            raise ValidationError(f"Un compte prestataire doit porter son INPE : {exc}") from exc
    if role == Role.INSURED:
        try:
            cnie = normalise_cnie(cnie)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from exc
    user = User(
        username=username,
        role=role,
        organisation=organisation if role == Role.FUND_AGENT else None,
        inpe=inpe if role == Role.PROVIDER else "",
        cnie=cnie if role == Role.INSURED else "",
        first_name=first_name,
        last_name=last_name,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=False,
    )
    validate_password(password, user)
    user.set_password(password)
    with acting_as(actor):
        user.full_clean()
        user.save()
    if role == Role.ADMINISTRATOR:
        user.groups.add(administrators_group())
    return user


def administrators_group() -> Group:
    """The permission group of the administrator role, kept in step with
    ``ADMINISTRATOR_PERMISSIONS``."""
    group, _ = Group.objects.get_or_create(name=ADMINISTRATORS_GROUP)
    for app_label, models in ADMINISTRATOR_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label=app_label, content_type__model__in=models
            )
        )
    return group


@transaction.atomic
def api_token_create(
    *, actor: User, name: str, valid_days: int | None = 90
) -> tuple[ApiToken, str]:
    """Issue a token for the actor's own account. The raw token is returned once, never stored."""
    if not actor.is_active:
        raise PermissionDenied("Compte inactif.")
    raw = "snigi_" + secrets.token_urlsafe(32)
    expires_at = (
        timezone.now() + datetime.timedelta(days=valid_days) if valid_days is not None else None
    )
    with acting_as(actor):
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=raw[6 : 6 + TOKEN_PREFIX_LENGTH],
            digest=token_digest(raw),
            expires_at=expires_at,
        )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token_id)
    if token.user_id != actor.pk and actor.role != Role.ADMINISTRATOR:
        raise PermissionDenied("Ce jeton n'est pas le vôtre.")
    if token.revoked_at is not None:
        return token
    with acting_as(actor):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
