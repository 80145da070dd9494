"""The synthetic population's enrolments, contributions, exemptions and RAMED history.

Built per chunk from the people rows (``loader._rows``), deterministic: every draw is a hash of
the person's or the household's key (``unit``), so a person's coverage is the same whatever the
chunking. Dates are relative to ``today`` (the day of loading), so the cases stay true when the
demo is loaded: contributions are declared for the months before it, lapsed rights lapsed before
it. Shares are plausible orders of magnitude, not statistics.

Explicit keys: the main enrolment of person ``k`` (primary key ``k + 1``) has primary key
``4k + 1``, their historical RAMED enrolment ``4k + 2``, a double enrolment ``4k + 3``; a
household's RAMED eligibility and card have the household's key.

Cases (the README lists demo CNIEs for each; ``demo_cases`` finds them):
- CNSS salaried: 84% with 14 months declared (covered); 6% with one month only (rights not
  open); 5% closed 2 to 5 months ago (rights kept 6 months); 5% closed 8 to 18 months ago
  (lapsed). Heads over 63 are pensioners (covered over the period).
- TNS: 95% paid up to last month; 5% with an unpaid month (not covered).
- Children over 21: half with a student certificate for this academic year (to 26); the others'
  enrolment closed on the eve of their 22nd birthday (age limit).
- 40% of Tadamon households were RAMED beneficiaries (poor 86%, vulnerable 14%), their card in
  every state; 0.5% of CNSS heads also hold an article 114 enrolment (a double enrolment kept by
  an override, for the control); 2% of covered people have an ALD exemption.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

RAMED_END = datetime.date(2022, 11, 30)
TADAMON_START = datetime.date(2022, 12, 1)
EARLIEST = {
    "AMO_CNSS_SALARIES": datetime.date(2006, 1, 1),
    "AMO_CNOPS_PUBLIC": datetime.date(2006, 1, 1),
    "ART114": datetime.date(2006, 1, 1),
    "AMO_TNS": datetime.date(2022, 1, 1),
    "AMO_TADAMON": TADAMON_START,
    "AMO_ACHAMIL": datetime.date(2024, 1, 1),
}
CARD_STATES = (("produced", 0.08), ("delivered", 0.12), ("collected", 0.25), ("activated", 1.0))
OVERRIDE = "Données de démonstration : double immatriculation à contrôler (art. 114 et CNSS)."

Unit = Callable[[int, int], float]  # (key, salt) -> uniform [0, 1)


@dataclass
class CoverageRows:
    enrolments: list[tuple[object, ...]] = field(default_factory=list)
    contributions: list[tuple[object, ...]] = field(default_factory=list)
    certificates: list[tuple[object, ...]] = field(default_factory=list)
    exemptions: list[tuple[object, ...]] = field(default_factory=list)
    eligibilities: list[tuple[object, ...]] = field(default_factory=list)
    cards: list[tuple[object, ...]] = field(default_factory=list)
    ramed_contributions: list[tuple[object, ...]] = field(default_factory=list)
    # per person key: (regime_id, organisation_id, primary insured person id) after coverage
    person_coverage: dict[int, tuple[int | None, int | None, int | None]] = field(
        default_factory=dict
    )


ENROLMENT_COLUMNS = (
    "id", "person_id", "regime_id", "organisation_id", "kind", "relationship", "category",
    "insured_id", "fund_number", "start", "end", "end_reason", "rights_until", "disabled",
    "ramed_eligibility_id", "override_reason", "override_by_id", "source", "created_at",
    "updated_at",
)  # fmt: skip
CONTRIBUTION_COLUMNS = ("enrolment_id", "month", "days", "amount", "created_at", "updated_at")
CERTIFICATE_COLUMNS = (
    "enrolment_id", "academic_year", "valid_from", "valid_until", "created_at", "updated_at",
)  # fmt: skip
EXEMPTION_COLUMNS = (
    "person_id", "organisation_id", "kind", "condition_code", "valid_from", "valid_to",
    "created_at", "updated_at",
)  # fmt: skip
ELIGIBILITY_COLUMNS = (
    "id", "reference", "household_id", "commune_id", "received_on", "urban",
    "income_per_person", "patrimony_score", "socioeconomic_score", "status", "category",
    "decision_reason", "decided_on", "valid_from", "valid_to", "renewal_of_id", "created_at",
    "updated_at",
)  # fmt: skip
CARD_COLUMNS = (
    "id", "eligibility_id", "number", "state", "produced_on", "delivered_on", "collected_on",
    "activated_on", "created_at", "updated_at",
)  # fmt: skip
RAMED_CONTRIBUTION_COLUMNS = (
    "eligibility_id", "year", "persons", "amount_due", "paid_on", "receipt", "created_at",
    "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    today: datetime.date
    now: datetime.datetime
    unit: Unit
    regime_codes: dict[int, str]
    regime_ids: dict[str, int]
    organisation_ids: dict[str, int]
    urban_communes: frozenset[int]


def _day_between(start: datetime.date, end: datetime.date, u: float) -> datetime.date:
    span = max((end - start).days, 0)
    return start + datetime.timedelta(days=int(u * (span + 1)) if span else 0)


def _birthday(birth: datetime.date, years: int) -> datetime.date:
    return birth + relativedelta(years=years)


def _fund_number(code: str, key: int) -> str:
    if code == "AMO_CNSS_SALARIES" or code in ("AMO_TNS", "AMO_TADAMON", "AMO_ACHAMIL"):
        return f"{100_000_000 + key:09d}"[-9:]
    return f"D{key + 1:09d}"


def household_coverage(
    ctx: Context,
    rows: CoverageRows,
    members: list[tuple[int, str, datetime.date, str, int, int, int]],
) -> None:
    """Coverage of one household: members as (key, role, birth, cnie, commune_id, regime_id,
    organisation_id), the head first."""
    head_key, _, head_birth, _, commune_id, regime_id, organisation_id = members[0]
    today, unit = ctx.today, ctx.unit
    if regime_id < 0:
        for key, *_ in members:
            rows.person_coverage[key] = (None, None, None)
        return
    code = ctx.regime_codes[regime_id]
    start = _day_between(EARLIEST[code], today - datetime.timedelta(days=200), unit(head_key, 11))
    start = max(start, _birthday(head_birth, 18))
    category = "active"
    if code in ("AMO_CNSS_SALARIES", "AMO_CNOPS_PUBLIC") and _birthday(head_birth, 63) <= today:
        category = "pensioner"
    elif code == "AMO_TNS":
        category = "self_employed"
    elif code == "AMO_TADAMON":
        category = "state_paid"
    end = end_reason = rights_until = None
    case = unit(head_key, 12)
    if code == "AMO_CNSS_SALARIES" and category == "active" and case >= 0.90:
        retention = case < 0.95
        months_ago = (
            2 + int(unit(head_key, 13) * 4) if retention else 8 + int(unit(head_key, 13) * 11)
        )
        end = max(
            start,
            (today - relativedelta(months=months_ago)).replace(day=1) - datetime.timedelta(days=1),
        )
        end_reason, rights_until = "end_of_work", end + relativedelta(months=6)
    head_enrolment = 4 * head_key + 1
    rows.enrolments.append((
        head_enrolment, head_key + 1, regime_id, organisation_id, "insured", "self", category,
        None, _fund_number(code, head_key), start, end, end_reason or "", rights_until, False,
        None, "", None, "demo", ctx.now, ctx.now,
    ))  # fmt: skip
    rows.person_coverage[head_key] = (regime_id, organisation_id, None)
    _contributions(ctx, rows, code, category, head_key, head_enrolment, start, end, case)
    if code == "AMO_CNSS_SALARIES" and end is None and unit(head_key, 14) < 0.005:
        art114 = ctx.regime_ids.get("ART114")
        cmim = ctx.organisation_ids.get("CMIM")
        if art114 and cmim:
            rows.enrolments.append((
                4 * head_key + 3, head_key + 1, art114, cmim, "insured", "self", "active", None,
                f"D{head_key + 1:09d}", max(start, today - relativedelta(years=2)), None, "",
                None, False, None, OVERRIDE, None, "demo", ctx.now, ctx.now,
            ))  # fmt: skip
    for key, role, birth, _cnie, _commune, _r, _o in members[1:]:
        rows.person_coverage[key] = (None, None, None)
        if role not in ("spouse", "child"):
            continue
        dep_start = max(start, birth)
        dep_end, dep_reason, dep_until, certificate = end, end_reason or "", rights_until, None
        if role == "child":
            eve_22 = _birthday(birth, 22) - datetime.timedelta(days=1)
            if eve_22 < today:
                year = today.year if today.month >= 9 else today.year - 1
                studying = _birthday(birth, 26) > today and unit(key, 15) < 0.5
                if studying:
                    certificate = (
                        f"{year}-{year + 1}",
                        datetime.date(year, 9, 1),
                        datetime.date(year + 1, 8, 31),
                    )
                elif end is None or eve_22 < end:
                    dep_end, dep_reason, dep_until = eve_22, "age_limit", eve_22
            if dep_end is not None and dep_start > dep_end:
                continue  # born or grown before the insured's enrolment: never a dependant
        enrolment_id = 4 * key + 1
        rows.enrolments.append((
            enrolment_id, key + 1, regime_id, organisation_id, "dependant", role, category,
            head_enrolment, "", dep_start, dep_end, dep_reason, dep_until, False, None, "", None,
            "demo", ctx.now, ctx.now,
        ))  # fmt: skip
        rows.person_coverage[key] = (regime_id, organisation_id, head_key + 1)
        if certificate:
            rows.certificates.append((enrolment_id, *certificate, ctx.now, ctx.now))
    for key, *_ in members:
        if rows.person_coverage[key][0] is not None and unit(key, 16) < 0.02:
            valid_from = _day_between(datetime.date(2019, 1, 1), today, unit(key, 17))
            rows.exemptions.append((
                key + 1, organisation_id, "ALD", f"ALD{1 + int(unit(key, 18) * 41):02d}",
                valid_from, None if unit(key, 19) < 0.7 else valid_from + relativedelta(years=3),
                ctx.now, ctx.now,
            ))  # fmt: skip
    if code == "AMO_TADAMON" and unit(head_key, 20) < 0.40:
        _ramed_history(ctx, rows, members, commune_id)


def _contributions(
    ctx: Context, rows: CoverageRows, code: str, category: str, key: int, enrolment_id: int,
    start: datetime.date, end: datetime.date | None, case: float,
) -> None:  # fmt: skip
    if code not in ("AMO_CNSS_SALARIES", "AMO_TNS", "AMO_ACHAMIL") or category == "pensioner":
        return
    last = (end or ctx.today).replace(day=1)
    if end is None:
        last -= relativedelta(months=1)
    first = max(start.replace(day=1), last - relativedelta(months=13))
    if code == "AMO_CNSS_SALARIES":
        if 0.84 <= case < 0.90:  # rights not open: one month declared three months ago
            first = last = max(start.replace(day=1), last - relativedelta(months=2))
        month = first
        while month <= last:
            days = 20 + int(ctx.unit(key, month.month) * 7)
            rows.contributions.append((enrolment_id, month, days, None, ctx.now, ctx.now))
            month += relativedelta(months=1)
        return
    first = start.replace(day=1)  # self-employed: every month from the first
    missing = first + relativedelta(months=1) if case >= 0.95 and first < last else None
    amount = "144.00" if code == "AMO_TNS" else "216.00"
    month = first
    while month <= last:
        if month != missing:
            rows.contributions.append((enrolment_id, month, None, amount, ctx.now, ctx.now))
        month += relativedelta(months=1)


def _ramed_history(
    ctx: Context,
    rows: CoverageRows,
    members: list[tuple[int, str, datetime.date, str, int, int, int]],
    commune_id: int,
) -> None:
    head_key = members[0][0]
    unit = ctx.unit
    ramed = ctx.regime_ids.get("RAMED")
    anam = ctx.organisation_ids.get("ANAM")
    if not ramed or not anam:
        return
    decided = _day_between(
        datetime.date(2013, 1, 1), datetime.date(2019, 12, 31), unit(head_key, 21)
    )
    received = decided - datetime.timedelta(days=20 + int(unit(head_key, 22) * 60))
    valid_to = decided + relativedelta(years=3) - datetime.timedelta(days=1)
    vulnerable = unit(head_key, 23) < 0.14
    category = "vulnerable" if vulnerable else "poor"
    urban = commune_id in ctx.urban_communes
    score = unit(head_key, 24)
    income = patrimony = socio = None
    if urban:
        income = f"{(3800 + score * 1800) if vulnerable else (1500 + score * 2200):.2f}"
        patrimony = f"{score * 11:.2f}"
    else:
        patrimony = f"{score * 28:.2f}"
        socio = f"{(6.5 + score * 20) if vulnerable else (score * 6):.2f}"
    household_id = head_key + 1
    rows.eligibilities.append((
        household_id, f"RAMED-{decided.year}-{household_id:07d}", household_id, commune_id,
        received, urban, income, patrimony, socio, "eligible", category,
        "Décision reprise des données historiques de démonstration.", decided, decided,
        valid_to, None, ctx.now, ctx.now,
    ))  # fmt: skip
    state_draw = unit(head_key, 25)
    state = next(name for name, limit in CARD_STATES if state_draw < limit)
    order = [name for name, _ in CARD_STATES]
    dates = [decided + datetime.timedelta(days=15 + 20 * i) for i in range(4)]
    reached = order.index(state)
    paid_years = []
    if vulnerable:
        year_paid = reached >= order.index("collected") or unit(head_key, 26) < 0.3
        years = range(decided.year, min(valid_to.year, RAMED_END.year) + 1)
        paid_years = [
            y
            for y in years
            if year_paid and (y == decided.year or unit(head_key, 27 + y % 7) < 0.6)
        ]
    rows.cards.append((
        household_id, household_id, f"RC{household_id:012d}", state,
        *[dates[i] if i <= reached else None for i in range(4)], ctx.now, ctx.now,
    ))  # fmt: skip
    persons = len(members)
    for year in paid_years:
        rows.ramed_contributions.append((
            household_id, year, persons, f"{min(120 * persons, 600)}.00",
            datetime.date(year, 1, 1) if year > decided.year else dates[1],
            f"QUIT-{year}-{household_id}", ctx.now, ctx.now,
        ))  # fmt: skip
    end = min(valid_to, RAMED_END)
    for index, (key, role, birth, *_rest) in enumerate(members):
        start = max(decided, birth)
        if start > end or (index and role not in ("spouse", "child")):
            continue  # the head's parents and other relatives: not in this demo's RAMED rows
        relationship = "self" if index == 0 else ("spouse" if role == "spouse" else "child")
        rows.enrolments.append((
            4 * key + 2, key + 1, ramed, anam, "insured" if index == 0 else "dependant",
            relationship, category, None if index == 0 else 4 * head_key + 2,
            f"{household_id:09d}" if index == 0 else "", start, end, "eligibility_end", end,
            False, household_id, "", None, "demo", ctx.now, ctx.now,
        ))  # fmt: skip
