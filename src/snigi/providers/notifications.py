"""Notifications to applicants and providers: kept in the database (the portal shows them) and
sent by mail, in French then Arabic, once the transaction that caused them has committed."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from snigi.core.bilingual import bilingual
from snigi.core.models import User
from snigi.providers.models import Application, Notification, Provider, ProviderChange

log = logging.getLogger(__name__)


def _send(notification_id: int, body: str = "") -> None:
    notification = Notification.objects.get(pk=notification_id)
    if not notification.recipient_email:
        return
    try:
        send_mail(
            notification.subject,
            body or notification.body,
            None,
            [notification.recipient_email],
        )
    except Exception as exc:  # noqa: BLE001 — a mail failure must not undo the decision
        log.warning("notification %s not sent: %s", notification_id, exc)
        Notification.objects.filter(pk=notification_id).update(error=str(exc)[:300])
    else:
        Notification.objects.filter(pk=notification_id).update(sent_at=timezone.now())


def notify(
    *,
    subject: Callable[[], str],
    body: Callable[[], str],
    email: str = "",
    user: User | None = None,
    application: Application | None = None,
    provider: Provider | None = None,
    secret: str = "",
) -> Notification:
    """Keep a notification and mail it after the commit (nothing is sent if the caller's
    transaction rolls back). A ``secret`` (the follow-up key) is mailed but never kept: the
    stored body masks it."""
    with translation.override("fr"):
        subject_fr = subject()
    text = bilingual(body)
    notification = Notification.objects.create(
        recipient_email=email,
        recipient_user=user,
        subject=subject_fr[:200],
        body=text.replace(secret, MASKED_TEXT) if secret else text,
        application=application,
        provider=provider,
    )
    transaction.on_commit(lambda: _send(notification.pk, text if secret else ""))
    return notification


MASKED_TEXT = "••••••••"


def follow_url(application: Application) -> str:
    return settings.PUBLIC_URL + reverse("providers:follow")


def _application_recipient(application: Application) -> tuple[str, User | None]:
    email = str(application.data.get("email", "")).strip()
    user = application.applicant
    if not email and user is not None:
        email = user.email
    return email, user


def application_received(application: Application, follow_key: str) -> Notification:
    email, user = _application_recipient(application)
    received = timezone.localtime(application.received_at).strftime("%d/%m/%Y %H:%M")
    return notify(
        subject=lambda: _("Demande de code INPE %(ref)s reçue") % {"ref": application.reference},
        body=lambda: (
            _(
                "Votre demande de code INPE a été reçue le %(date)s sous la référence %(ref)s.\n"
                "Clé de suivi (à garder) : %(key)s\n"
                "Suivre la demande : %(url)s"
            )
            % {
                "date": received,
                "ref": application.reference,
                "key": follow_key,
                "url": follow_url(application),
            }
        ),
        email=email,
        user=user,
        application=application,
        secret=follow_key,
    )


def application_incomplete(application: Application) -> Notification:
    email, user = _application_recipient(application)
    pieces = "\n".join(f"- {piece}" for piece in application.missing_pieces)
    return notify(
        subject=lambda: _("Demande INPE %(ref)s incomplète") % {"ref": application.reference},
        body=lambda: (
            _(
                "Votre demande %(ref)s est incomplète. Pièces manquantes :\n%(pieces)s\n"
                "Déposez-les sur %(url)s avec votre clé de suivi."
            )
            % {"ref": application.reference, "pieces": pieces, "url": follow_url(application)}
        ),
        email=email,
        user=user,
        application=application,
    )


def application_granted(application: Application) -> Notification:
    email, user = _application_recipient(application)
    code = application.provider.inpe if application.provider else ""
    return notify(
        subject=lambda: _("Votre code INPE : %(code)s") % {"code": code},
        body=lambda: (
            _(
                "Le code INPE %(code)s est attribué (demande %(ref)s). Il est permanent. "
                "L'attestation avec son code-barres se télécharge sur %(url)s."
            )
            % {"code": code, "ref": application.reference, "url": follow_url(application)}
        ),
        email=email,
        user=user,
        application=application,
        provider=application.provider,
    )


def application_refused(application: Application) -> Notification:
    email, user = _application_recipient(application)
    return notify(
        subject=lambda: _("Demande INPE %(ref)s refusée") % {"ref": application.reference},
        body=lambda: (
            _("Votre demande %(ref)s est refusée : %(reason)s")
            % {"ref": application.reference, "reason": application.decision_note}
        ),
        email=email,
        user=user,
        application=application,
    )


def _holder_recipients(provider: Provider) -> list[tuple[str, User | None]]:
    """The holder's accounts and the provider's own address (once), or a record with no
    address when there is none, so that the notice is kept all the same."""
    accounts = list(User.objects.filter(inpe=provider.inpe, is_active=True))
    recipients: list[tuple[str, User | None]] = [(a.email, a) for a in accounts]
    if provider.email and provider.email not in {a.email for a in accounts}:
        recipients.append((provider.email, None))
    return recipients or [("", None)]


def change_decided(change: ProviderChange) -> list[Notification]:
    """Tell the provider (its address and its accounts) that a declared change is recorded or
    rejected."""
    provider = change.provider
    recipients = _holder_recipients(provider)
    applied = change.status == ProviderChange.Status.APPLIED

    def subject() -> str:
        if applied:
            return _("INPE %(code)s : modification enregistrée") % {"code": provider.inpe}
        return _("INPE %(code)s : modification rejetée") % {"code": provider.inpe}

    def body() -> str:
        values = {
            "kind": change.get_kind_display(),
            "date": change.effective_on.strftime("%d/%m/%Y"),
            "note": change.note,
        }
        if applied:
            return _("La modification « %(kind)s » prend effet le %(date)s.") % values
        return _("La modification « %(kind)s » est rejetée : %(note)s") % values

    return [
        notify(subject=subject, body=body, email=email, user=user, provider=provider)
        for email, user in recipients
    ]


def code_reminder(provider: Provider) -> list[Notification]:
    """Someone applied online with this holder's identifiers: the holder (its address and its
    accounts) is reminded of the code, which the applicant was not told."""
    recipients = _holder_recipients(provider)
    return [
        notify(
            subject=lambda: _("Rappel de votre code INPE"),
            body=lambda: (
                _(
                    "Une demande de code INPE a été faite en ligne avec vos identifiants. "
                    "Vous détenez déjà le code INPE %(code)s : il est permanent, aucune "
                    "nouvelle demande n'est nécessaire. Si vous n'êtes pas à l'origine de "
                    "cette demande, informez l'ANAM (inpe@anam.ma)."
                )
                % {"code": provider.inpe}
            ),
            email=email,
            user=user,
            provider=provider,
        )
        for email, user in recipients
    ]
