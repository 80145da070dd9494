"""The persons cards of the home page, registered by the app."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from snigi.beneficiaries import selectors
from snigi.core.home import HomeCard
from snigi.core.models import User
from snigi.core.roles import Capability, Role, role_has
from snigi.core.templatetags.snigi import person_name


def person_cards(user: User) -> list[HomeCard]:
    if not role_has(user.role, Capability.VIEW_PERSON):
        return []
    scoped = selectors.person_list_for_actor(actor=user)
    cards = [
        HomeCard(_("Personnes dans votre périmètre"), scoped.count(), reverse("beneficiaries:list"))
    ]
    if user.role == Role.INSURED:
        own = scoped.filter(cnie=user.cnie).first()
        if own is not None:
            cards.append(
                HomeCard(
                    _("Mon dossier"),
                    person_name(own),
                    reverse("beneficiaries:detail", args=[own.pk]),
                )
            )
            cards.append(HomeCard(_("Mon espace"), _("Mes droits"), reverse("my-space")))
    return cards
