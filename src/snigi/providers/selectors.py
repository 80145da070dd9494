"""Reads of the INPE registry. The directory and the verification are public data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from snigi.core.inpe import normalise_inpe
from snigi.providers.models import ConventionPeriod, Provider


@dataclass(frozen=True)
class ConventionStatus:
    """Where a provider stands towards its national convention on a date."""

    status: str  # adherent | non_adherent | suspended | undeclared
    since: datetime.date | None
    until: datetime.date | None
    document: str

    @property
    def under_convention(self) -> bool:
        return self.status == ConventionPeriod.Status.ADHERENT


UNDECLARED = "undeclared"


def provider_convention_status(inpe: str, *, on: datetime.date | None = None) -> ConventionStatus:
    """The one selector every module uses: a suspension covering the date wins; otherwise the
    latest declaration (adherence or non-adherence) in force on the date; else undeclared."""
    day = on or timezone.localdate()
    periods = ConventionPeriod.objects.filter(provider__inpe=inpe, valid_from__lte=day).exclude(
        valid_to__lt=day
    )
    suspension = (
        periods.filter(status=ConventionPeriod.Status.SUSPENDED)
        .order_by("-valid_from", "-pk")
        .first()
    )
    chosen = (
        suspension
        or periods.exclude(status=ConventionPeriod.Status.SUSPENDED)
        .order_by("-valid_from", "-pk")
        .first()
    )
    if chosen is None:
        return ConventionStatus(UNDECLARED, None, None, "")
    return ConventionStatus(chosen.status, chosen.valid_from, chosen.valid_to, chosen.document)


@dataclass(frozen=True)
class Verification:
    inpe: str
    provider: Provider
    active: bool
    convention: ConventionStatus
    on: datetime.date


def inpe_verify(code: str, *, on: datetime.date | None = None) -> Verification:
    """Is INPE ``code`` valid, active and under the convention on ``on``? Raises ``InpeError``
    for a malformed code and ``Provider.DoesNotExist`` for an unknown one."""
    inpe = normalise_inpe(code)
    provider = Provider.objects.select_related("category", "commune__province").get(inpe=inpe)
    day = on or timezone.localdate()
    return Verification(
        inpe=inpe,
        provider=provider,
        active=provider.status == Provider.Status.ACTIVE,
        convention=provider_convention_status(inpe, on=day),
        on=day,
    )


def provider_search(
    *,
    q: str = "",
    category: str = "",
    province: str = "",
    sector: str = "",
    status: str = "",
) -> QuerySet[Provider]:
    """The public directory: name or code, category, province, sector, status."""
    providers = Provider.objects.select_related("category", "commune__province")
    q = q.replace("\x00", "").strip()
    if q:
        digits = q.replace(" ", "")
        if digits.isdigit():
            providers = providers.filter(inpe__startswith=digits)
        else:
            providers = providers.filter(Q(name__icontains=q) | Q(name_ar__icontains=q))
    if category:
        providers = providers.filter(category__code=category)
    if province:
        providers = providers.filter(commune__province__code=province)
    if sector:
        providers = providers.filter(sector=sector)
    if status:
        providers = providers.filter(status=status)
    return providers.order_by("name", "inpe")
