"""Who may see what: an actor's scope, derived from their single role.

Selectors of every app start from ``scope_for(actor)`` and filter accordingly; a view or an API
never filters by role itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from snigi.core.models import User
from snigi.core.roles import ANAM_ROLES, Capability, Role, role_has


@dataclass(frozen=True)
class Scope:
    role: str
    national: bool = False
    organisation_ids: frozenset[int] = frozenset()
    inpe: str = ""
    cnie: str = ""


def scope_for(actor: object) -> Scope:
    """The scope of an authenticated actor; anonymous actors have none."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDenied("Authentification requise.")
    role = actor.role  # type: ignore[attr-defined]
    if role in ANAM_ROLES or role in {Role.AUDITOR, Role.ADMINISTRATOR}:
        return Scope(role=role, national=True)
    if role == Role.FUND_AGENT:
        organisation = actor.organisation  # type: ignore[attr-defined]
        ids = {organisation.pk, *organisation.children.values_list("pk", flat=True)}
        return Scope(role=role, organisation_ids=frozenset(ids))
    if role == Role.PROVIDER:
        return Scope(role=role, inpe=actor.inpe)  # type: ignore[attr-defined]
    if role == Role.INSURED:
        return Scope(role=role, cnie=actor.cnie)  # type: ignore[attr-defined]
    raise PermissionDenied("Rôle inconnu.")


def require(actor: object, capability: Capability) -> None:
    """Raise PermissionDenied unless the actor's role carries the capability."""
    if not getattr(actor, "is_authenticated", False) or not getattr(actor, "is_active", False):
        raise PermissionDenied("Authentification requise.")
    if not role_has(actor.role, capability):  # type: ignore[attr-defined]
        raise PermissionDenied("Votre rôle ne permet pas cette action.")


def request_actor(request: object) -> User:
    """The account behind a request: the API's authenticated principal (``request.auth``), else
    the session user. Views and APIs pass it to services and selectors as ``actor``."""
    actor = getattr(request, "auth", None) or getattr(request, "user", None)
    if not isinstance(actor, User):
        raise PermissionDenied("Authentification requise.")
    return actor
