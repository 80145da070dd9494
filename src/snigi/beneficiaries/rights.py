"""Rights: is a person covered on a date, by which regime and fund, until when and why.

How rights open depends on the regime (the parameters are the versioned ``EligibilityRule``s in
force on the date of care; the mechanism per regime is here):

- ``AMO_CNSS_SALARIES`` (active): the days declared over the 6 calendar months before the month
  of care reach 54; a pensioner is covered over the enrolment period.
- ``AMO_TNS``, ``AMO_ACHAMIL``: the waiting period from the first month paid has passed
  (``WAITING_MONTHS``, none if no rule), and every month from the first paid to the month before
  the month of care is paid (contributions up to date).
- ``RAMED`` (historical): over the household's eligibility period, while the regime was in
  force; a vulnerable household only for the years its contribution is paid.
- every other regime (CNOPS, students, Tadamon, article 114): over the enrolment period.

A closed enrolment covers up to its ``rights_until`` (the retention the closing gave: 6 months
after the end of work, 12 for a divorced spouse, 24 for a widow(er) and orphans) if rights were
open on its last day. A dependant is covered when their own enrolment covers the date, the insured
is covered on it, and, for a child, the age rule holds (21; 26 with a student certificate for the
date; no limit when disabled).
"""

from __future__ import annotations

import calendar
import datetime
import threading
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models.signals import post_delete, post_save

from snigi.beneficiaries import eligibility
from snigi.beneficiaries.models import (
    Contribution,
    EligibilityRule,
    Enrolment,
    RamedContribution,
    StudentCertificate,
)
from snigi.beneficiaries.rights_read import prepared_cursor
from snigi.core.models import Organisation, Regime

DECLARED_DAYS, PAID_MONTHS, RAMED, PERIOD = "declared_days", "paid_months", "ramed", "period"
BASIS_BY_REGIME = {
    "AMO_CNSS_SALARIES": DECLARED_DAYS,
    "AMO_TNS": PAID_MONTHS,
    "AMO_ACHAMIL": PAID_MONTHS,
    "RAMED": RAMED,
}


def basis_of(enrolment: Enrolment) -> str:
    basis = BASIS_BY_REGIME.get(enrolment.regime.code, PERIOD)
    if basis == DECLARED_DAYS and enrolment.category == Enrolment.Category.PENSIONER:
        return PERIOD
    return basis


# ----------------------------------------------------------------------------- the rule book


@dataclass(frozen=True)
class _Version:
    regime: str  # "" = every regime
    value: Decimal
    valid_from: datetime.date
    valid_to: datetime.date | None


class RuleBook:
    """Every eligibility rule in memory, answering as ``selectors.rule_value`` does (the
    regime's own version in force on the date, else the general one)."""

    def __init__(
        self, rules: Iterable[tuple[str, str, Decimal, datetime.date, datetime.date | None]]
    ):
        self._versions: dict[str, list[_Version]] = defaultdict(list)
        for code, regime, value, valid_from, valid_to in rules:
            self._versions[code].append(_Version(regime or "", value, valid_from, valid_to))
        for versions in self._versions.values():
            versions.sort(key=lambda v: v.valid_from, reverse=True)

    def value(self, code: str, on: datetime.date, *, regime: str = "") -> Decimal | None:
        in_force = [
            v
            for v in self._versions.get(code, ())
            if v.valid_from <= on and (v.valid_to is None or on <= v.valid_to)
        ]
        for wanted in (regime, "") if regime else ("",):
            for version in in_force:
                if version.regime == wanted:
                    return version.value
        return None

    def integer(self, code: str, on: datetime.date, *, regime: str = "", default: int = 0) -> int:
        value = self.value(code, on, regime=regime)
        return default if value is None else int(value)


_CACHE_SECONDS = 60.0
_cache_lock = threading.Lock()
_cache: tuple[float, RuleBook] | None = None


def rule_book() -> RuleBook:
    """The rules, read once a minute at most (and at once after a change in this process)."""
    global _cache
    with _cache_lock:
        if _cache is not None and time.monotonic() - _cache[0] < _CACHE_SECONDS:
            return _cache[1]
    book = RuleBook(
        EligibilityRule.objects.values_list(
            "code", "regime__code", "value", "valid_from", "valid_to"
        )
    )
    with _cache_lock:
        _cache = (time.monotonic(), book)
    return book


class Reference:
    """Regimes and funds by key (a few dozen rows), attached to the enrolments a rights check
    reads rather than joined to each of them: a seven-table join costs Django's compiler and
    PostgreSQL's planner more than the rest of the check. Shared between threads: read only."""

    def __init__(self) -> None:
        self.regimes = Regime.objects.in_bulk()
        self.organisations = Organisation.objects.in_bulk()

    def complete(self, regime_ids: Iterable[int], organisation_ids: Iterable[int]) -> bool:
        return all(r in self.regimes for r in regime_ids) and all(
            o in self.organisations for o in organisation_ids
        )


_reference: tuple[float, Reference] | None = None


def reference(*, regime_ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()) -> Reference:
    """The regimes and funds, read as the rules are (once a minute at most, at once after a
    change in this process), and again when one of the given keys is missing (created since)."""
    global _reference
    with _cache_lock:
        cached = _reference
    if (
        cached is not None
        and time.monotonic() - cached[0] < _CACHE_SECONDS
        and cached[1].complete(regime_ids, organisation_ids)
    ):
        return cached[1]
    fresh = Reference()
    with _cache_lock:
        _reference = (time.monotonic(), fresh)
    return fresh


def forget_rules(**_: object) -> None:
    """Forget the rules and the reference data (after a change, or a test's rollback)."""
    global _cache, _reference
    with _cache_lock:
        _cache = _reference = None


post_save.connect(forget_rules, sender=EligibilityRule, dispatch_uid="rights_rules_save")
post_delete.connect(forget_rules, sender=EligibilityRule, dispatch_uid="rights_rules_delete")
for _model in (Regime, Organisation):
    post_save.connect(forget_rules, sender=_model, dispatch_uid=f"rights_{_model.__name__}_save")
    post_delete.connect(forget_rules, sender=_model, dispatch_uid=f"rights_{_model.__name__}_del")


# ----------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Coverage:
    covered: bool
    reason: str  # French, for the agent, the provider and the insured
    until: datetime.date | None = None  # the last day known covered (None: open-ended)


def _month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _next_month(day: datetime.date) -> datetime.date:
    """``day + relativedelta(months=1)``, without building a relativedelta for each month."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _earliest(*days: datetime.date | None) -> datetime.date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _day(value: datetime.date | str) -> datetime.date:
    """A date of a UNION's column: SQLite gives the text of the columns it cannot type."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


@dataclass
class Facts:
    """What the rules need beyond the enrolments, read in one statement for a set of them: the
    contributions (declared days, paid months), the student certificates of children and the
    RAMED households' yearly contributions, as rows of one shape (what, key, day, day,
    number, amount)."""

    declared: dict[int, dict[tuple[int, int], int]] = field(default_factory=dict)
    paid: dict[int, set[datetime.date]] = field(default_factory=dict)
    certificates: dict[int, list[tuple[datetime.date, datetime.date]]] = field(default_factory=dict)
    ramed_paid: dict[tuple[int, int], datetime.date | None] = field(default_factory=dict)

    @classmethod
    def load(cls, enrolments: Iterable[Enrolment], on: datetime.date) -> Facts:
        facts = cls()
        enrolments = list(enrolments)
        contributing = {
            e.pk: None for e in enrolments if basis_of(e) in (DECLARED_DAYS, PAID_MONTHS)
        }
        children = {
            e.pk: None for e in enrolments if e.relationship == Enrolment.Relationship.CHILD
        }
        ramed = {e.ramed_eligibility_id: None for e in enrolments if e.ramed_eligibility_id}
        sql, params = _facts_sql(on, list(contributing), list(children), list(ramed))
        if not sql:
            return facts
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for what, key, first, second, number, amount in rows:
            if what == "c":  # a month of contributions
                month = _day(first)
                if number is not None:
                    facts.declared.setdefault(key, {})[(month.year, month.month)] = number
                if amount is not None:
                    facts.paid.setdefault(key, set()).add(month)
            elif what == "s":  # a student certificate
                facts.certificates.setdefault(key, []).append((_day(first), _day(second)))
            else:  # a RAMED household's contribution for a year
                facts.ramed_paid[(key, number)] = None if first is None else _day(first)
        return facts


def _facts_sql(
    on: datetime.date, contributing: list[int], children: list[int], ramed: list[int]
) -> tuple[str, list[Any]]:
    """The facts' statement (empty if nothing is to be read) and its parameters."""
    quote = connection.ops.quote_name

    def keys(values: list[int]) -> str:
        return ", ".join(["%s"] * len(values))

    parts: list[str] = []
    params: list[Any] = []
    if contributing:
        parts.append(
            f"SELECT 'c', enrolment_id, month, NULL, days, amount "  # noqa: S608
            f"FROM {quote(Contribution._meta.db_table)} "
            f"WHERE enrolment_id IN ({keys(contributing)}) AND month <= %s"
        )
        params += [*contributing, on]
    if children:
        parts.append(
            f"SELECT 's', enrolment_id, valid_from, valid_until, NULL, NULL "  # noqa: S608
            f"FROM {quote(StudentCertificate._meta.db_table)} "
            f"WHERE enrolment_id IN ({keys(children)})"
        )
        params += children
    if ramed:
        parts.append(
            f"SELECT 'r', eligibility_id, paid_on, NULL, {quote('year')}, NULL "  # noqa: S608
            f"FROM {quote(RamedContribution._meta.db_table)} "
            f"WHERE eligibility_id IN ({keys(ramed)})"
        )
        params += ramed
    return " UNION ALL ".join(parts), params


def _open_by_basis(
    enrolment: Enrolment, on: datetime.date, facts: Facts, rules: RuleBook
) -> Coverage:
    """Rights on ``on`` by the regime's mechanism, inside the enrolment period."""
    regime = enrolment.regime.code
    basis = basis_of(enrolment)
    if basis == DECLARED_DAYS:
        required = rules.integer("OPENING_CONTRIBUTION_DAYS", on, regime=regime, default=0)
        months = rules.integer("OPENING_WINDOW_MONTHS", on, regime=regime, default=6)
        days = eligibility.contribution_days(
            facts.declared.get(enrolment.pk, {}), on, months=months
        )
        if days >= required:
            return Coverage(
                True,
                f"{days} jours de cotisations déclarés sur les {months} mois précédents "
                f"(au moins {required} requis).",
                _month_end(on),
            )
        return Coverage(
            False,
            f"Droits non ouverts : {days} jours de cotisations déclarés sur les {months} mois "
            f"précédents, {required} requis.",
        )
    if basis == PAID_MONTHS:
        paid = facts.paid.get(enrolment.pk, set())
        if not paid:
            return Coverage(False, "Droits non ouverts : aucune cotisation payée.")
        first = min(paid)
        waiting = rules.integer("WAITING_MONTHS", on, regime=regime, default=0)
        opens = eligibility.rights_after_waiting(first, waiting)
        if on < opens:
            return Coverage(
                False, f"Stage de {waiting} mois en cours : droits ouverts le {opens:%d/%m/%Y}."
            )
        month = first
        this_month = on.replace(day=1)
        while month < this_month:
            if month not in paid:
                return Coverage(
                    False, f"Cotisations non à jour : le mois {month:%m/%Y} n'est pas payé."
                )
            month = _next_month(month)
        return Coverage(True, "Cotisations à jour.", _month_end(on))
    if basis == RAMED:
        if not enrolment.regime.in_force_on(on):
            return Coverage(
                False,
                "Le RAMED n'est plus en vigueur à cette date (basculement vers l'AMO Tadamon).",
            )
        if enrolment.category == Enrolment.Category.VULNERABLE:
            paid_on = facts.ramed_paid.get((enrolment.ramed_eligibility_id or 0, on.year))
            if paid_on is None or paid_on > on:
                return Coverage(
                    False,
                    f"Ménage vulnérable : la contribution annuelle {on.year} n'est pas payée.",
                )
            return Coverage(
                True,
                "RAMED, ménage vulnérable, contribution payée.",
                datetime.date(on.year, 12, 31),
            )
        return Coverage(True, "RAMED, ménage en situation de pauvreté.")
    return Coverage(True, "Immatriculation en cours.")


def insured_coverage(
    enrolment: Enrolment, on: datetime.date, facts: Facts, rules: RuleBook
) -> Coverage:
    """Rights of an insured's own enrolment on ``on``."""
    if on < enrolment.start:
        return Coverage(False, f"Immatriculation à partir du {enrolment.start:%d/%m/%Y}.")
    if enrolment.end is not None and on > enrolment.end:
        if enrolment.rights_until is None or on > enrolment.rights_until:
            return Coverage(
                False,
                f"Immatriculation close le {enrolment.end:%d/%m/%Y} "
                f"({enrolment.get_end_reason_display()}).",
            )
        at_end = _open_by_basis(enrolment, enrolment.end, facts, rules)
        if not at_end.covered:
            return Coverage(False, "Droits non ouverts à la clôture : pas de maintien des droits.")
        return Coverage(
            True,
            f"Maintien des droits après clôture ({enrolment.get_end_reason_display()}) "
            f"jusqu'au {enrolment.rights_until:%d/%m/%Y}.",
            enrolment.rights_until,
        )
    result = _open_by_basis(enrolment, on, facts, rules)
    if result.covered:
        end = enrolment.end if enrolment.end is not None else None
        until = _earliest(result.until, enrolment.rights_until or end)
        return Coverage(True, result.reason, until)
    return result


def dependant_coverage(
    enrolment: Enrolment,
    on: datetime.date,
    insured: Coverage,
    facts: Facts,
    rules: RuleBook,
) -> Coverage:
    """Rights of a dependant's enrolment on ``on``, given the insured's coverage that day."""
    if on < enrolment.start:
        return Coverage(False, f"Ayant droit à partir du {enrolment.start:%d/%m/%Y}.")
    if enrolment.end is not None and on > enrolment.end:
        if enrolment.rights_until is not None and on <= enrolment.rights_until:
            # Only rights open on the last day are kept: the insured's, that day.
            at_end = insured_coverage(
                enrolment.insured,  # type: ignore[arg-type]  # a dependant's
                enrolment.end,
                facts,
                rules,
            )
            if not at_end.covered:
                return Coverage(
                    False, "Droits non ouverts à la clôture : pas de maintien des droits."
                )
            own = Coverage(
                True,
                f"Maintien des droits ({enrolment.get_end_reason_display()}) "
                f"jusqu'au {enrolment.rights_until:%d/%m/%Y}.",
                enrolment.rights_until,
            )
        else:
            return Coverage(
                False,
                f"Qualité d'ayant droit close le {enrolment.end:%d/%m/%Y} "
                f"({enrolment.get_end_reason_display()}).",
            )
    elif not insured.covered:
        return Coverage(False, f"L'assuré n'est pas couvert : {insured.reason}")
    else:
        own = Coverage(
            True, "Ayant droit d'un assuré couvert.", _earliest(insured.until, enrolment.end)
        )
    if enrolment.relationship != Enrolment.Relationship.CHILD:
        return own
    child = child_rule(enrolment, on, facts, rules)
    if not child.covered:
        return child
    return Coverage(True, f"{own.reason} {child.reason}", _earliest(own.until, child.until))


def child_rule(enrolment: Enrolment, on: datetime.date, facts: Facts, rules: RuleBook) -> Coverage:
    """The age rule of a child dependant on ``on``."""
    studying_until = None
    for start, end in facts.certificates.get(enrolment.pk, ()):
        if start <= on <= end:
            studying_until = max(end, studying_until or end)
    result = eligibility.child_coverage(
        enrolment.person.birth_date,
        on,
        child_max_age=rules.integer("CHILD_MAX_AGE", on, default=21),
        student_max_age=rules.integer("STUDENT_CHILD_MAX_AGE", on, default=26),
        studying_until=studying_until,
        disabled=enrolment.disabled,
    )
    return Coverage(result.covered, result.reason, result.until)
