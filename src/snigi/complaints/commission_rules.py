"""The rules of the CPS/CSP procedure (art. 30 of decree 2-05-733; seed 002, IV.1), read from
the data: the delays in force on a date, the moratorium, the repeat offence and the limits of a
suspension. Each check returns nothing or raises a ValidationError with a French message."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db.models import Q

from snigi.complaints.models import Delay, Moratorium
from snigi.providers.models import ConventionPeriod, Provider
from snigi.providers.services import MAX_SUSPENSION_DAYS

EXPLANATIONS = "explanations"
SUSPENSION_MAX = "suspension_max"
SUSPENSION_ALERT = "suspension_alert"
REFERRAL_REMINDER = "referral_reminder"
EXPERTISE_REMINDER = "expertise_reminder"


def delay_in_force(code: str, on: datetime.date) -> Delay:
    """The version of delay ``code`` in force on ``on`` (data/delays.csv, versioned)."""
    delay = (
        Delay.objects.filter(code=code, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .order_by("-valid_from")
        .first()
    )
    if delay is None:
        raise ValidationError(f"Aucun délai « {code} » n'est en vigueur le {on:%d/%m/%Y}.")
    return delay


def delay_days(code: str, on: datetime.date) -> int:
    return delay_in_force(code, on).days


def moratorium_on(day: datetime.date) -> Moratorium | None:
    """The moratorium on new suspensions in force on ``day``, if any."""
    return (
        Moratorium.objects.filter(starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("-starts_on")
        .first()
    )


def check_no_moratorium(*days: datetime.date) -> None:
    """No suspension is pronounced, nor starts, while a moratorium is in force."""
    for day in days:
        moratorium = moratorium_on(day)
        if moratorium is not None:
            until = f"au {moratorium.ends_on:%d/%m/%Y}" if moratorium.ends_on else "sans terme fixé"
            raise ValidationError(
                f"Aucune mise hors convention n'est possible le {day:%d/%m/%Y} : un moratoire est "
                f"en vigueur du {moratorium.starts_on:%d/%m/%Y} {until} (motif : "
                f"{moratorium.reason})."
            )


def earlier_suspensions(provider: Provider, before: datetime.date) -> list[ConventionPeriod]:
    """The provider's suspensions from the convention that started before ``before``."""
    return list(
        ConventionPeriod.objects.filter(
            provider=provider,
            status=ConventionPeriod.Status.SUSPENDED,
            valid_from__lt=before,
        ).order_by("valid_from", "pk")
    )


def latest_end(start: datetime.date) -> datetime.date:
    """The last day of a suspension starting on ``start``: the lesser of one calendar year
    (the decree: "une durée qui ne peut excéder un an") and the ``suspension_max`` delay in
    force on ``start`` (366 days as shipped; an administrator may shorten it)."""
    one_year = start + relativedelta(years=1) - datetime.timedelta(days=1)
    days = min(delay_days(SUSPENSION_MAX, start), MAX_SUSPENSION_DAYS)
    return min(one_year, start + datetime.timedelta(days=days - 1))


def check_suspension_period(
    start: datetime.date | None, end: datetime.date | None, *, decided_on: datetime.date
) -> tuple[datetime.date, datetime.date]:
    if start is None or end is None:
        raise ValidationError("Une mise hors convention : indiquez ses dates de début et de fin.")
    if start < decided_on:
        raise ValidationError(
            f"La mise hors convention ne peut commencer avant la séance de la CSP "
            f"({decided_on:%d/%m/%Y})."
        )
    if end < start:
        raise ValidationError("La fin de la mise hors convention précède son début.")
    last = latest_end(start)
    if end > last:
        raise ValidationError(
            f"Une mise hors convention ne peut excéder un an (décret 2-05-733, art. 30) : "
            f"commençant le {start:%d/%m/%Y}, elle finit au plus tard le {last:%d/%m/%Y}."
        )
    return start, end


def check_not_already_suspended(
    provider: Provider, start: datetime.date, end: datetime.date
) -> None:
    overlap = (
        ConventionPeriod.objects.filter(
            provider=provider,
            status=ConventionPeriod.Status.SUSPENDED,
            valid_from__lte=end,
            valid_to__gte=start,
        )
        .order_by("valid_from")
        .first()
    )
    if overlap is not None and overlap.valid_to is not None:
        raise ValidationError(
            f"Le prestataire {provider.inpe} est déjà mis hors convention du "
            f"{overlap.valid_from:%d/%m/%Y} au {overlap.valid_to:%d/%m/%Y} "
            f"({overlap.document})."
        )
