"""Import of a historical register of complaints (``snigi import-complaints``), with a dry run.

Each row comes out new, already present or refused with all its reasons (``history_rows``, then
what involves other rows or the database: a reference repeated in the file, a reference already
imported with another content). As the other bulk imports (``beneficiaries_import``): the real
run writes every new row in one transaction, and nothing at all if any row is refused; the dry
run takes the same decisions and writes nothing.

Idempotent: each imported file keeps, in the note of its "imported" event, its import key — the
register's reference when the row has one, else the SHA-256 of the row's cleaned content with
its rank among the identical rows of the file — and the SHA-256 of its content. A row whose key
is already imported is "already present" (refused if its content differs): importing the same
file again adds nothing, in whatever spelling or date format it was written.

An imported file gets its SNIGI reference (REC-YYYY-NNNNNN, the year of receipt: the year's
serial is taken once for all the rows of that year), ``imported=True``, its status (closed
after a final decision or when every body referred to answered; pending after another decision;
entered, waiting for its validation, without a decision), its referrals and one event. The rows
are written with ``bulk_create`` in batches; the import is audited by one entry.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from snigi.complaints.history_rows import FIELDS, Row, Vocabulary, check_row
from snigi.complaints.models import (
    FINAL_DECISIONS,
    Complaint,
    ComplaintSerial,
    Decision,
    Event,
    Referral,
    Status,
)
from snigi.core.audit import LogEntry
from snigi.core.import_report import import_summary, write_report_csv
from snigi.core.models import Organisation, User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.providers.register_file import RegisterFile, RegisterRow

BATCH = 2000
LOCK_KEY = 0x534E_4943  # "SNIC": one import of a complaints register at a time (PostgreSQL)
EVENT_KIND = "imported"
KEY_LINE = re.compile(r"^Clé d'import : (.+)$", re.MULTILINE)
CONTENT_LINE = re.compile(r"^Empreinte : ([0-9a-f]{64})$", re.MULTILINE)
UNNAMED = "(non renseigné)"
Progress = Callable[[str, int, int | None], None]  # phase, done, total (None: unknown)


class Outcome(StrEnum):
    NEW = "nouveau"
    PRESENT = "déjà présent"
    REFUSED = "refusé"


@dataclass
class RowReport:
    line: int
    outcome: Outcome
    reference: str  # the SNIGI reference given (or already held)
    source_reference: str  # the register's
    reason: str = ""


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RowReport] = field(default_factory=list)
    sha256: str = ""
    written: bool = False

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(row.outcome for row in self.rows)
        return {"rows": len(self.rows), "new": found[Outcome.NEW],
                "present": found[Outcome.PRESENT], "refused": found[Outcome.REFUSED]}  # fmt: skip

    @property
    def refused(self) -> list[RowReport]:
        return [row for row in self.rows if row.outcome is Outcome.REFUSED]

    def summary(self) -> str:
        return import_summary(self.counts, dry_run=self.dry_run)

    def write_csv(self, path: str | Path) -> None:
        header = ["ligne", "résultat", "référence", "référence d'origine", "motif"]
        write_report_csv(path, header, (
            (r.line, r.outcome.value, r.reference, r.source_reference, r.reason) for r in self.rows
        ))  # fmt: skip


def imported_keys() -> dict[str, tuple[str, str]]:
    """Import key -> (content SHA-256, SNIGI reference) of every file imported so far."""
    found: dict[str, tuple[str, str]] = {}
    events = Event.objects.filter(kind=EVENT_KIND).values_list("note", "complaint__reference")
    for note, reference in events.iterator(chunk_size=5000):
        key, content = KEY_LINE.search(note), CONTENT_LINE.search(note)
        if key and content:
            found[key.group(1)] = (content.group(1), reference)
    return found


@dataclass
class _Plan:
    report: ImportReport
    known: dict[str, tuple[str, str]]
    new: list[tuple[Row, str, str]] = field(default_factory=list)  # row, key, content
    seen_references: dict[str, int] = field(default_factory=dict)
    ranks: Counter[str] = field(default_factory=Counter)

    def decide(self, row: Row) -> None:
        content = row.content()
        reasons = list(row.problems)
        if row.reference:
            key = f"réf. {row.reference}"
            if row.reference in self.seen_references:
                reasons.append(f"Référence {row.reference} déjà vue à la ligne "
                               f"{self.seen_references[row.reference]}.")  # fmt: skip
            self.seen_references.setdefault(row.reference, row.line)
        else:
            self.ranks[content] += 1
            key = f"sha256 {content}#{self.ranks[content]}"
        if reasons:
            self.report.rows.append(
                RowReport(row.line, Outcome.REFUSED, "", row.reference, " ; ".join(reasons))
            )
            return
        held = self.known.get(key)
        if held is None:
            self.new.append((row, key, content))
            self.report.rows.append(RowReport(row.line, Outcome.NEW, "", row.reference))
        elif held[0] == content:
            self.report.rows.append(RowReport(row.line, Outcome.PRESENT, held[1], row.reference))
        else:
            self.report.rows.append(RowReport(
                row.line, Outcome.REFUSED, held[1], row.reference,
                f"Référence {row.reference} déjà importée ({held[1]}) avec un autre contenu.",
            ))  # fmt: skip


def _rows(source: Iterable[RegisterRow | Mapping[str, str]]) -> Iterable[RegisterRow]:
    for n, row in enumerate(source, start=1):
        if isinstance(row, RegisterRow):
            yield row
        else:  # as if read from line n + 1 of a CSV file
            yield RegisterRow(n + 1, {k: str(v) for k, v in row.items() if k in FIELDS})


def complaints_import(
    *,
    actor: User,
    rows: RegisterFile | Iterable[Mapping[str, str]],
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a historical register: every row new, already present or refused with its
    reasons. The real run writes the new rows in one transaction, and nothing if any row is
    refused. ``rows``: a ``RegisterFile`` (``history_rows.open_register``) or mappings."""
    require(actor, Capability.VALIDATE_COMPLAINTS)
    register = rows if isinstance(rows, RegisterFile) else None
    report = ImportReport(
        register.name if register else "(lignes fournies)", dry_run,
        list(register.ignored_columns) if register else [],
    )  # fmt: skip
    with transaction.atomic():
        if not dry_run and connection.vendor == "postgresql":  # one import at a time: the keys
            with connection.cursor() as cursor:  # read are those the write relies on
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        plan = _plan(report, rows, progress)
        if dry_run or report.refused or not plan.new:
            return report
        references = _allocate([row.received_on for row, _k, _c in plan.new])
        _write(actor, report, plan.new, references, progress)
        _audit(actor, report)
        report.written = True
    return report


def _plan(
    report: ImportReport,
    rows: RegisterFile | Iterable[Mapping[str, str]],
    progress: Progress | None,
) -> _Plan:
    vocabulary = Vocabulary.load()
    plan = _Plan(report, imported_keys())
    for done, source in enumerate(_rows(rows), start=1):
        checked = check_row(source.line, source.values, vocabulary)
        checked.problems[:0] = source.problems
        plan.decide(checked)
        if progress and done % 1000 == 0:
            progress("vérification", done, None)
    report.sha256 = rows.sha256 if isinstance(rows, RegisterFile) else _digest(report)
    if progress:
        progress("vérification", len(report.rows), len(report.rows))
    return plan


def _digest(report: ImportReport) -> str:
    text = repr([(r.line, r.source_reference) for r in report.rows]).encode()
    return hashlib.sha256(text).hexdigest()


def _allocate(days: list[datetime.date | None]) -> list[str]:
    """The SNIGI references of the new files, in their order: each year's serial row is
    locked and advanced once by the number of files of that year."""
    years = Counter(day.year for day in days if day is not None)
    first: dict[int, int] = {}
    for year in sorted(years):
        ComplaintSerial.objects.get_or_create(year=year)
        serial = ComplaintSerial.objects.select_for_update().get(year=year)
        first[year] = serial.last + 1
        serial.last += years[year]
        serial.save(update_fields=["last"])
    taken: dict[int, int] = defaultdict(int)
    references = []
    for day in days:
        assert day is not None  # noqa: S101 - an accepted row has its receipt date
        references.append(f"REC-{day.year}-{first[day.year] + taken[day.year]:06d}")
        taken[day.year] += 1
    return references


def _status(row: Row) -> tuple[str, datetime.date | None]:
    """The file's status and closing date from its decision and its bodies' answers."""
    if not row.decision:
        return Status.ENTERED, None
    if row.decision in FINAL_DECISIONS:
        return Status.CLOSED, row.decision_on
    if row.decision == Decision.REFERRAL and row.answered and all(row.answered):
        return Status.CLOSED, row.answered_on or row.decision_on
    return Status.PENDING, None


def _complaint(row: Row, reference: str) -> Complaint:
    nature = row.nature
    assert nature is not None  # noqa: S101 - an accepted row
    assert row.received_on is not None  # noqa: S101
    status, closed_on = _status(row)
    number = f" n° {row.reference}" if row.reference else ""
    return Complaint(
        reference=reference, received_on=row.received_on, channel=row.channel,
        requester_type=row.requester_type, requester_name=row.requester_name or UNNAMED,
        subject=f"Dossier historique{number} : {nature.name_fr}"[:300], nature=nature,
        status=status, target_on=row.received_on + datetime.timedelta(days=nature.target_days),
        decision=row.decision, decision_on=row.decision_on if row.decision else None,
        decision_reason="Décision reprise du registre historique." if row.decision else "",
        missing_pieces="Non renseignées dans le registre historique."
        if row.decision == Decision.INCOMPLETE else "",
        closed_on=closed_on, imported=True,
    )  # fmt: skip


def _write(
    actor: User,
    report: ImportReport,
    new: list[tuple[Row, str, str]],
    references: list[str],
    progress: Progress | None,
) -> None:
    by_line = {r.line: r for r in report.rows if r.outcome is Outcome.NEW}
    for start in range(0, len(new), BATCH):
        chunk = new[start : start + BATCH]
        refs = references[start : start + BATCH]
        files = Complaint.objects.bulk_create(
            [_complaint(row, ref) for (row, _k, _c), ref in zip(chunk, refs, strict=True)]
        )
        if any(f.pk is None for f in files):  # a backend that does not return the keys
            pks = dict(Complaint.objects.filter(reference__in=refs).values_list("reference", "pk"))
            for f in files:
                f.pk = pks[f.reference]
        referrals, events = [], []
        for (row, key, content), complaint in zip(chunk, files, strict=True):
            by_line[row.line].reference = complaint.reference
            for body, answered in zip(row.bodies, row.answered or [False] * len(row.bodies),
                                      strict=True):  # fmt: skip
                referrals.append(_referral(row, complaint, body, answered))
            events.append(Event(
                complaint=complaint, actor=actor, kind=EVENT_KIND, status=complaint.status,
                public=False,
                note=f"Importé du registre historique « {report.file_name} », ligne "
                     f"{row.line}.\nClé d'import : {key}\nEmpreinte : {content}",
            ))  # fmt: skip
        Referral.objects.bulk_create(referrals, batch_size=BATCH)
        Event.objects.bulk_create(events, batch_size=BATCH)
        if progress:
            progress("import", start + len(chunk), len(new))


def _referral(row: Row, complaint: Complaint, body: Organisation, answered: bool) -> Referral:
    assert row.decision_on is not None  # noqa: S101 - a referral has its decision date
    answered_on = (row.answered_on or row.decision_on) if answered else None
    answer = ""
    if answered:
        answer = "Réponse reçue (registre historique)."
        if row.answered_on is None:
            answer += " Date de réponse non renseignée : date de l'attribution retenue."
    return Referral(complaint=complaint, body=body, sent_on=row.decision_on,
                    answered_on=answered_on, answer=answer)  # fmt: skip


def _audit(actor: User, report: ImportReport) -> None:
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Complaint),
        object_pk=f"import:{report.sha256[:16]}",
        object_repr=f"Import du registre historique « {report.file_name} »"[:200],
        action=LogEntry.Action.CREATE,
        actor=actor,
        timestamp=timezone.now(),
        additional_data={"import": {"file": report.file_name, "sha256": report.sha256,
                                    **report.counts}},
    )  # fmt: skip
