"""Load the synthetic population into the database, in chunks, idempotently.

Person ``i`` of a seed is always the same person (see ``generator``), stored with primary key
``i + 1`` and ``demo_key = i``; a run that asks for more people than are loaded adds only the
missing ones, a run that asks for fewer or as many adds nothing. Demo databases only: the
explicit keys assume the person tables hold demo data alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from snigi.beneficiaries.identity import name_key
from snigi.beneficiaries.models import (
    Contribution,
    Enrolment,
    Exemption,
    Household,
    Person,
    RamedCard,
    RamedContribution,
    RamedEligibility,
    StudentCertificate,
)
from snigi.core.models import Commune, Organisation, Regime
from snigi.demo.bulk import insert_rows
from snigi.demo.coverage import (
    CARD_COLUMNS,
    CERTIFICATE_COLUMNS,
    CONTRIBUTION_COLUMNS,
    ELIGIBILITY_COLUMNS,
    ENROLMENT_COLUMNS,
    EXEMPTION_COLUMNS,
    RAMED_CONTRIBUTION_COLUMNS,
    Context,
    CoverageRows,
    household_coverage,
)
from snigi.demo.generator import BLOCK, CommuneTable, PeopleBatch, generate_people
from snigi.demo.models import DemoDataset

CHUNK = 20_000


class DemoDataError(Exception):
    """The demo data cannot be loaded as asked; the message says why and what to do."""


# Share of households by regime of the head (plausible orders of magnitude, not statistics).
REGIME_SHARES: tuple[tuple[str, float], ...] = (
    ("AMO_CNSS_SALARIES", 0.30),
    ("AMO_CNOPS_PUBLIC", 0.09),
    ("AMO_TNS", 0.12),
    ("AMO_TADAMON", 0.30),
    ("AMO_ACHAMIL", 0.02),
    ("ART114", 0.03),
)
# Within CNOPS, the mutual that manages the file (shares of CNOPS households).
CNOPS_MUTUAL_SHARES: tuple[tuple[str, float], ...] = (
    ("MGPAP", 0.45),
    ("MGEN", 0.30),
    ("OMFAM", 0.08),
    ("MODEP", 0.05),
    ("MGPTT", 0.04),
    ("MUSPAT", 0.03),
    ("CNOPS", 0.05),
)


@dataclass(frozen=True)
class CoveragePlan:
    regime_ids: np.ndarray  # per option; -1 = not covered
    organisation_ids: np.ndarray
    thresholds: np.ndarray  # cumulative shares
    cnops_index: int
    mutual_ids: np.ndarray
    mutual_thresholds: np.ndarray


def commune_table() -> CommuneTable:
    rows = list(
        Commune.objects.order_by("code").values_list(
            "code", "province__code", "kind", "population_2014"
        )
    )
    if not rows:
        raise RuntimeError("No commune is loaded: run `snigi migrate` first.")
    return CommuneTable(
        codes=[r[0] for r in rows],
        province_codes=[r[1] for r in rows],
        weights=[float(r[3] or 1000) for r in rows],
        urban=[r[2] == Commune.Kind.URBAN for r in rows],
    )


def _coverage_plan() -> CoveragePlan:
    regimes = {r.code: r for r in Regime.objects.select_related("managing_organisation")}
    organisations = dict(Organisation.objects.values_list("code", "pk"))
    options = [(code, share) for code, share in REGIME_SHARES if code in regimes]
    regime_ids = np.array([regimes[c].pk for c, _ in options] + [-1], dtype=np.int64)
    org_ids = np.array(
        [regimes[c].managing_organisation_id for c, _ in options] + [-1], dtype=np.int64
    )
    thresholds = np.cumsum([s for _, s in options] + [1.0 - sum(s for _, s in options)])
    codes = [c for c, _ in options]
    mutuals = [(code, share) for code, share in CNOPS_MUTUAL_SHARES if code in organisations]
    mutual_shares = np.array([s for _, s in mutuals] or [1.0])
    return CoveragePlan(
        regime_ids=regime_ids,
        organisation_ids=org_ids,
        thresholds=thresholds,
        cnops_index=codes.index("AMO_CNOPS_PUBLIC") if "AMO_CNOPS_PUBLIC" in codes else -2,
        mutual_ids=np.array([organisations[c] for c, _ in mutuals] or [-1], dtype=np.int64),
        mutual_thresholds=np.cumsum(mutual_shares / mutual_shares.sum()),
    )


def _unit_hash(keys: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic uniform number in [0, 1) per key (splitmix64)."""
    offset = np.uint64((salt * 0x9E3779B97F4A7C15) % 2**64)
    x = keys.astype(np.uint64) + offset
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _coverage(batch: PeopleBatch, plan: CoveragePlan, seed: int) -> tuple[np.ndarray, np.ndarray]:
    households = np.asarray(batch.household_key, dtype=np.int64)
    option = np.searchsorted(plan.thresholds, _unit_hash(households, seed), side="right")
    option = np.minimum(option, len(plan.regime_ids) - 1)
    regime = plan.regime_ids[option]
    organisation = plan.organisation_ids[option].copy()
    mutual = np.searchsorted(plan.mutual_thresholds, _unit_hash(households, seed + 1), "right")
    mutual = np.minimum(mutual, len(plan.mutual_ids) - 1)
    is_cnops = option == plan.cnops_index
    organisation[is_cnops] = plan.mutual_ids[mutual[is_cnops]]
    other = np.asarray(batch.role_in_household) == "other"
    regime = np.where(other, -1, regime)
    organisation = np.where(other, -1, organisation)
    return regime, organisation


HOUSEHOLD_COLUMNS = ("id", "demo_key", "commune_id", "address_line", "created_at", "updated_at")
PERSON_COLUMNS = (
    "id", "demo_key", "cnie", "first_name_lat", "last_name_lat", "first_name_ar",
    "last_name_ar", "sex", "birth_date", "household_id", "household_role", "commune_id",
    "address_line", "phone", "name_key", "primary_insured_id", "regime_id", "organisation_id",
    "created_at", "updated_at",
)  # fmt: skip


def unit(key: int, salt: int) -> float:
    """A deterministic uniform number in [0, 1) for (key, salt): scalar splitmix64."""
    mask = (1 << 64) - 1
    x = (key + salt * 0x9E3779B97F4A7C15) & mask
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & mask
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & mask
    x ^= x >> 31
    return (x >> 11) / float(1 << 53)


def coverage_context(seed: int) -> Context:
    regimes = dict(Regime.objects.values_list("pk", "code"))
    return Context(
        today=timezone.localdate(),
        now=timezone.now(),
        unit=lambda key, salt: unit(key, salt * 1_000_003 + seed),
        regime_codes=regimes,
        regime_ids={code: pk for pk, code in regimes.items()},
        organisation_ids=dict(Organisation.objects.values_list("code", "pk")),
        urban_communes=frozenset(
            Commune.objects.filter(kind=Commune.Kind.URBAN).values_list("pk", flat=True)
        ),
    )


def _rows(
    batch: PeopleBatch, plan: CoveragePlan, seed: int, communes: dict[str, int], ctx: Context
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], CoverageRows]:
    """Rows for a raw multi-row insert (the ORM's per-value preparation costs 4x more)."""
    regime, organisation = _coverage(batch, plan, seed)
    keys = np.asarray(batch.demo_key, dtype=np.int64).tolist()
    household_keys = np.asarray(batch.household_key, dtype=np.int64).tolist()
    roles = np.asarray(batch.role_in_household).tolist()
    commune_ids = [communes[code] for code in np.asarray(batch.commune_code).tolist()]
    births = np.asarray(batch.birth_date).astype("datetime64[D]").astype(object).tolist()
    columns = [
        np.asarray(getattr(batch, name)).tolist()
        for name in ("cnie", "first_name_lat", "last_name_lat", "first_name_ar",
                     "last_name_ar", "sex", "address_line", "phone")
    ]  # fmt: skip
    cnies, first_lat, last_lat, first_ar, last_ar, sexes, addresses, phones = columns
    regimes, organisations = regime.tolist(), organisation.tolist()
    coverage = CoverageRows()
    members: list[tuple[int, str, object, str, int, int, int]] = []
    for i, key in enumerate(keys):
        if household_keys[i] == key and members:
            household_coverage(ctx, coverage, members)  # type: ignore[arg-type]
            members = []
        if household_keys[i] == key or members:  # a slice may start inside a household
            members.append((key, roles[i], births[i], cnies[i], commune_ids[i], regimes[i],
                            organisations[i]))  # fmt: skip
    if members:
        household_coverage(ctx, coverage, members)  # type: ignore[arg-type]
    now = ctx.now
    households: list[tuple[object, ...]] = []
    people: list[tuple[object, ...]] = []
    for i, key in enumerate(keys):
        household = household_keys[i]  # the head's key: the head is the first member
        if household == key:
            households.append((household + 1, household, commune_ids[i], addresses[i], now, now))
        regime_id, organisation_id, primary = coverage.person_coverage.get(key, (None, None, None))
        people.append(
            (
                key + 1, key, cnies[i] or None, first_lat[i], last_lat[i], first_ar[i],
                last_ar[i], sexes[i], births[i], household + 1, roles[i], commune_ids[i],
                addresses[i], phones[i], name_key(last_lat[i], first_lat[i]), primary,
                regime_id, organisation_id, now, now,
            )
        )  # fmt: skip
    return households, people, coverage


def insert_coverage(rows: CoverageRows) -> None:
    insert_rows(RamedEligibility, ELIGIBILITY_COLUMNS, rows.eligibilities)
    insert_rows(RamedCard, CARD_COLUMNS, rows.cards)
    insert_rows(RamedContribution, RAMED_CONTRIBUTION_COLUMNS, rows.ramed_contributions)
    insert_rows(Enrolment, ENROLMENT_COLUMNS, rows.enrolments)
    insert_rows(Contribution, CONTRIBUTION_COLUMNS, rows.contributions)
    insert_rows(StudentCertificate, CERTIFICATE_COLUMNS, rows.certificates)
    insert_rows(Exemption, EXEMPTION_COLUMNS, rows.exemptions)


def load_people(
    *, people: int, seed: int, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Ensure the first ``people`` persons of ``seed`` are loaded; returns (before, after).

    ``people`` is rounded up to a whole block of the generator (1 000 people) so that no
    household is ever cut in two between runs."""
    people = -(-people // BLOCK) * BLOCK
    other = DemoDataset.objects.exclude(seed=seed).filter(people_loaded__gt=0).first()
    if other is not None:
        raise DemoDataError(
            f"This database already holds the synthetic population of seed {other.seed}; "
            f"use --seed {other.seed}, or a new database (SNIGI_VAR_DIR) for seed {seed}."
        )
    dataset, _ = DemoDataset.objects.get_or_create(seed=seed)
    before = dataset.people_loaded
    if people <= before:
        return before, before
    table = commune_table()
    communes = dict(Commune.objects.values_list("code", "pk"))
    plan = _coverage_plan()
    ctx = coverage_context(seed)
    start = before
    while start < people:
        count = min(CHUNK, people - start)
        batch = generate_people(start=start, count=count, seed=seed, communes=table)
        households, persons, coverage = _rows(batch, plan, seed, communes, ctx)
        with transaction.atomic():
            insert_rows(Household, HOUSEHOLD_COLUMNS, households)
            insert_rows(Person, PERSON_COLUMNS, persons)
            insert_coverage(coverage)
            start += count
            DemoDataset.objects.filter(pk=dataset.pk).update(people_loaded=start)
        if progress is not None:
            progress(start, people)
    _reset_sequences()
    _analyze()
    return before, start


def _analyze() -> None:
    """Fresh planner statistics on PostgreSQL for the tables just filled: without them the
    planner takes the new millions of rows for the few it last saw (a fresh database: none),
    and joins them by nested loops."""
    if connection.vendor != "postgresql":
        return
    from django.apps import apps

    tables = [model._meta.db_table for model in apps.get_app_config("beneficiaries").get_models()]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(
        no_style(), [Household, Person, Enrolment, RamedEligibility, RamedCard]
    )
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
