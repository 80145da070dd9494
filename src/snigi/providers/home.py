"""Home-page cards of the INPE registry: the officer's queue, the holder's own file."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from snigi.core.home import HomeCard
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.providers.models import Application, Provider, ProviderChange


def inpe_cards(user: User) -> list[HomeCard]:
    cards = []
    if role_has(user.role, Capability.MANAGE_PROVIDERS):
        desk = reverse("providers:desk")
        complete = Application.objects.filter(status=Application.Status.COMPLETE)
        cards += [
            HomeCard(_("Dossiers INPE complets à attribuer"), complete.count(), desk),
            HomeCard(
                _("Dossiers INPE en retard (48 heures)"),
                complete.filter(deadline_at__lt=timezone.now()).count(),
                desk,
            ),
            HomeCard(
                _("Dossiers INPE à vérifier"),
                Application.objects.filter(status__in=["received", "incomplete"]).count(),
                desk,
            ),
            HomeCard(
                _("Modifications déclarées à valider"),
                ProviderChange.objects.filter(status=ProviderChange.Status.DECLARED).count(),
                desk,
            ),
        ]
    if user.role == Role.PROVIDER and user.inpe:
        provider = Provider.objects.filter(inpe=user.inpe).first()
        if provider is not None:
            cards.append(
                HomeCard(
                    _("Mon dossier INPE"),
                    provider.inpe,
                    reverse("providers:file", args=[provider.inpe]),
                )  # fmt: skip
            )
    return cards
