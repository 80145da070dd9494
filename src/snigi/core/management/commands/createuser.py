"""``snigi createuser USERNAME --role ROLE``: create an account through ``user_create``.

The password is asked twice on the terminal, or read from standard input with
``--password-stdin`` (for scripts). Production has no default account: the first administrator
is created this way.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from snigi.core.models import Organisation, User
from snigi.core.roles import Role
from snigi.core.services import user_create


class Command(BaseCommand):
    help = "Create an account with one role (and its organisation, INPE or CNIE)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--organisation", default="", help="fund code, for a fund agent")
        parser.add_argument("--inpe", default="", help="for a provider")
        parser.add_argument("--cnie", default="", help="for an insured person")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--password-stdin", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"The account {options['username']!r} already exists.")
        organisation = None
        if options["organisation"]:
            organisation = Organisation.objects.filter(code=options["organisation"]).first()
            if organisation is None:
                raise CommandError(f"Unknown organisation code {options['organisation']!r}.")
        password = self._password(options["password_stdin"])
        try:
            user = user_create(
                actor=None,
                username=options["username"],
                password=password,
                role=options["role"],
                organisation=organisation,
                inpe=options["inpe"],
                cnie=options["cnie"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Account {user.username!r} created with role {user.role}.")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return first
