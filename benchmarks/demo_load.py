"""Benchmark: load N synthetic people into a fresh database through the demo loader.

    python benchmarks/demo_load.py --people 200000 [--database-url postgres://...]

Prints one JSON line (people, seconds, people_per_second, peak_rss_mib, database) and a
readable line. Uses a throwaway SQLite file unless --database-url is given; the demo tables of
that database are emptied first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time


def _empty_demo_tables() -> None:
    """A database given by --database-url may hold an earlier run: start from empty tables."""
    from django.db import connection

    from snigi.beneficiaries.models import Household, Person
    from snigi.demo.models import DemoDataset

    with connection.cursor() as cursor:
        for model in (Person, Household, DemoDataset):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="snigi-bench-")
    os.environ["SNIGI_VAR_DIR"] = workdir
    os.environ["SNIGI_DATABASE_URL"] = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from snigi.demo.loader import load_people

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    _empty_demo_tables()
    migrated = time.perf_counter()
    load_people(people=args.people, seed=args.seed)
    loaded = time.perf_counter()
    seconds = loaded - migrated
    result = {
        "benchmark": "demo_load",
        "people": args.people,
        "database": connection.vendor,
        "migrate_seconds": round(migrated - started, 2),
        "seconds": round(seconds, 2),
        "people_per_second": round(args.people / seconds) if seconds else None,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    print(
        f"demo_load: {args.people:,} people into {connection.vendor} in {seconds:.1f} s "
        f"({result['people_per_second']:,}/s), migrate {result['migrate_seconds']} s, "
        f"peak RSS {result['peak_rss_mib']} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
