"""A fixed-window rate limit on anonymous actions (the online INPE application…), counted in the
database so that every process of a deployment shares it (django-ratelimit needs memcached or
Redis, which SNIGI does not require)."""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from snigi.core.models import RateCounter


def client_address(request: HttpRequest) -> str:
    """The client address, trusting as many proxies as SNIGI_PROXY_COUNT (as the audit does)."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or "unknown"


def hit(action: str, request: HttpRequest, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of ``action`` by this client; False when it goes over ``limit`` in the
    current window (the attempt must then be refused)."""
    now = int(time.time())
    window = now - now % window_seconds
    key = f"{action}:{client_address(request)}"[:120]
    with transaction.atomic():
        updated = RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateCounter.objects.create(key=key, window=window, hits=1)
            except IntegrityError:  # created meanwhile by a concurrent request
                RateCounter.objects.filter(key=key, window=window).update(hits=F("hits") + 1)
            RateCounter.objects.filter(window__lt=window - 86_400).delete()
        hits = RateCounter.objects.filter(key=key, window=window).values_list("hits", flat=True)
        return (hits.first() or 0) <= limit
