"""Benchmark of the complaints' statistics over a million historical files, on PostgreSQL.

    python benchmarks/complaints_statistics.py --files 1000000 [--database-url postgres://…]
        [--pgdata DIR] [--repeat 5] [--seed 7]

1. Database: the given one, or a throwaway PostgreSQL cluster started here (``--pgdata DIR``
   keeps it for a later run, which then loads nothing). Migrates, then loads ``--files``
   historical files (``imported=True``) received from 2016-01-01 to 2025-12-31 — ten years, the
   longest period a report covers — with COPY: requester types, natures and decisions drawn
   with the shares of seed 002 (84 % insured, 54 % reimbursement requests, 62 % unfavourable…),
   2 % not decided yet, decisions 0–120 days after receipt, referrals to one body (one in ten to
   two) answered three times in five. VACUUM ANALYZE.
2. Times, over the year 2025 and over the full range, each section of
   ``snigi.complaints.statistics`` (the grouped query it rests on — the breakdown by requester,
   nature, decision and status shared by five sections, the months, the referrals — and its
   table), the whole report, the API
   ``GET /api/v1/complaints/stats`` through Django's test client (an observatory analyst's
   session), and the CSV and XLSX exports of the page; ``--repeat`` runs of each, median and
   best. Prints a readable line per measure, the machine's CPU use meanwhile, then one JSON line.
   Target (issue 5): each report under 1 s.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rights_check import Cluster, _machine_cpu_seconds  # noqa: E402 - the throwaway cluster

FIRST, LAST = datetime.date(2016, 1, 1), datetime.date(2025, 12, 31)
TARGET_S = 1.0
CORES = os.cpu_count() or 1
LOAD_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off",
                 "max_wal_size=8GB", "checkpoint_timeout=30min")  # fmt: skip
REQUESTERS = {"insured": 84, "fund": 12, "professional": 1, "learned_society": 0.5,
              "ministry": 1, "association": 0.5, "other": 1}  # fmt: skip
CHANNELS = {"post": 50, "hand": 15, "email": 15, "front_office": 8, "phone": 4, "online": 8}
DECISIONS = {"unfavourable": 61, "incomplete": 16, "referral": 9, "favourable": 7,
             "commissions": 4.5, "expertise": 1, "transparency": 0.5, "": 2}  # fmt: skip
GROUPS = {"reimbursement": 54, "convention_violation": 15, "reimbursement_revision": 8,
          "arbitration": 3, "tm_exemption": 2, "other": 13, "ramed": 5}  # fmt: skip
FINAL = {"unfavourable", "favourable"}
BODIES = ("CNOPS", "CNSS", "MGPAP", "MGEN", "MSPS")


def _draw(rng: random.Random, weights: dict[str, float], n: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=n)


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _files(
    n: int, seed: int, natures: dict[str, list[tuple[int, int]]]
) -> Iterator[tuple[dict[str, object], list[tuple[str, bool]]]]:
    """The files to load, each with its referrals (body code, answered); ``natures``: group
    -> (id, target days) of its natures."""
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    days = (LAST - FIRST).days + 1
    today = datetime.date.today()  # noqa: DTZ011 - a date
    block = 100_000
    for start in range(0, n, block):
        size = min(block, n - start)
        requesters, channels = _draw(rng, REQUESTERS, size), _draw(rng, CHANNELS, size)
        decisions, groups = _draw(rng, DECISIONS, size), _draw(rng, GROUPS, size)
        for i in range(size):
            received = FIRST + datetime.timedelta(days=rng.randrange(days))
            nature_id, target_days = rng.choice(natures[groups[i]])
            decision = decisions[i]
            decided = min(received + datetime.timedelta(days=rng.randrange(121)), today)
            referrals: list[tuple[str, bool]] = []
            if decision == "referral":
                count = 2 if rng.random() < 0.1 else 1
                referrals = [(body, rng.random() < 0.6) for body in rng.sample(BODIES, count)]
            status = ("closed" if decision in FINAL or (referrals and all(a for _b, a in referrals))
                      else "pending" if decision else "instruction")  # fmt: skip
            yield {
                "received_on": received, "channel": channels[i],
                "requester_type": requesters[i], "nature_id": nature_id, "decision": decision,
                "decision_on": decided if decision else None, "status": status,
                "closed_on": decided if status == "closed" else None,
                "target_on": received + datetime.timedelta(days=target_days),
            }, referrals  # fmt: skip


def _load(n: int, seed: int) -> dict[str, float]:
    """COPY the files, then their referrals (keys drawn ahead from the sequences)."""
    from django.db import connection

    from snigi.complaints.models import Complaint, Nature, Referral
    from snigi.core.models import Organisation

    started = time.perf_counter()
    natures: dict[str, list[tuple[int, int]]] = {}
    for nature in Nature.objects.all():  # read before the COPY holds the connection
        natures.setdefault(nature.group, []).append((nature.pk, nature.target_days))
    bodies = dict(Organisation.objects.filter(code__in=BODIES).values_list("code", "pk"))
    fields = [f for f in Complaint._meta.concrete_fields if f.column != "id"]
    defaults = {f.attname: f.get_default() for f in fields}
    now = datetime.datetime.now(datetime.UTC)
    columns = ["id", *[f.column for f in fields]]
    referral_rows: list[str] = []
    serial: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('complaints_complaint', 'id'))")
        first_id = cursor.fetchone()[0]
        table = Complaint._meta.db_table
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for offset, (values, referrals) in enumerate(_files(n, seed, natures)):
                pk = first_id + offset
                year = values["received_on"].year  # type: ignore[attr-defined]
                serial[year] = serial.get(year, 0) + 1
                row = {
                    **defaults, **values, "created_at": now, "updated_at": now,
                    "reference": f"HIS-{year}-{serial[year]:07d}", "imported": True,
                    "requester_name": "(non renseigné)", "subject": "Dossier historique",
                }  # fmt: skip
                line = "\t".join(_copy_text(row[f.attname]) for f in fields)
                copy.write(f"{pk}\t{line}\n")
                for body, answered in referrals:
                    sent = values["decision_on"]
                    referral_rows.append("\t".join(map(_copy_text, (
                        now, now, pk, bodies[body], sent, "", sent if answered else None,
                        "Réponse reçue." if answered else "", 0, None))) + "\n")  # fmt: skip
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                       [first_id + n])  # fmt: skip
        referral_columns = ("created_at", "updated_at", "complaint_id", "body_id", "sent_on",
                            "letter_reference", "answered_on", "answer", "reminders",
                            "last_reminder_on")  # fmt: skip
        with cursor.copy(f"COPY {Referral._meta.db_table} ({', '.join(referral_columns)}) "  # type: ignore[attr-defined]
                         "FROM STDIN") as copy:  # fmt: skip
            for line in referral_rows:
                copy.write(line)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE complaints_complaint")
        cursor.execute("VACUUM ANALYZE complaints_referral")
    vacuum = time.perf_counter() - started - loaded
    return {"load_s": round(loaded, 1), "vacuum_s": round(vacuum, 1),
            "referrals": len(referral_rows)}  # fmt: skip


def _time(call: Callable[[], object], repeat: int) -> dict[str, float]:
    call()  # warm: the plans and the pages in the cache
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append(time.perf_counter() - started)
    return {"median_ms": round(statistics.median(runs) * 1000, 1),
            "best_ms": round(min(runs) * 1000, 1)}  # fmt: skip


def _measures(
    start: datetime.date, end: datetime.date, client: object
) -> dict[str, Callable[[], object]]:
    from snigi.complaints import statistics as s
    from snigi.complaints.statistics_export import report_csv, report_xlsx

    files = s.received_between(start, end)
    api = f"/api/v1/complaints/stats?from={start}&to={end}"
    page = f"/reclamations/statistiques/?start={start}&end={end}"

    def ok(url: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(url)  # type: ignore[attr-defined]
            assert response.status_code == 200, (url, response.status_code)  # noqa: S101
            return response

        return get

    return {
        "monthly": lambda: s.monthly(files, start, end),
        "breakdown_query": lambda: s.breakdown(files),
        "requesters": lambda: s.by_requester(s.breakdown(files)),
        "natures_and_groups": lambda: (lambda b: (s.by_group(b), s.by_nature(b)))(
            s.breakdown(files)
        ),
        "cross_table": lambda: s.cross_table(s.breakdown(files)),
        "incomplete": lambda: s.incomplete_by_requester(s.breakdown(files)),
        "delays": lambda: s.delays(s.breakdown(files)),
        # the number of files referred comes from the breakdown (its "Attribution" row)
        "referrals": lambda: s.referrals_by_body(start, end, files=0),
        "whole_report": lambda: s.build_report(start, end),
        "csv_of_report": lambda: report_csv(s.build_report(start, end)),
        "xlsx_of_report": lambda: report_xlsx(s.build_report(start, end)),
        "api_json": ok(api),
        "page_html": ok(page),
        "page_csv": ok(page + "&format=csv"),
        "page_xlsx": ok(page + "&format=xlsx"),
    }


def _client() -> object:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from snigi.core.models import User
    from snigi.core.roles import Role
    from snigi.core.services import user_create

    setup_test_environment()
    user = User.objects.filter(username="bench.observatoire").first() or user_create(
        actor=None, username="bench.observatoire", password=secrets.token_urlsafe(16),
        role=Role.ANAM_OBSERVATORY_ANALYST, organisation=None,
    )  # fmt: skip
    client = Client()
    client.force_login(user)
    return client


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--pgdata", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="snigi-cstats-"))
    workdir.chmod(0o755)  # the cluster, run as postgres, lives inside by default
    cluster = None
    url = options.database_url
    if not url:
        cluster = Cluster(Path(options.pgdata).resolve() if options.pgdata else workdir / "pg")
        cluster.start(LOAD_SETTINGS)
        url = cluster.url
    try:
        return _run(options, url, workdir)
    finally:
        if cluster is not None:
            cluster.stop()
        if not options.pgdata:  # the throwaway cluster and the var directory
            shutil.rmtree(workdir, ignore_errors=True)


def _run(options: argparse.Namespace, url: str, workdir: Path) -> int:
    os.environ["SNIGI_VAR_DIR"] = str(workdir)
    os.environ["SNIGI_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from snigi.complaints.models import Complaint

    call_command("migrate", verbosity=0)
    result: dict[str, object] = {"benchmark": "complaints_statistics", "files": options.files}
    present = Complaint.objects.filter(imported=True).count()
    if present < options.files:
        if present:
            raise SystemExit(f"{present} imported files already there: use an empty database.")
        result["load"] = _load(options.files, options.seed)
        print(
            f"loaded {options.files:,} files in {result['load']['load_s']} s "  # type: ignore[index]
            f"(+ VACUUM ANALYZE {result['load']['vacuum_s']} s)"
        )  # type: ignore[index]
    client = _client()
    cpu, wall = _machine_cpu_seconds(), time.perf_counter()
    time.sleep(5)  # how busy the machine is without this benchmark
    idle_busy = (_machine_cpu_seconds() - cpu) / (time.perf_counter() - wall) / CORES * 100
    print(f"machine CPU busy before the measures (other jobs): {idle_busy:.0f} % of {CORES} cores")
    periods = {"year_2025": (datetime.date(2025, 1, 1), LAST), "full_10_years": (FIRST, LAST)}
    cpu_before, wall_before = _machine_cpu_seconds(), time.perf_counter()
    timings: dict[str, dict[str, dict[str, float]]] = {}
    slow = []
    for name, (start, end) in periods.items():
        timings[name] = {}
        for measure, call in _measures(start, end, client).items():
            figures = _time(call, options.repeat)
            timings[name][measure] = figures
            mark = "" if figures["median_ms"] < TARGET_S * 1000 else "  ← over 1 s"
            if mark:
                slow.append(f"{name}/{measure}")
            print(f"{name:14} {measure:22} median {figures['median_ms']:8.1f} ms   "
                  f"best {figures['best_ms']:8.1f} ms{mark}")  # fmt: skip
    wall = time.perf_counter() - wall_before
    busy = (_machine_cpu_seconds() - cpu_before) / wall / CORES * 100
    print(f"machine CPU busy during the measures: {busy:.0f} % of {CORES} cores (this "
          "benchmark included)")  # fmt: skip
    result |= {"timings": timings, "machine_busy_percent_before": round(idle_busy),
               "machine_busy_percent_during": round(busy), "over_1s": slow}  # fmt: skip
    print(json.dumps(result))
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
