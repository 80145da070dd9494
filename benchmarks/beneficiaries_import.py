"""Benchmark of the bulk import of a fund's list of insured people and dependants (CSV).

    SNIGI_DATABASE_URL=postgresql://… python benchmarks/beneficiaries_import.py \
        [--rows 1000000] [--seed 2026] [--reset] [--keep FILE.csv]

Builds a realistic CNSS list from the synthetic population of the demo generator: each
household's head insured (a unique 9-digit CNSS number, a start between their 18th birthday
and mid-2026, 3 % of them closed at the end of work), their spouse and their children under 21
on the start as dependants; unique CNIEs (``^[A-Z]{1,2}[0-9]{1,6}$``), commune codes of the
reference data, names in Latin and Arabic script, birth dates in ISO form or DD/MM/YYYY, the
rows of a household in random order (a dependant often comes before their insured). Then times
the dry run, the real run and a second real run of the same file (every row already present)
on the database of ``SNIGI_DATABASE_URL`` (or ``--database-url``; a temporary SQLite database
without either), each in a process of its own, and prints a JSON line and a readable one:
rows/s, wall times, each run's peak RSS, the load average.

The database must hold no person, or ``--reset`` empties the beneficiaries' tables first (a
throwaway database only).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

COLUMNS = (
    "fund", "regime", "fund_number", "quality", "relationship", "cnie", "last_name",
    "first_name", "last_name_ar", "first_name_ar", "sex", "birth_date", "commune", "start",
    "end", "end_reason",
)  # fmt: skip
TODAY = datetime.date(2026, 7, 1)
FIRST_START = datetime.date(2006, 1, 1)
WORKDIRS: list[Path] = []


def _setup(database_url: str) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="snigi-bench-"))
    WORKDIRS.append(workdir)
    os.environ["SNIGI_VAR_DIR"] = str(workdir)
    url = database_url or os.environ.get("SNIGI_DATABASE_URL", "")
    os.environ["SNIGI_DATABASE_URL"] = url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return workdir


def _empty(reset: bool) -> None:
    from django.apps import apps
    from django.db import connection

    from snigi.beneficiaries.models import Person

    if not Person.objects.exists():
        return
    if not reset:
        sys.exit("The database already holds people: use a new database, or --reset.")
    tables = [m._meta.db_table for m in apps.get_app_config("beneficiaries").get_models()]
    tables = [t for t in tables if t != "beneficiaries_eligibilityrule"]
    quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {quoted} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def _day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange(max((last - first).days, 0) + 1))


def _at_age(birth: datetime.date, years: int) -> datetime.date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February
        return birth.replace(year=birth.year + years, day=28)


def _households(rows: int, seed: int) -> list[list[dict[str, str]]]:
    """Households of the synthetic population, as rows of a CNSS list, until ``rows``."""
    from snigi.beneficiaries.identity import name_key
    from snigi.demo.generator import generate_people
    from snigi.demo.loader import commune_table

    table, rng = commune_table(), random.Random(seed)
    seen: set[object] = set()  # one row per person: the synthetic population has namesakes
    households: list[list[dict[str, str]]] = []
    current: list[dict[str, str]] = []
    head: dict[str, object] = {}
    total, start = 0, 0
    while total < rows:
        batch = generate_people(start=start, count=100_000, seed=seed, communes=table)
        start += 100_000
        births = batch.birth_date.astype("datetime64[D]").astype(object)
        columns = {k: np.asarray(v).tolist() for k, v in batch.columns().items()}
        for i, role in enumerate(columns["role_in_household"]):
            birth = births[i]
            key = name_key(columns["last_name_lat"][i], columns["first_name_lat"][i])
            identity = (key, birth, columns["sex"][i])
            if identity in seen or columns["cnie"][i] in seen:
                if role == "head":
                    head = {}  # nor their household
                continue
            person = {
                "fund": "CNSS", "regime": "AMO_CNSS_SALARIES", "cnie": columns["cnie"][i],
                "last_name": columns["last_name_lat"][i],
                "first_name": columns["first_name_lat"][i],
                "last_name_ar": columns["last_name_ar"][i],
                "first_name_ar": columns["first_name_ar"][i], "sex": columns["sex"][i],
                "birth_date": birth.strftime("%d/%m/%Y" if rng.random() < 0.2 else "%Y-%m-%d"),
                "commune": columns["commune_code"][i],
            }  # fmt: skip
            if role == "head":
                if current:
                    rng.shuffle(current)
                    households.append(current)
                    total += len(current)
                    if total >= rows:
                        break
                current, head = [], {}
                if not person["cnie"]:
                    continue
                begin = _day(rng, max(FIRST_START, _at_age(birth, 18)), TODAY)
                end = _day(rng, begin, TODAY) if rng.random() < 0.03 else None
                head = {
                    "number": f"{100_000_000 + len(households):09d}",
                    "start": begin,
                    "end": end,
                }
                seen.update((identity, person["cnie"]))
                current.append({**person, "quality": "insured", "relationship": "self",
                                "fund_number": head["number"], **_period(begin, end)})  # fmt: skip
            elif role in ("spouse", "child") and head:
                begin, end = head["start"], head["end"]
                if role == "spouse":
                    begin = max(begin, _at_age(birth, 18))  # type: ignore[type-var]
                elif _at_age(birth, 22) <= max(begin, birth):  # type: ignore[type-var]
                    continue  # over 21 on the start: not a dependant
                if end is not None and max(begin, birth) > end:  # type: ignore[type-var]
                    continue  # married or born after the insured's end of work
                seen.update((identity, person["cnie"] or identity))
                current.append({**person, "quality": "dependant", "relationship": role,
                                "fund_number": head["number"], **_period(begin, end)})  # fmt: skip
    return households


def _period(start: object, end: object) -> dict[str, str]:
    if end is None:
        return {"start": str(start), "end": "", "end_reason": ""}
    return {"start": str(start), "end": str(end), "end_reason": "end_of_work"}


def _write(path: Path, households: list[list[dict[str, str]]], rows: int) -> int:
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(COLUMNS)
        for household in households:
            writer.writerows([row.get(c, "") for c in COLUMNS] for row in household)
            written += len(household)
            if written >= rows:
                break
    return written


def _in_child(target: Callable[..., Any], *args: Any) -> Any:
    """``target(*args)`` in a forked process, so that its peak RSS is its own."""
    from django.db import connections

    connections.close_all()  # the child opens its own
    reader, writer = multiprocessing.get_context("fork").Pipe(duplex=False)

    def run() -> None:
        result = target(*args)
        writer.send((result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))

    child = multiprocessing.get_context("fork").Process(target=run)
    child.start()
    result, rss = reader.recv()
    child.join()
    if child.exitcode:
        sys.exit(f"the child process failed ({child.exitcode})")
    return result, rss


def _generate(path: Path, rows: int, seed: int) -> int:
    return _write(path, _households(rows, seed), rows)


def _timed(path: Path, username: str, dry_run: bool) -> tuple[float, dict[str, int]]:
    from snigi.beneficiaries.list_file import open_list
    from snigi.beneficiaries.list_import import beneficiaries_import
    from snigi.core.models import User

    agent = User.objects.get(username=username)
    started = time.perf_counter()
    with open_list(path) as listed:
        report = beneficiaries_import(actor=agent, rows=listed, dry_run=dry_run)
    return time.perf_counter() - started, report.counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--reset", action="store_true", help="empty the beneficiaries' tables")
    parser.add_argument("--keep", metavar="FILE.csv", help="write the generated list there")
    args = parser.parse_args()
    workdir = _setup(args.database_url)
    from django.db import connection

    from snigi.beneficiaries.models import Enrolment, Person
    from snigi.core.models import Organisation, User
    from snigi.core.services import user_create

    _empty(args.reset)
    if not User.objects.filter(username="bench_cnss").exists():
        user_create(
            actor=None, username="bench_cnss", password=os.urandom(12).hex() + "-Aa1",
            role="fund_agent", organisation=Organisation.objects.get(code="CNSS"), inpe="",
            cnie="",
        )  # fmt: skip
    started = time.perf_counter()
    path = Path(args.keep) if args.keep else workdir / "liste.csv"
    rows, _ = _in_child(_generate, path, args.rows, args.seed)
    generate_seconds = time.perf_counter() - started
    (dry_seconds, dry_counts), dry_rss = _in_child(_timed, path, "bench_cnss", True)
    (real_seconds, real_counts), real_rss = _in_child(_timed, path, "bench_cnss", False)
    (again_seconds, again_counts), again_rss = _in_child(_timed, path, "bench_cnss", False)
    result = {
        "benchmark": "beneficiaries_import",
        "database": connection.vendor,
        "rows": rows,
        "file_mib": round(path.stat().st_size / 2**20, 1),
        "generate_seconds": round(generate_seconds, 1),
        "dry_run_seconds": round(dry_seconds, 1),
        "real_run_seconds": round(real_seconds, 1),
        "second_run_seconds": round(again_seconds, 1),
        "dry_run_rows_per_s": round(rows / dry_seconds),
        "real_run_rows_per_s": round(rows / real_seconds),
        "second_run_rows_per_s": round(rows / again_seconds),
        "dry_run": dry_counts,
        "real_run": real_counts,
        "second_run": again_counts,
        "people": Person.objects.count(),
        "enrolments": Enrolment.objects.count(),
        "peak_rss_mib": {
            "dry": round(dry_rss),
            "real": round(real_rss),
            "second": round(again_rss),
        },
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    print(
        f"beneficiaries_import: {rows:,} rows on {connection.vendor}; dry run {dry_seconds:.1f} s "
        f"({result['dry_run_rows_per_s']:,} rows/s), real run {real_seconds:.1f} s "
        f"({result['real_run_rows_per_s']:,} rows/s, {real_counts['new']:,} new), second run "
        f"{again_seconds:.1f} s ({again_counts['present']:,} already present); peak RSS of the "
        f"import {max(dry_rss, real_rss, again_rss):.0f} MiB"
    )
    return 0 if real_counts["refused"] == 0 and again_counts["new"] == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for workdir in WORKDIRS:  # this run's temporary directory (and SQLite database)
            shutil.rmtree(workdir, ignore_errors=True)
