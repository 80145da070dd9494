"""The ``snigi`` command: a thin front over Django's management commands.

``snigi demo``, ``snigi serve``, ``snigi migrate``, ``snigi check --deploy`` … are Django
management commands run with SNIGI's settings. Configuration and database errors are reported
in one readable line, without a traceback.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit


def _database_label() -> str:
    from django.conf import settings

    config = settings.DATABASES["default"]
    if str(config["ENGINE"]).endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    url = urlsplit(os.environ.get("SNIGI_DATABASE_URL", ""))
    return f"PostgreSQL {url.hostname or 'localhost'}:{url.port or 5432}/{config['NAME']}"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "snigi.settings")
    from snigi.envvars import ConfigurationError

    try:
        import django

        django.setup()
    except ConfigurationError as exc:
        print(f"snigi: configuration error: {exc}", file=sys.stderr)
        return 2

    from django.core.management import execute_from_command_line
    from django.db import DatabaseError, InterfaceError, OperationalError

    try:
        execute_from_command_line(["snigi", *argv[1:]])
    except (OperationalError, InterfaceError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(
            f"snigi: cannot use the database ({_database_label()}): {first_line}",
            file=sys.stderr,
        )
        return 2
    except DatabaseError as exc:
        print(f"snigi: database error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
