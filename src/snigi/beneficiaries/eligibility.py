"""The eligibility rules of basic medical coverage as pure functions of dates and parameters.

The parameters (ages, days, months) are versioned data with their legal basis
(``data/eligibility_rules.csv``, model ``EligibilityRule``, selector ``rule_value``): the
functions here take them as arguments, so that the rule in force on a date is applied and the
boundaries can be tested exhaustively (Hypothesis) without a database.

Conventions, documented because the texts leave them open:
- "âgés de 21 ans au plus": a child is covered while their age in completed years is at most the
  limit, i.e. up to the eve of the birthday *after* it (the 22nd for 21).
- A birthday on 29 February falls on 28 February in common years (``relativedelta``).
- "54 jours sur les 6 derniers mois": the days declared for the 6 calendar months *before* the
  month of the care (declarations are monthly).
- Rights kept N months after the end of work: up to and including the same day N months later.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

ONE_DAY = datetime.timedelta(days=1)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Age in completed years on ``day`` (negative before the birth)."""
    if day < birth:
        return -1
    return relativedelta(day, birth).years


def last_day_at_age(birth: datetime.date, max_age: int) -> datetime.date:
    """The last day on which the age in completed years is at most ``max_age``."""
    return birth + relativedelta(years=max_age + 1) - ONE_DAY


@dataclass(frozen=True)
class ChildCoverage:
    covered: bool
    until: datetime.date | None  # None: no end (a disabled child) or not covered
    reason: str  # French, for the agent and the rights check


def child_coverage(
    birth: datetime.date,
    on: datetime.date,
    *,
    child_max_age: int,
    student_max_age: int,
    studying_until: datetime.date | None = None,
    disabled: bool = False,
) -> ChildCoverage:
    """Is a child covered as a dependant on ``on``? Up to ``child_max_age``; up to
    ``student_max_age`` while a student certificate covers the date (``studying_until`` is the
    end of its academic year); without limit when disabled."""
    if on < birth:
        return ChildCoverage(False, None, "L'enfant n'est pas encore né à cette date.")
    if disabled:
        return ChildCoverage(True, None, "Enfant handicapé : sans limite d'âge.")
    child_until = last_day_at_age(birth, child_max_age)
    student_until = last_day_at_age(birth, student_max_age)
    studying = studying_until is not None and on <= studying_until
    if on <= child_until:
        until = child_until
        if studying and studying_until is not None:
            until = max(child_until, min(studying_until, student_until))
        return ChildCoverage(True, until, f"Enfant de {child_max_age} ans au plus.")
    if studying and studying_until is not None and on <= student_until:
        return ChildCoverage(
            True,
            min(studying_until, student_until),
            f"Enfant étudiant de {student_max_age} ans au plus (certificat de scolarité).",
        )
    if on <= student_until:
        return ChildCoverage(
            False,
            None,
            f"Enfant de plus de {child_max_age} ans sans certificat de scolarité pour cette date.",
        )
    return ChildCoverage(False, None, f"Enfant de plus de {student_max_age} ans.")


def window_months(on: datetime.date, months: int) -> list[tuple[int, int]]:
    """The ``months`` calendar months before the month of ``on``, oldest first."""
    index = on.year * 12 + on.month - 1  # months since the year 0 (integers: no relativedelta)
    return [((index - n) // 12, (index - n) % 12 + 1) for n in range(months, 0, -1)]


def contribution_days(
    declared: Mapping[tuple[int, int], int], on: datetime.date, *, months: int
) -> int:
    """Days of contributions declared (by month) over the window before ``on``'s month."""
    return sum(max(0, int(declared.get(month, 0))) for month in window_months(on, months))


def rights_open_by_contributions(
    declared: Mapping[tuple[int, int], int],
    on: datetime.date,
    *,
    required_days: int,
    months: int,
) -> bool:
    """The salaried rule: at least ``required_days`` declared over the ``months`` before."""
    return contribution_days(declared, on, months=months) >= required_days


def kept_until(end: datetime.date, months: int) -> datetime.date:
    """The last day rights are kept ``months`` after ``end`` (the end of work, the divorce, the
    death of the insured)."""
    return end + relativedelta(months=months)


def rights_after_waiting(first_contribution: datetime.date, months: int) -> datetime.date:
    """The first day of rights after a waiting period of ``months`` from the first
    contribution (self-employed)."""
    return first_contribution + relativedelta(months=months)
