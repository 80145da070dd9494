"""Every index of SNIGI's tables earns its cost: each one is written on every insert (a fund's list
of a million rows, a national control run's pairs), so none may be a copy of the leading columns
of another (PostgreSQL uses the longer one for the same lookups)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

SNIGI_APPS = [config for config in apps.get_app_configs() if config.name.startswith("snigi.")]

# For each plain btree index: its table, name, columns and operator classes, and whether it is
# unique (a unique index enforces something: it is never redundant) or partial.
INDEXES = """
SELECT t.relname, ic.relname,
       string_to_array(i.indkey::text, ' ')::int[],
       string_to_array(i.indclass::text, ' ')::oid[],
       i.indisunique, i.indpred IS NOT NULL
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = ic.relam
WHERE t.relname = ANY(%s) AND am.amname = 'btree' AND i.indexprs IS NULL
"""


def _tables() -> list[str]:
    return [
        model._meta.db_table
        for config in SNIGI_APPS
        for model in config.get_models()  # not the many-to-many tables Django makes
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue")
def test_no_index_repeats_the_leading_columns_of_another():
    with connection.cursor() as cursor:
        cursor.execute(INDEXES, [_tables()])
        indexes = cursor.fetchall()
    assert len(indexes) > 50  # the catalogue was read
    redundant = []
    for table, name, columns, classes, unique, partial in indexes:
        if unique or partial:
            continue
        for other_table, other, other_columns, other_classes, _, other_partial in indexes:
            n = len(columns)
            if (
                other_table == table
                and other != name
                and not other_partial
                and len(other_columns) >= n
                and other_columns[:n] == columns
                and other_classes[:n] == classes
            ):
                redundant.append(f"{table}.{name} {columns} (led by {other} {other_columns})")
    assert not redundant, "redundant indexes:\n" + "\n".join(redundant)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's catalogue")
def test_a_cnie_has_one_index_and_a_missing_demo_key_none():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'beneficiaries_person'")
        definitions = [row[0] for row in cursor.fetchall()]
    assert len([d for d in definitions if "(cnie" in d]) == 1
    assert any("UNIQUE" in d and "(cnie)" in d for d in definitions)
    demo = [d for d in definitions if "(demo_key)" in d]
    assert len(demo) == 1
    assert "WHERE (demo_key IS NOT NULL)" in demo[0]
