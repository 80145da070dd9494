"""Reports of a control run: the double enrolments it found, by pair of regimes and by region,
and the enrolments a rule settles (one of the two regimes gives way); a CSV export.

A double enrolment is a pair in the link band that no officer refuted, or a pair to review
that an officer confirmed. Its region is that of the first record's commune (the second's when
the first has none); "—" when neither commune is known.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from snigi.core.models import Commune
from snigi.enrolment_control.models import CandidatePair, ControlRun
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
    for pair in pairs:
        a, b = sorted((_regime(pair, "entry_a"), _regime(pair, "entry_b")))
        regimes[(a, b)] += 1
        commune = pair.entry_a.commune or pair.entry_b.commune
        regions[region_of.get(commune, UNKNOWN)] += 1
        settled += prevailing(pair).prevailing is not None
    return ConflictReport(
        total=len(pairs),
        by_regimes=[(a, b, n) for (a, b), n in regimes.most_common()],
        by_region=regions.most_common(),
        settled_by_rule=settled,
        to_decide=len(pairs) - settled,
    )


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
    writer.writerow(["tranchées par une règle (immatriculations évitées)", "", "",
                     report.settled_by_rule])  # fmt: skip
    writer.writerow(["à trancher", "", "", report.to_decide])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
