"""Benchmark of the bulk import of an INPE register (CSV): dry run, real run, second run.

    python benchmarks/inpe_import.py --professionals 20000 --establishments 7500 \
        [--codeless 0.1] [--database-url postgres://…]

Builds a realistic register with the demo generator (names, CNIE, order numbers, clinics and
their medical directors, convention declarations), exports it as a French spreadsheet would
(``;``, UTF-8 with BOM, dates DD/MM/YYYY, rows shuffled so that some directors come after their
clinic, ``--codeless`` of the rows without a code), empties the register, then times the dry
run, the real run and a second real run of the same file (all rows already present). Prints a
JSON line and a readable one.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = (
    "inpe", "kind", "category", "sector", "name", "name_ar", "specialty", "cnie", "order_number",
    "authorisation_number", "medical_director_inpe", "commune", "address_line", "legal_status",
    "status", "status_since", "attributed_on", "convention", "convention_since",
)  # fmt: skip


def _setup(database_url: str) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="snigi-bench-"))
    os.environ["SNIGI_VAR_DIR"] = str(workdir)
    os.environ["SNIGI_DATABASE_URL"] = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return workdir


def _empty_register() -> None:
    from django.db import connection

    from snigi.core.audit import LogEntry
    from snigi.providers.models import ConventionPeriod, InpeSerial, Provider

    with connection.cursor() as cursor:
        for model in (ConventionPeriod, Provider, LogEntry):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    InpeSerial.objects.filter(pk=1).update(next_serial=10_000_000)


def _export(path: Path, *, codeless: float, rng: random.Random) -> int:
    """The demo register as a CSV file, as an earlier system would export it."""
    from snigi.providers.models import ConventionPeriod, Provider

    declared = {
        inpe: (status, since)
        for inpe, status, since in ConventionPeriod.objects.exclude(status="suspended")
        .order_by("valid_from", "pk")
        .values_list("provider__inpe", "status", "valid_from")
    }
    doctors = list(
        Provider.objects.filter(category__code="MEDECIN_GENERALISTE").values_list("inpe", flat=True)
    )
    directors = set(doctors)
    rows = []
    for p in Provider.objects.values(
        *[c for c in COLUMNS if c not in ("category", "commune", "medical_director_inpe",
                                          "convention", "convention_since")],
        "category__code", "commune__code", "medical_director__inpe",
    ):  # fmt: skip
        convention, since = declared.get(p["inpe"], ("", None))
        rows.append({
            **p, "category": p["category__code"], "commune": p["commune__code"],
            "medical_director_inpe": p["medical_director__inpe"] or (
                rng.choice(doctors) if p["kind"] == "establishment" and p["sector"] == "private"
                else ""),  # provider_register wants a director for every private establishment
            "inpe": "" if p["inpe"] not in directors and rng.random() < codeless else p["inpe"],
            "attributed_on": p["attributed_on"].strftime("%d/%m/%Y"),
            "convention": convention,
            "convention_since": since.strftime("%d/%m/%Y") if since else "",
        })  # fmt: skip
    rng.shuffle(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        writer.writerows([row[c] if row[c] is not None else "" for c in COLUMNS] for row in rows)
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--professionals", type=int, default=20_000)
    parser.add_argument("--establishments", type=int, default=7_500)
    parser.add_argument("--codeless", type=float, default=0.0, help="share of rows without code")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    workdir = _setup(args.database_url)
    from django.db import connection

    from snigi.core.models import User
    from snigi.core.services import user_create
    from snigi.providers.demo_register import load_demo_register
    from snigi.providers.importer import providers_import
    from snigi.providers.models import Provider
    from snigi.providers.register_file import RegisterFile

    officer = User.objects.filter(username="bench_inpe").first() or user_create(
        actor=None, username="bench_inpe", password=os.urandom(12).hex() + "-Aa1",
        role="anam_inpe_officer", organisation=None, inpe="", cnie="",
    )  # fmt: skip
    _empty_register()
    load_demo_register(seed=args.seed, professionals=args.professionals,
                       establishments=args.establishments)  # fmt: skip
    path = workdir / "registre.csv"
    rows = _export(path, codeless=args.codeless, rng=random.Random(args.seed))
    _empty_register()

    def timed(dry_run: bool) -> tuple[float, dict[str, int]]:
        started = time.perf_counter()
        with RegisterFile(path) as register:
            report = providers_import(actor=officer, rows=register, dry_run=dry_run)
        return time.perf_counter() - started, report.counts

    dry_seconds, dry_counts = timed(True)
    real_seconds, real_counts = timed(False)
    again_seconds, again_counts = timed(False)
    result = {
        "benchmark": "inpe_import",
        "database": connection.vendor,
        "rows": rows,
        "codeless": args.codeless,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "dry_run_seconds": round(dry_seconds, 1),
        "real_run_seconds": round(real_seconds, 1),
        "second_run_seconds": round(again_seconds, 1),
        "dry_run_rows_per_s": round(rows / dry_seconds),
        "real_run_rows_per_s": round(rows / real_seconds),
        "second_run_rows_per_s": round(rows / again_seconds),
        "dry_run": dry_counts,
        "real_run": real_counts,
        "second_run": again_counts,
        "providers": Provider.objects.count(),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    print(
        f"inpe_import: {rows:,} rows on {connection.vendor}; dry run {dry_seconds:.1f} s "
        f"({result['dry_run_rows_per_s']:,} rows/s), real run {real_seconds:.1f} s "
        f"({result['real_run_rows_per_s']:,} rows/s, {real_counts['new']:,} new), second run "
        f"{again_seconds:.1f} s ({again_counts['present']:,} already present)"
    )
    return 0 if real_counts["refused"] == 0 and again_counts["new"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
