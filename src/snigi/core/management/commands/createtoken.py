"""``snigi createtoken USERNAME NAME``: issue an API token for an account (printed once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from snigi.core.models import User
from snigi.core.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API bearer token for an existing account; the token is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'CNSS batch'")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active account named {options['username']!r}.")
        if not 1 <= options["days"] <= 366:
            raise CommandError("--days must be between 1 and 366.")
        _, raw = api_token_create(actor=user, name=options["name"], valid_days=options["days"])
        self.stdout.write(raw)
