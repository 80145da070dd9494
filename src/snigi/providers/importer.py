"""Bulk import of an existing INPE register from a CSV file, with a dry run.

``RegisterFile`` streams the file (encoding, delimiter sniffed among ``,`` ``;`` tab, headers
matched case- and accent-insensitively or through a column mapping). ``providers_import`` checks
every row with the rules of ``provider_register`` (``services.provider_input_problems``) and the
file's own: code shape and check digit, duplicates within the file, medical directors defined
anywhere in the file or already registered. Each row comes out new, already present (same code or
same holder with the same content: nothing changes, so a second run adds nothing) or refused with
its reasons. The dry run and the real run follow the same plan; the real run writes it in one
transaction, and only if no row is refused. Writes go in batches with one CREATE audit entry per
record and one entry for the import itself (actor, file name, SHA-256, counts).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from snigi.core.audit import LogEntry
from snigi.core.identifiers import IdentifierError, normalise_cnie
from snigi.core.import_report import import_summary, write_report_csv
from snigi.core.inpe import InpeError, inpe_digits, normalise_inpe
from snigi.core.models import Commune, User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.providers.models import Category, ConventionPeriod, InpeSerial, Kind, Provider
from snigi.providers.register_file import (
    CONVENTIONS,
    DATE_FORMATS,
    FIELDS,
    KINDS,
    REQUIRED_COLUMNS,
    SECTORS,
    STATUSES,
    RegisterFile,
    RegisterRow,
    _fold,
)
from snigi.providers.services import (
    DIRECTOR_NEEDED,
    ProviderInput,
    allocate_inpe_codes,
    director_required,
    provider_input_problems,
)

IDENTIFIERS = {"inpe": "code", "cnie": "CNIE", "order_number": "numéro d'Ordre",
               "authorisation_number": "autorisation"}  # fmt: skip
NEW_CODE = "(nouveau code)"
BATCH = 1000
Progress = Callable[[str, int, int | None], None]  # phase, done, total (None: unknown)


class Outcome(StrEnum):
    NEW = "nouveau"
    PRESENT = "déjà présent"
    REFUSED = "refusé"


@dataclass(frozen=True)
class RowReport:
    line: int
    outcome: Outcome
    code: str
    reason: str


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    dry_run: bool
    rows: list[RowReport]
    ignored_columns: list[str]
    written: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "new": self.count(Outcome.NEW),
            "present": self.count(Outcome.PRESENT),
            "refused": self.count(Outcome.REFUSED),
        }

    def summary(self) -> str:
        return import_summary(self.counts, dry_run=self.dry_run)

    def write_csv(self, path: str | Path) -> None:
        header = ["ligne", "résultat", "code", "motif"]
        rows = ((r.line, r.outcome.value, r.code, r.reason) for r in self.rows)
        write_report_csv(path, header, rows)


# --- Checking the rows ------------------------------------------------------------------------

# The comparable fields of a row and the register column each one is compared with.
SNAPSHOT = {"kind": "kind", "category": "category__code", "sector": "sector", "name": "name",
            "name_ar": "name_ar", "specialty": "specialty", "cnie": "cnie",
            "order_number": "order_number", "authorisation_number": "authorisation_number",
            "medical_director_inpe": "medical_director__inpe", "commune": "commune__code",
            "address_line": "address_line", "legal_status": "legal_status", "email": "email",
            "phone": "phone", "status": "status", "status_since": "status_since",
            "attributed_on": "attributed_on"}  # fmt: skip
TEXT_FIELDS = ("name_ar", "specialty", "cnie", "order_number", "authorisation_number",
               "address_line", "legal_status", "email", "phone")  # fmt: skip


@dataclass
class _Row:
    line: int
    compared: list[str]  # the fields the file states (an empty status or date states nothing)
    problems: list[str]
    raw_code: str = ""
    inpe: str = ""
    scheme_error: str = ""  # a 9-digit code outside SNIGI's scheme
    director: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    provider: Provider | None = None  # unsaved, checked field by field
    convention: str = ""
    convention_since: datetime.date | None = None
    legacy: bool = False
    outcome: Outcome = Outcome.NEW
    code: str = ""


def _choice(raw: str, choices: Mapping[str, str], name: str, problems: list[str]) -> str:
    value = choices.get(_fold(raw), "")
    if raw.strip() and not value:
        known = ", ".join(sorted(set(choices.values())))
        problems.append(f"{name} inconnu : « {raw.strip()} » (attendu : {known}).")
    elif not raw.strip() and name in REQUIRED_COLUMNS:
        problems.append(f"{name} obligatoire.")
    return value


def _date(raw: str, name: str, problems: list[str]) -> datetime.date | None:
    text = raw.strip()
    if not text:
        return None
    for pattern, layout in DATE_FORMATS:
        if pattern.fullmatch(text):
            try:
                return datetime.datetime.strptime(text, layout).date()  # noqa: DTZ007 - a date
            except ValueError:
                break
    problems.append(f"{name} : date invalide « {text} » (AAAA-MM-JJ, AAAAMMJJ ou JJ/MM/AAAA).")
    return None


def _codes(row: _Row, v: dict[str, str]) -> None:
    for name in ("inpe", "medical_director_inpe"):
        if not v[name].strip():
            continue
        try:
            digits = inpe_digits(v[name])
        except InpeError as exc:
            row.problems.append(f"{name} : {exc}")
            continue
        if name == "medical_director_inpe":
            row.director = digits
            continue
        row.inpe = digits
        try:
            normalise_inpe(digits)
        except InpeError as exc:
            row.scheme_error = str(exc)


def _parse(
    source: RegisterRow,
    categories: dict[str, Category],
    communes: dict[str, int],
    today: datetime.date,
) -> _Row:
    """One row checked on its own: choices, dates, codes, then the rules of
    ``provider_register`` and the model's field checks (lengths, e-mail address)."""
    v = {name: source.values.get(name, "").strip() for name in FIELDS}
    stated = [n for n in SNAPSHOT if n in source.values and (v[n] or n not in DEFAULTED)]
    row = _Row(source.line, stated, list(source.problems), raw_code=v["inpe"])
    problems = row.problems
    _codes(row, v)
    kind = _choice(v["kind"], KINDS, "kind", problems)
    sector = _choice(v["sector"], SECTORS, "sector", problems)
    status = _choice(v["status"], STATUSES, "status", problems) or "active"
    since = _date(v["status_since"], "status_since", problems)
    attributed = _date(v["attributed_on"], "attributed_on", problems)
    row.convention = _choice(v["convention"], CONVENTIONS, "convention", problems)
    row.convention_since = _date(v["convention_since"], "convention_since", problems)
    if status != "active" and not v["status_since"]:
        problems.append(f"status_since (date d'effet) obligatoire pour le statut {status}.")
    if attributed and attributed > today:
        problems.append(f"attributed_on dans le futur : {attributed}.")
    if v["convention"] and not v["convention_since"]:
        problems.append("convention_since obligatoire avec une convention.")
    if v["convention_since"] and not v["convention"]:
        problems.append("convention_since sans convention.")
    if row.director and kind == Kind.PROFESSIONAL:
        problems.append("medical_director_inpe : un professionnel n'a pas de directeur médical.")
    category = categories.get(_fold(v["category"]))
    data = ProviderInput(
        kind=kind, category_code=category.code if category else v["category"], sector=sector,
        name=v["name"], commune_code=v["commune"], medical_director_inpe=row.director,
        **{name: v[name] for name in TEXT_FIELDS},
    )  # fmt: skip
    if kind and sector:  # the rules of provider_register; the director is resolved later
        problems += provider_input_problems(
            data,
            category=category,
            commune_known=data.commune_code in communes,
            director_known=True,
        )
    row.content = {
        **{name: v[name] for name in TEXT_FIELDS}, "kind": kind, "category": data.category_code,
        "sector": sector, "name": data.name, "commune": data.commune_code, "status": status,
        "medical_director_inpe": row.director, "status_since": since,
        "attributed_on": attributed or today,
    }  # fmt: skip
    row.provider = _provider(row, category, communes.get(data.commune_code))
    return row


def _provider(row: _Row, category: Category | None, commune_id: int | None) -> Provider:
    """The unsaved provider, checked field by field without a query."""
    content = row.content
    cnie = None
    if content["kind"] == Kind.PROFESSIONAL and content["cnie"]:
        try:
            cnie = normalise_cnie(content["cnie"])
        except IdentifierError:
            pass  # among the problems already
    content["cnie"] = cnie  # an establishment has none (as in provider_register)
    provider = Provider(
        category=category,
        commune_id=commune_id,  # type: ignore[misc]  # None: refused, never saved
        **{name: content[name] for name in MODEL_FIELDS},
        **{name: content[name] or None for name in ("order_number", "authorisation_number")},
    )
    provider.cnie = cnie
    exclude = [*SKIP_CLEAN, *([] if content["name"] else ["name"])]  # a blank name: reported
    try:
        provider.clean_fields(exclude=exclude)
    except ValidationError as exc:
        row.problems += [f"{name} : {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
    return provider


DEFAULTED = ("status", "attributed_on")  # empty: the default, not a stated value
MODEL_FIELDS = ("kind", "sector", "name", "name_ar", "specialty", "address_line", "legal_status",
                "email", "phone", "status", "status_since", "attributed_on")  # fmt: skip
SKIP_CLEAN = ("inpe", "kind", "sector", "status", "category", "commune", "medical_director",
              "cnie")  # fmt: skip


def _duplicates_within_file(rows: list[_Row]) -> None:
    first: dict[tuple[str, str], int] = {}
    for row in rows:
        for name in IDENTIFIERS:
            value = row.inpe if name == "inpe" else row.content.get(name)
            if value:
                seen = first.setdefault((name, value), row.line)
                if seen != row.line:
                    row.problems.append(
                        f"{IDENTIFIERS[name]} {value} en double avec la ligne {seen}."
                    )


class _Register:
    """What the register holds for the codes and identifiers the file names: a few queries per
    2 000 values, whatever the size of the register."""

    def __init__(self, rows: list[_Row]) -> None:
        wanted: dict[str, set[str]] = {name: set() for name in IDENTIFIERS}
        for row in rows:
            wanted["inpe"] |= {code for code in (row.inpe, row.director) if code}
            for name in ("cnie", "order_number", "authorisation_number"):
                if value := row.content.get(name):
                    wanted[name].add(value)
        self.by: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in IDENTIFIERS}
        columns = ["pk", "inpe", "medical_director_id", *SNAPSHOT.values()]
        columns.remove("medical_director__inpe")  # a self-join: slow where statistics are stale
        for name, values in wanted.items():
            for chunk in _chunks(sorted(values)):
                found = Provider.objects.filter(**{f"{name}__in": chunk}).values(*columns)
                self.by[name].update((held[name], held) for held in found)
        every = [held for found in self.by.values() for held in found.values()]
        directors = sorted({held["medical_director_id"] for held in every} - {None})
        code_of: dict[int, str] = {}
        for chunk in _chunks(directors):
            code_of.update(Provider.objects.filter(pk__in=chunk).values_list("pk", "inpe"))
        for held in every:
            held["medical_director__inpe"] = code_of.get(held["medical_director_id"])
        pks = sorted({held["pk"] for held in every})
        self.conventions: set[tuple[int, str, datetime.date]] = set()
        for chunk in _chunks(pks):
            periods = ConventionPeriod.objects.filter(provider_id__in=chunk)
            self.conventions.update(periods.values_list("provider_id", "status", "valid_from"))

    def check(self, row: _Row, legacy_codes: bool) -> None:
        """New, already present (same content), or refused: the code or the holder is
        registered with another content, or a code outside SNIGI's scheme without the flag."""
        held = self.by["inpe"].get(row.inpe) if row.inpe else None
        if held is None and row.scheme_error:
            if not legacy_codes:
                row.problems.append(f"{row.scheme_error} Code d'un registre antérieur : "
                                    "importez avec --legacy-codes.")  # fmt: skip
                return
            row.legacy = True
        holders = {(name, row.content[name], self.by[name][row.content[name]]["inpe"])
                   for name in ("cnie", "order_number", "authorisation_number")
                   if row.content[name] in self.by[name]}  # fmt: skip
        if row.inpe and held is None:
            row.problems += [f"{IDENTIFIERS[n]} {v} déjà enregistré sous le code {c}."
                             for n, v, c in sorted(holders)]  # fmt: skip
            return
        if not row.inpe and holders:
            if len({code for _, _, code in holders}) > 1:
                named = ", ".join(f"{IDENTIFIERS[n]} {v} → {c}" for n, v, c in sorted(holders))
                row.problems.append(f"Identifiants enregistrés sous plusieurs codes : {named}.")
                return
            name, value, _ = min(holders)
            held = self.by[name][value]
        if held is None:
            return
        differ = [
            n for n in row.compared if (row.content[n] or None) != (held[SNAPSHOT[n]] or None)
        ]
        stated = (held["pk"], row.convention, row.convention_since)
        if row.convention and stated not in self.conventions:
            differ.append("convention")
        if differ:
            row.problems.append(f"Déjà enregistré sous le code {held['inpe']} avec un autre "
                                f"contenu : {', '.join(differ)}.")  # fmt: skip
        else:
            row.outcome, row.code = Outcome.PRESENT, held["inpe"]

    def check_director(self, row: _Row, in_file: dict[str, _Row]) -> None:
        """A new establishment's medical director: a professional with an active code, in the
        register or anywhere in the file; required in the private sector."""
        if not row.director:
            category = row.provider.category if row.provider.category_id else None
            if director_required(row.content["sector"], category):
                row.problems.append(DIRECTOR_NEEDED)
            return
        source, held = in_file.get(row.director), self.by["inpe"].get(row.director)
        if source is not None and source.problems:
            row.problems.append(
                f"Le directeur médical {row.director} est refusé (ligne {source.line})."
            )
            return
        if held is not None:  # the register says, whatever an unstated status column implies
            kind, status = held["kind"], held["status"]
        elif source is not None:
            kind, status = source.content["kind"], source.content["status"]
        else:
            row.problems.append(
                f"Directeur médical inconnu : {row.director} (ni au registre ni dans le fichier)."
            )
            return
        if kind != Kind.PROFESSIONAL or status != "active":
            row.problems.append(
                f"Le directeur médical {row.director} n'est pas un professionnel actif."
            )


def _chunks(values: list[Any], size: int = 2000) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _plan(
    rows: Iterable[RegisterRow | Mapping[str, str]], legacy_codes: bool, progress: Progress | None
) -> tuple[list[_Row], _Register]:
    categories = {_fold(c.code): c for c in Category.objects.all()}
    communes = dict(Commune.objects.values_list("code", "pk"))
    today = timezone.localdate()
    planned = []
    for n, source in enumerate(rows, start=1):
        if not isinstance(source, RegisterRow):  # a plain mapping: as if read from line n + 1
            source = RegisterRow(n + 1, {k: str(v) for k, v in source.items() if k in FIELDS})
        planned.append(_parse(source, categories, communes, today))
        if progress and (n % 500 == 0):
            progress("vérification", n, None)
    if progress:
        progress("vérification", len(planned), len(planned))
    _duplicates_within_file(planned)
    register = _Register(planned)
    for row in planned:
        if not row.problems:
            register.check(row, legacy_codes)
    in_file: dict[str, _Row] = {}
    for row in planned:
        in_file.setdefault(row.inpe, row)
    for row in planned:
        if (
            not row.problems
            and row.outcome is Outcome.NEW
            and row.content["kind"] != "professional"
        ):
            register.check_director(row, in_file)
    for row in planned:
        if row.problems:
            row.outcome, row.code = Outcome.REFUSED, row.inpe or row.raw_code
        elif row.outcome is Outcome.NEW:
            row.code = row.inpe or NEW_CODE
    return planned, register


# --- The service ------------------------------------------------------------------------------


class RegisterChanged(ValidationError):
    """The register changed between the checks and the write (a concurrent registration)."""


def providers_import(
    *,
    actor: User,
    rows: Iterable[RegisterRow | Mapping[str, str]],
    dry_run: bool,
    legacy_codes: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a register: every row new, already present or refused with its reasons. The dry
    run writes nothing; the real run writes every new row in one transaction, and nothing at
    all if any row is refused. ``rows``: a ``RegisterFile`` or mappings field -> text."""
    require(actor, Capability.MANAGE_PROVIDERS)
    try:
        with transaction.atomic():
            if not dry_run:  # one import or allocation at a time
                InpeSerial.objects.select_for_update().filter(pk=1).first()
            planned, register = _plan(rows, legacy_codes, progress)
            refused = any(row.outcome is Outcome.REFUSED for row in planned)
            written = not dry_run and not refused
            report = _report(rows, planned, dry_run, written)
            if written:
                _write(planned, register, actor=actor, report=report, progress=progress)
                report.rows = _report(rows, planned, dry_run, written).rows
    except IntegrityError as exc:
        raise RegisterChanged(
            "Le registre a changé pendant l'import (un même code ou identifiant vient d'être "
            f"enregistré) : rien n'est enregistré, relancez l'import. ({exc})"
        ) from exc
    return report


def _report(rows: object, planned: list[_Row], dry_run: bool, written: bool) -> ImportReport:
    lines = []
    for row in planned:
        reasons = row.problems or (
            ["code d'un registre antérieur (hors clé de contrôle SNIGI)"] if row.legacy else []
        )
        lines.append(RowReport(row.line, row.outcome, row.code, " ; ".join(reasons)))
    if isinstance(rows, RegisterFile):
        name, digest, ignored = rows.name, rows.sha256, list(rows.ignored_columns)
    else:
        text = repr([(r.line, sorted(r.content.items())) for r in planned]).encode()
        name, digest, ignored = "(lignes fournies)", hashlib.sha256(text).hexdigest(), []
    return ImportReport(name, digest, dry_run, lines, ignored, written)


def _write(
    planned: list[_Row],
    register: _Register,
    *,
    actor: User,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    """Coded professionals, then coded establishments (their directors now have a row), then
    the rows without a code, whose codes ``allocate_inpe_codes`` takes past every code now
    stored."""
    new = [row for row in planned if row.outcome is Outcome.NEW]
    groups = (
        [r for r in new if r.inpe and r.content["kind"] == Kind.PROFESSIONAL],
        [r for r in new if r.inpe and r.content["kind"] != Kind.PROFESSIONAL],
        [r for r in new if not r.inpe],
    )
    pk_of = {code: held["pk"] for code, held in register.by["inpe"].items()}
    done = 0
    for group in groups:
        if group and not group[0].inpe:
            for row, code in zip(group, allocate_inpe_codes(len(group)), strict=True):
                row.inpe = code
        for batch in _chunks(group, BATCH):
            for row in batch:
                assert row.provider is not None  # noqa: S101 - set by _parse
                row.code = row.inpe
                row.provider.inpe, row.provider.legacy_code = row.inpe, row.legacy
                row.provider.medical_director_id = pk_of.get(row.director)
            Provider.objects.bulk_create([row.provider for row in batch if row.provider])
            pk_of.update((row.inpe, row.provider.pk) for row in batch if row.provider)
            done += len(batch)
            if progress:
                progress("écriture", done, len(new))
    document = f"Reprise du registre « {report.file_name} »"[:200]
    periods = ConventionPeriod.objects.bulk_create(
        [
            ConventionPeriod(
                provider=r.provider,  # the saved instance: str(period) needs no query
                status=r.convention,
                valid_from=r.convention_since,
                document=document,
            )
            for r in new
            if r.convention and r.convention_since
        ],
        batch_size=BATCH,
    )
    created: list[models.Model] = [row.provider for row in new if row.provider]
    counts = {**report.counts, "legacy": sum(r.legacy for r in new), "conventions": len(periods)}
    _audit(actor, report, [*created, *periods], counts, progress)


def _audit(
    actor: User,
    report: ImportReport,
    created: list[models.Model],
    counts: dict[str, int],
    progress: Progress | None,
) -> None:
    """One CREATE entry per record written, in auditlog's format, bulk inserted (a signal per
    save costs more than the insert itself), and one entry for the import as a whole."""
    now = timezone.now()
    source = {"file": report.file_name, "sha256": report.sha256}
    types: dict[type[models.Model], ContentType] = {
        model: ContentType.objects.get_for_model(model) for model in (Provider, ConventionPeriod)
    }
    entries = [
        LogEntry(
            content_type=types[type(obj)],
            object_pk=str(obj.pk),
            object_id=obj.pk,
            object_repr=str(obj)[:200],
            action=LogEntry.Action.CREATE,
            actor=actor,
            changes={
                f.name: ["None", str(getattr(obj, f.attname))]
                for f in type(obj)._meta.concrete_fields
                if getattr(obj, f.attname) not in (None, "")
            },
            timestamp=now,
            additional_data={"import": source},
        )
        for obj in created
    ]
    entries.append(
        LogEntry(
            content_type=types[Provider],
            object_pk=f"import:{report.sha256[:16]}",
            object_repr=f"Import du registre INPE « {report.file_name} »"[:200],
            action=LogEntry.Action.CREATE,
            actor=actor,
            timestamp=now,
            additional_data={"import": {**source, **counts}},
        )
    )
    for done, batch in enumerate(_chunks(entries, BATCH), start=1):
        LogEntry.objects.bulk_create(batch)
        if progress:
            progress("journal d'audit", min(done * BATCH, len(entries)), len(entries))
