"""Bulk import of a fund's list of insured people and dependants (CSV or XML), with a dry run.

Each row comes out new, already present (the same person already enrolled in the same regime,
with the same organisation and start: a second run of a file adds nothing) or refused with all
its reasons: the rules of ``enrol_insured`` and ``add_dependant`` (``list_rows``), then those
that involve other rows or the database: a dependant's insured (before or after in the file, or
already stored), a membership number held by another person, a row repeated in the file, and
the one-person-one-regime check against the database and the rows before it (no override in
bulk: an authorised ANAM agent enrols such a person one by one).

The file is streamed in chunks of ``CHUNK`` rows: each chunk is checked, the database is asked
about it with a few set-based queries (``list_store.Database``), and, in the real run, its
accepted rows are written with COPY (``list_write.Writer``: on PostgreSQL by a thread, while the
next chunk is checked), all inside one transaction that is rolled back if any row of the file is
refused: nothing or everything is written. The dry
run takes the same decisions and writes nothing. The import is audited by one entry (actor, file
name, SHA-256, counts) rather than one per record; the records it writes carry
``Enrolment.source = "list"`` and the entry's timestamp as ``created_at``.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from snigi.beneficiaries.identity import Conflict, DoubleEnrolment
from snigi.beneficiaries.list_file import FIELDS, CsvList, ListFile, ListRow, XmlList
from snigi.beneficiaries.list_report import ImportReport, Outcome, RowReport
from snigi.beneficiaries.list_rows import INSURED, SPOUSE, Reference, Row, check_row
from snigi.beneficiaries.list_store import Database, EnrolmentRef, PersonRef
from snigi.beneficiaries.list_write import Batch, Writer
from snigi.beneficiaries.models import Enrolment
from snigi.core.audit import LogEntry
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import require

CHUNK = 20_000
LOCK_KEY = 0x534E_4942  # "SNIB": one list import at a time (PostgreSQL advisory lock)
Progress = Callable[[str, int, int | None], None]  # phase, done, total (None: unknown)
__all__ = ["ImportReport", "ListChanged", "Outcome", "RowReport", "beneficiaries_import"]


class _Plan:
    """The decisions, row after row in the order of the file, over what the file and the
    database hold."""

    def __init__(self, report: ImportReport, database: Database) -> None:
        self.report, self.database, self.the = report, database, report.the
        self.by_cnie: dict[str, PersonRef] = {}
        self.by_identity: dict[tuple[object, ...], list[PersonRef]] = {}
        self.numbers: dict[tuple[int, str], list[EnrolmentRef]] = {}  # insured enrolments
        self.refused_insured: dict[tuple[int, str], int] = {}
        self.pending: dict[tuple[int, str], list[EnrolmentRef]] = {}  # their insured is unknown
        self.ready: list[EnrolmentRef] = []
        self.touched: list[PersonRef] = []
        self.organisations: set[str] = set()
        self.refused = 0

    def load(self, rows: list[Row]) -> None:
        """What the database holds for these rows (before deciding them)."""
        for person in self.database.load(rows):
            self._index(person)
            for e in person.enrolments:
                if e.kind == INSURED:
                    self.numbers.setdefault((e.organisation.id, e.number), []).append(e)

    def decide(self, rows: list[Row]) -> None:
        for row in rows:
            self._decide(row)

    def take_ready(self) -> list[EnrolmentRef]:
        ready, self.ready = self.ready, []
        return ready

    def _index(self, person: PersonRef) -> None:
        if person.cnie:
            self.by_cnie.setdefault(person.cnie, person)
        self.by_identity.setdefault((person.name_key, person.birth, person.sex), []).append(person)

    def _matches(self, row: Row) -> list[PersonRef]:
        """``matching_people``: the same CNIE, or the same names, birth date and sex with no
        CNIE on one side."""
        same = self.by_identity.get((row.name_key, row.birth, row.sex), [])
        if not row.cnie:
            return list(same)
        found = [self.by_cnie[row.cnie]] if row.cnie in self.by_cnie else []
        return found + [p for p in same if p.cnie is None]

    def _refuse(self, index: int, reasons: list[str]) -> None:
        self.report.set(index, Outcome.REFUSED, reasons)
        self.refused += 1

    def _decide(self, row: Row) -> None:
        index = self.report.add(row)
        reasons = list(row.problems)
        key = (row.organisation.id if row.organisation else 0, row.number)
        if row.organisation is not None:
            self.organisations.add(row.organisation.code)
        if not row.identified or row.start is None:
            self._refuse_row(row, index, reasons, key)
            return
        matches = self._matches(row)
        existing = None
        if matches:  # a person known before: the file or the database
            existing = next((p for p in matches if row.cnie and p.cnie == row.cnie), matches[0])
            if (existing.birth, existing.sex) != (row.birth, row.sex):
                where = f"voir {self.the(existing.line)}" if existing.line else "dans la base"
                reasons.append(
                    f"Le numéro CNIE {row.cnie} est déjà enregistré ({where}) pour une personne "
                    f"née le {existing.birth:%d/%m/%Y}, de sexe {existing.sex} : vérifiez la "
                    "saisie."
                )
            if self._present(row, index, matches, reasons):
                return
            reasons += self._conflicts(row, matches)
        if row.kind == INSURED:
            reasons += self._holders(row, matches)
        if reasons:
            self._refuse_row(row, index, reasons, key)
            return
        self._accept(row, index, existing, key)

    def _refuse_row(self, row: Row, index: int, reasons: list[str], key: tuple[int, str]) -> None:
        self._refuse(index, reasons)
        if row.kind == INSURED:  # its dependants will say so
            self.refused_insured.setdefault(key, row.line)

    def _present(self, row: Row, index: int, matches: list[PersonRef], reasons: list[str]) -> bool:
        """Already enrolled (same regime, organisation, start): present, or refused if the
        content differs or another row of the file is the same."""
        same = next(
            (e for p in matches for e in p.enrolments
             if e.regime is row.regime and e.organisation is row.organisation
             and e.start == row.start and not e.refused
             and (e.end_reason != "cancelled" or row.end_reason == "cancelled")),
            None,
        )  # fmt: skip
        if same is None:
            return False
        if same.line or same.claimed:
            reasons.append(
                f"Répète {self.the(same.line or same.claimed)} : même personne, régime, organisme "
                "et date d'effet."
            )
        else:
            stated = {"quality": (row.kind, same.kind),
                      "relationship": (row.relationship, same.relationship),
                      "fund_number": (row.number, same.number), "end": (row.end, same.end),
                      "end_reason": (row.end_reason, same.end_reason),
                      "disabled": (row.disabled, same.disabled)}  # fmt: skip
            if row.kind == INSURED:
                stated["category"] = (row.category, same.category)
            differ = [name for name, (mine, held) in stated.items() if mine != held]
            if differ:
                reasons.append(f"Déjà immatriculé(e) dans ce régime depuis le {row.start:%d/%m/%Y} "
                               f"avec un autre contenu : {', '.join(differ)}.")  # fmt: skip
        if reasons:
            self._refuse(index, reasons)
        else:
            same.claimed = row.line
            self.report.set(index, Outcome.PRESENT)
        return True

    def _conflicts(self, row: Row, matches: list[PersonRef]) -> list[str]:
        """``conflicts_for``: enrolments of the same person, any regime, not closed before the
        start (no override in bulk)."""
        assert row.start is not None  # noqa: S101 - checked by _decide
        found = [e for p in matches for e in p.enrolments
                 if e.live and (e.end is None or e.end >= row.start)]  # fmt: skip
        if not found:
            return []
        label = f"{row.first_name} {row.last_name}"
        if row.relationship == SPOUSE and any(e.kind == INSURED for e in found):
            label = f"le conjoint {label}, assuré à titre personnel,"
        conflicts = [
            Conflict(Enrolment(regime=e.regime, organisation=e.organisation, kind=e.kind,
                               start=e.start))
            for e in found
        ]  # fmt: skip
        message = DoubleEnrolment(label, conflicts).message
        lines = sorted({e.line for e in found if e.line})
        if lines:
            message += f" Voir {self.the(*lines)} du fichier."
        return [message + " Pas de passage outre dans un import."]

    def _holders(self, row: Row, matches: list[PersonRef]) -> list[str]:
        """The membership number held, in the organisation or its parent fund, by another."""
        org = row.organisation
        assert org is not None  # noqa: S101 - checked by _decide
        keys = [(org.id, row.number)] + ([(org.parent_id, row.number)] if org.parent_id else [])
        for key in keys:
            for holder in self.numbers.get(key, ()):
                if holder.person not in matches:
                    where = f" (voir {self.the(holder.line)})" if holder.line else ""
                    return [f"Le numéro d'immatriculation {row.number} est déjà attribué à une "
                            f"autre personne par {holder.organisation.code}{where}."]  # fmt: skip
        return []

    def _accept(
        self, row: Row, index: int, existing: PersonRef | None, key: tuple[int, str]
    ) -> None:
        assert row.birth is not None  # noqa: S101 - an identified row
        assert row.start is not None  # noqa: S101
        assert row.regime is not None  # noqa: S101
        assert row.organisation is not None  # noqa: S101
        person = existing
        if person is None:
            person = PersonRef(None, False, row.cnie, row.name_key, row.birth, row.sex, row.line)
            person.row = row
            self._index(person)
        enrolment = EnrolmentRef(
            None, person, row.regime, row.organisation, row.kind, row.relationship, row.start,
            row.end, row.end_reason, row.category, row.number, row.disabled, row.line, index,
            row=row,
        )  # fmt: skip
        person.enrolments.append(enrolment)
        if person.creator is None and not person.existing:
            person.creator = enrolment
        if row.cnie and not person.cnie:  # a CNIE for a person known without one
            person.cnie = row.cnie
            self.by_cnie[row.cnie] = person
        self._touch(person)
        if row.kind == INSURED:
            self.numbers.setdefault(key, []).append(enrolment)
            enrolment.ready = True
            self.ready.append(enrolment)
            for waiting in self.pending.pop(key, []):
                self._attach_or_wait(waiting, final=False)
        else:
            self._attach_or_wait(enrolment, final=False)

    def _touch(self, person: PersonRef) -> None:
        if (person.existing or person.written) and not person.dirty:
            person.dirty = True
            self.touched.append(person)

    def _attach_or_wait(self, dependant: EnrolmentRef, *, final: bool) -> None:
        """Attach a dependant to their insured's enrolment covering the start, or wait for it
        (later in the file); at the end, to the latest one found, or refuse."""
        key = (dependant.organisation.id, dependant.number)
        row = dependant.row
        assert row is not None  # noqa: S101 - not written yet
        assert row.stated_start is not None  # noqa: S101
        start = row.stated_start
        candidates = [e for e in self.numbers.get(key, ()) if e.live]
        covering = [e for e in candidates if e.start <= start and (e.end is None or start <= e.end)]
        insured = max(covering or (candidates if final else []), key=_start, default=None)
        if insured is None and not final:
            self.pending.setdefault(key, []).append(dependant)
            return
        reasons = []
        org, number = dependant.organisation.code, dependant.number
        if insured is None:
            line = self.refused_insured.get(key)
            reasons.append(
                f"L'assuré n° {number} ({org}, voir {self.the(line)}) est refusé."
                if line
                else f"Assuré introuvable : aucun assuré n° {number} de {org}, ni dans le "
                "fichier ni dans la base."
            )
        else:
            if insured.regime is not dependant.regime:
                reasons.append(
                    f"L'assuré n° {number} relève du régime « {insured.regime.name_fr} », pas "
                    "de celui de la ligne."
                )
            if insured.person is dependant.person or (row.cnie and row.cnie == insured.person.cnie):
                reasons.append("L'assuré ne peut pas être son propre ayant droit.")
            if start < insured.start or (insured.end is not None and start > insured.end):
                reasons.append(
                    "La date d'effet doit être dans la période d'immatriculation de l'assuré."
                )
        if reasons:
            dependant.refused = True
            self._refuse(dependant.index, reasons)
            return
        assert insured is not None  # noqa: S101
        dependant.insured, dependant.category = insured, insured.category
        dependant.person.primary = insured.person
        self._touch(dependant.person)
        dependant.ready = True
        self.ready.append(dependant)

    def finish(self) -> None:
        for waiting in self.pending.values():
            for dependant in waiting:
                self._attach_or_wait(dependant, final=True)
        self.pending.clear()


def _start(e: EnrolmentRef) -> tuple[datetime.date, int]:
    return (e.start, e.line or 0)


class ListChanged(ValidationError):
    """The database changed between the checks and the write (a concurrent enrolment)."""


def _rows(source: Iterable[ListRow | Mapping[str, str]]) -> Iterator[ListRow]:
    for n, row in enumerate(source, start=1):
        if isinstance(row, Mapping):  # as if read from line n + 1 of a CSV file
            yield ListRow(n + 1, {k: str(v) for k, v in row.items() if k in FIELDS})
        else:
            yield row


def beneficiaries_import(
    *,
    actor: User,
    rows: ListFile | Iterable[Mapping[str, str]],
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a fund's list: every row new, already present or refused with its reasons. The
    dry run writes nothing; the real run writes every new row in one transaction, and nothing
    at all if any row is refused. ``rows``: a ``ListFile`` (``open_list``) or mappings."""
    require(actor, Capability.ENROL_PERSONS)
    listed = rows if isinstance(rows, CsvList | XmlList) else None
    report = ImportReport(
        listed.name if listed else "(lignes fournies)", listed.unit if listed else "ligne",
        dry_run, list(listed.ignored_columns) if listed else [],
    )  # fmt: skip
    reference = Reference.load(actor)
    collecting = gc.isenabled()
    gc.disable()  # millions of live objects: each collection would walk them all, to free none
    try:
        with transaction.atomic():
            if not dry_run and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            database = Database(reference.regimes.values(), reference.organisations.values())
            plan = _Plan(report, database)
            writer = None if dry_run else Writer()
            try:
                _run(plan, writer, _rows(rows), reference, progress)
                report.sha256 = listed.sha256 if listed else _digest(report)
                if writer is not None and not plan.refused:
                    writer.update_people([p for p in plan.touched if p.dirty])
                    report.stored, report.written = dict(writer.counts), True
                    _audit(actor, report, sorted(plan.organisations), writer)
                else:
                    transaction.set_rollback(True)
            finally:
                if writer is not None:
                    writer.close()
    except IntegrityError as exc:
        raise ListChanged(
            "La base a changé pendant l'import (une même personne ou un même numéro vient "
            f"d'être enregistré) : rien n'est enregistré, relancez l'import. ({exc})"
        ) from exc
    finally:
        if collecting:
            gc.enable()
    return report


def _run(
    plan: _Plan,
    writer: Writer | None,
    source: Iterator[ListRow],
    reference: Reference,
    progress: Progress | None,
) -> None:
    """Chunk after chunk: read and check, ask the database, decide, write. The writing of a
    chunk (a thread, on PostgreSQL) runs while the next one is decided, prepared and read; the
    database is asked only once it is done."""
    phase = "import" if writer is not None else "vérification"
    chunk = [check_row(r, reference) for r in itertools.islice(source, CHUNK)]
    plan.load(chunk)
    batch, done = None, 0
    while chunk:
        if writer is not None:
            writer.refill()
            if batch is not None:
                writer.send(batch)
        plan.decide(chunk)
        batch = _prepare(plan, writer)
        done += len(chunk)
        if progress:
            progress(phase, done, None)
        chunk = [check_row(r, reference) for r in itertools.islice(source, CHUNK)]
        if writer is not None:
            writer.wait()
        plan.load(chunk)
    plan.finish()
    if writer is not None and batch is not None:
        writer.send(batch)
    while writer is not None and not plan.refused:  # the last rows, then those that waited
        last = _prepare(plan, writer)
        if last is None or not any(last):
            break
        writer.send(last)
    if writer is not None:
        writer.wait()
        if writer.pending and not plan.refused:
            raise RuntimeError("Des personnes ou immatriculations n'ont pas pu être écrites.")
    if progress:
        progress(phase, done, done)


def _prepare(plan: _Plan, writer: Writer | None) -> Batch | None:
    """The rows to write for the enrolments now ready; none once a row is refused (the
    transaction will be rolled back), and their rows are freed."""
    ready = plan.take_ready()
    if writer is not None and not plan.refused:
        return writer.prepare(ready)
    for enrolment in ready:
        enrolment.row = None
        if enrolment.person.creator is enrolment:
            enrolment.person.row = None
    return None


def _digest(report: ImportReport) -> str:
    text = repr([(r.line, r.fund_number, r.cnie) for r in report]).encode()
    return hashlib.sha256(text).hexdigest()


def _audit(actor: User, report: ImportReport, organisations: list[str], writer: Writer) -> None:
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Enrolment),
        object_pk=f"import:{report.sha256[:16]}",
        object_repr=f"Import de la liste « {report.file_name} »"[:200],
        action=LogEntry.Action.CREATE,
        actor=actor,
        timestamp=writer.now,  # the records' created_at
        additional_data={
            "import": {
                "file": report.file_name, "sha256": report.sha256,
                "organisations": organisations, **report.counts, **report.stored,
            }
        },
    )  # fmt: skip
