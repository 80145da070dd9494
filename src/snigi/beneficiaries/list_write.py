"""Writing a fund's list in bulk: the new households, people, enrolments and student
certificates, then the people already stored that the list changed.

Rows bypass the ORM (``demo.bulk.insert_rows``: COPY on PostgreSQL, multi-row inserts on
SQLite). Primary keys are drawn from the tables' sequences ahead of need (PostgreSQL) or follow
the largest key (SQLite, where the import holds the write lock): a concurrent enrolment never
collides with them, and no sequence needs resetting afterwards.

On PostgreSQL the rows of a chunk are written by a thread on the import's own connection (its
transaction) while the caller checks the next chunk: the server's work (indexes, foreign keys,
checked at the end of each COPY: ``SET CONSTRAINTS ALL IMMEDIATE``) runs on the other core.
The caller touches the connection only between ``wait()`` and ``send()``. So that every
reference is already written when it is checked, a row waits for what it refers to: a new
person for their household (their insured's), an enrolment for its person and its insured's
enrolment.
"""

from __future__ import annotations

import collections
import threading
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max, Model
from django.utils import timezone

from snigi.beneficiaries.list_rows import INSURED
from snigi.beneficiaries.list_store import EnrolmentRef, PersonRef, chunks, current
from snigi.beneficiaries.models import Enrolment, Household, Person, StudentCertificate
from snigi.demo.bulk import insert_rows

RESERVE = 60_000  # keys drawn at once from a sequence
HOUSEHOLD_COLUMNS = ("id", "commune_id", "address_line", "created_at", "updated_at")
PERSON_COLUMNS = (
    "id", "cnie", "first_name_lat", "last_name_lat", "first_name_ar", "last_name_ar", "sex",
    "birth_date", "household_id", "household_role", "commune_id", "address_line", "phone",
    "name_key", "primary_insured_id", "regime_id", "organisation_id", "created_at", "updated_at",
)  # fmt: skip
ENROLMENT_COLUMNS = (
    "id", "person_id", "regime_id", "organisation_id", "kind", "relationship", "category",
    "insured_id", "fund_number", "start", "end", "end_reason", "rights_until", "disabled",
    "override_reason", "source", "created_at", "updated_at",
)  # fmt: skip
CERTIFICATE_COLUMNS = (
    "enrolment_id", "academic_year", "valid_from", "valid_until", "created_at", "updated_at",
)  # fmt: skip
Rows = list[tuple[object, ...]]


class Batch(NamedTuple):
    households: Rows
    people: Rows
    enrolments: Rows
    certificates: Rows


class Writer:
    """``prepare`` the ready enrolments into rows (in the caller's thread, where the plan's
    objects live), ``send`` them to be written, ``wait`` before using the connection."""

    def __init__(self) -> None:
        self.db = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.db.vendor == "postgresql"
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.counts = dict.fromkeys(("people", "households", "enrolments", "certificates",
                                     "people_updated"), 0)  # fmt: skip
        self._keys: dict[type[Model], collections.deque[int]] = {
            model: collections.deque() for model in (Household, Person, Enrolment)
        }
        self._next: dict[type[Model], int] = {}
        self._waiting: list[PersonRef] = []  # new people whose household is not known yet
        self._held: list[EnrolmentRef] = []  # enrolments whose person is not written yet
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        if self.postgres:
            with self.db.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.db.inc_thread_sharing()
        else:  # keys follow the largest; the import holds SQLite's write lock
            for model in self._keys:
                self._next[model] = (model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1

    # --- keys ---------------------------------------------------------------------------------

    def refill(self) -> None:
        """Draw keys ahead (the connection must be free)."""
        if not self.postgres:
            return
        with self.db.cursor() as cursor:
            for model, keys in self._keys.items():
                if len(keys) < RESERVE:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                        "FROM generate_series(1, %s)",
                        [model._meta.db_table, RESERVE],
                    )
                    keys.extend(pk for (pk,) in cursor.fetchall())

    def _key(self, model: type[Model]) -> int:
        if not self.postgres:
            self._next[model] += 1
            return self._next[model] - 1
        keys = self._keys[model]
        if not keys:
            self.wait()
            self.refill()
        return keys.popleft()

    # --- rows -----------------------------------------------------------------------------------

    def prepare(self, ready: list[EnrolmentRef]) -> Batch:
        people = [e.person for e in ready if e.person.creator is e] + self._waiting
        households, persons = self._people(people)
        enrolments: Rows = []
        certificates: Rows = []
        held, self._held = self._held + ready, []
        for e in held:
            insured = e.insured
            if not (e.person.existing or e.person.written) or (
                insured is not None and insured.pk is None
            ):
                self._held.append(e)
                continue
            e.pk = self._key(Enrolment)
            enrolments.append(self._enrolment(e))
            if e.row is not None and e.row.certificate is not None:
                certificates.append((e.pk, *e.row.certificate, self.now, self.now))
            e.row = None
        self.counts["enrolments"] += len(enrolments)
        self.counts["certificates"] += len(certificates)
        return Batch(households, persons, enrolments, certificates)

    def _people(self, people: list[PersonRef]) -> tuple[Rows, Rows]:
        """Rows of the new people whose household is known: their own new one (a new insured,
        a dependant of an insured stored without one) or their insured's; the others (their
        insured is new and not written yet) wait for a later batch."""
        households: Rows = []
        waiting = []
        for person in people:
            creator = person.creator
            assert creator is not None  # noqa: S101 - a new person has one
            insured = creator.insured.person if creator.insured is not None else None
            if creator.kind == INSURED or (insured is not None and insured.existing
                                           and insured.household is None):  # fmt: skip
                row = person.row
                assert row is not None  # noqa: S101 - not written yet
                assert row.commune is not None  # noqa: S101
                person.household = self._key(Household)
                households.append((person.household, row.commune.id, "", self.now, self.now))
                person.written = True
            else:
                waiting.append(person)
        ready: list[PersonRef] = [p for p in people if p.written]
        progress = True
        while waiting and progress:  # a dependant joins their insured's household, once known
            progress, still = False, []
            for person in waiting:
                insured = _insured_person(person)
                if insured.household is not None and (insured.existing or insured.written):
                    person.household, person.written, progress = insured.household, True, True
                    ready.append(person)
                else:
                    still.append(person)
            waiting = still
        self._waiting = waiting
        for person in ready:
            person.pk = self._key(Person)
        rows = [self._person(p) for p in ready]
        self.counts["people"] += len(rows)
        self.counts["households"] += len(households)
        return households, rows

    def _person(self, p: PersonRef) -> tuple[object, ...]:
        row, creator = p.row, p.creator
        assert row is not None  # noqa: S101 - written once
        assert row.commune is not None  # noqa: S101
        assert creator is not None  # noqa: S101
        regime, organisation = current(p, self.today)
        primary = p.primary.pk if p.primary is not None else None
        role = "head" if creator.kind == INSURED else creator.relationship
        p.row, p.dirty = None, False
        return (
            p.pk, p.cnie, row.first_name, row.last_name, row.first_name_ar, row.last_name_ar,
            row.sex, row.birth, p.household, role, row.commune.id, "", "", p.name_key, primary,
            regime, organisation, self.now, self.now,
        )  # fmt: skip

    def _enrolment(self, e: EnrolmentRef) -> tuple[object, ...]:
        row = e.row
        assert row is not None  # noqa: S101 - written once
        insured = e.insured.pk if e.insured is not None else None
        number = e.number if e.kind == INSURED else ""
        return (
            e.pk, e.person.pk, e.regime.id, e.organisation.id, e.kind, e.relationship,
            e.category, insured, number, e.start, e.end, e.end_reason, row.rights_until,
            e.disabled, "", Enrolment.Source.LIST.value, self.now, self.now,
        )  # fmt: skip

    @property
    def pending(self) -> bool:
        """People or enrolments still waiting for what they refer to."""
        return bool(self._waiting or self._held)

    # --- writing --------------------------------------------------------------------------------

    def send(self, batch: Batch) -> None:
        """Write ``batch``: in a thread on PostgreSQL (``wait`` for it), at once on SQLite."""
        self.wait()
        if not self.postgres:
            self._write(batch)
            self.wait()
            return
        self._thread = threading.Thread(target=self._write, args=(batch,), daemon=True)
        self._thread.start()

    def _write(self, batch: Batch) -> None:
        try:
            for model, columns, rows in (
                (Household, HOUSEHOLD_COLUMNS, batch.households),
                (Person, PERSON_COLUMNS, batch.people),
                (Enrolment, ENROLMENT_COLUMNS, batch.enrolments),
                (StudentCertificate, CERTIFICATE_COLUMNS, batch.certificates),
            ):
                insert_rows(model, columns, rows, connection=self.db, binary=True)
        except BaseException as exc:  # re-raised by wait(), in the caller's thread
            self._error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def close(self) -> None:
        """Wait for the last batch (even when the import fails: before the rollback); the
        foreign keys are checked at commit again, as Django declares them."""
        try:
            self.wait()
        finally:
            if self.postgres:
                self.db.dec_thread_sharing()
                if not self.db.needs_rollback:
                    with self.db.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def update_people(self, people: list[PersonRef]) -> None:
        """The people stored before (or earlier in the import) that a row changed: a CNIE
        filled in, the primary insured of a new dependant's enrolment, the current regime."""
        self.wait()
        rows = []
        for p in people:
            regime, organisation = current(p, self.today)
            primary = p.primary.pk if p.primary is not None else p.primary_pk
            rows.append((p.cnie, primary, regime, organisation, self.now, p.pk))
        table = self.db.ops.quote_name(Person._meta.db_table)
        sql = (
            f"UPDATE {table} SET cnie = %s, primary_insured_id = %s, regime_id = %s, "  # noqa: S608
            "organisation_id = %s, updated_at = %s WHERE id = %s"
        )
        with self.db.cursor() as cursor:
            for batch in chunks(rows, 5000):
                cursor.executemany(sql, batch)
        self.counts["people_updated"] += len(rows)


def _insured_person(p: PersonRef) -> PersonRef:
    assert p.creator is not None  # noqa: S101 - a new person has one
    insured = p.creator.insured
    assert insured is not None  # noqa: S101 - a dependant is written once attached
    return insured.person
