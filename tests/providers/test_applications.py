import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from snigi.core.inpe import is_valid_inpe
from snigi.providers.models import Application, Notification
from snigi.providers.selectors import application_work_queue
from snigi.providers.services import (
    GRANT_DELAY,
    DuplicateProvider,
    application_check,
    application_grant,
    application_receive,
)

pytestmark = pytest.mark.django_db


def doctor_form(n: int = 1) -> dict[str, str]:
    return {
        "category_code": "MEDECIN_GENERALISTE", "sector": "private", "name": f"Dr Test {n}",
        "commune_code": "141.001", "cnie": f"BK{n:06d}", "order_number": f"ORD-{n}",
    }  # fmt: skip


def clinic_form(n: int = 1) -> dict[str, str]:
    return {
        "category_code": "CLINIQUE", "sector": "private", "name": f"Clinique {n}",
        "commune_code": "141.001", "authorisation_number": f"AUT-{n}",
    }  # fmt: skip


def test_online_application_from_receipt_to_code(ilyas):
    application = application_receive(actor=None, kind="professional", channel="online",
                                      data=doctor_form())  # fmt: skip
    assert application.status == "received"
    application = application_check(actor=ilyas, application_id=application.pk,
                                    missing_pieces=["attestation de l'Ordre", " "])  # fmt: skip
    assert application.status == "incomplete"
    assert application.missing_pieces == ["attestation de l'Ordre"]
    with pytest.raises(ValidationError, match="complète"):
        application_grant(actor=ilyas, application_id=application.pk)
    application = application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])
    assert application.status == "complete"
    assert application.deadline_at - application.completed_at == GRANT_DELAY
    application = application_grant(actor=ilyas, application_id=application.pk)
    assert application.status == "granted"
    assert is_valid_inpe(application.provider.inpe)
    assert application.provider.name == "Dr Test 1"


def test_officer_records_a_posted_file_with_its_receipt_date(ilyas, persona):
    posted = timezone.now() - dt.timedelta(days=3)
    application = application_receive(actor=ilyas, kind="professional", channel="post",
                                      data=doctor_form(), received_at=posted)  # fmt: skip
    assert application.received_at == posted
    with pytest.raises(ValidationError, match="futur"):
        application_receive(actor=ilyas, kind="professional", channel="fax", data=doctor_form(2),
                            received_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    with pytest.raises(PermissionDenied):
        application_receive(actor=persona("karim"), kind="professional", channel="email",
                            data=doctor_form(3))  # fmt: skip
    with pytest.raises(PermissionDenied):
        application_receive(actor=None, kind="professional", channel="hand", data=doctor_form(4))
    with pytest.raises(ValidationError, match="Champs inconnus"):
        application_receive(actor=None, kind="professional", channel="online",
                            data={**doctor_form(5), "salary": "1"})  # fmt: skip
    with pytest.raises(ValidationError, match="Canal"):
        application_receive(actor=ilyas, kind="professional", channel="pigeon", data=doctor_form(6))
    assert Application.objects.count() == 1


def complete(ilyas, kind: str, data: dict[str, str], **extra) -> Application:
    application = application_receive(actor=None, kind=kind, channel="online", data=data, **extra)
    return application_check(actor=ilyas, application_id=application.pk, missing_pieces=[])


def test_duplicate_application_is_refused_with_the_existing_code(ilyas):
    first = application_grant(actor=ilyas, application_id=complete(ilyas, "professional",
                                                                   doctor_form(7)).pk)  # fmt: skip
    before = Application.objects.count()
    with pytest.raises(ValidationError, match="existe déjà") as refused:
        application_receive(actor=None, kind="professional", channel="online",
                            data={**doctor_form(8), "cnie": "bk 000007"})  # fmt: skip
    # online: refused at once, nothing kept, and the code is not given to whoever typed the
    # CNIE (law 09-08); the registered holder is reminded of it instead
    assert first.provider.inpe not in str(refused.value)
    assert not isinstance(refused.value, DuplicateProvider)
    assert Application.objects.count() == before
    reminder = Notification.objects.get(provider=first.provider, subject__contains="Rappel")
    assert first.provider.inpe in reminder.body
    posted = application_receive(actor=ilyas, kind="professional", channel="post",
                                 data={**doctor_form(8), "cnie": "BK000007"})  # fmt: skip
    assert posted.status == "refused"  # a posted file is kept, refused, and answered
    assert first.provider.inpe in posted.decision_note


def test_a_second_application_while_the_first_is_handled_is_refused(ilyas):
    first = application_receive(actor=None, kind="professional", channel="online",
                                data=doctor_form(12))  # fmt: skip
    again = {**doctor_form(13), "cnie": doctor_form(12)["cnie"].lower()}
    with pytest.raises(ValidationError, match=first.reference):  # the officer is told which
        application_receive(actor=ilyas, kind="professional", channel="email", data=again)
    with pytest.raises(ValidationError, match="déjà en cours") as online:
        application_receive(actor=None, kind="professional", channel="online", data=again)
    assert first.reference not in str(online.value)
    same_order = {**doctor_form(14), "order_number": doctor_form(12)["order_number"]}
    with pytest.raises(ValidationError, match="Ordre"):
        application_receive(actor=None, kind="professional", channel="online", data=same_order)


def test_a_holder_registered_meanwhile_makes_the_grant_a_refusal(ilyas, register):
    application = complete(ilyas, "professional", doctor_form(15))
    holder = register(cnie=doctor_form(15)["cnie"], order_number="ORD-ELSEWHERE")
    refused = application_grant(actor=ilyas, application_id=application.pk)
    assert refused.status == "refused"
    assert holder.inpe in refused.decision_note


def test_establishment_waits_for_its_directors_code(ilyas):
    director = complete(ilyas, "professional", doctor_form(9))
    clinic = complete(ilyas, "establishment", clinic_form(9), director_application_id=director.pk)
    with pytest.raises(ValidationError, match="directeur médical"):
        application_grant(actor=ilyas, application_id=clinic.pk)
    director = application_grant(actor=ilyas, application_id=director.pk)
    clinic = application_grant(actor=ilyas, application_id=clinic.pk)
    assert clinic.status == "granted"
    assert clinic.provider.medical_director == director.provider


def test_work_queue_by_time_left_with_overdue_files(ilyas, persona):
    late = complete(ilyas, "professional", doctor_form(10))
    fresh = complete(ilyas, "professional", doctor_form(11))
    complete_then_granted = complete(ilyas, "professional", doctor_form(12))
    application_grant(actor=ilyas, application_id=complete_then_granted.pk)
    Application.objects.filter(pk=late.pk).update(
        deadline_at=timezone.now() - dt.timedelta(hours=5)
    )
    queue = application_work_queue(actor=ilyas)
    assert [(a.pk, overdue) for a, _left, overdue in queue] == [(late.pk, True), (fresh.pk, False)]
    assert queue[1][1] > dt.timedelta(hours=47)
    with pytest.raises(PermissionDenied):
        application_work_queue(actor=persona("karim"))
