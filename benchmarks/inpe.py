"""Benchmark of the INPE registry: directory search latency and batch verification.

    python benchmarks/inpe.py --providers 200000 --queries 1000 --codes 1000000 \
        [--database-url postgres://…]

Loads a synthetic register of ``--providers`` (73 % professionals) into a fresh SQLite file, or
into the given database after emptying its provider tables; then times ``--queries`` mixed
directory searches (name, name fragment, code prefix, category + province, sector + status;
count and first page of 20, as the API does) and one batch verification of ``--codes`` codes
(90 % registered, 5 % well-formed unknown, 5 % malformed). Prints a JSON line and a readable one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time


def _setup(database_url: str) -> None:
    workdir = tempfile.mkdtemp(prefix="snigi-bench-")
    os.environ["SNIGI_VAR_DIR"] = workdir
    os.environ["SNIGI_DATABASE_URL"] = database_url or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _empty_register() -> None:
    from django.db import connection

    from snigi.providers.models import ConventionPeriod, InpeSerial, Provider

    with connection.cursor() as cursor:
        for model in (ConventionPeriod, Provider):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    InpeSerial.objects.filter(pk=1).update(next_serial=10_000_000)


def _queries(rng: random.Random, n: int) -> list[dict[str, str]]:
    from snigi.core.models import Province
    from snigi.providers.models import Category, Provider

    names = list(Provider.objects.order_by("?").values_list("name", "inpe")[:2000])
    categories = list(Category.objects.values_list("code", flat=True))
    provinces = list(Province.objects.values_list("code", flat=True))
    queries = []
    for i in range(n):
        name, inpe = rng.choice(names)
        kind = i % 5
        if kind == 0:
            queries.append({"q": name})
        elif kind == 1:
            word = max(name.split(), key=len)
            queries.append({"q": word[: max(3, len(word) - 2)].lower()})
        elif kind == 2:
            queries.append({"q": inpe[:6]})
        elif kind == 3:
            queries.append({"category": rng.choice(categories), "province": rng.choice(provinces)})
        else:
            queries.append({"sector": rng.choice(["public", "private"]), "status": "active",
                            "category": rng.choice(categories)})  # fmt: skip
    return queries


def _kind_of(params: dict[str, str]) -> str:
    q = params.get("q", "")
    if q.isdigit():
        return "code_prefix"
    if q:
        return "full_name" if " " in q else "name_fragment"
    return "category_province" if "province" in params else "category_sector_status"


def _search_latencies(queries: list[dict[str, str]]) -> list[float]:
    from snigi.providers.selectors import DirectoryPaginator, provider_search

    latencies = []
    for params in queries:
        started = time.perf_counter()
        page = DirectoryPaginator(provider_search(**params), 20).get_page(1)
        list(page.object_list)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--providers", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    _setup(args.database_url)
    import datetime

    from django.db import connection

    from snigi.core.inpe import inpe_from_serial
    from snigi.providers.demo_register import load_demo_register
    from snigi.providers.models import Provider
    from snigi.providers.selectors import inpe_verify_batch

    _empty_register()
    started = time.perf_counter()
    professionals = int(args.providers * 0.73)
    load_demo_register(seed=args.seed, professionals=professionals,
                       establishments=args.providers - professionals)  # fmt: skip
    load_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rng = random.Random(args.seed)
    queries = _queries(rng, args.queries)
    latencies = _search_latencies(queries)
    by_kind: dict[str, list[float]] = {}
    for params, latency in zip(queries, latencies, strict=True):
        by_kind.setdefault(_kind_of(params), []).append(latency)
    registered = list(Provider.objects.values_list("inpe", flat=True))
    codes = []
    for i in range(args.codes):
        draw = rng.random()
        if draw < 0.90:
            codes.append(rng.choice(registered))
        elif draw < 0.95:
            codes.append(inpe_from_serial(90_000_000 + i % 9_999_999))
        else:
            codes.append(str(rng.randrange(100_000_000, 999_999_999)))
    started = time.perf_counter()
    batch = inpe_verify_batch(codes, on=datetime.date(2026, 3, 1))
    verify_seconds = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    result = {
        "benchmark": "inpe",
        "database": connection.vendor,
        "providers": Provider.objects.count(),
        "load_seconds": round(load_seconds, 1),
        "search_queries": len(latencies),
        "search_median_ms": round(statistics.median(latencies), 2),
        "search_p95_ms": round(quantiles[94], 2),
        "search_p95_ms_by_kind": {
            kind: round(statistics.quantiles(values, n=100)[94], 2)
            for kind, values in sorted(by_kind.items())
            if len(values) >= 2
        },
        "verify_codes": len(codes),
        "verify_seconds": round(verify_seconds, 2),
        "verify_summary": batch.summary(),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    print(
        f"inpe: {result['providers']:,} providers on {connection.vendor}; search median "
        f"{result['search_median_ms']} ms, p95 {result['search_p95_ms']} ms over "
        f"{len(latencies)} queries; {len(codes):,} codes verified in {verify_seconds:.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
