"""The administrator extends the natures of complaints and versions the delays in the admin
site; a nature in use cannot be deleted; no other role reaches them."""

from __future__ import annotations

import pytest

from snigi.complaints import services
from snigi.complaints.models import Nature
from snigi.core.audit import LogEntry
from tests.complaints.conftest import letter
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_administrator_adds_a_nature_and_the_entry_accepts_it(persona, staff):
    persona("omar")
    client = login("omar")
    response = client.post(
        "/admin/complaints/nature/add/",
        {
            "code": "ramed_card_lost",
            "group": "ramed",
            "name_fr": "RAMED : carte perdue",
            "name_ar": "راميد: بطاقة ضائعة",
            "name_en": "RAMED: card lost",
            "target_days": "20",
            "legal_basis": "Note interne (test)",
            "active": "on",
            "position": "90",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    nature = Nature.objects.get(code="ramed_card_lost")
    assert LogEntry.objects.get_for_object(nature).exists()
    complaint = services.complaint_receive(actor=staff.mail, data=letter())
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    services.complaint_enter(
        actor=staff.entry, complaint=complaint, entry=services.EntryInput("ramed_card_lost")
    )
    complaint.refresh_from_db()
    assert (complaint.target_on - complaint.received_on).days == 20


def test_a_nature_in_use_cannot_be_deleted(persona, staff):
    complaint = services.complaint_receive(actor=staff.mail, data=letter(nature_code="other"))
    assert complaint.nature.code == "other"
    persona("omar")
    client = login("omar")
    response = client.post(
        f"/admin/complaints/nature/{complaint.nature.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Nature.objects.filter(code="other").exists()


@pytest.mark.parametrize("username", ["nadia", "mounia", "directeur"])
def test_other_roles_do_not_reach_the_admin(persona, username):
    persona(username)
    client = login(username)
    response = client.get("/admin/complaints/nature/")
    assert response.status_code == 302  # to the admin's login: not staff
