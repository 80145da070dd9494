from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from snigi.core.navigation import nav_for


def navigation(request: HttpRequest) -> dict[str, object]:
    return {
        "nav_items": nav_for(getattr(request, "user", None)),
        "demo_mode": settings.DEMO_MODE,
    }
