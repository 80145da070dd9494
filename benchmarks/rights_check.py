"""Benchmark of the real-time rights check over HTTP, on PostgreSQL, beside a bare endpoint.

    python benchmarks/rights_check.py --people 10000000 [--database-url postgres://…]
        [--pgdata DIR] [--duration 30] [--warmup 3] [--concurrency 1,4,8] [--threads 8]
        [--workers 1]

1. Database: the given one, or a throwaway PostgreSQL cluster started here (``--pgdata DIR``
   keeps it for a later run; the loader is idempotent, so a second run loads nothing). The
   cluster loads with fsync off, then is restarted durable (fsync and synchronous commit on)
   for the measurements. Migrates, loads ``--people`` through ``snigi.demo.loader.load_people``
   (time, people/s, rows/s), then VACUUM ANALYZE.
2. Counts the SQL queries of one rights check (in-process, on sampled CNIEs and the demo cases).
3. Serves SNIGI with ``snigi serve`` in a subprocess (waitress; gunicorn with ``--workers N``,
   N > 1: the server's CPU is then its workers' summed), production settings and
   SNIGI_BENCHMARK_ENDPOINTS=1, and issues an API token to a provider account.
4. A second process (this script with ``--load-generator``: threads with persistent HTTP/1.1
   connections) sends, for each concurrency, after a warm-up, ``--duration`` seconds of
   ``GET /api/v1/bench/bare?cnie=`` (one indexed lookup: the stack's ceiling) and as long of
   ``GET /api/v1/rights?cnie=&date=``, alternated in ``--rounds`` slices so that a change in
   the machine's background load falls on both; the CNIEs are random people of the
   population, the demo cases and unknown numbers. Prints requests, errors, req/s,
   p50/p95/p99, the rights/bare ratio, the CPU used by the server, the generator and the rest
   of the machine (PostgreSQL), then one JSON line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TARGET_RATIO, TARGET_P99_MS = 0.6, 25.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
LOAD_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off",
                 "max_wal_size=8GB", "checkpoint_timeout=30min")  # fmt: skip
DURABLE_SETTINGS = ("fsync=on", "synchronous_commit=on", "full_page_writes=on")
COMMON_SETTINGS = ("listen_addresses=127.0.0.1", "maintenance_work_mem=1GB", "work_mem=16MB",
                   "max_connections=100")  # fmt: skip


def _memory_settings() -> tuple[str, ...]:
    """Half the memory for shared buffers: at 10 M people (8.8 GiB) on 24 GiB, the database
    fits, and it stays there (the page cache may be reclaimed under a VM's memory pressure)."""
    mib = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return (f"shared_buffers={max(128, mib // 2)}MB", f"effective_cache_size={mib * 3 // 4}MB")


# ----------------------------------------------------------------------------- the cluster


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster of our own (run as ``postgres`` when we are root)."""

    def __init__(self, pgdata: Path):
        bindirs = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        found = shutil.which("initdb")
        self.bindir = bindirs[-1] if bindirs else Path(found).parent if found else None
        if self.bindir is None:
            raise SystemExit("PostgreSQL is not installed (no initdb found).")
        self.pgdata, self.port = pgdata, _free_port()
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_pg, *args], check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def start(self, settings: tuple[str, ...]) -> None:
        if not (self.pgdata / "data" / "PG_VERSION").exists():
            self.pgdata.mkdir(parents=True, exist_ok=True)
            if self.as_pg:
                shutil.chown(self.pgdata, "postgres")
            self._run(str(self.bindir / "initdb"), "-D", str(self.pgdata / "data"), "-U",
                      "snigi", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")  # fmt: skip
        options = " ".join(f"-c {s}" for s in (*COMMON_SETTINGS, *_memory_settings(), *settings))
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.pgdata / "data"), "-w", "-l",
                  str(self.pgdata / "server.log"), "-o",
                  f"-p {self.port} -k {self.pgdata} {options}", "start")  # fmt: skip
        exists = subprocess.run(  # noqa: S603
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "snigi",
             "-d", "postgres", "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'snigi'"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        if not exists:
            subprocess.run([str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p",  # noqa: S603
                            str(self.port), "-U", "snigi", "snigi"], check=True)  # fmt: skip

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.pgdata / "data"), "-m", "fast",
                  "stop")  # fmt: skip
        os.sync()

    @property
    def url(self) -> str:
        return f"postgres://snigi@127.0.0.1:{self.port}/snigi"


def _server_cpu_seconds(pid: int) -> float:
    """CPU seconds of the server: the process and its live children (gunicorn's workers)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # itself, or ppid
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime
    return total


def _machine_cpu_seconds() -> float:
    """CPU seconds spent busy by the whole machine (every core), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK  # less idle and iowait


# ----------------------------------------------------------------------------- the data


def _setup_django(database_url: str, workdir: Path) -> None:
    os.environ["SNIGI_VAR_DIR"] = str(workdir)
    os.environ["SNIGI_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()


def _table_rows() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, GREATEST(reltuples, 0)::bigint FROM pg_class "
            "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND relname LIKE 'beneficiaries\\_%%'"
        )
        return dict(cursor.fetchall())


def _load(people: int, seed: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection

    from snigi.demo.loader import load_people

    call_command("migrate", interactive=False, verbosity=0)

    def progress(done: int, total: int) -> None:
        if done % 500_000 < 20_000 or done == total:
            elapsed = time.perf_counter() - started
            print(f"  loaded {done:,}/{total:,} people, {elapsed:.0f} s", file=sys.stderr)

    started = time.perf_counter()
    before, after = load_people(people=people, seed=seed, progress=progress)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    rows = _table_rows()
    loaded = after - before
    total_rows = sum(rows.values())
    return {
        "people": after,
        "people_loaded_now": loaded,
        "load_seconds": round(load_seconds, 1),
        "people_per_second": round(loaded / load_seconds) if loaded else None,
        "rows_per_second": round(total_rows * loaded / after / load_seconds) if loaded else None,
        "rows": rows,
        "vacuum_analyze_seconds": round(time.perf_counter() - started, 1),
        "database_gib": round(size / 2**30, 2),
    }


def _prewarm() -> dict[str, object]:
    """Read every table and index into shared buffers (pg_prewarm): the measures are of a
    service in its steady state, not of its first minutes after a restart."""
    from django.db import DatabaseError, connection

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            cursor.execute(
                "SELECT coalesce(sum(pg_prewarm(oid)), 0) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')"
            )
            blocks = int(cursor.fetchone()[0])
    except DatabaseError as exc:  # a given database without the extension or the right
        print(f"  prewarm skipped: {exc}", file=sys.stderr)
        return {"prewarm_gib": 0}
    return {
        "prewarm_gib": round(blocks * 8192 / 2**30, 2),
        "prewarm_seconds": round(time.perf_counter() - started, 1),
    }


def _provider():  # type: ignore[no-untyped-def]
    from snigi.core.models import User
    from snigi.core.roles import Role
    from snigi.core.services import user_create
    from snigi.demo.accounts import DEMO_PROVIDER_INPE

    user = User.objects.filter(username="bench.prestataire").first()
    return user or user_create(
        actor=None,
        username="bench.prestataire",
        password=secrets.token_urlsafe(24),
        role=Role.PROVIDER,
        inpe=DEMO_PROVIDER_INPE,
    )


def _sample(size: int, seed: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Random people with a CNIE (by random keys), 2 % unknown CNIEs; and the demo cases."""
    from django.db.models import Max

    from snigi.beneficiaries.models import Person
    from snigi.demo.cases import demo_cases

    rng = random.Random(seed)
    top = Person.objects.aggregate(top=Max("pk"))["top"] or 0
    cnies: list[str] = []
    while len(cnies) < size and top:
        keys = rng.sample(range(1, top + 1), min(top, 2 * (size - len(cnies))))
        found = Person.objects.filter(pk__in=keys, cnie__isnull=False)
        cnies += list(found.values_list("cnie", flat=True)[: size - len(cnies)])
    cnies += [f"ZZ{rng.randrange(900_000, 999_999)}" for _ in range(max(1, size // 50))]
    cases = [(code, cnie) for code, _, cnie in demo_cases()]
    cnies += [cnie for _, cnie in cases]
    rng.shuffle(cnies)
    return cnies, cases


def _queries_per_check(actor, cnies: list[str], cases: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """SQL queries and in-process time of ``check_rights`` (the access log write included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from snigi.beneficiaries.rights_check import check_rights

    on = timezone.localdate()
    check_rights(actor=actor, on=on, cnie=cnies[0])  # reads the rules, regimes and funds once
    checked = [("case:" + code, cnie) for code, cnie in cases] + [("sample", c) for c in cnies]
    counts, times, covered, by_case = [], [], 0, {}
    for label, cnie in checked:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            answer = check_rights(actor=actor, on=on, cnie=cnie)
            times.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured))
        covered += answer.covered
        if label.startswith("case:"):
            by_case[label[5:]] = len(captured)
    return {
        "checked": len(checked),
        "covered_share": round(covered / len(checked), 3),
        "queries_min": min(counts),
        "queries_median": statistics.median(counts),
        "queries_max": max(counts),
        "queries_by_case": by_case,
        "in_process_ms_median": round(statistics.median(times), 2),
    }


# ----------------------------------------------------------------------------- the server


@contextlib.contextmanager
def _server(
    database_url: str, workdir: Path, threads: int, workers: int
) -> Iterator[tuple[int, int]]:
    """``snigi serve`` in a subprocess with production settings; yields (port, pid)."""
    port = _free_port()
    (workdir / "static").mkdir(exist_ok=True)
    env = {
        **os.environ,
        "SNIGI_ENV": "production",
        "SNIGI_SECRET_KEY": secrets.token_urlsafe(64),
        "SNIGI_ALLOWED_HOSTS": "127.0.0.1",
        "SNIGI_DATABASE_URL": database_url,
        "SNIGI_SSL_REDIRECT": "0",  # plain HTTP on loopback: no TLS proxy in front here
        "SNIGI_STATIC_ROOT": str(workdir / "static"),
        "SNIGI_BENCHMARK_ENDPOINTS": "1",
        "SNIGI_DEBUG": "0",
    }
    with open(workdir / "server.log", "wb") as log:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "snigi", "serve", "--port", str(port), "--threads",
             str(threads), "--workers", str(workers)], env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_for(port, server)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    import http.client

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (code {server.returncode}): see server.log.")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        time.sleep(0.2)
    raise SystemExit("The server did not answer /health within 60 s.")


# ----------------------------------------------------------------------------- the load


def _generate(config: dict[str, object]) -> dict[str, object]:
    """In the load-generator process: ``concurrency`` threads, one persistent HTTP/1.1
    connection each, for ``duration`` seconds; returns the latencies and its own CPU time."""
    import http.client
    import threading

    port, paths = int(config["port"]), list(config["paths"])  # type: ignore[call-overload]
    concurrency, duration = int(config["concurrency"]), float(config["duration"])  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {config['token']}"}
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures = [0] * concurrency
    started = time.perf_counter()
    end = started + duration

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        position = index * len(paths) // concurrency
        mine = latencies[index]
        while (sent := time.perf_counter()) < end:
            path = paths[position % len(paths)]
            position += 1
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                ok = False
            if ok:
                mine.append(time.perf_counter() - sent)
            else:
                failures[index] += 1
        connection.close()

    cpu = os.times()
    workers = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return {
        "latencies_ms": [round(x * 1000, 3) for per_thread in latencies for x in per_thread],
        "errors": sum(failures),
        "seconds": time.perf_counter() - started,
        "cpu_seconds": sum(os.times()[:2]) - sum(cpu[:2]),
    }


def _run_load(config: dict[str, object], server_pid: int) -> dict[str, float | list[float]]:
    """One phase from a second process, with the CPU used meanwhile by the server and by the
    whole machine (the rest, beside the server and the generator, is mostly PostgreSQL)."""
    server, machine = _server_cpu_seconds(server_pid), _machine_cpu_seconds()
    done = subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--load-generator"],
        input=json.dumps(config), capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout)
    result["server_cpu_seconds"] = _server_cpu_seconds(server_pid) - server
    result["machine_cpu_seconds"] = _machine_cpu_seconds() - machine
    return result  # type: ignore[no-any-return]


def _summary(phases: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    """The figures of an endpoint over its phases (the rounds of a concurrency)."""
    merged = sorted(x for phase in phases for x in phase["latencies_ms"])
    seconds = sum(phase["seconds"] for phase in phases)
    cut = statistics.quantiles(merged, n=100, method="inclusive") if len(merged) > 1 else [0] * 99

    def percent(key: str) -> float:
        return round(100 * sum(phase[key] for phase in phases) / seconds, 1)

    server, generator = percent("server_cpu_seconds"), percent("cpu_seconds")
    return {
        "requests": len(merged),
        "errors": sum(phase["errors"] for phase in phases),
        "seconds": round(seconds, 2),
        "rps": round(len(merged) / seconds, 1),
        "p50_ms": round(cut[49], 2),
        "p95_ms": round(cut[94], 2),
        "p99_ms": round(cut[98], 2),
        "max_ms": round(merged[-1], 2) if merged else None,
        "server_cpu_percent": server,
        "server_cpu_ms_per_request": round(
            sum(phase["server_cpu_seconds"] for phase in phases) * 1000 / max(1, len(merged)), 2
        ),
        "generator_cpu_percent": generator,
        "generator_cpu_us_per_request": round(
            sum(phase["cpu_seconds"] for phase in phases) * 1e6 / max(1, len(merged)), 1
        ),
        "other_cpu_percent": round(percent("machine_cpu_seconds") - server - generator, 1),
        "machine_cpu_percent": percent("machine_cpu_seconds"),
    }


def _measure(
    *, port: int, token: str, cnies: list[str], args: argparse.Namespace,
    server_pid: int,
) -> list[dict[str, object]]:  # fmt: skip
    """Per concurrency: a warm-up of each endpoint, then ``rounds`` alternations of bare and
    rights (``duration / rounds`` seconds each), so that a change in the machine's background
    load falls on both."""
    from urllib.parse import quote

    from django.utils import timezone

    today = timezone.localdate().isoformat()
    endpoints = {
        "bare": [f"/api/v1/bench/bare?cnie={quote(c)}" for c in cnies],
        "rights": [f"/api/v1/rights?cnie={quote(c)}&date={today}" for c in cnies],
    }
    rows = []
    for concurrency in args.concurrency:
        configs = {
            name: {"port": port, "token": token, "paths": paths, "concurrency": concurrency}
            for name, paths in endpoints.items()
        }
        for config in configs.values():
            _run_load({**config, "duration": args.warmup}, server_pid)
        phases: dict[str, list[dict]] = {name: [] for name in endpoints}  # type: ignore[type-arg]
        for _ in range(args.rounds):
            for name, config in configs.items():
                slice_ = {**config, "duration": args.duration / args.rounds}
                phases[name].append(_run_load(slice_, server_pid))
        row: dict[str, object] = {"concurrency": concurrency}
        row.update({name: _summary(runs) for name, runs in phases.items()})
        bare, rights = row["bare"], row["rights"]
        row["ratio"] = round(rights["rps"] / bare["rps"], 3) if bare["rps"] else None  # type: ignore[index]
        row["meets_target"] = bool(
            row["ratio"] is not None and row["ratio"] >= TARGET_RATIO  # type: ignore[operator]
            and rights["p99_ms"] < TARGET_P99_MS  # type: ignore[index]
        )  # fmt: skip
        rows.append(row)
        _print_row(row)
    return rows


def _print_row(row: dict[str, object]) -> None:
    for name in ("bare", "rights"):
        r = row[name]
        print(
            f"  c={row['concurrency']:<2} {name:<6} {r['requests']:>7,} req, {r['errors']} errors, "  # type: ignore[index]
            f"{r['rps']:>7.1f} req/s, p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, "  # type: ignore[index]
            f"p99 {r['p99_ms']:.2f} ms; CPU % server {r['server_cpu_percent']}, "  # type: ignore[index]
            f"generator {r['generator_cpu_percent']}, rest (PostgreSQL, other jobs) "  # type: ignore[index]
            f"{r['other_cpu_percent']}, machine {r['machine_cpu_percent']}/{100 * CORES}; "  # type: ignore[index]
            f"server {r['server_cpu_ms_per_request']} ms/req, "  # type: ignore[index]
            f"generator {r['generator_cpu_us_per_request']} µs/req"  # type: ignore[index]
        )
    verdict = "meets" if row["meets_target"] else "MISSES"
    print(f"  c={row['concurrency']:<2} ratio rights/bare {row['ratio']} ({verdict} the target "
          f"≥ {TARGET_RATIO}, p99 < {TARGET_P99_MS:.0f} ms)", flush=True)  # fmt: skip


# ----------------------------------------------------------------------------- the run


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database-url", default="", help="default: a throwaway cluster")
    parser.add_argument("--pgdata", default="", help="keep the cluster there (reused if any)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per measure")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each measure")
    parser.add_argument("--rounds", type=int, default=3, help="bare/rights alternations")
    parser.add_argument("--concurrency", default="1,4,8", help="comma-separated")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument(
        "--workers", type=int, default=1, help="server processes (snigi serve --workers)"
    )
    parser.add_argument("--sample", type=int, default=10_000, help="people asked about")
    parser.add_argument("--query-sample", type=int, default=300, help="checks counted in-process")
    parser.add_argument(
        "--prewarm",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="read the database into shared buffers first (pg_prewarm)",
    )
    parser.add_argument("--load-generator", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",") if c.strip()]
    return args


def _prepare(args: argparse.Namespace, cluster: Cluster | None) -> dict:  # type: ignore[type-arg]
    """Load, vacuum, count queries, issue the token: everything before the server starts."""
    from django.db import connections

    from snigi.core.services import api_token_create

    print(f"rights_check: loading {args.people:,} people…", file=sys.stderr, flush=True)
    load = _load(args.people, args.seed)
    print(f"  {json.dumps(load)}", file=sys.stderr, flush=True)
    if cluster is not None:  # loaded with fsync off: measure on a durable cluster
        connections.close_all()
        cluster.stop()
        cluster.start(DURABLE_SETTINGS)
    if args.prewarm:
        load.update(_prewarm())
    actor = _provider()
    started = time.perf_counter()
    cnies, cases = _sample(args.sample, args.seed)
    sample_seconds = time.perf_counter() - started
    queries = _queries_per_check(actor, cnies[: args.query_sample], cases)
    print(f"  queries per check: {json.dumps(queries)}", file=sys.stderr, flush=True)
    _, token = api_token_create(actor=actor, name="benchmark", valid_days=1)
    connections.close_all()
    return {"load": load, "queries": queries, "cnies": cnies, "token": token,
            "cases": dict(cases), "sample_seconds": round(sample_seconds, 1)}  # fmt: skip


def _report(args: argparse.Namespace, prepared: dict, rows: list, database: str) -> None:  # type: ignore[type-arg]
    load, queries = prepared["load"], prepared["queries"]
    result = {
        "benchmark": "rights_check",
        "database": database,
        "people": load["people"],
        "load": load,
        "queries_per_check": queries,
        "sample": len(prepared["cnies"]),
        "server_threads": args.threads,
        "server_workers": args.workers,
        "duration_seconds": args.duration,
        "cores": CORES,
        "runs": rows,
    }
    print(json.dumps(result))
    print(
        f"rights_check: {load['people']:,} people on PostgreSQL ({load['database_gib']} GiB); "
        f"loaded {load['people_loaded_now']:,} in {load['load_seconds']} s; queries per check "
        f"{queries['queries_min']}–{queries['queries_max']} (median {queries['queries_median']})"
    )
    for row in rows:
        print(
            f"  c={row['concurrency']}: bare {row['bare']['rps']} req/s, rights "
            f"{row['rights']['rps']} req/s (p50 {row['rights']['p50_ms']} ms, p99 "
            f"{row['rights']['p99_ms']} ms), ratio {row['ratio']}"
            f"{'' if row['meets_target'] else ' — misses the target'}"
        )


def main() -> int:
    args = _arguments()
    if args.load_generator:
        print(json.dumps(_generate(json.load(sys.stdin))))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="snigi-bench-"))
    workdir.chmod(0o755)  # the cluster, run as postgres, lives inside by default
    cluster = None
    if not args.database_url:
        cluster = Cluster(Path(args.pgdata).resolve() if args.pgdata else workdir / "pg")
        cluster.start(LOAD_SETTINGS)
    database = args.database_url or (cluster.url if cluster else "")
    try:
        _setup_django(database, workdir)
        prepared = _prepare(args, cluster)
        print("rights_check: serving and measuring…", file=sys.stderr, flush=True)
        with _server(database, workdir, args.threads, args.workers) as (port, pid):
            rows = _measure(port=port, token=prepared["token"], cnies=prepared["cnies"],
                            args=args, server_pid=pid)  # fmt: skip
        _report(args, prepared, rows, "throwaway cluster" if cluster else "given database")
    except BaseException:
        print(f"rights_check: failed; server.log is kept in {workdir}", file=sys.stderr)
        raise
    finally:
        if cluster is not None:
            cluster.stop()
    shutil.rmtree(workdir)  # with the throwaway cluster (--pgdata keeps it elsewhere)
    return 0


if __name__ == "__main__":
    sys.exit(main())
