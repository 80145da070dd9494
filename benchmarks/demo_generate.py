"""Benchmark the synthetic population generator (no database, no Django).

    PYTHONPATH=src python benchmarks/demo_generate.py --people 1000000

Prints one JSON line (people, seconds, people_per_second, peak_rss_mib, ...) then a readable line.
The commune table comes from ``src/snigi/core/data/communes.csv`` when it is there, else from a
small built-in synthetic table.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
try:
    import snigi  # noqa: F401  (installed, or PYTHONPATH=src)
except ImportError:  # a bare checkout works too
    sys.path.insert(0, str(ROOT / "src"))

from snigi.demo.generator import CommuneTable, iter_people  # noqa: E402


def communes_csv() -> Path | None:
    candidates = [ROOT / "src" / "snigi" / "core" / "data" / "communes.csv"]
    try:
        import snigi.core

        candidates.append(Path(snigi.core.__file__).resolve().parent / "data" / "communes.csv")
    except ImportError:  # pragma: no cover
        pass
    return next((p for p in candidates if p.is_file()), None)


def commune_table() -> tuple[CommuneTable, str]:
    path = communes_csv()
    if path is not None:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        if rows:
            return CommuneTable(
                codes=[r["code"] for r in rows],
                province_codes=[r["province_code"] for r in rows],
                weights=[float(r["population_2014"] or 1000) for r in rows],
                urban=[r["kind"] == "urban" for r in rows],
            ), f"{path} ({len(rows)} communes)"
    # Built-in: 8 provinces x 10 communes, 4 urban and 6 rural each, ~60% urban population.
    provinces = ["141", "421", "001", "351", "231", "511", "321", "401"]
    codes, province_codes, weights, urban = [], [], [], []
    for p, province in enumerate(provinces):
        for k in range(10):
            codes.append(f"{province}.{k + 1:03d}")
            province_codes.append(province)
            weights.append(float(200_000 - 15_000 * k - 7_000 * p))
            urban.append(k < 4)
    return CommuneTable(codes, province_codes, weights, urban), "built-in synthetic table"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chunk-size", type=int, default=100_000)
    args = parser.parse_args(argv)

    table, source = commune_table()
    started = time.perf_counter()
    generated = adults = 0
    for batch in iter_people(
        count=args.people, seed=args.seed, communes=table, chunk_size=args.chunk_size
    ):
        generated += len(batch)
        adults += int((batch.cnie != "").sum())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    peak_mib = peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    rate = generated / seconds if seconds else float("inf")
    print(
        json.dumps(
            {
                "benchmark": "demo_generate",
                "people": generated,
                "adults_with_cnie": adults,
                "seed": args.seed,
                "chunk_size": args.chunk_size,
                "communes": source,
                "seconds": round(seconds, 3),
                "people_per_second": round(rate),
                "peak_rss_mib": round(peak_mib, 1),
            },
            ensure_ascii=False,
        )
    )
    print(
        f"generated {generated:,} people in {seconds:.1f} s ({rate:,.0f} people/s), "
        f"peak RSS {peak_mib:,.0f} MiB; communes from {source}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
