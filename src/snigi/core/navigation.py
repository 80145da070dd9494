"""Navigation per role: each entry names the capability it needs (None: every signed-in user)."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from snigi.core.roles import Capability, role_has


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    capability: Capability | None = None
    staff_only: bool = False


NAV_ITEMS = (
    NavItem(_("Accueil"), "core:home"),
    NavItem(_("Personnes"), "beneficiaries:list", Capability.VIEW_PERSON),
    NavItem(_("Droits"), "rights", Capability.CHECK_RIGHTS),
    NavItem(_("Immatriculer"), "beneficiaries:enrol", Capability.ENROL_PERSONS),
    NavItem(_("RAMED"), "ramed:list", Capability.MANAGE_RAMED),
    NavItem(_("Listes reçues"), "enrolment-control:lists", Capability.SUBMIT_ENROLMENT_LISTS),
    NavItem(
        _("Contrôles de double immatriculation"),
        "enrolment-control:runs",
        Capability.RUN_ENROLMENT_CONTROL,
    ),
    NavItem(
        _("Doubles immatriculations signalées"),
        "enrolment-control:notices",
        Capability.ACT_ON_DOUBLE_ENROLMENT,
    ),
    NavItem(_("Annuaire INPE"), "providers:directory"),
    NavItem(_("Bureau INPE"), "providers:desk", Capability.MANAGE_PROVIDERS),
    NavItem(_("Réclamations"), "complaints:home", Capability.VIEW_COMPLAINTS),
    NavItem(_("Commissions CPS/CSP"), "complaints-commissions:cases", Capability.VIEW_COMPLAINTS),
    NavItem(
        _("Statistiques des réclamations"),
        "complaints-statistics:statistics",
        Capability.VIEW_COMPLAINT_STATISTICS,
    ),
    NavItem(_("Moratoire"), "complaints-commissions:moratorium", Capability.MANAGE_MORATORIUM),
    NavItem(_("Mes réclamations"), "complaints:mine", Capability.FILE_COMPLAINTS),
    NavItem(_("Référentiels"), "core:reference"),
    NavItem(_("Calendrier"), "core:calendar"),
    NavItem(_("Journal d'audit"), "core:audit", Capability.VIEW_AUDIT),
    NavItem(_("API"), "api-v1:openapi-view"),
    NavItem(_("Administration"), "admin:index", Capability.MANAGE_REFERENCE_DATA, True),
)


def nav_for(user: object) -> list[dict[str, object]]:
    if not getattr(user, "is_authenticated", False):
        return [
            {"label": _("Accueil"), "url": reverse("core:home")},
            {"label": _("Annuaire INPE"), "url": reverse("providers:directory")},
            {"label": _("Demander un code INPE"), "url": reverse("providers:apply_start")},
            {
                "label": _("Mises hors convention"),
                "url": reverse("complaints-commissions:decisions"),
            },
            {"label": _("Référentiels"), "url": reverse("core:reference")},
            {"label": _("Calendrier"), "url": reverse("core:calendar")},
        ]
    role = getattr(user, "role", "")
    return [
        {"label": item.label, "url": reverse(item.url_name)}
        for item in NAV_ITEMS
        if (item.capability is None or role_has(role, item.capability))
        and (not item.staff_only or getattr(user, "is_staff", False))
    ]
