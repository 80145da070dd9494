"""Each role's home page: cards contributed by the apps, each filtered to the actor's scope.

An app registers a card provider in its ``AppConfig.ready`` with ``register_home_cards``; core
never imports a domain app to build the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from snigi.core import selectors
from snigi.core.models import Organisation, Province, Regime, Region, User
from snigi.core.roles import ANAM_ROLES, Capability, Role, role_has


@dataclass(frozen=True)
class HomeCard:
    title: str
    value: int | str
    url: str

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, int)


CardProvider = Callable[[User], Iterable[HomeCard]]
_PROVIDERS: list[tuple[int, CardProvider]] = []


def register_home_cards(provider: CardProvider, *, order: int = 50) -> None:
    """Add a provider of cards; lower ``order`` comes first. Registering twice is harmless."""
    if all(existing is not provider for _, existing in _PROVIDERS):
        _PROVIDERS.append((order, provider))
        _PROVIDERS.sort(key=lambda item: item[0])


def public_stats() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "provinces": Province.objects.count(),
        "organisations": Organisation.objects.count(),
        "regimes": Regime.objects.count(),
    }


def home_context(user: User) -> dict[str, object]:
    cards = [card for _, provider in _PROVIDERS for card in provider(user)]
    return {"cards": cards, "role_label": Role(user.role).label}


def core_cards(user: User) -> list[HomeCard]:
    cards = []
    if user.role in ANAM_ROLES or user.role == Role.ADMINISTRATOR:
        cards.append(
            HomeCard(
                _("Organismes gestionnaires"),
                selectors.organisation_list().filter(kind__in=MANAGING_KINDS).count(),
                reverse("core:reference"),
            )
        )
    if role_has(user.role, Capability.VIEW_AUDIT):
        counts = selectors.audit_counts_for_actor(actor=user)
        cards += [
            HomeCard(
                _("Consultations de dossiers journalisées"),
                counts.accesses,
                reverse("core:audit") + f"?action={counts.access_action}",
            ),
            HomeCard(_("Modifications journalisées"), counts.changes, reverse("core:audit")),
        ]
    if role_has(user.role, Capability.MANAGE_CALENDAR):
        cards.append(
            HomeCard(
                _("Jours fériés à confirmer"),
                selectors.holiday_list().filter(confirmed=False).count(),
                reverse("core:calendar"),
            )
        )
    return cards


MANAGING_KINDS = (
    Organisation.Kind.FUND,
    Organisation.Kind.MUTUAL,
    Organisation.Kind.INTERNAL_FUND,
)
