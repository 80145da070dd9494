"""The directory's capped count switches PostgreSQL's ordered index scans off for itself only."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from snigi.providers.selectors import DirectoryPaginator, provider_search

pytestmark = pytest.mark.django_db


def test_the_count_is_right_and_the_planner_settings_do_not_leak(register):
    for n in range(3):
        register(name=f"Pharmacie Test {n}")
    register(name="Cabinet Autre")
    with transaction.atomic():  # as inside a request wrapped in a transaction
        paginator = DirectoryPaginator(provider_search(q="pharmacie"), 2)
        assert paginator.count == 3
        assert paginator.num_pages == 2
        assert not paginator.capped
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_indexscan")
                assert cursor.fetchone()[0] == "on"
                cursor.execute("SHOW enable_indexonlyscan")
                assert cursor.fetchone()[0] == "on"


def test_the_count_stops_at_the_cap(register, monkeypatch):
    from snigi.providers import selectors

    monkeypatch.setattr(selectors, "DIRECTORY_COUNT_CAP", 2)
    for n in range(4):
        register(name=f"Clinique Plafond {n}")
    paginator = DirectoryPaginator(provider_search(q="plafond"), 1)
    assert paginator.capped
    assert paginator.count == 3  # the cap + 1: "more than 2"
    assert paginator.num_pages == 2  # never more pages than the cap gives
