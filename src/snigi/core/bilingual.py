"""Messages to people in French then Arabic (the official languages), one after the other."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import translation

LANGUAGES = ("fr", "ar")
SEPARATOR = "\n\n— — —\n\n"


def bilingual(build: Callable[[], str]) -> str:
    """``build`` (which uses gettext) run in French then in Arabic, the two texts joined."""
    parts = []
    for language in LANGUAGES:
        with translation.override(language):
            parts.append(build())
    return SEPARATOR.join(parts)
