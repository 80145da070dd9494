"""Edge cases found in review: each one was a crash, a leak or a hole before its fix."""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from snigi.core import services
from snigi.core.audit import LogEntry
from snigi.core.identifiers import IdentifierError, normalise_cnie, normalise_fund_number
from snigi.core.models import ApiToken, PublicHoliday, User
from snigi.core.money import MoneyError, mad
from snigi.core.working_days import working_days_between
from tests.conftest import login


def test_backward_count_at_the_start_of_the_calendar():
    assert working_days_between(dt.date(1, 1, 2), dt.date(1, 1, 1), set()) == -1  # a Monday
    assert working_days_between(dt.date(1, 1, 1), dt.date(1, 1, 1), set()) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-02", "0001-01-01"), ("9999-12-31", "0001-01-01")]
)
def test_calendar_edges_do_not_fail(start, end):
    client = Client()
    response = client.get("/api/v1/calendar/working-days-between", {"start": start, "end": end})
    assert response.status_code == 200
    assert response.json()["working_days"] < 0
    assert client.get("/calendar/", {"start": start, "end": end}).status_code == 200


@pytest.mark.parametrize("raw", ["ß12345", "ı12345", "Ａ12345x", "Б12345"])
def test_cnie_refuses_letters_that_only_look_latin_once_upper_cased(raw):
    with pytest.raises(IdentifierError):
        normalise_cnie(raw)


def test_fund_number_refuses_non_latin_letters():
    with pytest.raises(IdentifierError):
        normalise_fund_number("CNOPS", "ßß1234")


@pytest.mark.parametrize("raw", ["1e30", "1000000000000", "1_000", "-1e13"])
def test_money_out_of_range_or_odd_is_refused(raw):
    with pytest.raises(MoneyError):
        mad(raw)


def test_money_reads_back_its_french_display():
    assert mad("999\u202f999\u202f999\u202f999,99") == mad("999999999999.99")


@pytest.mark.django_db
def test_access_and_change_entries_keep_the_client_address(persona, youssef, demo_people):
    person = demo_people.get(cnie=youssef.cnie)
    client = login("youssef")
    client.get(f"/persons/{person.pk}/", REMOTE_ADDR="10.1.2.3")
    entry = LogEntry.objects.get(action=LogEntry.Action.ACCESS, object_pk=str(person.pk))
    assert entry.actor == youssef
    assert entry.remote_addr == "10.1.2.3"
    # A service's write in a request keeps the address too.
    persona("omar")
    admin = login("omar")
    eid = PublicHoliday.objects.get(code="eid_al_fitr", date__year=2029)
    admin.post(
        f"/calendar/holidays/{eid.pk}/reschedule/",
        {"date": eid.date.isoformat()},
        REMOTE_ADDR="10.9.9.9",
    )
    change = LogEntry.objects.get_for_object(eid).get(action=LogEntry.Action.UPDATE)
    assert change.remote_addr == "10.9.9.9"
    assert change.actor.username == "omar"


@pytest.mark.django_db
def test_person_search_with_a_nul_character(persona, demo_people):
    persona("samira")
    assert login("samira").get("/persons/", {"q": "AB\x00C"}).status_code == 200


@pytest.mark.django_db
def test_audit_pages_keep_their_filter(persona, demo_people):
    persona("samira")
    login("samira").get("/api/v1/persons", {"limit": 80})  # logs 80 list accesses
    persona("leila")
    html = login("leila").get("/audit/", {"action": LogEntry.Action.ACCESS}).content.decode()
    assert f"?action={LogEntry.Action.ACCESS}&amp;page=2" in html


@pytest.mark.django_db
def test_second_day_of_a_holiday_is_not_moved_alone(persona):
    second = PublicHoliday.objects.get(code="eid_al_adha_2", date__year=2029)
    with pytest.raises(ValidationError, match="premier jour"):
        services.public_holiday_reschedule(
            actor=persona("omar"), holiday_id=second.pk, new_date=second.date
        )


@pytest.mark.django_db
def test_a_second_seed_is_refused_with_a_clear_message(demo_people):
    with pytest.raises(CommandError, match="seed 7"):
        call_command("demo", people=1000, seed=8, no_serve=True, stdout=io.StringIO())


@pytest.mark.django_db
def test_tokens_are_minted_from_a_session_only_and_can_be_listed_and_revoked(persona):
    karim = persona("karim")
    _, raw = services.api_token_create(actor=karim, name="batch")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    client = Client()
    minted = client.post(
        "/api/v1/tokens", {"name": "more"}, content_type="application/json", **bearer
    )
    assert minted.status_code in (401, 403)
    listed = client.get("/api/v1/tokens", **bearer).json()
    assert [t["name"] for t in listed] == ["batch"]
    assert "token" not in listed[0]
    other = services.api_token_create(actor=persona("salma"), name="theirs")[0]
    assert client.delete(f"/api/v1/tokens/{other.pk}", **bearer).status_code == 403
    assert client.delete("/api/v1/tokens/999999", **bearer).status_code == 404
    assert client.delete(f"/api/v1/tokens/{listed[0]['id']}", **bearer).status_code == 204
    assert client.get("/api/v1/me", **bearer).status_code == 401
    assert ApiToken.objects.get(pk=listed[0]["id"]).revoked_at is not None


@pytest.mark.django_db
def test_createuser_command_goes_through_the_service(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Long-enough-pass-1\n"))
    call_command(
        "createuser", "cnss.chef", role="fund_agent", organisation="CNSS",
        password_stdin=True, stdout=io.StringIO(),
    )  # fmt: skip
    user = User.objects.get(username="cnss.chef")
    assert user.organisation.code == "CNSS"
    assert user.check_password("Long-enough-pass-1")
    monkeypatch.setattr("sys.stdin", io.StringIO("Long-enough-pass-1\n"))
    with pytest.raises(CommandError, match="organisme gestionnaire"):
        call_command(
            "createuser", "x", role="fund_agent", password_stdin=True, stdout=io.StringIO()
        )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError):
        call_command("createuser", "y", role="auditor", password_stdin=True, stdout=io.StringIO())
    assert not User.objects.filter(username__in=["x", "y"]).exists()


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("SNIGI_DATABASE_URL", "").startswith("postgres"),
    reason="the PostgreSQL stage of scripts/test sets SNIGI_DATABASE_URL",
)
def test_the_postgresql_stage_really_runs_on_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        assert int(cursor.fetchone()[0].split(".")[0]) >= 15


@pytest.mark.django_db
def test_a_new_password_revokes_the_api_tokens(persona):
    from snigi.core.selectors import api_token_user

    karim = persona("karim")
    _, raw = services.api_token_create(actor=karim, name="batch")
    karim.first_name = "Karim"
    karim.save()
    assert api_token_user(raw) == karim  # other changes keep the token
    karim.set_password("Another-long-pass-2")
    karim.save()
    assert api_token_user(raw) is None
