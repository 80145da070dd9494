import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_administrator_manages_reference_data_in_the_admin(persona):
    persona("omar")
    client = login("omar")
    assert client.get("/admin/core/publicholiday/").status_code == 200
    assert client.get("/admin/core/organisation/").status_code == 200
    # No person data in the administration.
    assert client.get("/admin/beneficiaries/person/").status_code == 404


def test_other_roles_have_no_admin(persona):
    persona("directeur")
    client = login("directeur")
    response = client.get("/admin/core/publicholiday/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_change_is_audited(persona):
    from snigi.core.audit import LogEntry
    from snigi.core.models import PublicHoliday

    omar = persona("omar")
    client = login("omar")
    holiday = PublicHoliday.objects.filter(code="mawlid", date__year=2029).get()
    data = {
        "date": holiday.date.isoformat(),
        "code": holiday.code,
        "kind": holiday.kind,
        "name_fr": holiday.name_fr,
        "name_ar": holiday.name_ar,
        "name_en": holiday.name_en,
        "confirmed": "on",
        "source": "annonce du Ministère des Habous",
    }
    response = client.post(f"/admin/core/publicholiday/{holiday.pk}/change/", data)
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(holiday).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == omar
    assert entry.changes_dict["confirmed"] == ["False", "True"]
