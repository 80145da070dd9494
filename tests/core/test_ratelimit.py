"""The fixed-window rate limit counted in the database (``core.ratelimit.hit``)."""

from __future__ import annotations

import types

import pytest
from django.test import RequestFactory

from snigi.core import ratelimit
from snigi.core.models import RateCounter
from snigi.core.ratelimit import hit

pytestmark = pytest.mark.django_db
WINDOW = 3600
START = 1_800_000_000  # a multiple of the hour: the start of a window


@pytest.fixture
def clock(monkeypatch):
    """A settable clock for the limiter: ``clock.now`` in seconds since the epoch."""
    fake = types.SimpleNamespace(now=START)
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: fake.now))
    return fake


def request_from(address: str):
    return RequestFactory().post("/inpe/demande/professionnel/", REMOTE_ADDR=address)


def attempts(n: int, action: str = "apply", address: str = "198.51.100.1", limit: int = 3):
    return [
        hit(action, request_from(address), limit=limit, window_seconds=WINDOW) for _ in range(n)
    ]


def test_the_attempt_over_the_limit_is_refused(clock):
    assert attempts(5) == [True, True, True, False, False]
    counter = RateCounter.objects.get()
    assert (counter.key, counter.window, counter.hits) == ("apply:198.51.100.1", START, 5)


def test_a_new_window_starts_afresh(clock):
    assert attempts(4) == [True, True, True, False]
    clock.now = START + WINDOW - 1  # still the same window
    assert attempts(1) == [False]
    clock.now = START + WINDOW  # the next one
    assert attempts(4) == [True, True, True, False]
    assert sorted(RateCounter.objects.values_list("window", "hits")) == [
        (START, 5),
        (START + WINDOW, 4),
    ]


def test_windows_are_fixed_not_sliding(clock):
    clock.now = START + WINDOW - 10
    assert attempts(3) == [True, True, True]
    clock.now = START + WINDOW + 10  # 20 seconds later, but in the next window
    assert attempts(3) == [True, True, True]


def test_clients_and_actions_are_counted_apart(clock):
    assert attempts(4, address="198.51.100.1") == [True, True, True, False]
    assert attempts(3, address="198.51.100.2") == [True, True, True]
    assert attempts(3, action="follow", address="198.51.100.1") == [True, True, True]
    assert RateCounter.objects.count() == 3


def test_the_proxy_header_is_not_trusted_by_default(clock):
    """Without SNIGI_PROXY_COUNT, a client cannot reset its count by forging X-Forwarded-For."""
    results = [
        hit(
            "apply",
            RequestFactory().post(
                "/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
            ),
            limit=2,
            window_seconds=WINDOW,
        )
        for n in range(3)
    ]
    assert results == [True, True, False]


def test_a_limit_of_zero_refuses_everything(clock):
    assert attempts(2, limit=0) == [False, False]


def test_counters_older_than_a_day_are_cleared(clock):
    attempts(1)
    clock.now = START + 2 * 86_400
    attempts(1, address="198.51.100.9")
    assert list(RateCounter.objects.values_list("window", flat=True)) == [START + 2 * 86_400]


def test_a_very_long_key_is_cut_to_the_column(clock):
    assert attempts(1, action="x" * 200) == [True]
    assert len(RateCounter.objects.get().key) == 120
