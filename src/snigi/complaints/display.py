"""How the steps of a file's timeline are named on the pages (the record keeps a code)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

EVENT_LABELS: dict[str, str | Promise] = {
    "received": _("Reçu"),
    "acknowledged": _("Accusé de réception"),
    "notified": _("Message au demandeur"),
    "registered": _("Enregistré"),
    "entered": _("Saisi"),
    "validated": _("Validé et confié"),
    "reassigned": _("Réaffecté"),
    "returned": _("Renvoyé"),
    "medical_opinion_requested": _("Avis médical demandé"),
    "medical_opinion_given": _("Avis médical rendu"),
    "proposed": _("Décision proposée"),
    "decided": _("Décision"),
    "pieces_received": _("Pièces reçues"),
    "attachment_added": _("Pièce jointe"),
    "referral_answered": _("Réponse de l'organisme"),
    "referral_reminded": _("Relance"),
    "closed": _("Clos"),
    "expertise_concluded": _("Conclusions de l'expertise"),
    "medicine_assessed": _("Analyse du médicament"),
    "transparency_opinion": _("Avis de la commission de la transparence"),
    # the CPS/CSP procedure (commissions.py) and the deadline worker
    "explanations_requested": _("Explications écrites demandées"),
    "acknowledged_receipt": _("Accusé de réception de la lettre"),
    "explanations_received": _("Explications reçues"),
    "explanations_late": _("Explications hors délai, non retenues"),
    "explanations_expired": _("Délai d'explications échu"),
    "cps_closed": _("Classé par la CPS"),
    "cps_referred": _("Soumis à la CSP"),
    "csp_closed": _("Classé par la CSP"),
    "csp_suspended": _("Mise hors convention"),
    "csp_published": _("Décision de la CSP publiée"),
    "reinstated": _("Réintégration d'office"),
    "imported": _("Repris d'un registre historique"),
}


def event_label(kind: str) -> str | Promise:
    return EVENT_LABELS.get(kind, kind.replace("_", " "))


def timeline_rows(events: object) -> list[dict[str, object]]:
    return [
        {"event": event, "label": event_label(event.kind)}
        for event in events  # type: ignore[attr-defined]
    ]
