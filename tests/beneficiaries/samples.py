"""Helpers to build enrolments through the real services (no fixtures bypass the rules)."""

from __future__ import annotations

import datetime
import itertools

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Enrolment
from snigi.core.models import Commune

_numbers = itertools.count(100_000_001)
_cnies = itertools.count(10_001)


def commune_code() -> str:
    return Commune.objects.order_by("code").values_list("code", flat=True).first()


def person(**overrides) -> services.PersonInput:
    """A valid adult's identity with a fresh CNIE (``cnie=""`` for none)."""
    data = {
        "last_name_lat": "Bennani",
        "first_name_lat": "Karima",
        "sex": "F",
        "birth_date": datetime.date(1985, 3, 14),
        "commune": commune_code(),
        "cnie": f"ZT{next(_cnies)}",
    }
    data.update(overrides)
    return services.PersonInput(**data)


def insured(
    actor, *, regime="AMO_CNSS_SALARIES", start=datetime.date(2024, 1, 1), **person_fields
) -> Enrolment:
    organisation = {"AMO_CNOPS_PUBLIC": "CNOPS"}.get(regime, "")
    return services.enrol_insured(
        actor=actor,
        person=person(**person_fields),
        regime=regime,
        organisation=organisation,
        fund_number=str(next(_numbers)),
        start=start,
    )


def declare_days(
    actor, enrolment: Enrolment, first: datetime.date, months: int, days: int = 26
) -> None:
    """``days`` declared for ``months`` consecutive months from ``first``."""
    month = first.replace(day=1)
    data = {}
    for _ in range(months):
        data[month] = (days, None)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    services.record_contributions(actor=actor, enrolment=enrolment, months=data)
