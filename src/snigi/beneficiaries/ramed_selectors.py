"""RAMED reads for the ANAM officer: one application with its members, card and contributions
(the persons shown are logged), and the annual estimate of the local authorities' contributions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q

from snigi.beneficiaries.identity import EnrolmentRefused
from snigi.beneficiaries.models import Enrolment, Person, RamedEligibility
from snigi.beneficiaries.ramed import REGIME, ramed_rule, rules_day
from snigi.core.audit import record_list_access
from snigi.core.models import Regime, User
from snigi.core.money import mad
from snigi.core.roles import Capability
from snigi.core.scoping import require


def application_get_for_actor(*, actor: User, eligibility_id: int) -> RamedEligibility:
    """An application with its card and contributions (else ``RamedEligibility.DoesNotExist``)."""
    require(actor, Capability.MANAGE_RAMED)
    return (
        RamedEligibility.objects.select_related("commune", "household", "card")
        .prefetch_related("contributions")
        .get(pk=eligibility_id)
    )


def application_members(
    *, actor: User, eligibility: RamedEligibility
) -> list[tuple[Person, Enrolment | None]]:
    """The persons the decision enrolled, else the household's members; the read is logged."""
    require(actor, Capability.MANAGE_RAMED)
    enrolments = eligibility.enrolments.select_related("person").order_by("pk")
    rows: list[tuple[Person, Enrolment | None]] = [(e.person, e) for e in enrolments]
    if not rows:
        rows = [(p, None) for p in eligibility.household.members.order_by("birth_date", "pk")]
    record_list_access([p for p, _ in rows], actor=actor, query=eligibility.reference)
    return rows


@dataclass(frozen=True)
class CtRow:
    commune: str
    commune_name: str
    region: str
    poor_persons: int
    amount: Decimal


@dataclass(frozen=True)
class CtEstimate:
    year: int
    per_poor: Decimal
    rows: list[CtRow]
    total_persons: int
    total_amount: Decimal


def ct_estimate(*, year: int) -> CtEstimate:
    """Each local authority's contribution for ``year``: its poor beneficiaries (persons enrolled
    as poor on at least one day of the year, by the commune of the household's application; one
    person counts once per commune) × ``RAMED_CT_PER_POOR``; in one grouped query."""
    regime = Regime.objects.get(code=REGIME)
    last = regime.valid_to.year if regime.valid_to else datetime.date.max.year
    if not regime.valid_from.year <= year <= last:
        raise EnrolmentRefused(
            f"Année hors de la période du RAMED ({regime.valid_from.year}-{last}).",
            {"year": ["Hors de la période."]},
        )
    per_poor = mad(ramed_rule("RAMED_CT_PER_POOR", rules_day(year)))
    commune = "ramed_eligibility__commune__"
    counts = (
        Enrolment.objects.filter(
            regime=regime,
            category=Enrolment.Category.POOR,
            ramed_eligibility__isnull=False,
            start__lte=datetime.date(year, 12, 31),
        )
        .filter(Q(end__isnull=True) | Q(end__gte=datetime.date(year, 1, 1)))
        .exclude(end_reason=Enrolment.EndReason.CANCELLED)
        .values(
            code=F(commune + "code"),
            name=F(commune + "name_fr"),
            region=F(commune + "province__region__name_fr"),
        )
        .annotate(poor=Count("person", distinct=True))
        .order_by("code")
    )
    rows = [
        CtRow(c["code"], c["name"], c["region"], c["poor"], mad(per_poor * c["poor"]))
        for c in counts
    ]
    return CtEstimate(
        year=year,
        per_poor=per_poor,
        rows=rows,
        total_persons=sum(row.poor_persons for row in rows),
        total_amount=mad(sum((row.amount for row in rows), Decimal(0))),
    )
