"""Notifications of the INPE workflow (``providers.notifications``): kept in the database and
mailed once the transaction has committed, in French then Arabic; a mail failure is recorded and
never undoes the decision."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from snigi.providers.changes import change_declare
from snigi.providers.models import Application, Notification, Provider
from snigi.providers.services import application_check, application_grant, application_receive
from tests.providers.samples import doctor_form

pytestmark = pytest.mark.django_db
SEPARATOR = "\n\n— — —\n\n"
ARABIC = re.compile("[\u0600-\u06ff]")


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP injoignable")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the after-commit callbacks (the mail) as the real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def receive(n: int = 1, **extra) -> Application:
    return application_receive(
        actor=None, kind="professional", channel="online", data=doctor_form(n, **extra)
    )


def test_the_acknowledgement_gives_the_reference_and_the_key(on_commit, mailoutbox):
    with on_commit():
        application = receive()
    [mail] = mailoutbox
    assert mail.to == ["dr1@example.ma"]
    assert application.reference in mail.subject
    assert re.fullmatch(r"INPE-\d{4}-\d{6}", application.reference)
    french, arabic = mail.body.split(SEPARATOR)
    for half in (french, arabic):
        assert application.reference in half
        assert application.follow_key in half
        assert "/inpe/suivi/" in half
    assert "Clé de suivi" in french
    notification = Notification.objects.get(application=application)
    assert notification.sent_at is not None
    assert notification.error == ""


def test_the_acknowledgement_has_an_arabic_half(on_commit, mailoutbox):
    with on_commit():
        receive()
    arabic = mailoutbox[0].body.split(SEPARATOR)[1]
    assert ARABIC.search(arabic), "the second half of the mail should be in Arabic"


def test_the_key_is_mailed_but_never_kept_in_clear(on_commit, mailoutbox):
    with on_commit():
        application = receive()
    assert application.follow_key in mailoutbox[0].body
    stored = Application.objects.get(pk=application.pk)
    notification = Notification.objects.get(application=application)
    assert application.follow_key not in stored.follow_key_hash
    assert application.follow_key not in notification.body
    assert application.reference in notification.body


def receive_then_roll_back() -> None:
    with transaction.atomic():
        receive(2)
        raise RuntimeError("rolled back")


def test_nothing_is_mailed_before_the_commit_nor_after_a_rollback(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive(1)
    assert len(callbacks) == 1
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError, match="rolled back"):
            receive_then_roll_back()
    assert callbacks == []
    assert mailoutbox == []
    assert not Application.objects.filter(data__name="Dr Test 2").exists()


def test_an_incomplete_file_is_told_which_pieces_are_missing(ilyas, on_commit, mailoutbox):
    application = receive()
    with on_commit():
        application_check(
            actor=ilyas,
            application_id=application.pk,
            missing_pieces=["copie de la CNIE", "attestation de l'Ordre"],
        )
    [mail] = mailoutbox
    assert "incomplète" in mail.subject
    assert application.reference in mail.subject
    assert "- copie de la CNIE\n- attestation de l'Ordre" in mail.body
    mailoutbox.clear()
    with on_commit():
        application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    assert mailoutbox == []  # a complete file is not mailed: the code will be


def test_the_grant_mails_the_code(ilyas, on_commit, mailoutbox):
    application = receive()
    application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    with on_commit():
        application = application_grant(actor=ilyas, application_id=application.pk)
    code = application.provider.inpe
    [mail] = mailoutbox
    assert mail.to == ["dr1@example.ma"]
    assert code in mail.subject
    assert mail.body.count(code) == 2  # French and Arabic halves
    assert application.reference in mail.body
    assert Notification.objects.get(provider=application.provider).sent_at is not None


def test_a_duplicate_is_refused_by_mail_with_the_reason(ilyas, on_commit, mailoutbox):
    first = receive(1)
    application_check(actor=ilyas, application_id=first.pk, missing_pieces=[])
    first = application_grant(actor=ilyas, application_id=first.pk)
    posted = doctor_form(2, cnie="BK000001", email="encore@example.ma")
    with on_commit():  # a posted duplicate is kept, refused at once, and answered
        again = application_receive(actor=ilyas, kind="professional", channel="post", data=posted)
    assert again.status == Application.Status.REFUSED
    acknowledgement, mail = mailoutbox
    assert again.reference in acknowledgement.subject
    assert mail.to == ["encore@example.ma"]
    assert "refusée" in mail.subject
    assert again.decision_note in mail.body
    assert first.provider.inpe in mail.body


def test_a_mail_failure_is_recorded_and_does_not_undo_the_grant(
    ilyas, on_commit, mailoutbox, settings, caplog
):
    application = receive()
    application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with on_commit():
        granted = application_grant(actor=ilyas, application_id=application.pk)
    assert mailoutbox == []
    notification = Notification.objects.get(provider=granted.provider)
    assert "SMTP injoignable" in notification.error
    assert notification.sent_at is None
    stored = Application.objects.get(pk=application.pk)
    assert stored.status == Application.Status.GRANTED
    assert Provider.objects.filter(pk=granted.provider.pk).exists()
    assert "not sent" in caplog.text


def test_a_file_without_an_address_is_notified_without_mail(ilyas, on_commit, mailoutbox):
    data = doctor_form(3)
    del data["email"]
    with on_commit():
        application = application_receive(
            actor=ilyas,
            kind="professional",
            channel="post",
            data=data,
            received_at=timezone.now() - dt.timedelta(days=1),
        )
    assert mailoutbox == []
    notification = Notification.objects.get(application=application)
    assert notification.recipient_email == ""
    assert notification.sent_at is None
    assert notification.error == ""


def test_a_recorded_change_is_mailed_to_the_provider(register, ilyas, on_commit, mailoutbox):
    doctor = register(email="cabinet@example.ma")
    with on_commit():
        change_declare(
            actor=ilyas,
            inpe=doctor.inpe,
            kind="contact",
            effective_on=timezone.localdate(),
            values={"phone": "0522000000"},
        )
    [mail] = mailoutbox
    assert mail.to == ["cabinet@example.ma"]
    assert doctor.inpe in mail.subject
    assert timezone.localdate().strftime("%d/%m/%Y") in mail.body
