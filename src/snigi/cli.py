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
        if argv[1:2] == ["import-providers"]:
            return import_providers(argv[2:])
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


def import_providers(args: list[str]) -> int:
    """``snigi import-providers FILE --as USERNAME [--dry-run] [--legacy-codes]
    [--column FIELD=HEADER]... [--encoding ENC] [--report OUT.csv]``: import an existing INPE
    register (providers/README.md). Exit status 0 when every row is accepted, 1 when a row is
    refused (nothing is written), 2 when the file or the account cannot be used."""
    import argparse

    from django.core.exceptions import PermissionDenied, ValidationError
    from tqdm import tqdm

    from snigi.core.models import User
    from snigi.core.roles import Capability
    from snigi.core.scoping import require
    from snigi.providers.importer import Outcome, providers_import
    from snigi.providers.register_file import ImportFileError, RegisterFile

    parser = argparse.ArgumentParser(
        prog="snigi import-providers", description=import_providers.__doc__
    )
    parser.add_argument("file")
    parser.add_argument("--as", dest="username", required=True, help="the INPE officer's account")
    parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    parser.add_argument("--legacy-codes", action="store_true", help="keep an earlier scheme")
    parser.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER")
    parser.add_argument("--encoding", default="", help="default: UTF-8, with or without BOM")
    parser.add_argument("--report", metavar="OUT.csv", help="write every row's outcome there")
    options = parser.parse_args(args)

    def fail(message: str) -> int:
        print(f"snigi import-providers: {message}", file=sys.stderr)
        return 2

    columns = dict(item.partition("=")[::2] for item in options.column)
    if any(not f or not h for f, h in columns.items()) or len(columns) < len(options.column):
        return fail("--column attend CHAMP=EN-TÊTE, une fois par champ.")
    actor = User.objects.filter(username=options.username).first()
    if actor is None:
        return fail(f"compte inconnu : {options.username}.")
    try:
        require(actor, Capability.MANAGE_PROVIDERS)
    except PermissionDenied:
        return fail(f"le compte {options.username} n'a pas le droit de gérer le registre INPE.")
    bars: dict[str, tqdm] = {}
    estimate = 0

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in bars:  # a new phase: the previous bar ends on its own line
            for bar in bars.values():
                bar.close()
            bars[phase] = tqdm(desc=phase, total=total or estimate, unit=" lignes", disable=None)
        bar = bars[phase]
        if total is not None:
            bar.total = total
        bar.update(done - bar.n)

    try:
        with RegisterFile(options.file, encoding=options.encoding, columns=columns) as register:
            estimate = register.line_estimate()
            report = providers_import(
                actor=actor,
                rows=register,
                dry_run=options.dry_run,
                legacy_codes=options.legacy_codes,
                progress=progress,
            )
    except OSError as exc:
        return fail(f"impossible de lire {options.file} : {exc.strerror or exc}.")
    except (ImportFileError, ValidationError) as exc:
        return fail(str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
    finally:
        for bar in bars.values():
            bar.close()
    if options.report:
        try:
            report.write_csv(options.report)
        except OSError as exc:
            fail(f"impossible d'écrire le compte rendu {options.report} : {exc.strerror or exc}.")
    refused = [row for row in report.rows if row.outcome is Outcome.REFUSED]
    for row in refused[:20]:
        print(f"ligne {row.line} : refusée – {row.reason}")
    if len(refused) > 20:
        print(f"… et {len(refused) - 20} autres lignes refusées (voir --report).")
    if report.ignored_columns:
        print(f"Colonnes ignorées : {', '.join(report.ignored_columns)}.")
    print(report.summary())
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
