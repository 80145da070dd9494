"""Reads of the CPS/CSP procedure: the cases by stage with their deadlines, the sessions, the
alerts of a role, the moratoria, and the public list of published suspensions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from snigi.complaints.models import Alert, CommissionSession, ConventionCase, Moratorium
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.core.scoping import require

Stage = ConventionCase.Stage


def case_list(*, actor: User, stage: str = "") -> QuerySet[ConventionCase]:
    """The convention cases, for ANAM's complaint staff: the open ones first, the nearest
    explanations deadline first."""
    require(actor, Capability.VIEW_COMPLAINTS)
    cases = ConventionCase.objects.select_related(
        "complaint", "provider", "cps_session", "csp_session"
    )
    if stage in Stage.values:
        cases = cases.filter(stage=stage)
    open_first = Case(
        When(stage__in=[Stage.EXPLANATIONS, Stage.CPS, Stage.CSP], then=Value(0)), default=Value(1)
    )
    return cases.order_by(
        open_first, F("explanations_due_on").asc(nulls_last=True), "sent_on", "pk"
    )


def case_get(*, actor: User, case_id: int) -> ConventionCase:
    require(actor, Capability.VIEW_COMPLAINTS)
    return get_object_or_404(
        ConventionCase.objects.select_related(
            "complaint", "provider__category", "provider__commune", "cps_session", "csp_session"
        ),
        pk=case_id,
    )


@dataclass(frozen=True)
class Deadline:
    """What the case waits for, and until when (``late``: the date has passed)."""

    label: str | Promise
    on: datetime.date | None
    late: bool


def case_deadline(case: ConventionCase, today: datetime.date | None = None) -> Deadline:
    """The next date that matters for a case."""
    today = today or timezone.localdate()
    if case.stage == Stage.EXPLANATIONS:
        if case.letter_sent_on is None:
            return Deadline(_("lettre recommandée à envoyer"), None, False)
        if case.explanations_due_on is None:
            return Deadline(_("accusé de réception attendu"), None, False)
        due = case.explanations_due_on
        return Deadline(_("explications attendues au plus tard le"), due, due < today)
    if case.stage in (Stage.CPS, Stage.CSP):
        return Deadline(_("en attente de la séance"), None, False)
    if case.stage == Stage.SUSPENDED and case.suspension_end is not None:
        ended = case.suspension_end < today
        label = _("réintégré d'office, suspension finie le") if ended else _("suspendu jusqu'au")
        return Deadline(label, case.suspension_end, False)
    return Deadline(_("procédure close"), None, False)


def session_list(*, actor: User) -> QuerySet[CommissionSession]:
    require(actor, Capability.VIEW_COMPLAINTS)
    return CommissionSession.objects.all()


def sessions_for(commission: str) -> QuerySet[CommissionSession]:
    """The sessions already held, for the decision forms, the latest first."""
    return CommissionSession.objects.filter(
        commission=commission, held_on__lte=timezone.localdate()
    ).order_by("-held_on", "-pk")


def moratorium_list(*, actor: User) -> QuerySet[Moratorium]:
    if not (
        role_has(actor.role, Capability.MANAGE_MORATORIUM)
        or role_has(actor.role, Capability.VIEW_COMPLAINTS)
    ):
        require(actor, Capability.MANAGE_MORATORIUM)
    return Moratorium.objects.select_related("decided_by")


def alerts_for(*, actor: User, include_resolved: bool = False) -> QuerySet[Alert]:
    """The alerts addressed to the actor's role; a legal officer's, for their own files (and
    files not yet assigned)."""
    require(actor, Capability.VIEW_COMPLAINTS)
    alerts = Alert.objects.filter(role=actor.role).select_related("complaint")
    if actor.role == Role.ANAM_LEGAL_OFFICER:
        alerts = alerts.filter(
            Q(complaint__legal_officer=actor) | Q(complaint__legal_officer__isnull=True)
        )
    if not include_resolved:
        alerts = alerts.filter(resolved_at__isnull=True)
    return alerts.order_by("due_on", "pk")


def published_suspensions() -> QuerySet[ConventionCase]:
    """Public data: the CSP's suspensions the director general had published, the latest
    first. Nothing of the complaint itself is shown (only the provider and the decision)."""
    return (
        ConventionCase.objects.filter(stage=Stage.SUSPENDED, published_on__isnull=False)
        .select_related("provider__category", "provider__commune", "csp_session")
        .order_by("-suspension_start", "-pk")
    )
