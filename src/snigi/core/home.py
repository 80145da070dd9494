"""What each role's home page shows: a few cards with counts in the actor's scope."""

from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from snigi.core.models import Organisation, Province, PublicHoliday, Regime, Region, User
from snigi.core.roles import ANAM_ROLES, Capability, Role, role_has
from snigi.core.templatetags.snigi import person_name


def public_stats() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "provinces": Province.objects.count(),
        "organisations": Organisation.objects.count(),
        "regimes": Regime.objects.count(),
    }


def home_context(user: User) -> dict[str, object]:
    from snigi.beneficiaries import selectors as people

    cards: list[dict[str, object]] = []
    if role_has(user.role, Capability.VIEW_PERSON):
        scoped = people.person_list_for_actor(actor=user)
        cards.append(
            {
                "title": _("Personnes dans votre périmètre"),
                "value": scoped.count(),
                "url": reverse("beneficiaries:list"),
            }
        )
    if user.role == Role.INSURED:
        own = people.person_list_for_actor(actor=user).filter(cnie=user.cnie).first()
        if own is not None:
            cards.append(
                {
                    "title": _("Mon dossier"),
                    "value": person_name(own),
                    "url": reverse("beneficiaries:detail", args=[own.pk]),
                }
            )
    if user.role in ANAM_ROLES or user.role == Role.ADMINISTRATOR:
        by_kind = dict(Organisation.objects.values_list("kind").annotate(n=Count("pk")).order_by())
        cards.append(
            {
                "title": _("Organismes gestionnaires"),
                "value": sum(by_kind.get(k, 0) for k in ("fund", "mutual", "internal_fund")),
                "url": reverse("core:reference"),
            }
        )
    if role_has(user.role, Capability.VIEW_AUDIT):
        from snigi.core.audit import LogEntry

        cards.append(
            {
                "title": _("Consultations de dossiers journalisées"),
                "value": LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count(),
                "url": reverse("core:audit") + f"?action={LogEntry.Action.ACCESS}",
            }
        )
        cards.append(
            {
                "title": _("Modifications journalisées"),
                "value": LogEntry.objects.exclude(action=LogEntry.Action.ACCESS).count(),
                "url": reverse("core:audit"),
            }
        )
    if role_has(user.role, Capability.MANAGE_CALENDAR):
        cards.append(
            {
                "title": _("Jours fériés à confirmer"),
                "value": PublicHoliday.objects.filter(confirmed=False).count(),
                "url": reverse("core:calendar"),
            }
        )
    for card in cards:
        card["is_number"] = isinstance(card["value"], int)
    return {"cards": cards, "role_label": Role(user.role).label}
