"""Bulk loading of synthetic rows: COPY on PostgreSQL, multi-row inserts elsewhere.

The ORM's per-value preparation costs several times more than the database's own work; demo
and benchmark data (already validated by construction) and a fund's list of beneficiaries
(checked row by row, ``beneficiaries.list_import``) bypass it here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


def insert_rows(
    model: type[Model],
    columns: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    *,
    connection: BaseDatabaseWrapper | None = None,
    binary: bool = False,
) -> None:
    """``connection``: the current thread's by default (another thread may be given the
    caller's, with ``inc_thread_sharing``). ``binary``: COPY in binary format on PostgreSQL
    (the server parses no text: a tenth less of its work for a wide row)."""
    if not rows:
        return
    connection = connection or default_connection
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":  # COPY: the fastest bulk path of PostgreSQL
        copy_sql = "COPY {} ({}) FROM STDIN{}".format(
            quote(model._meta.db_table),
            ", ".join(quote(c) for c in columns),
            " (FORMAT BINARY)" if binary else "",
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            if binary:
                fields = {f.column: f for f in model._meta.concrete_fields}
                copy.set_types([_type_name(fields[c].db_type(connection)) for c in columns])
            for row in rows:
                copy.write_row(row)
        return
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[offset : offset + 5000])


def _type_name(db_type: str | None) -> str:
    """The PostgreSQL type name psycopg knows for a column type (``varchar(80)`` → varchar)."""
    name = (db_type or "").split("(")[0].strip()
    return {"timestamp with time zone": "timestamptz", "double precision": "float8"}.get(name, name)
