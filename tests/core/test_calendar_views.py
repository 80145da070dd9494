import datetime as dt

import pytest
from django.test import Client

from snigi.core.models import PublicHoliday
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_administrator_confirms_a_religious_holiday_from_the_calendar(persona):
    persona("omar")
    client = login("omar")
    eid = PublicHoliday.objects.get(code="eid_al_fitr", date__year=2028)
    second = PublicHoliday.objects.get(code="eid_al_fitr_2", date__year=2028)
    page = client.get("/calendar/?year=2028").content.decode()
    assert f"/calendar/holidays/{eid.pk}/reschedule/" in page
    assert f"/calendar/holidays/{second.pk}/reschedule/" not in page  # moves with the first
    new_date = eid.date - dt.timedelta(days=1)
    response = client.post(
        f"/calendar/holidays/{eid.pk}/reschedule/", {"date": new_date.isoformat()}, follow=True
    )
    assert "date confirmée" in response.content.decode()
    eid.refresh_from_db()
    second.refresh_from_db()
    assert eid.date == new_date
    assert second.date == new_date + dt.timedelta(days=1)
    assert eid.confirmed


def test_bad_dates_change_nothing(persona):
    persona("omar")
    client = login("omar")
    eid = PublicHoliday.objects.get(code="eid_al_adha", date__year=2029)
    before = eid.date
    response = client.post(
        f"/calendar/holidays/{eid.pk}/reschedule/", {"date": "2029-13-40"}, follow=True
    )
    assert "Date invalide" in response.content.decode()
    far = (before + dt.timedelta(days=20)).isoformat()
    response = client.post(f"/calendar/holidays/{eid.pk}/reschedule/", {"date": far}, follow=True)
    assert "trois jours" in response.content.decode()
    eid.refresh_from_db()
    assert eid.date == before
    assert client.post("/calendar/holidays/999999/reschedule/", {"date": far}).status_code == 404


def test_only_administrators_may_reschedule(persona):
    persona("nadia")
    client = login("nadia")
    eid = PublicHoliday.objects.get(code="mawlid", date__year=2029)
    assert "/reschedule/" not in client.get("/calendar/?year=2029").content.decode()
    response = client.post(f"/calendar/holidays/{eid.pk}/reschedule/", {"date": eid.date})
    assert response.status_code == 403
    assert Client().post(f"/calendar/holidays/{eid.pk}/reschedule/", {}).status_code == 302
