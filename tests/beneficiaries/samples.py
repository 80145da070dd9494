"""Helpers to build enrolments through the real services (no fixtures bypass the rules)."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Enrolment, Household, Person
from snigi.core.models import Commune

_numbers = itertools.count(100_000_001)
_cnies = itertools.count(10_001)

CNSS = "AMO_CNSS_SALARIES"
CNOPS = "AMO_CNOPS_PUBLIC"
TNS = "AMO_TNS"


def commune_code() -> str:
    return Commune.objects.order_by("code").values_list("code", flat=True).first()


def fresh_cnie() -> str:
    return f"ZT{next(_cnies)}"


def fresh_number() -> str:
    """A fresh 9-digit membership number (valid for the CNSS and for the other funds)."""
    return str(next(_numbers))


def person(**overrides) -> services.PersonInput:
    """A valid adult's identity with a fresh CNIE (``cnie=""`` for none)."""
    data = {
        "last_name_lat": "Bennani",
        "first_name_lat": "Karima",
        "sex": "F",
        "birth_date": datetime.date(1985, 3, 14),
        "commune": commune_code(),
        "cnie": fresh_cnie(),
    }
    data.update(overrides)
    return services.PersonInput(**data)


def insured(
    actor,
    *,
    regime=CNSS,
    start=datetime.date(2024, 1, 1),
    organisation=None,
    category=Enrolment.Category.ACTIVE,
    fund_number=None,
    override_reason="",
    **person_fields,
) -> Enrolment:
    if organisation is None:
        organisation = {CNOPS: "CNOPS"}.get(regime, "")
    return services.enrol_insured(
        actor=actor,
        person=person(**person_fields),
        regime=regime,
        organisation=organisation,
        fund_number=fund_number or fresh_number(),
        start=start,
        category=category,
        override_reason=override_reason,
    )


def dependant(
    actor,
    insured_enrolment: Enrolment,
    *,
    relationship=Enrolment.Relationship.CHILD,
    start=None,
    disabled=False,
    certificate=None,
    override_reason="",
    **person_fields,
) -> Enrolment:
    """A spouse or a child of ``insured_enrolment``; a child has no CNIE unless given one."""
    defaults = (
        {
            "first_name_lat": "Ahmed",
            "sex": "M",
            "birth_date": datetime.date(2012, 5, 20),
            "cnie": "",
        }
        if relationship == Enrolment.Relationship.CHILD
        else {"first_name_lat": "Omar", "sex": "M", "birth_date": datetime.date(1983, 1, 2)}
    )
    return services.add_dependant(
        actor=actor,
        insured=insured_enrolment,
        person=person(**{**defaults, **person_fields}),
        relationship=relationship,
        start=start or insured_enrolment.start,
        disabled=disabled,
        student_certificate=certificate,
        override_reason=override_reason,
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


def pay_months(
    actor,
    enrolment: Enrolment,
    first: datetime.date,
    months: int,
    *,
    skip: tuple[datetime.date, ...] = (),
    amount: Decimal = Decimal("150.00"),
) -> None:
    """``amount`` paid (self-employed) for ``months`` consecutive months from ``first``, but
    for the months in ``skip``."""
    first = first.replace(day=1)
    data = {
        first + relativedelta(months=n): (None, amount)
        for n in range(months)
        if first + relativedelta(months=n) not in skip
    }
    services.record_contributions(actor=actor, enrolment=enrolment, months=data)


def row_counts() -> dict[str, int]:
    """How many persons, households and enrolments exist (to show that a refusal wrote nothing)."""
    return {model.__name__: model.objects.count() for model in (Person, Household, Enrolment)}


def family_with_twins(actor, *, cnie_prefix: str, fund_number: str) -> tuple:
    """A CNSS pensioner with an ALD from 01/02/2024 (CNIE ``{prefix}001``), a spouse with a
    CNIE (``{prefix}002``), a child without one (Rim, 03/09/2010, ريم in Arabic) and twins
    without one (Adam and Inès, 02/04/2014): ``(insured, spouse, child, [twins])``."""
    insured_enrolment = insured(
        actor, cnie=f"{cnie_prefix}001", category="pensioner", fund_number=fund_number,
        last_name_lat="Tazi", first_name_lat="Youssef", sex="M",
        birth_date=datetime.date(1960, 2, 1),
    )  # fmt: skip
    spouse = dependant(
        actor, insured_enrolment, relationship="spouse", cnie=f"{cnie_prefix}002",
        last_name_lat="Tazi", first_name_lat="Amina", sex="F", birth_date=datetime.date(1964, 7, 8),
    )  # fmt: skip
    child = dependant(
        actor, insured_enrolment, last_name_lat="Tazi", first_name_lat="Rim", sex="F",
        birth_date=datetime.date(2010, 9, 3), first_name_ar="ريم",
    )  # fmt: skip
    twins = [
        dependant(
            actor,
            insured_enrolment,
            last_name_lat="Tazi",
            first_name_lat=name,
            sex=sex,
            birth_date=datetime.date(2014, 4, 2),
        )  # fmt: skip
        for name, sex in (("Adam", "M"), ("Inès", "F"))
    ]
    services.grant_exemption(
        actor=actor, person=insured_enrolment.person, kind="ALD",
        valid_from=datetime.date(2024, 2, 1), condition_code="C50",
    )  # fmt: skip
    return insured_enrolment, spouse, child, twins
