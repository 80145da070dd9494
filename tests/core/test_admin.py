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


def test_admin_change_is_audited_and_dates_move_only_through_the_calendar(persona):
    from snigi.core.audit import LogEntry
    from snigi.core.models import PublicHoliday

    omar = persona("omar")
    client = login("omar")
    holiday = PublicHoliday.objects.filter(code="mawlid", date__year=2029).get()
    data = {
        "date": "2029-01-01",  # read-only here: ignored
        "name_fr": holiday.name_fr,
        "name_ar": holiday.name_ar,
        "name_en": holiday.name_en,
        "source": "annonce du Ministère des Habous",
    }
    response = client.post(f"/admin/core/publicholiday/{holiday.pk}/change/", data)
    assert response.status_code == 302
    entry = LogEntry.objects.get_for_object(holiday).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == omar
    assert entry.changes_dict["source"][1] == "annonce du Ministère des Habous"
    holiday.refresh_from_db()
    assert holiday.date.isoformat() != "2029-01-01"


def test_administrator_cannot_escalate_or_edit_own_account(persona):
    from snigi.core.models import User

    omar = persona("omar")
    karim = persona("karim")
    client = login("omar")
    own = client.get(f"/admin/core/user/{omar.pk}/change/")  # a read-only view at most
    assert 'name="first_name"' not in own.content.decode()
    assert (
        client.post(f"/admin/core/user/{omar.pk}/change/", {"first_name": "X"}).status_code == 403
    )
    assert client.get("/admin/core/user/add/").status_code == 403
    page = client.get(f"/admin/core/user/{karim.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()
    assert 'name="role"' not in page.content.decode()
    response = client.post(
        f"/admin/core/user/{karim.pk}/change/",
        {
            "first_name": "Karim",
            "last_name": "Bennani",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
            "role": "anam_director_general",
        },
    )
    assert response.status_code == 302
    karim = User.objects.get(pk=karim.pk)
    assert karim.role == "fund_agent"
    assert not karim.is_superuser
    assert karim.last_name == "Bennani"
