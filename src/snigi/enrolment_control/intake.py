"""Intake of the lists the bodies send (members, insured people, dependants): CSV, XML or
Parquet, read in DuckDB, every row accounted for, all or nothing, idempotent.

- The same file sent again by the same body is recognised by its SHA-256: nothing is written,
  every row is "already present".
- Another file for the same body, kind and date is refused: a list is kept per body and per
  date so that a control can be re-run on exactly what was received.
- A row is refused, with its reason, when it has no record id or one already used in the file,
  no identity at all (no CNIE and no name), an unreadable birth date, an unreadable sex, an
  unknown commune code, or a value longer than its field. One refused row and nothing is
  written; the report lists every row's outcome.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from snigi.core.audit import acting_as
from snigi.core.import_report import import_summary, write_report_csv
from snigi.core.models import Commune, Organisation, Regime, User
from snigi.core.roles import Capability
from snigi.core.scoping import require, scope_for
from snigi.enrolment_control.models import ListEntry, SubmittedList, analyze
from snigi.enrolment_control.normalise import parse_birth_date, sex_sql
from snigi.enrolment_control.prepare import DEFAULT_HEADERS, InputError, open_list

FIELDS = {  # field -> (default headers, max length)
    "record_id": (DEFAULT_HEADERS["id"], 64),
    "cnie": (DEFAULT_HEADERS["id_number"], 20),
    "first_name": (DEFAULT_HEADERS["first_name"], 120),
    "last_name": (DEFAULT_HEADERS["last_name"], 120),
    "birth_date": (DEFAULT_HEADERS["birth_date"], 20),
    "sex": (DEFAULT_HEADERS["sex"], 10),
    "commune": (DEFAULT_HEADERS["commune"], 20),
    "fund_number": (("fund_number", "numero_immatriculation", "matricule", "numero"), 40),
    "card_number": (("card_number", "numero_carte", "carte", "household", "menage"), 40),
}
BATCH = 5000


@dataclass
class Refusal:
    line: int
    record_id: str
    reason: str


@dataclass
class IntakeReport:
    rows: int = 0
    new: int = 0
    present: int = 0
    refused: list[Refusal] = field(default_factory=list)
    dry_run: bool = False
    submitted_list: SubmittedList | None = None
    ignored_columns: list[str] = field(default_factory=list)
    unit: str = "ligne"

    def summary(self) -> str:
        counts = {"rows": self.rows, "new": self.new, "present": self.present,
                  "refused": len(self.refused)}  # fmt: skip
        return import_summary(counts, dry_run=self.dry_run)

    def write_csv(self, path: str | Path) -> None:
        write_report_csv(
            path,
            ["ligne", "identifiant", "résultat", "motif"],
            [(r.line, r.record_id, "refusée", r.reason) for r in self.refused],
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _columns(header: list[str], columns: dict[str, str]) -> dict[str, str | None]:
    lower = {c.lower(): c for c in header}
    out: dict[str, str | None] = {}
    for name, (defaults, _) in FIELDS.items():
        if name in columns:
            if columns[name] not in header:
                raise ValidationError(
                    f"colonne inconnue « {columns[name]} » ; colonnes du fichier : "
                    f"{', '.join(header)}"
                )
            out[name] = columns[name]
        else:
            out[name] = next((lower[h] for h in defaults if h in lower), None)
    if not out["record_id"]:
        raise ValidationError(
            "le fichier n'a pas de colonne d'identifiant (record_id, id…) : indiquez laquelle "
            "(record_id=EN-TÊTE)."
        )
    if not (out["cnie"] or out["first_name"] or out["last_name"]):
        raise ValidationError("le fichier n'a ni colonne CNIE ni colonne de nom.")
    return out


def _check(con: duckdb.DuckDBPyConnection, cols: dict[str, str | None]) -> list[Refusal]:
    def col(name: str) -> str:
        header = cols[name]
        if header is None:
            return "''"
        return 'coalesce(trim("' + header.replace('"', '""') + "\"), '')"

    selects = ", ".join(f"{col(n)} AS {n}" for n in FIELDS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE rows AS SELECT row_number() OVER () AS line, {selects} "
        "FROM raw"
    )
    dates = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT birth_date FROM rows WHERE birth_date <> ''"
        ).fetchall()
    ]
    unreadable = [d for d in dates if parse_birth_date(d) is None]
    con.register("bad_dates", pa.table({"v": pa.array(unreadable, pa.string())}))
    codes = list(Commune.objects.values_list("code", flat=True))
    con.register("communes", pa.table({"v": pa.array(codes, pa.string())}))
    too_long = " ".join(
        f"WHEN length({n}) > {size} THEN 'valeur trop longue : {n} (au plus {size} caractères)'"
        for n, (_, size) in FIELDS.items()
    )
    rows = con.execute(f"""
        SELECT line, record_id, CASE
            WHEN record_id = '' THEN 'identifiant vide'
            WHEN count(*) OVER (PARTITION BY record_id) > 1
                THEN 'identifiant déjà utilisé dans le fichier'
            WHEN strpos({" || ".join(FIELDS)}, chr(0)) > 0
                THEN 'caractère NUL dans une valeur'
            WHEN cnie = '' AND first_name = '' AND last_name = ''
                THEN 'ni CNIE ni nom'
            WHEN birth_date IN (SELECT v FROM bad_dates)
                THEN 'date de naissance illisible : ' || birth_date
            WHEN sex <> '' AND {sex_sql("sex")} IS NULL THEN 'sexe illisible : ' || sex
            WHEN commune <> '' AND commune NOT IN (SELECT v FROM communes)
                THEN 'commune inconnue : ' || commune
            {too_long}
        END AS reason FROM rows ORDER BY line""").fetchall()
    return [Refusal(line=r[0] + 1, record_id=r[1], reason=r[2]) for r in rows if r[2]]


def receive_list(
    *,
    actor: User,
    path: str | Path,
    organisation: Organisation,
    kind: str,
    situation_date: dt.date,
    regime: Regime | None = None,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
    file_name: str | None = None,
) -> IntakeReport:
    """Receive one list for ``organisation``; the report says what became of every row.
    ``file_name``: the name the body gave the file (default: ``path``'s)."""
    require(actor, Capability.SUBMIT_ENROLMENT_LISTS)
    scope = scope_for(actor)
    if not scope.national and organisation.pk not in scope.organisation_ids:
        raise PermissionDenied("Un organisme ne dépose que ses propres listes.")
    if kind not in SubmittedList.Kind.values:
        kinds = ", ".join(SubmittedList.Kind.values)
        raise ValidationError(f"type de liste inconnu : {kind} ({kinds}).")
    if regime is not None:
        _check_regime(regime, organisation, situation_date)
    path = Path(path)
    report = IntakeReport(dry_run=dry_run)
    work = tempfile.mkdtemp(prefix="snigi-intake-")
    try:
        with duckdb.connect(f"{work}/intake.duckdb") as con:
            try:
                header = open_list(con, path, "raw")
            except InputError as exc:
                raise ValidationError(str(exc)) from None
            cols = _columns(header, columns or {})
            report.ignored_columns = [h for h in header if h not in cols.values()]
            report.rows = int(con.execute("SELECT count(*) FROM raw").fetchall()[0][0])
            if not report.rows:  # an empty list would hold the body's slot for that date
                raise ValidationError("le fichier ne contient aucune ligne, seulement l'en-tête.")
            digest = _sha256(path)
            same = SubmittedList.objects.filter(organisation=organisation, sha256=digest).first()
            if same is not None:
                report.present, report.submitted_list = report.rows, same
                return report
            other = SubmittedList.objects.filter(
                organisation=organisation, kind=kind, situation_date=situation_date
            ).first()
            if other is not None:
                raise ValidationError(
                    f"une autre liste « {other.get_kind_display()} » au {situation_date:%d/%m/%Y} "
                    f"a déjà été reçue de {organisation.code} ({other.file_name}) : une liste "
                    "est gardée par organisme et par date."
                )
            report.refused = _check(con, cols)
            if report.refused or dry_run:
                report.new = 0 if report.refused else report.rows
                return report
            try:
                submitted = _write(con, actor, report, progress, SubmittedList(
                    organisation=organisation, regime=regime, kind=kind,
                    situation_date=situation_date, file_name=(file_name or path.name)[:255],
                    file_format=path.suffix.lower().lstrip(".")[:10] or "csv", sha256=digest,
                    rows=report.rows, received_by=actor,
                ))  # fmt: skip
            except IntegrityError:  # the same list received meanwhile, by another request
                raise ValidationError(
                    f"une liste de {organisation.code} pour ce type et cette date, ou ce même "
                    "fichier, vient d'être reçue : rechargez la liste des listes reçues."
                ) from None
            report.new, report.submitted_list = report.rows, submitted
            return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check_regime(regime: Regime, organisation: Organisation, day: dt.date) -> None:
    """The regime is managed by the body or a body above it, and in force on the list's date."""
    bodies, body = set(), organisation
    while body is not None and body.pk not in bodies:
        bodies.add(body.pk)
        body = body.parent
    if regime.managing_organisation_id not in bodies:
        raise ValidationError(
            f"le régime {regime.code} n'est pas géré par {organisation.code} "
            f"(il l'est par {regime.managing_organisation.code})."
        )
    if not regime.in_force_on(day):
        raise ValidationError(f"le régime {regime.code} n'était pas en vigueur le {day:%d/%m/%Y}.")


def _write(
    con: duckdb.DuckDBPyConnection,
    actor: User,
    report: IntakeReport,
    progress: Callable[[str, int, int | None], None] | None,
    submitted: SubmittedList,
) -> SubmittedList:
    """The list and its rows, in one transaction."""
    with transaction.atomic(), acting_as(actor):
        submitted.save(force_insert=True)
        result = con.execute(f"SELECT line, {', '.join(FIELDS)} FROM rows ORDER BY line")
        done = 0
        while batch := result.fetchmany(BATCH):
            ListEntry.objects.bulk_create(
                ListEntry(submitted_list=submitted, line=r[0] + 1,
                          **dict(zip(FIELDS, r[1:], strict=True)))
                for r in batch
            )  # fmt: skip
            done += len(batch)
            if progress:
                progress("enregistrement", done, report.rows)
        analyze(ListEntry, SubmittedList)
    return submitted
