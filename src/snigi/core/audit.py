"""Audit trail (law 09-08): every change to a domain record and every view of a person's file.

Built on django-auditlog: registered models get a ``LogEntry`` per create/update/delete with the
actor, the time and the fields before/after; ``record_access`` writes an ACCESS entry. Apps
register their own models through ``register`` in their ``AppConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import accessed
from django.db import models

__all__ = ["LogEntry", "record_access", "register", "register_models", "set_actor"]


def register(model: type[models.Model], **options: Any) -> None:
    if not auditlog.contains(model):
        auditlog.register(model, **options)


def register_models() -> None:
    from snigi.core import models as core

    for model in (
        core.Region,
        core.Province,
        core.Commune,
        core.Organisation,
        core.Regime,
        core.PublicHoliday,
    ):
        register(model)
    register(core.User, exclude_fields=["password", "last_login"])
    register(core.ApiToken, exclude_fields=["digest", "last_used_at"])


def record_access(instance: models.Model, *, actor: Any) -> None:
    """Log that ``actor`` viewed ``instance`` (a person's file)."""
    with set_actor(actor):
        accessed.send(sender=instance.__class__, instance=instance)
