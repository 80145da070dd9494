"""``snigi demo``: migrate, load the reference data and a synthetic national dataset, create the
demo accounts, and serve on http://127.0.0.1:8000. Idempotent: a second run reuses the data."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from snigi.core.catalogues import compile_catalogues
from snigi.core.models import User
from snigi.core.roles import Role
from snigi.demo.accounts import DEMO_PASSWORD, ensure_demo_accounts
from snigi.demo.cases import demo_cases
from snigi.demo.complaints import load_demo_complaints
from snigi.demo.enrolment_control import load_demo_enrolment_control, summary
from snigi.demo.loader import DemoDataError, load_people
from snigi.providers.demo_applications import load_demo_applications
from snigi.providers.demo_register import load_demo_register

DEFAULT_PEOPLE = 50_000
DEFAULT_SEED = 2026


class Command(BaseCommand):
    help = "Prepare the demo (migrate, synthetic data, demo accounts) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEFAULT_PEOPLE,
            help=f"synthetic people to load (default {DEFAULT_PEOPLE})",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="prepare the data and exit without serving"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("`snigi demo` runs only with SNIGI_ENV=demo (the default).")
        people = options["people"]
        if people < 0 or people > 50_000_000:
            raise CommandError("--people must be between 0 and 50 000 000.")
        if not 0 < options["port"] < 65536:
            raise CommandError("--port must be between 1 and 65535.")
        started = time.monotonic()
        compile_catalogues(Path(settings.PACKAGE_DIR))
        self.stdout.write("Migrating the database…")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Loading {people:,} synthetic people (seed {options['seed']})…")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done:,} / {total:,}")

        try:
            before, after = load_people(people=people, seed=options["seed"], progress=progress)
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        if after == before:
            self.stdout.write(f"  {after:,} people already loaded: reused.")
        added = load_demo_register(seed=options["seed"])
        self.stdout.write(
            f"INPE register: {added:,} providers added." if added else "INPE register: reused."
        )
        accounts = ensure_demo_accounts()
        officer = User.objects.get(role=Role.ANAM_INPE_OFFICER, username="anam.inpe")
        applications = load_demo_applications(seed=options["seed"], officer=officer)
        if applications:
            self.stdout.write(f"INPE applications: {applications} in every state added.")
        complaints = load_demo_complaints(seed=options["seed"])
        if complaints:
            self.stdout.write(f"Complaints: {complaints} files, two years, at every step.")
        try:
            control = load_demo_enrolment_control(seed=options["seed"])
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary(control))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready in {time.monotonic() - started:.1f} s. Accounts (password "
                f"{DEMO_PASSWORD!r}):"
            )
        )
        for account, _created in accounts:
            self.stdout.write(f"  {account.username:<22} {account.role.label}")
        self.stdout.write("Rights check (/droits/ or /api/v1/rights?cnie=…), demo CNIE numbers:")
        for _code, label, cnie in demo_cases():
            self.stdout.write(f"  {cnie:<10} {label}")
        if options["no_serve"]:
            return
        from snigi.core.management.commands.serve import serve

        self._allow_host(options["host"])
        serve(host=options["host"], port=options["port"], out=self)

    def _allow_host(self, host: str) -> None:
        """Demo only: listening beyond loopback should also answer to the names it is reached by
        (production lists them in SNIGI_ALLOWED_HOSTS)."""
        if "SNIGI_ALLOWED_HOSTS" in os.environ or host in ("127.0.0.1", "localhost", "::1"):
            return
        if host in ("0.0.0.0", "::"):  # noqa: S104 - the user asked to listen everywhere
            settings.ALLOWED_HOSTS.append("*")
            self.stdout.write(self.style.WARNING("Demo served on every interface, any host name."))
        else:
            settings.ALLOWED_HOSTS.append(host)
