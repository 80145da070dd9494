"""``snigi compilemessages``: compile the translations with polib (no system gettext needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from snigi.core.catalogues import compile_catalogues


class Command(BaseCommand):
    help = "Compile the .po translation catalogues into .mo files (pure Python)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="recompile up-to-date files too")

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = compile_catalogues(Path(settings.PACKAGE_DIR), force=options["force"])
        self.stdout.write(f"{len(compiled)} catalogue(s) compiled.")
