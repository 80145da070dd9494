"""The requester is told, in French then Arabic, when their complaint is received and when ANAM
decides (with the missing pieces of an incomplete file, or the body it was referred to). The
message is a public step of the file's timeline (the portal shows it) and is mailed, once the
transaction has committed, when the requester gave an address."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from snigi.complaints.models import Complaint, Decision, Event
from snigi.core.bilingual import bilingual

log = logging.getLogger(__name__)


def _mail(subject: str, body: str, address: str, reference: str) -> None:
    try:
        send_mail(subject, body, None, [address])
    except Exception as exc:  # noqa: BLE001 - a mail failure must not undo the step
        log.warning("complaint %s: notification not mailed: %s", reference, exc)


def _notify(complaint: Complaint, subject: Callable[[], str], body: Callable[[], str]) -> Event:
    with translation.override("fr"):
        subject_fr = subject()
    text = bilingual(body)
    event = Event.objects.create(
        complaint=complaint, kind="notified", status=complaint.status, note=text, public=True
    )
    address = complaint.requester_email
    if address:
        transaction.on_commit(lambda: _mail(subject_fr, text, address, complaint.reference))
    return event


def notify_received(complaint: Complaint) -> Event:
    return _notify(
        complaint,
        lambda: _("Réclamation %(reference)s reçue") % {"reference": complaint.reference},
        lambda: (
            _(
                "L'Agence nationale de l'assurance maladie a reçu le %(day)s votre réclamation "
                "« %(subject)s ». Sa référence est %(reference)s : rappelez-la dans toute "
                "correspondance."
            )
            % {
                "day": complaint.received_on.strftime("%d/%m/%Y"),
                "subject": complaint.subject,
                "reference": complaint.reference,
            }
        ),
    )


def _decision_text(complaint: Complaint) -> str:
    decision = Decision(complaint.decision)
    lines = [
        _("Décision de l'Agence sur votre réclamation %(reference)s : %(decision)s.")
        % {"reference": complaint.reference, "decision": decision.label}
    ]
    if decision == Decision.INCOMPLETE:
        lines.append(
            _("Votre dossier est incomplet. Pièces à fournir : %(pieces)s")
            % {"pieces": complaint.missing_pieces}
        )
    elif decision == Decision.REFERRAL:
        bodies = ", ".join(r.body.code for r in complaint.referrals.select_related("body"))
        lines.append(
            _("Votre dossier a été transmis pour suite à donner à : %(bodies)s.")
            % {"bodies": bodies}
        )
    elif complaint.decision_reason:
        lines.append(_("Motifs : %(reason)s") % {"reason": complaint.decision_reason})
    return "\n".join(lines)


def notify_decision(complaint: Complaint) -> Event:
    return _notify(
        complaint,
        lambda: _("Réclamation %(reference)s : décision") % {"reference": complaint.reference},
        lambda: _decision_text(complaint),
    )
