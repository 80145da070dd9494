"""The review of candidate pairs: an officer's decision, kept and reused on later runs; how the
decisions measure the model; which regime prevails for a confirmed double enrolment.

Decisions are keyed by the bodies' own record ids (``ReviewDecision``), not by the rows of one
list: a decision taken on a run holds for the same two records in the lists of later dates.
The prevailing regime comes from ``data/prevailing.csv`` (rule, legal basis, how sure it is):
a contributory AMO regime over RAMED and AMO Tadamon (a RAMED beneficiary who is an AMO
dependant gives way too: RAMED is for people no AMO regime covers), any other regime over the
students' AMO, and, between two AMO regimes, a right in one's own name over a dependant's. The
rules are tried in the file's order. When no rule applies the proposal says so
and the officer decides.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    ReviewDecision,
    SubmittedList,
)

RULES = Path(__file__).resolve().parent / "data" / "prevailing.csv"


def _key(entry: ListEntry) -> tuple[str, str, str]:
    """A record as its body knows it: the body, the kind of list, the record id."""
    return (entry.submitted_list.organisation.code, entry.submitted_list.kind, entry.record_id)


def _ordered(a: ListEntry, b: ListEntry) -> tuple[ListEntry, ListEntry]:
    return (a, b) if _key(a) <= _key(b) else (b, a)


def decide(
    *, actor: User, pair: CandidatePair, same_person: bool, note: str = ""
) -> ReviewDecision:
    """Record (or change) the decision on ``pair``'s two records. Confirming notifies the bodies
    concerned; finding two people withdraws their pending notices (``notify``)."""
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    if not same_person and not note.strip():
        raise ValidationError("Indiquez ce qui distingue les deux personnes.")
    a, b = _ordered(pair.entry_a, pair.entry_b)
    with transaction.atomic(), acting_as(actor):
        decision, _ = ReviewDecision.objects.update_or_create(
            body_a=a.submitted_list.organisation, kind_a=a.submitted_list.kind,
            record_a=a.record_id, body_b=b.submitted_list.organisation,
            kind_b=b.submitted_list.kind, record_b=b.record_id,
            defaults={"same_person": same_person, "note": note.strip(),
                      "probability": pair.probability, "decided_by": actor},
        )  # fmt: skip
        from snigi.enrolment_control import notify  # notify builds on the reports and on this

        # the same two records, in every run and every list of their bodies
        rows_a, rows_b = notify.same_records(pair)
        CandidatePair.objects.filter(notify.between(rows_a, rows_b, "entry_a", "entry_b")).update(
            decision=decision
        )

        if same_person:
            notify.notify_pair(actor=actor, pair=pair)
        else:
            notify.withdraw(actor=actor, pair=pair)
    return decision


def apply_decisions(run: ControlRun) -> int:
    """Attach the decisions already taken to ``run``'s pairs; how many were found."""
    pairs = list(
        CandidatePair.objects.filter(run=run).select_related(
            "entry_a__submitted_list__organisation", "entry_b__submitted_list__organisation"
        )
    )
    bodies = {e.submitted_list.organisation_id for p in pairs for e in (p.entry_a, p.entry_b)}
    known = {
        (d.body_a.code, d.kind_a, d.record_a, d.body_b.code, d.kind_b, d.record_b): d
        for d in ReviewDecision.objects.filter(
            Q(body_a__in=bodies) & Q(body_b__in=bodies)
        ).select_related("body_a", "body_b")
    }
    found = []
    for pair in pairs:
        a, b = _ordered(pair.entry_a, pair.entry_b)
        decision = known.get((*_key(a), *_key(b)))
        if decision is not None:
            pair.decision = decision
            found.append(pair)
    CandidatePair.objects.bulk_update(found, ["decision"], batch_size=2000)
    return len(found)


@dataclass(frozen=True)
class Measures:
    """What the decisions say of the model on one run."""

    links_confirmed: int
    links_refuted: int
    review_same: int
    review_different: int

    @property
    def link_precision(self) -> float | None:
        decided = self.links_confirmed + self.links_refuted
        return self.links_confirmed / decided if decided else None


def measures(run: ControlRun) -> Measures:
    pairs = CandidatePair.objects.filter(run=run, decision__isnull=False)

    def count(band: str, same: bool) -> int:
        return pairs.filter(band=band, decision__same_person=same).count()

    link, review = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW
    return Measures(count(link, True), count(link, False), count(review, True),
                    count(review, False))  # fmt: skip


@dataclass(frozen=True)
class Proposal:
    prevailing: SubmittedList | None  # the list whose regime prevails; None: to decide
    basis: str
    certainty: str  # sure, likely, or "" when no rule applies


@functools.cache
def _rules() -> tuple[tuple[str, str, str, str], ...]:
    with RULES.open(encoding="utf-8", newline="") as fh:
        return tuple(
            (r["prevails"], r["over"], r["basis"], r["certainty"]) for r in csv.DictReader(fh)
        )


def _terms(submitted: SubmittedList) -> set[str]:
    terms = {"dependant" if submitted.kind == SubmittedList.Kind.DEPENDANTS else "own_right"}
    if submitted.regime is not None:
        terms.add(submitted.regime.code)
    return terms


def prevailing(pair: CandidatePair) -> Proposal:
    """Which of the two records' regimes prevails, by the first rule that applies."""
    a, b = pair.entry_a.submitted_list, pair.entry_b.submitted_list
    if a.regime is None or b.regime is None:  # the rules are about regimes: nothing to go by
        return Proposal(None, "Le régime d'une des deux listes n'est pas indiqué : à trancher.", "")
    ta, tb = _terms(a), _terms(b)
    for winner, loser, basis, certainty in _rules():
        if winner in ta and loser in tb and not (winner in tb and loser in ta):
            return Proposal(a, basis, certainty)
        if winner in tb and loser in ta and not (winner in ta and loser in tb):
            return Proposal(b, basis, certainty)
    return Proposal(None, "Aucune règle ne départage ces deux régimes : à trancher.", "")
