"""The complaints cards of the home page: the files waiting for the signed-in role's step and
its open alerts; for a requester, their complaints."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from snigi.complaints.selectors import complaint_queue, complaints_filed_by
from snigi.complaints.selectors_commissions import alerts_for
from snigi.core.home import HomeCard
from snigi.core.models import User
from snigi.core.roles import Capability, role_has


def complaint_cards(user: User) -> list[HomeCard]:
    cards = []
    if role_has(user.role, Capability.VIEW_COMPLAINTS):
        cards.append(
            HomeCard(
                _("Réclamations en attente de votre étape"),
                complaint_queue(actor=user).count(),
                reverse("complaints:home"),
            )
        )
        alerts = alerts_for(actor=user).count()
        if alerts:
            cards.append(HomeCard(_("Alertes"), alerts, reverse("complaints-commissions:alerts")))
    if role_has(user.role, Capability.FILE_COMPLAINTS):
        cards.append(
            HomeCard(
                _("Mes réclamations"),
                complaints_filed_by(actor=user).count(),
                reverse("complaints:mine"),
            )
        )
    return cards
