"""Bulk loading of synthetic rows: COPY on PostgreSQL, multi-row inserts elsewhere.

The ORM's per-value preparation costs several times more than the database's own work; demo
and benchmark data (already validated by construction) bypass it here."""

from __future__ import annotations

from django.db import connection
from django.db.models import Model


def insert_rows(
    model: type[Model], columns: tuple[str, ...], rows: list[tuple[object, ...]]
) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":  # COPY: the fastest bulk path of PostgreSQL
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            quote(model._meta.db_table), ", ".join(quote(c) for c in columns)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
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
