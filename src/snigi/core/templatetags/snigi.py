"""Template helpers: pick the name of a record in the active language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


def localized_name(obj: object, field: str = "name") -> str:
    """``<field>_ar`` in Arabic, ``<field>_en`` in English when the record has one, else the
    official French ``<field>_fr``."""
    if obj is None:
        return ""
    language = (get_language() or "fr")[:2]
    if language in ("ar", "en"):
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return str(value)
    return str(getattr(obj, f"{field}_fr", "") or "")


def person_name(person: object) -> str:
    """Family name then first name, in Arabic script in the Arabic interface."""
    if person is None:
        return ""
    if (get_language() or "fr").startswith("ar"):
        arabic = f"{getattr(person, 'last_name_ar', '')} {getattr(person, 'first_name_ar', '')}"
        if arabic.strip():
            return arabic.strip()
    return f"{getattr(person, 'last_name_lat', '')} {getattr(person, 'first_name_lat', '')}".strip()


register.filter("localized_name", localized_name)
register.filter("person_name", person_name)
