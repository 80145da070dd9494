"""``snigi runcontrols``: run the double-enrolment controls queued from the pages or the API
(enrolment_control/control.py). With ``--once`` it runs what is queued and exits; otherwise it
looks every ``--interval`` seconds until stopped. A run still "running" after ``--stale-hours``
was interrupted (its process stopped): it ends "failed", and may be launched again."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from snigi.enrolment_control.control import execute_queued, fail_stale


class Command(BaseCommand):
    help = "Run the queued double-enrolment controls (once, or in a loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run what is queued and exit")
        parser.add_argument("--interval", type=int, default=30, help="seconds between looks")
        parser.add_argument("--model", type=Path, help="a saved model to reuse (JSON)")
        parser.add_argument(
            "--stale-hours",
            type=float,
            default=24.0,
            help="a run still running after this many hours was interrupted: it ends failed "
            "(default 24; 0: never)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale = options["stale_hours"]
        while True:
            if stale > 0:
                for run in fail_stale(older_than=dt.timedelta(hours=stale)):
                    self.stdout.write(f"contrôle #{run.pk} : {run.error}")
            for run in execute_queued(model=options["model"]):
                line = f"contrôle #{run.pk} : {run.get_status_display()}, {run.records} lignes"
                if run.error:
                    line += f" – {run.error}"
                self.stdout.write(line)
                self.stdout.flush()
            if options["once"]:
                return
            try:
                time.sleep(max(1, options["interval"]))
            except KeyboardInterrupt:
                return
            # between two looks only: run once (--once, call_command inside a transaction), the
            # command must not close its caller's connection
            close_old_connections()
