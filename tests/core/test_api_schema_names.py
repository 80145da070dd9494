"""Two API schemas of the same name would share one OpenAPI component (the last one wins), so
that the document describes one of them wrongly: every name is given once."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import snigi.api  # noqa: F401 - loads every router and its schemas


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_every_api_schema_has_its_own_name():
    by_name: dict[str, list[type]] = defaultdict(list)
    for model in _subclasses(Schema):
        if model.__module__.startswith("snigi."):
            by_name[model.__name__].append(model)
    clashes = {
        name: [m.__module__ for m in models]
        for name, models in by_name.items()
        if len({str(m.model_json_schema()) for m in models}) > 1
    }
    assert clashes == {}
