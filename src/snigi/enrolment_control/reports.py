"""Reports of a control run: the double enrolments it found, by pair of regimes and by region,
the enrolments a rule settles (one of the two regimes gives way) and the cards avoided (a card
or household number all of whose listed holders give way, when the lists give card numbers);
a CSV export.

A double enrolment is a pair in the link band that no officer refuted, or a pair to review
that an officer confirmed. Its region is that of the first record's commune (the second's when
the first has none); "—" when neither commune is known.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q

from snigi.core.models import Commune
from snigi.enrolment_control.models import CandidatePair, ControlRun, ListEntry
from snigi.enrolment_control.review import prevailing

UNKNOWN = "—"


def confirmed(run: ControlRun):  # noqa: ANN201 - a queryset
    """The run's double enrolments."""
    link, review = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW
    return CandidatePair.objects.filter(run=run).filter(
        (Q(band=link) & (Q(decision__isnull=True) | Q(decision__same_person=True)))
        | (Q(band=review) & Q(decision__same_person=True))
    )


@dataclass(frozen=True)
class ConflictReport:
    total: int
    by_regimes: list[tuple[str, str, int]]  # regime codes in order, count
    by_region: list[tuple[str, int]]
    settled_by_rule: int  # a rule says which regime prevails: the other enrolment goes
    to_decide: int
    enrolments_avoided: int  # distinct records that give way under a rule
    cards_avoided: int | None  # cards all of whose listed holders give way; None: no card


def _regime(pair: CandidatePair, side: str) -> str:
    submitted = getattr(pair, side).submitted_list
    return submitted.regime.code if submitted.regime else submitted.organisation.code


def conflict_report(run: ControlRun) -> ConflictReport:
    pairs = list(
        confirmed(run).select_related(
            "entry_a__submitted_list__regime", "entry_a__submitted_list__organisation",
            "entry_b__submitted_list__regime", "entry_b__submitted_list__organisation",
        )
    )  # fmt: skip
    codes = {p.entry_a.commune for p in pairs} | {p.entry_b.commune for p in pairs}
    region_of = dict(
        Commune.objects.filter(code__in=codes - {""}).values_list(
            "code", "province__region__name_fr"
        )
    )
    regimes: Counter[tuple[str, str]] = Counter()
    regions: Counter[str] = Counter()
    settled = 0
    giving_way: dict[int, ListEntry] = {}
    for pair in pairs:
        a, b = sorted((_regime(pair, "entry_a"), _regime(pair, "entry_b")))
        regimes[(a, b)] += 1
        commune = pair.entry_a.commune or pair.entry_b.commune
        regions[region_of.get(commune, UNKNOWN)] += 1
        winner = prevailing(pair).prevailing
        if winner is not None:
            settled += 1
            loser = pair.entry_b if winner.pk == pair.entry_a.submitted_list_id else pair.entry_a
            giving_way[loser.pk] = loser
    return ConflictReport(
        total=len(pairs),
        by_regimes=[(a, b, n) for (a, b), n in regimes.most_common()],
        by_region=regions.most_common(),
        settled_by_rule=settled,
        to_decide=len(pairs) - settled,
        enrolments_avoided=len(giving_way),
        cards_avoided=_cards_avoided(run, giving_way.values()),
    )


def _cards_avoided(run: ControlRun, giving_way: Iterable[ListEntry]) -> int | None:
    """Cards (a list's card or household number) every listed holder of which gives way; None
    when none of the run's lists gives card numbers."""
    lists = run.lists.all()
    if not ListEntry.objects.filter(submitted_list__in=lists).exclude(card_number="").exists():
        return None
    going: Counter[tuple[int, str]] = Counter(
        (e.submitted_list_id, e.card_number) for e in giving_way if e.card_number
    )
    if not going:
        return 0
    holders = Counter(
        {
            (row["submitted_list"], row["card_number"]): row["n"]
            for row in ListEntry.objects.filter(
                submitted_list__in={key[0] for key in going},
                card_number__in={key[1] for key in going},
            )
            .values("submitted_list", "card_number")
            .annotate(n=Count("pk"))
        }
    )
    return sum(1 for key, n in going.items() if holders[key] == n)


def report_csv(run: ControlRun) -> bytes:
    """The report as CSV (UTF-8 with BOM, ``;``: a spreadsheet opens it)."""
    report = conflict_report(run)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["section", "régime 1", "régime 2 / région", "nombre"])
    for a, b, n in report.by_regimes:
        writer.writerow(["par paire de régimes", a, b, n])
    for region, n in report.by_region:
        writer.writerow(["par région", "", region, n])
    writer.writerow(["total", "", "", report.total])
    writer.writerow(["tranchées par une règle", "", "", report.settled_by_rule])
    writer.writerow(["à trancher", "", "", report.to_decide])
    writer.writerow(["immatriculations évitées", "", "", report.enrolments_avoided])
    cards = "" if report.cards_avoided is None else report.cards_avoided
    writer.writerow(["cartes évitées", "", "", cards])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
