"""Reads of the shared kernel. Reference data is public to every authenticated role."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from snigi.core import working_days
from snigi.core.audit import LogEntry
from snigi.core.models import (
    ApiToken,
    Organisation,
    Province,
    PublicHoliday,
    Regime,
    Region,
    User,
)
from snigi.core.roles import Capability
from snigi.core.scoping import require


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def province_list(*, region_code: str | None = None) -> QuerySet[Province]:
    provinces = Province.objects.select_related("region")
    if region_code:
        provinces = provinces.filter(region__code=region_code)
    return provinces


def organisation_list(*, kind: str | None = None) -> QuerySet[Organisation]:
    organisations = Organisation.objects.select_related("parent")
    if kind:
        organisations = organisations.filter(kind=kind)
    return organisations


def regime_list(*, on: datetime.date | None = None) -> QuerySet[Regime]:
    regimes = Regime.objects.select_related("managing_organisation")
    if on is not None:
        regimes = regimes.filter(valid_from__lte=on).exclude(valid_to__lt=on)
    return regimes


def holiday_list(*, year: int | None = None) -> QuerySet[PublicHoliday]:
    holidays = PublicHoliday.objects.all()
    if year is not None:
        holidays = holidays.filter(date__year=year)
    return holidays


def holiday_dates() -> frozenset[datetime.date]:
    return frozenset(PublicHoliday.objects.values_list("date", flat=True))


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    return working_days.add_working_days(start, days, holiday_dates())


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return working_days.working_days_between(start, end, holiday_dates())


def audit_entries_for_actor(
    *,
    actor: User,
    action: int | None = None,
    model: str | None = None,
    object_pk: str | None = None,
) -> QuerySet[LogEntry]:
    """The audit trail (changes and accesses), for auditors only; ``model`` and ``object_pk``
    narrow it to one record (e.g. everything done with and every view of one person's file)."""
    require(actor, Capability.VIEW_AUDIT)
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    if action is not None:
        entries = entries.filter(action=action)
    if model:
        entries = entries.filter(content_type__model=model.lower())
    if object_pk:
        entries = entries.filter(object_pk=object_pk)
    return entries


@dataclass(frozen=True)
class AuditCounts:
    accesses: int
    changes: int
    access_action: int = LogEntry.Action.ACCESS


def audit_counts_for_actor(*, actor: User) -> AuditCounts:
    entries = audit_entries_for_actor(actor=actor).order_by()
    accesses = entries.filter(action=LogEntry.Action.ACCESS).count()
    return AuditCounts(accesses=accesses, changes=entries.count() - accesses)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


TOKEN_USE_PRECISION = datetime.timedelta(minutes=1)


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor)


def api_token_user(raw: str) -> User | None:
    """The active user owning a valid, unexpired, unrevoked token, or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= now):
        return None
    # Not a write on every API call: the last use is kept to the minute.
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
