"""The rows a rights check reads, in a few plain SQL statements instead of ORM querysets.

A check runs on every visit of a patient: Django's query compiler (and its row iterator) cost
more than the rest of the check, about 0.7 ms a query on the benchmark's machine against
0.1 ms for the statement itself. The statements here are written once, from the models'
metadata (every concrete column, so the instances are whole, as the ORM would give them), in
SQL that SQLite and PostgreSQL both run; the rows become model instances through the backend's
own converters and ``Model.from_db``, as a queryset would make them.

- ``person_with_enrolments``: the person (by CNIE or key), their enrolments with the insured's
  enrolment of a dependant, and their exemptions in force on the day: one statement.
- ``dependants_on``: the dependants of some insured enrolments, with their persons, whose
  dependant quality may cover the day: one statement.

The facts the rules need (contributions, student certificates, RAMED contributions) are read by
``rights.Facts.load`` in one statement as well. On PostgreSQL the three are prepared on the
connection (``prepared_cursor``): planned once per connection, not at every check.
``tests/beneficiaries/test_rights_equivalence.py`` compares the answers with the ORM's.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Model

from snigi.beneficiaries.models import Enrolment, Exemption, Person

M = TypeVar("M", bound=Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


class Columns(Generic[M]):
    """Every concrete column of a model under a table alias, and how a row's slice of them
    becomes an instance (the backend's converters, then ``Model.from_db``)."""

    def __init__(self, model: type[M], alias: str):
        self.model, self.alias = model, alias
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.width = len(self.fields)
        self._converters: WeakKeyDictionary[Any, list[tuple[int, list[Converter], Any]]]
        self._converters = WeakKeyDictionary()
        self._lock = threading.Lock()

    def sql(self) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{self.alias}.{quote(str(f.column))}" for f in self.fields)

    def column(self, name: str) -> str:
        column = str(self.model._meta.get_field(name).column)  # type: ignore[union-attr]
        return f"{self.alias}.{connection.ops.quote_name(column)}"

    @property
    def table(self) -> str:
        return f"{connection.ops.quote_name(self.model._meta.db_table)} {self.alias}"

    def _converters_for(self, db: BaseDatabaseWrapper) -> list[tuple[int, list[Converter], Any]]:
        with self._lock:
            found = self._converters.get(db)
        if found is None:
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                converters = db.ops.get_db_converters(col) + col.get_db_converters(db)
                if converters:
                    found.append((index, converters, col))
            with self._lock:
                self._converters[db] = found
        return found

    def instance(self, row: Sequence[Any], offset: int) -> M:
        """The instance in ``row[offset:offset + width]``."""
        values = list(row[offset : offset + self.width])
        db = connections[DEFAULT_DB_ALIAS]  # the thread's own, not the proxy
        for index, converters, col in self._converters_for(db):
            value = values[index]
            for convert in converters:
                value = convert(value, col, db)
            values[index] = value
        return self.model.from_db(db.alias, self.attnames, values)


@functools.cache
def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql import base as postgresql

    server_binding: Any = postgresql.ServerBindingCursor  # psycopg 3's, through Django's

    class Prepared(server_binding):
        """Prepares what it executes. Django opens its connections with psycopg's automatic
        preparation off (``prepare_threshold`` None, which also refuses ``prepare=True``):
        it is allowed here for the statement, then put back."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            connection = self.connection
            threshold = connection.prepare_threshold
            connection.prepare_threshold = 0
            try:
                return super().execute(query, params, prepare=True)
            finally:
                connection.prepare_threshold = threshold

    return Prepared


@contextlib.contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor of the default connection. On PostgreSQL (psycopg 3), one that binds the
    parameters on the server and prepares its statements: a connection plans each statement
    once, then only executes it (planning the person's four-table join cost PostgreSQL several
    times its execution, on every check). Elsewhere, the usual cursor. The queries show in
    ``connection.queries`` (and to ``CaptureQueriesContext``) as any other."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = _prepared_cursor_class()(db.connection)
    wrapped = db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
    with wrapped as cursor:
        yield cursor


PERSON = Columns(Person, "p")
ENROLMENT = Columns(Enrolment, "e")
INSURED = Columns(Enrolment, "i")
EXEMPTION = Columns(Exemption, "x")


@functools.cache
def _person_sql(vendor: str, by: str) -> str:
    """The person (``by``: ``cnie`` or ``id``) joined to their enrolments (and the insured's
    enrolment of a dependant) and to their exemptions in force on a day."""
    p, e, i, x = PERSON, ENROLMENT, INSURED, EXEMPTION
    return (
        f"SELECT {p.sql()}, {e.sql()}, {i.sql()}, {x.sql()} FROM {p.table} "  # noqa: S608
        f"LEFT JOIN {e.table} ON {e.column('person')} = {p.column('id')} "
        f"LEFT JOIN {i.table} ON {i.column('id')} = {e.column('insured')} "
        f"LEFT JOIN {x.table} ON {x.column('person')} = {p.column('id')} "
        f"AND {x.column('valid_from')} <= %s "
        f"AND ({x.column('valid_to')} IS NULL OR {x.column('valid_to')} >= %s) "
        f"WHERE {p.column(by)} = %s"
    )


@functools.cache
def _dependants_sql(vendor: str, insured: int) -> str:
    """Dependants' enrolments of ``insured`` insured enrolments, with their persons, that may
    cover a day."""
    e, p = ENROLMENT, PERSON
    keys = ", ".join(["%s"] * insured)
    return (
        f"SELECT {e.sql()}, {p.sql()} FROM {e.table} "  # noqa: S608
        f"INNER JOIN {p.table} ON {p.column('id')} = {e.column('person')} "
        f"WHERE {e.column('insured')} IN ({keys}) AND {e.column('start')} <= %s "
        f"AND ({e.column('end')} IS NULL OR {e.column('rights_until')} >= %s)"
    )


def person_with_enrolments(
    *, on: datetime.date, cnie: str = "", person_id: int | None = None
) -> tuple[Person | None, list[Enrolment], list[Exemption]]:
    """The person with this CNIE (or key); their enrolments, unordered, each with the person
    and, for a dependant, the insured's enrolment (``insured``); and their exemptions in force
    on ``on``, ordered by start. One statement: the product of a person's few enrolments and
    few exemptions is taken apart here."""
    sql = _person_sql(connection.vendor, "cnie" if cnie else "id")
    with prepared_cursor() as cursor:
        cursor.execute(sql, [on, on, cnie or person_id])
        rows = cursor.fetchall()
    if not rows:
        return None, [], []
    person = PERSON.instance(rows[0], 0)
    enrolments: dict[int, Enrolment] = {}
    exemptions: dict[int, Exemption] = {}
    at_e = PERSON.width
    at_i = at_e + ENROLMENT.width
    at_x = at_i + INSURED.width
    for row in rows:
        enrolment_id, exemption_id = row[at_e], row[at_x]
        if enrolment_id is not None and enrolment_id not in enrolments:
            enrolment = ENROLMENT.instance(row, at_e)
            enrolment.person = person
            if enrolment.insured_id is not None:
                enrolment.insured = INSURED.instance(row, at_i)
            enrolments[enrolment_id] = enrolment
        if exemption_id is not None and exemption_id not in exemptions:
            exemptions[exemption_id] = EXEMPTION.instance(row, at_x)
    return (
        person,
        list(enrolments.values()),
        sorted(exemptions.values(), key=lambda ex: (ex.valid_from, ex.pk)),
    )


def dependants_on(insured_ids: Sequence[int], on: datetime.date) -> list[Enrolment]:
    """The dependants' enrolments of these insured enrolments, with their persons, started on
    ``on`` and not closed, or closed with rights kept up to ``on`` at least; unordered, their
    ``insured`` not set (the caller has those objects)."""
    if not insured_ids:
        return []
    sql = _dependants_sql(connection.vendor, len(insured_ids))
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*insured_ids, on, on])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        enrolment = ENROLMENT.instance(row, 0)
        enrolment.person = PERSON.instance(row, ENROLMENT.width)
        found.append(enrolment)
    return found
