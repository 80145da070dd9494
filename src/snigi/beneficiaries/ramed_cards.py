"""RAMED cards and contributions: the card of an eligible household's period and its life
(produced, delivered to the province, collected by the household, activated), and the annual
contribution of a vulnerable household, which it pays before collecting its card.

Same contract as ``ramed``: checked first, one transaction, ``EnrolmentRefused`` and nothing
written on refusal. A year's amounts follow the rules in force on 1 January (on the regime's first
day in 2012) and count the persons the decision enrolled.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction

from snigi.beneficiaries.identity import EnrolmentRefused
from snigi.beneficiaries.models import Enrolment, RamedCard, RamedContribution, RamedEligibility
from snigi.beneficiaries.ramed import check_day, locked, ramed_regime, ramed_rule, rules_day
from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.money import mad
from snigi.core.roles import Capability
from snigi.core.scoping import require

Status, Category, State = RamedEligibility.Status, RamedEligibility.Category, RamedCard.State
STATES = list(State.values)  # produced, delivered (to the province), collected, activated


def card_produce(
    *, actor: User, eligibility: RamedEligibility, produced_on: datetime.date | None
) -> RamedCard:
    """Produce the card of an eligible household's period: number RAMED + the reference's year +
    the application's id on 8 digits (unique by construction: the historical references'
    serials have 6 or 7 digits, a number built on them could repeat)."""
    require(actor, Capability.MANAGE_RAMED)
    produced_on = check_day(produced_on, "produced_on")
    with transaction.atomic(), acting_as(actor):
        eligibility = locked(eligibility)
        if eligibility.status != Status.ELIGIBLE or eligibility.valid_to is None:
            raise EnrolmentRefused(f"La demande {eligibility.reference} n'est pas éligible.")
        check_day(produced_on, "produced_on", eligibility.decided_on, "la décision")
        if produced_on > eligibility.valid_to:
            raise EnrolmentRefused("L'éligibilité a pris fin.", {"produced_on": ["Après la fin."]})
        if RamedCard.objects.filter(eligibility=eligibility).exists():
            raise EnrolmentRefused(f"La carte de {eligibility.reference} est déjà produite.")
        number = f"RAMED{eligibility.received_on.year}{eligibility.pk:08d}"  # unique: the id
        return RamedCard.objects.create(
            eligibility=eligibility, number=number, produced_on=produced_on
        )


def card_advance(
    *, actor: User, card: RamedCard, state: str, on: datetime.date | None
) -> RamedCard:
    """Move a card to the next state, in order, on a date not before the previous state's; a
    vulnerable household collects it only once that year's contribution is paid."""
    require(actor, Capability.MANAGE_RAMED)
    if state not in STATES[1:]:
        raise EnrolmentRefused("État inconnu.", {"state": ["delivered, collected ou activated."]})
    on = check_day(on, "on")
    with transaction.atomic(), acting_as(actor):
        card = RamedCard.objects.select_for_update().select_related("eligibility").get(pk=card.pk)
        if STATES.index(state) != STATES.index(card.state) + 1:
            raise EnrolmentRefused(
                f"La carte est « {card.get_state_display()} » : l'étape suivante ne peut pas "
                f"être « {State(state).label} ».", {"state": ["Étapes dans l'ordre."]},
            )  # fmt: skip
        last, eligibility = getattr(card, f"{card.state}_on"), card.eligibility
        if on < last or on > (eligibility.valid_to or on):
            raise EnrolmentRefused(
                f"Date incohérente : au plus tôt le {last:%d/%m/%Y} (étape précédente), au "
                "plus tard à la fin de l'éligibilité.", {"on": ["Date incohérente."]},
            )  # fmt: skip
        paid = eligibility.contributions.filter(year=on.year, paid_on__lte=on).exists()
        if state == State.COLLECTED and eligibility.category == Category.VULNERABLE and not paid:
            raise EnrolmentRefused(
                "Ménage vulnérable : la carte n'est remise qu'après le paiement de la "
                f"contribution {on.year}.", {"state": ["Contribution non payée."]},
            )  # fmt: skip
        card.state = state
        setattr(card, f"{state}_on", on)
        card.save(update_fields=["state", f"{state}_on", "updated_at"])
    return card


# ----------------------------------------------------------------------------- contributions


def _persons(eligibility: RamedEligibility) -> int:
    return eligibility.enrolments.exclude(end_reason=Enrolment.EndReason.CANCELLED).count()


def contribution_due(*, eligibility: RamedEligibility, year: int) -> Decimal:
    """A vulnerable household's contribution for ``year``: so much per person enrolled, capped
    per household (0 for any other application)."""
    if eligibility.status != Status.ELIGIBLE or eligibility.category != Category.VULNERABLE:
        return mad(0)
    on = rules_day(year)
    per_person = ramed_rule("RAMED_VULNERABLE_PER_PERSON", on)
    return mad(
        min(per_person * _persons(eligibility), ramed_rule("RAMED_VULNERABLE_HOUSEHOLD_CAP", on))
    )


def contribution_record(
    *, actor: User, eligibility: RamedEligibility, year: int,
    paid_on: datetime.date | None, receipt: str = "",
) -> RamedContribution:  # fmt: skip
    """Record a vulnerable household's contribution for a year of its period (``paid_on`` None:
    due, not paid yet); a payment can be corrected, not removed."""
    require(actor, Capability.MANAGE_RAMED)
    receipt = " ".join((receipt or "").replace("\x00", "").split())
    if paid_on is not None:
        paid_on = check_day(paid_on, "paid_on")
        if not receipt or len(receipt) > 40:
            raise EnrolmentRefused("Quittance attendue.", {"receipt": ["1 à 40 caractères."]})
    elif receipt:
        raise EnrolmentRefused("Quittance sans date de paiement.", {"paid_on": ["Obligatoire."]})
    with transaction.atomic(), acting_as(actor):
        eligibility = locked(eligibility)
        if eligibility.category != Category.VULNERABLE or eligibility.valid_to is None:
            raise EnrolmentRefused("Seuls les ménages vulnérables éligibles contribuent.")
        first = eligibility.valid_from.year  # type: ignore[union-attr]
        last = min(eligibility.valid_to, ramed_regime().valid_to or eligibility.valid_to).year
        if not first <= year <= last:
            raise EnrolmentRefused(
                f"Année hors de la période d'éligibilité ({first}-{last}).",
                {"year": ["Hors de la période."]},
            )
        if paid_on is not None:
            check_day(paid_on, "paid_on", eligibility.decided_on, "la décision")
            if paid_on.year > year:
                raise EnrolmentRefused(
                    f"Un paiement de {paid_on.year} ne vaut pas pour {year}.",
                    {"paid_on": ["Après l'année."]},
                )
        current = eligibility.contributions.filter(year=year).first()
        if current is not None and current.paid_on is not None and paid_on is None:
            raise EnrolmentRefused(f"La contribution {year} est déjà payée.")
        contribution, _ = RamedContribution.objects.update_or_create(
            eligibility=eligibility, year=year,
            defaults={"persons": _persons(eligibility), "paid_on": paid_on, "receipt": receipt,
                      "amount_due": contribution_due(eligibility=eligibility, year=year)},
        )  # fmt: skip
    return contribution
