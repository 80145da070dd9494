"""Audit trail (law 09-08): every change to a domain record and every view of a person's file.

Built on django-auditlog: registered models get a ``LogEntry`` per create/update/delete with the
actor, the time, the client address and the fields before/after; ``record_access`` and
``record_list_access`` write ACCESS entries. Apps register their models through ``register`` in
their ``AppConfig.ready``. Services attribute their writes with ``acting_as(actor)``, which keeps
the request's client address (set by auditlog's middleware) and restores the request context
afterwards.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from auditlog.context import auditlog_value, set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

__all__ = [
    "LogEntry",
    "acting_as",
    "record_access",
    "record_list_access",
    "register",
    "register_models",
]


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


def _request_context() -> dict[str, Any] | None:
    try:
        return auditlog_value.get()
    except LookupError:
        return None


@contextlib.contextmanager
def acting_as(actor: Any) -> Iterator[None]:
    """Attribute the audit entries written inside the block to ``actor`` (None: the system),
    with the client address of the current request if there is one."""
    outer = _request_context()
    try:
        with set_actor(
            actor,
            remote_addr=outer.get("remote_addr") if outer else None,
            remote_port=outer.get("remote_port") if outer else None,
        ):
            yield
    finally:
        if outer is not None:
            auditlog_value.set(outer)


def record_access(instance: models.Model, *, actor: Any, purpose: str = "file") -> None:
    """Log that ``actor`` viewed ``instance`` (a person's file), and why: ``purpose`` says through
    what (``file``: the file page or API, ``rights_check``, ``enrolment``, ``download``…).

    The entry is the one ``LogEntry.objects.create`` would write, in one plain INSERT (the
    ORM's insert compiler cost a rights check more than the INSERT itself), or through ``save``
    should a signal ever listen to ``LogEntry``. Committed as any other write (autocommit, or
    the caller's transaction)."""
    context = _request_context() or {}
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(instance.__class__),
        object_pk=str(instance.pk),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=LogEntry.Action.ACCESS,
        actor=actor,
        actor_email=getattr(actor, "email", None) or None,
        remote_addr=context.get("remote_addr"),
        remote_port=context.get("remote_port"),
        timestamp=timezone.now(),
        additional_data={"via": purpose},
    )
    if pre_save.has_listeners(LogEntry) or post_save.has_listeners(LogEntry):
        entry.save(force_insert=True)
    else:
        _insert(entry)


def _insert(entry: LogEntry) -> None:
    """INSERT one entry as the ORM would: its fields but the automatic key, each prepared by
    the field for the connection."""
    fields = [f for f in LogEntry._meta.local_concrete_fields if f is not LogEntry._meta.auto_field]
    using = router.db_for_write(LogEntry)
    connection = connections[using]
    sql = _insert_sql(connection.vendor, using)
    values = [f.get_db_prep_save(f.pre_save(entry, True), connection) for f in fields]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, values)


@functools.cache
def _insert_sql(vendor: str, using: str) -> str:
    quote = connections[using].ops.quote_name
    meta = LogEntry._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608


def record_list_access(instances: Iterable[models.Model], *, actor: Any, query: str = "") -> int:
    """Log that ``actor`` was shown these records in a list or a search (one entry each,
    written in one statement); returns how many were logged."""
    rows = list(instances)
    if not rows:
        return 0
    context = _request_context() or {}
    now = timezone.now()
    content_type = ContentType.objects.get_for_model(rows[0].__class__)
    entries = [
        LogEntry(
            content_type=content_type,
            object_pk=str(row.pk),
            object_id=row.pk,
            object_repr=str(row)[:200],
            action=LogEntry.Action.ACCESS,
            actor=actor,
            actor_email=getattr(actor, "email", None) or None,
            remote_addr=context.get("remote_addr"),
            remote_port=context.get("remote_port"),
            timestamp=now,
            additional_data={"via": "list", "query": query[:100]},
        )
        for row in rows
    ]
    LogEntry.objects.bulk_create(entries)
    return len(entries)
