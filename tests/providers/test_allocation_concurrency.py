"""50 simultaneous allocations on PostgreSQL give 50 distinct codes."""

import os
import threading

import pytest
from django.db import connection, connections

from snigi.providers.services import allocate_inpe

pytestmark = pytest.mark.skipif(
    not os.environ.get("SNIGI_DATABASE_URL", "").startswith("postgres"),
    reason="row locks are PostgreSQL's; the PostgreSQL stage of scripts/test runs this",
)


@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_allocations_give_fifty_distinct_codes():
    from django.db import transaction

    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(50)
    codes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                code = allocate_inpe()
            with lock:
                codes.append(code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(codes) == 50
    assert len(set(codes)) == 50
