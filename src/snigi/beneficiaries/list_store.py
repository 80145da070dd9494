"""What a fund's list import knows of people and enrolments (``PersonRef``, ``EnrolmentRef``:
from the database or from rows of the file), and what the database already holds for a chunk
of rows, read with set-based queries whatever the size of the tables.

Reads see the database as it was when the import began (``pk <= ceiling``): the records the
import itself writes are known from the file, so the dry run and the real run decide alike.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Max

from snigi.beneficiaries.list_rows import INSURED, Row
from snigi.beneficiaries.models import Enrolment, Person
from snigi.core.models import Organisation, Regime

CANCELLED = Enrolment.EndReason.CANCELLED.value


@dataclass(slots=True, eq=False)
class PersonRef:
    """A person the file names: already in the database (``existing``) or new."""

    pk: int | None
    existing: bool
    cnie: str | None
    name_key: str
    birth: datetime.date
    sex: str
    line: int = 0  # the first row naming a new person
    household: int | None = None
    primary_pk: int | None = None  # in the database
    primary: PersonRef | None = None  # set by a dependant's enrolment from the file
    enrolments: list[EnrolmentRef] = field(default_factory=list)
    row: Row | None = None  # a new person's identity, until written
    creator: EnrolmentRef | None = None  # a new person's first enrolment
    written: bool = False
    dirty: bool = False  # to update once the file is written


@dataclass(slots=True, eq=False)
class EnrolmentRef:
    """An enrolment in the database (``line`` 0) or from a row of the file."""

    pk: int | None
    person: PersonRef
    regime: Regime
    organisation: Organisation
    kind: str
    relationship: str
    start: datetime.date
    end: datetime.date | None
    end_reason: str
    category: str
    number: str  # the insured's membership number (a dependant's: their insured's)
    disabled: bool
    line: int = 0
    index: int = -1  # the row's place in the report
    insured: EnrolmentRef | None = None
    row: Row | None = None  # until written
    claimed: int = 0  # a database enrolment: the line that found it already present
    ready: bool = False  # accepted, and a dependant's insured is known
    refused: bool = False

    @property
    def live(self) -> bool:
        return self.end_reason != CANCELLED and not self.refused


# Values per query on PostgreSQL: with more, the planner may prefer a sequential scan of a
# million people to as many index probes (ten times slower).
BATCH = 2000


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def array_literal(values: list[Any]) -> str:
    """A PostgreSQL array literal (``{"a","b"}``), passed as one parameter: psycopg's own
    adaptation of a 50 000-element list costs seconds."""
    body = '","'.join(map(str, values))
    if '"' in body or "\\" in body:  # rare: a value to escape
        body = '","'.join(str(v).replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + body + '"}' if values else "{}"


class Database:
    """The people and enrolments of the database that rows of the file may name, read with
    raw set-based queries (``= ANY(array)`` on PostgreSQL, ``IN`` lists on SQLite): the ORM's
    compilation of a 50 000-value ``__in`` costs more than the query itself."""

    def __init__(self, regimes: Iterable[Regime], organisations: Iterable[Organisation]) -> None:
        self.regimes = {r.pk: r for r in regimes}
        self.organisations = {o.pk: o for o in organisations}
        self.person_ceiling = Person.objects.aggregate(m=Max("pk"))["m"] or 0
        self.enrolment_ceiling = Enrolment.objects.aggregate(m=Max("pk"))["m"] or 0
        self.people: dict[int, PersonRef] = {}
        self.postgres = connection.vendor == "postgresql"
        self.person = connection.ops.quote_name(Person._meta.db_table)
        self.enrolment = connection.ops.quote_name(Enrolment._meta.db_table)

    def _fetch(self, sql: str, values: list[Any], *before: Any) -> list[tuple[Any, ...]]:
        """``sql`` ends with ``{values}``: the rows for every value, a batch at a time."""
        found: list[tuple[Any, ...]] = []
        kind = "bigint" if values and isinstance(values[0], int) else "text"
        with connection.cursor() as cursor:
            for batch in chunks(values, BATCH if self.postgres else 900):
                if self.postgres:
                    array = f"= ANY(%s::{kind}[])"
                    cursor.execute(sql.format(values=array), [*before, array_literal(batch)])
                else:
                    marks = ", ".join(["%s"] * len(batch))
                    cursor.execute(sql.format(values=f"IN ({marks})"), [*before, *batch])
                found += cursor.fetchall()
        return found

    def load(self, rows: list[Row]) -> list[PersonRef]:
        """The people matching the rows (CNIE or names, birth date) or holding their
        membership numbers, with all their enrolments; those not loaded before."""
        cnies = sorted({r.cnie for r in rows if r.cnie})
        sql = f"SELECT id FROM {self.person} WHERE id <= %s AND cnie {{values}}"  # noqa: S608
        wanted = {pk for (pk,) in self._fetch(sql, cnies, self.person_ceiling)}
        wanted |= self._by_identity({(r.name_key, r.birth) for r in rows if r.birth})
        orgs = {o.id for r in rows if (o := r.organisation)} | {
            o.parent_id for r in rows if (o := r.organisation) and o.parent_id
        }
        if orgs:
            sql = (
                f"SELECT person_id FROM {self.enrolment} WHERE id <= %s AND kind = 'insured' "  # noqa: S608
                f"AND organisation_id IN ({', '.join(str(int(o)) for o in sorted(orgs))}) "
                "AND fund_number {values}"
            )
            numbers = sorted({r.number for r in rows if r.number})
            wanted.update(pk for (pk,) in self._fetch(sql, numbers, self.enrolment_ceiling))
        return self._materialise(sorted(wanted - self.people.keys()))

    def _by_identity(self, keys: set[tuple[str, datetime.date | None]]) -> set[int]:
        ordered = sorted(keys, key=str)
        if self.postgres:  # a join on arrays: one index probe per key
            sql = (
                f"SELECT p.id FROM {self.person} p JOIN unnest(%s::text[], %s::date[]) AS "  # noqa: S608
                "k(name_key, birth_date) ON p.name_key = k.name_key AND "
                "p.birth_date = k.birth_date WHERE p.id <= %s"
            )
            found: set[int] = set()
            with connection.cursor() as cursor:
                for batch in chunks(ordered, BATCH):
                    keys_, births = [k for k, _ in batch], [b for _, b in batch]
                    params = [array_literal(keys_), array_literal(births), self.person_ceiling]
                    cursor.execute(sql, params)
                    found.update(pk for (pk,) in cursor.fetchall())
            return found
        sql = (  # a row value list: SQLite has no arrays
            f"SELECT id FROM {self.person} WHERE id <= %s AND (name_key, birth_date) IN "  # noqa: S608
            "(VALUES {})"
        )
        found = set()
        with connection.cursor() as cursor:
            for batch in chunks(ordered, 400):
                pairs: list[Any] = [self.person_ceiling]
                for key, birth in batch:
                    pairs += [key, birth.isoformat() if birth else None]
                cursor.execute(sql.format(", ".join(["(%s, %s)"] * len(batch))), pairs)
                found.update(pk for (pk,) in cursor.fetchall())
        return found

    def _materialise(self, pks: list[int]) -> list[PersonRef]:
        new: list[PersonRef] = []
        sql = (
            "SELECT id, cnie, name_key, birth_date, sex, household_id, primary_insured_id "  # noqa: S608
            f"FROM {self.person} WHERE id {{values}}"
        )
        for pk, cnie, key, birth, sex, household, primary in self._fetch(sql, pks):
            person = PersonRef(pk, True, cnie, key, birth, sex, 0, household, primary)
            self.people[pk] = person
            new.append(person)
        sql = (
            "SELECT e.id, e.person_id, e.regime_id, e.organisation_id, e.kind, e.relationship, "  # noqa: S608
            'e.start, e."end", e.end_reason, e.category, e.fund_number, i.fund_number, '
            f"e.disabled FROM {self.enrolment} e LEFT JOIN {self.enrolment} i ON "
            "i.id = e.insured_id WHERE e.id <= %s AND e.person_id {values}"
        )
        found = self._fetch(sql, pks, self.enrolment_ceiling)
        found.sort(key=lambda v: (v[6], v[0]))  # by start, as the services order them
        regimes, organisations, people = self.regimes, self.organisations, self.people
        for pk, person_id, regime, org, kind, relationship, *period, number, of, disabled in found:
            person = people[person_id]
            start, end, end_reason, category = period
            person.enrolments.append(
                EnrolmentRef(
                    pk,
                    person,
                    regimes[regime],
                    organisations[org],
                    kind,
                    relationship,
                    start,
                    end,
                    end_reason,
                    category,
                    (number if kind == INSURED else of) or "",
                    bool(disabled),
                )  # fmt: skip
            )
        return new


# --- The current enrolment ------------------------------------------------------------


def current(person: PersonRef, today: datetime.date) -> tuple[int | None, int | None]:
    """The regime and organisation of the person's current (else latest) enrolment, as
    ``services.sync_current`` chooses it."""
    if len(person.enrolments) == 1:  # most people: their only enrolment, current or latest
        only = person.enrolments[0]
        return (only.regime.id, only.organisation.id) if only.live else (None, None)
    live = [e for e in person.enrolments if e.live]
    running = [e for e in live if e.start <= today and (e.end is None or e.end >= today)]
    chosen = max(running, key=_order, default=None) or max(live, key=_order, default=None)
    return (chosen.regime.id, chosen.organisation.id) if chosen else (None, None)


def _order(e: EnrolmentRef) -> tuple[datetime.date, int, int]:
    return (e.start, 0, e.pk or 0) if e.line == 0 else (e.start, 1, e.index)
