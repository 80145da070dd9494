"""``snigi worker``: the deadline worker of e-réclamations (complaints/deadlines.py). With
``--once`` it runs once and exits; otherwise it runs every ``--interval`` seconds (an hour by
default) until stopped, logging what each run wrote."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from snigi.complaints.deadlines import log, run_deadlines


class Command(BaseCommand):
    help = "Run the complaint deadlines: alerts, reminders, reinstatements (once, or in a loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run once and exit")
        parser.add_argument(
            "--interval", type=int, default=3600, help="seconds between runs (default 3600)"
        )
        parser.add_argument(
            "--runs", type=int, default=0, help="stop after this many runs (default: never)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = max(0, options["interval"])
        runs = 1 if options["once"] else max(0, options["runs"])
        done = 0
        while True:
            close_old_connections()
            try:
                report = run_deadlines()
            except DatabaseError as exc:
                if runs == 1:
                    raise
                log.exception("deadline run failed")
                self.stderr.write(f"snigi worker: échec de l'exécution : {exc}")
            else:
                self.stdout.write(report.summary())
                self.stdout.flush()
            done += 1
            if runs and done >= runs:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
