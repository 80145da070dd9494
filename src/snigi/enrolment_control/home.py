"""The double-enrolment cards of the home page: for ANAM's control officer, the pairs left to
review and the runs; for a body, its notices waiting for an answer; for the report readers,
the double enrolments of the latest run."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from snigi.core.home import HomeCard
from snigi.core.models import User
from snigi.core.roles import Capability, role_has
from snigi.enrolment_control.models import CandidatePair, ControlRun, Notice
from snigi.enrolment_control.notify import notices_for


def _latest_done() -> ControlRun | None:
    return ControlRun.objects.filter(status=ControlRun.Status.DONE).order_by("-pk").first()


def enrolment_control_cards(user: User) -> list[HomeCard]:
    cards = []
    role = user.role
    latest = None
    if role_has(role, Capability.REVIEW_DOUBLE_ENROLMENT):
        latest = _latest_done()
        if latest is not None:
            undecided = CandidatePair.objects.filter(
                run=latest, band=CandidatePair.Band.REVIEW, decision__isnull=True
            ).count()
            cards.append(
                HomeCard(
                    _("Paires à revoir (dernier contrôle)"),
                    undecided,
                    reverse("enrolment-review:queue", args=[latest.pk]),
                )
            )
    if role_has(role, Capability.RUN_ENROLMENT_CONTROL):
        cards.append(
            HomeCard(
                _("Contrôles de double immatriculation"),
                ControlRun.objects.count(),
                reverse("enrolment-control:runs"),
            )
        )
    if role_has(role, Capability.ACT_ON_DOUBLE_ENROLMENT):
        cards.append(
            HomeCard(
                _("Doubles immatriculations signalées, en attente de suite"),
                notices_for(user).filter(outcome=Notice.Outcome.PENDING).count(),
                reverse("enrolment-control:notices"),
            )
        )
    if role_has(role, Capability.VIEW_ENROLMENT_CONTROL_REPORTS):
        latest = latest or _latest_done()
        if latest is not None:
            cards.append(
                HomeCard(
                    _("Rapport du dernier contrôle de double immatriculation"),
                    latest.finished_at.strftime("%d/%m/%Y") if latest.finished_at else "—",
                    reverse("enrolment-control:report", args=[latest.pk]),
                )
            )
    return cards
