"""Benchmark of the double-enrolment matcher against plain Splink, on synthetic Moroccan lists.

    python benchmarks/enrolment_control.py [--sizes 100000,1000000,10000000] [--overlap 0.5]
        [--noise default|heavy] [--seed 0] [--work-dir DIR] [--memory-limit 6GB]
        [--plain-up-to 1000000] [--keep]

For each size N: two lists of N records each (``snigi.enrolment_control.synthetic``, Parquet,
``--overlap`` of the people in both, Moroccan noise), then, each in its own process:

- ``snigi link LEFT RIGHT --out PAIRS.csv`` (SNIGI's matcher, DuckDB engine);
- ``benchmarks/plain_splink.py`` (Splink with generic settings; only up to ``--plain-up-to``).

Measured for each: wall time, peak resident memory of the process (``wait4``), and precision,
recall and F1 of the pairs against the truth. Prints a readable line per run, then one JSON
line. Targets (issue 6): F1 >= 0.99 at 1 M x 1 M, faster than plain Splink, peak <= 6 GiB;
10 M x 10 M in under 30 minutes within 20 GiB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _pairs(path: Path) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        return {(row[0], row[1]) for row in reader}


def _scores(truth: set[tuple[str, str]], found: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(truth & found)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "true_pairs": len(truth),
        "found_pairs": len(found),
        "true_positives": tp,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
    }


def _run(command: list[str], log: Path) -> dict[str, float]:
    """Run ``command``; its wall time and peak RSS (GiB)."""
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{command[0]} … failed ({code}); see {log}:\n{log.read_text()[-3000:]}")
    return {"seconds": round(seconds, 1), "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2)}


def main(argv: list[str] | None = None) -> int:
    from snigi.enrolment_control.synthetic import Noise, write_link_lists

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument("--noise", choices=("default", "heavy"), default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", type=Path)
    parser.add_argument("--memory-limit", default="5GB", help="DuckDB's, for both matchers")
    parser.add_argument("--plain-up-to", type=int, default=1_000_000)
    parser.add_argument("--threshold", type=float, default=0.3, help="SNIGI's link default")
    parser.add_argument("--keep", action="store_true", help="keep the generated lists")
    args = parser.parse_args(argv)
    noise = Noise.heavy() if args.noise == "heavy" else Noise()
    work = Path(tempfile.mkdtemp(prefix="bench-ec-", dir=args.work_dir))
    results = []
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            d = work / str(size)
            d.mkdir()
            left, right, truth_path = d / "left.parquet", d / "right.parquet", d / "truth.csv"
            t = time.perf_counter()
            write_link_lists(
                left,
                right,
                truth_path,
                left=size,
                right=size,
                overlap=args.overlap,
                seed=args.seed,
                noise=noise,
            )
            generated = round(time.perf_counter() - t, 1)
            truth = _pairs(truth_path)
            row: dict[str, object] = {"size": size, "generate_seconds": generated}
            snigi = [
                sys.executable,
                "-m",
                "snigi",
                "link",
                str(left),
                str(right),
                "--out",
                str(d / "snigi.csv"),
                "--memory-limit",
                args.memory_limit,
                "--threshold",
                str(args.threshold),
                "--work-dir",
                str(d),
            ]
            row["snigi"] = {
                **_run(snigi, d / "snigi.log"),
                **_scores(truth, _pairs(d / "snigi.csv")),
            }
            if size <= args.plain_up_to:
                plain = [
                    sys.executable,
                    str(HERE / "plain_splink.py"),
                    str(left),
                    str(right),
                    str(d / "plain.csv"),
                    "--memory-limit",
                    args.memory_limit,
                ]
                row["plain_splink"] = {
                    **_run(plain, d / "plain.log"),
                    **_scores(truth, _pairs(d / "plain.csv")),
                }
            results.append(row)
            for who in ("snigi", "plain_splink"):
                if who in row:
                    r: dict = row[who]  # type: ignore[assignment]
                    print(
                        f"{size:>11,} x {size:,} {who:<13} {r['seconds']:>8.1f} s "
                        f"peak {r['peak_rss_gib']:5.2f} GiB  precision {r['precision']:.4f} "
                        f"recall {r['recall']:.4f} F1 {r['f1']:.4f}",
                        flush=True,
                    )
            if not args.keep:
                for f in (left, right):
                    f.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "benchmark": "enrolment_control",
                "overlap": args.overlap,
                "noise": args.noise,
                "threshold": args.threshold,
                "results": results,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
