"""The ``snigi`` command: a thin front over Django's management commands.

``snigi demo``, ``snigi serve``, ``snigi migrate``, ``snigi check --deploy`` … are Django
management commands run with SNIGI's settings. Configuration and database errors are reported
in one readable line, without a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from tqdm import tqdm

    from snigi.core.models import User
    from snigi.core.roles import Capability


def _database_label() -> str:
    from django.conf import settings

    config = settings.DATABASES["default"]
    if str(config["ENGINE"]).endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    url = urlsplit(os.environ.get("SNIGI_DATABASE_URL", ""))
    return f"PostgreSQL {url.hostname or 'localhost'}:{url.port or 5432}/{config['NAME']}"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if argv[1:2] in (["link"], ["dedupe"]):  # no database: Django is not started
        from snigi.enrolment_control.cli import main as matcher

        return matcher(argv[1:])
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
        if argv[1:2] == ["import-beneficiaries"]:
            return import_beneficiaries(argv[2:])
        if argv[1:2] == ["import-complaints"]:
            return import_complaints(argv[2:])
        if argv[1:2] == ["import-list"]:
            return import_list(argv[2:])
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


class _Refused(Protocol):
    @property
    def line(self) -> int: ...

    @property
    def reason(self) -> str: ...


class _Report(Protocol):
    @property
    def ignored_columns(self) -> list[str]: ...

    def summary(self) -> str: ...


class _ImportCommand:
    """What the bulk imports share: the options, the account, one progress bar per phase on
    stderr, and the outcome printed as one line per refused row and a summary."""

    def __init__(self, prog: str, description: str | None, account_help: str) -> None:
        import argparse

        self.prog = prog
        self.parser = argparse.ArgumentParser(prog=prog, description=description)
        self.parser.add_argument("file")
        self.parser.add_argument("--as", dest="username", required=True, help=account_help)
        self.parser.add_argument("--dry-run", action="store_true", help="check, write nothing")
        self.parser.add_argument("--column", action="append", default=[], metavar="FIELD=HEADER")
        self.parser.add_argument(
            "--encoding", default="", help="default: UTF-8, with or without BOM"
        )
        self.parser.add_argument("--report", metavar="OUT.csv", help="every row's outcome there")
        self.bars: dict[str, tqdm] = {}
        self.estimate = 0

    def fail(self, message: str) -> int:
        print(f"{self.prog}: {message}", file=sys.stderr)
        return 2

    def columns(self, items: list[str]) -> dict[str, str] | None:
        columns = dict(item.partition("=")[::2] for item in items)
        if any(not f or not h for f, h in columns.items()) or len(columns) < len(items):
            return None
        return columns

    def actor(self, username: str, capability: Capability, what: str) -> User | int:
        """The account, or the exit status 2 after saying why it cannot import."""
        from django.core.exceptions import PermissionDenied

        from snigi.core.models import User
        from snigi.core.scoping import require

        actor = User.objects.filter(username=username).first()
        if actor is None:
            return self.fail(f"compte inconnu : {username}.")
        try:
            require(actor, capability)
        except PermissionDenied:
            return self.fail(f"le compte {username} n'a pas le droit {what}.")
        return actor

    def progress(self, phase: str, done: int, total: int | None) -> None:
        from tqdm import tqdm

        if phase not in self.bars:  # a new phase: the previous bar ends on its own line
            self.close_bars()
            self.bars[phase] = tqdm(
                desc=phase, total=total or self.estimate or None, unit=" lignes", disable=None
            )
        bar = self.bars[phase]
        if total is not None:
            bar.total = total
        bar.update(done - bar.n)

    def close_bars(self) -> None:
        for bar in self.bars.values():
            bar.close()

    def outcome(self, report: _Report, refused: Sequence[_Refused], unit: str = "ligne") -> int:
        for row in refused[:20]:
            print(f"{unit} {row.line} : refusée – {row.reason}")
        if len(refused) > 20:
            print(f"… et {len(refused) - 20} autres lignes refusées (voir --report).")
        if report.ignored_columns:
            print(f"Colonnes ignorées : {', '.join(report.ignored_columns)}.")
        print(report.summary())
        return 1 if refused else 0

    def run(
        self,
        options: Any,
        *,
        capability: Capability,
        what: str,
        open_rows: Callable[..., Any],
        do_import: Callable[..., Any],
        file_errors: tuple[type[Exception], ...],
        refused: Callable[[Any], Sequence[_Refused]],
    ) -> int:
        """The whole command once its options are parsed: the columns, the account, the file
        read and imported with progress bars, the report written, the outcome printed."""
        from django.core.exceptions import ValidationError

        refusals: tuple[type[Exception], ...] = (*file_errors, ValidationError)
        columns = self.columns(options.column)
        if columns is None:
            return self.fail("--column attend CHAMP=EN-TÊTE, une fois par champ.")
        actor = self.actor(options.username, capability, what)
        if isinstance(actor, int):
            return actor
        try:
            with open_rows(options.file, encoding=options.encoding, columns=columns) as rows:
                self.estimate = rows.line_estimate()
                report = do_import(
                    actor=actor, rows=rows, dry_run=options.dry_run, progress=self.progress
                )
        except OSError as exc:
            return self.fail(f"impossible de lire {options.file} : {exc.strerror or exc}.")
        except refusals as exc:
            return self.fail(str(exc.messages[0] if isinstance(exc, ValidationError) else exc))
        finally:
            self.close_bars()
        if options.report:
            try:
                report.write_csv(options.report)
            except OSError as exc:
                self.fail(
                    f"impossible d'écrire le compte rendu {options.report} : {exc.strerror or exc}."
                )
        return self.outcome(report, refused(report), getattr(report, "unit", "ligne"))


def import_providers(args: list[str]) -> int:
    """``snigi import-providers FILE --as USERNAME [--dry-run] [--legacy-codes]
    [--column FIELD=HEADER]... [--encoding ENC] [--report OUT.csv]``: import an existing INPE
    register (providers/README.md). Exit status 0 when every row is accepted, 1 when a row is
    refused (nothing is written), 2 when the file or the account cannot be used."""
    from functools import partial

    from snigi.core.roles import Capability
    from snigi.providers.importer import Outcome, providers_import
    from snigi.providers.register_file import ImportFileError, RegisterFile

    command = _ImportCommand("snigi import-providers", import_providers.__doc__,
                             "the INPE officer's account")  # fmt: skip
    command.parser.add_argument("--legacy-codes", action="store_true", help="keep earlier codes")
    options = command.parser.parse_args(args)
    return command.run(
        options,
        capability=Capability.MANAGE_PROVIDERS,
        what="de gérer le registre INPE",
        open_rows=RegisterFile,
        do_import=partial(providers_import, legacy_codes=options.legacy_codes),
        file_errors=(ImportFileError,),
        refused=lambda report: [r for r in report.rows if r.outcome is Outcome.REFUSED],
    )


def import_beneficiaries(args: list[str]) -> int:
    """``snigi import-beneficiaries FILE --as USERNAME [--dry-run] [--column FIELD=HEADER]...
    [--encoding ENC] [--report OUT.csv]``: import a fund's list of insured people and
    dependants, CSV or XML (beneficiaries/README.md). Exit status 0 when every row is accepted,
    1 when a row is refused (nothing is written), 2 when the file or the account cannot be
    used."""
    from snigi.beneficiaries.list_file import ImportFileError, open_list
    from snigi.beneficiaries.list_import import Outcome, beneficiaries_import
    from snigi.core.roles import Capability

    command = _ImportCommand("snigi import-beneficiaries", import_beneficiaries.__doc__,
                             "a fund agent's account (or ANAM's)")  # fmt: skip
    return command.run(
        command.parser.parse_args(args),
        capability=Capability.ENROL_PERSONS,
        what="d'immatriculer",
        open_rows=open_list,
        do_import=beneficiaries_import,
        file_errors=(ImportFileError,),
        refused=lambda report: [r for r in report if r.outcome is Outcome.REFUSED],
    )


def import_complaints(args: list[str]) -> int:
    """``snigi import-complaints FILE --as USERNAME [--dry-run] [--column FIELD=HEADER]...
    [--encoding ENC] [--report OUT.csv]``: import a historical register of complaints, CSV
    (complaints/README.md). Exit status 0 when every row is accepted, 1 when a row is refused
    (nothing is written), 2 when the file or the account cannot be used."""
    from snigi.complaints.history_import import complaints_import
    from snigi.complaints.history_rows import open_register
    from snigi.core.roles import Capability
    from snigi.providers.register_file import ImportFileError

    command = _ImportCommand("snigi import-complaints", import_complaints.__doc__,
                             "the account of the head of the legal division")  # fmt: skip
    return command.run(
        command.parser.parse_args(args),
        capability=Capability.VALIDATE_COMPLAINTS,
        what="d'importer un registre de réclamations",
        open_rows=open_register,
        do_import=complaints_import,
        file_errors=(ImportFileError,),
        refused=lambda report: report.refused,
    )


def import_list(args: list[str]) -> int:
    """``snigi import-list FILE --as USERNAME --body CODE --kind members|insured|dependants
    --date YYYY-MM-DD [--regime CODE] [--dry-run] [--column FIELD=HEADER]... [--report OUT.csv]``:
    receive a body's list for the double-enrolment control, CSV, XML or Parquet
    (enrolment_control/README.md). Exit status 0 when every row is accepted, 1 when a row is
    refused (nothing is written), 2 when the file, the account or an option cannot be used."""
    import datetime as dt

    from django.core.exceptions import PermissionDenied, ValidationError

    from snigi.core.models import Organisation, Regime
    from snigi.core.roles import Capability
    from snigi.enrolment_control.intake import receive_list

    command = _ImportCommand("snigi import-list", import_list.__doc__,
                             "a fund agent's account (or ANAM's)")  # fmt: skip
    parser = command.parser
    parser.add_argument("--body", required=True, help="code of the body (organisation)")
    parser.add_argument("--kind", required=True, choices=("members", "insured", "dependants"))
    parser.add_argument("--date", required=True, help="date of the list, YYYY-MM-DD")
    parser.add_argument("--regime", help="code of the regime")
    options = parser.parse_args(args)
    columns = command.columns(options.column)
    if columns is None:
        return command.fail("--column attend CHAMP=EN-TÊTE, une fois par champ.")
    try:
        situation = dt.date.fromisoformat(options.date)
    except ValueError:
        return command.fail(f"--date attend AAAA-MM-JJ : {options.date}.")
    organisation = Organisation.objects.filter(code=options.body).first()
    if organisation is None:
        return command.fail(f"organisme inconnu : {options.body}.")
    regime = None
    if options.regime:
        regime = Regime.objects.filter(code=options.regime).first()
        if regime is None:
            return command.fail(f"régime inconnu : {options.regime}.")
    actor = command.actor(options.username, Capability.SUBMIT_ENROLMENT_LISTS,
                          "de déposer des listes")  # fmt: skip
    if isinstance(actor, int):
        return actor
    try:
        report = receive_list(
            actor=actor,
            path=options.file,
            organisation=organisation,
            kind=options.kind,
            situation_date=situation,
            regime=regime,
            columns=columns,
            dry_run=options.dry_run,
            progress=command.progress,
        )
    except PermissionDenied as exc:
        return command.fail(str(exc))
    except ValidationError as exc:
        return command.fail(str(exc.messages[0]))
    finally:
        command.close_bars()
    if options.report:
        report.write_csv(options.report)
    return command.outcome(report, report.refused)


if __name__ == "__main__":
    sys.exit(main())
