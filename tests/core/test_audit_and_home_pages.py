import pytest
from django.test import Client

from snigi.core.audit import LogEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_auditor_sees_who_viewed_which_file(persona, youssef, demo_people):
    person = demo_people.get(cnie=youssef.cnie)
    login("youssef").get(f"/persons/{person.pk}/")
    persona("leila")
    page = login("leila").get(f"/audit/?action={LogEntry.Action.ACCESS}").content.decode()
    assert "youssef" in page
    assert f"person #{person.pk}" in page
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=youssef).count() == 1
    # The auditor's own reading of the trail is not a person's file: no new access entry.
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def test_audit_trail_is_closed_to_other_roles(persona):
    for username in ("directeur", "omar", "karim"):
        persona(username)
        assert login(username).get("/audit/").status_code == 403
    assert Client().get("/audit/").status_code == 302  # to the login page


def test_unknown_audit_filter_is_ignored(persona):
    persona("leila")
    assert login("leila").get("/audit/?action=99999999999999999999").status_code == 200


def test_home_page_speaks_the_users_language(persona, youssef, demo_people):
    person = demo_people.get(cnie=youssef.cnie)
    page = login("youssef", "ar").get("/").content.decode()
    assert person.last_name_ar in page
    assert 'data-role="insured"' in page
    persona("karim")
    page = login("karim", "ar").get("/").content.decode()
    assert "الصندوق الوطني للضمان الاجتماعي" in page  # CNSS in Arabic
    page = login("karim", "fr").get("/").content.decode()
    assert "Caisse Nationale de Sécurité Sociale" in page


def test_each_role_gets_its_own_home(persona):
    seen = {}
    for username in ("nadia", "karim", "leila", "omar", "dr_amine"):
        persona(username)
        page = login(username).get("/").content.decode()
        seen[username] = page
    assert "Journal" in seen["leila"]
    assert "Journal" not in seen["karim"]
    assert "Personnes dans votre périmètre" in seen["karim"]
    assert "Personnes dans votre périmètre" not in seen["dr_amine"]
    assert "Jours fériés à confirmer" in seen["omar"]
    assert "INPE 100000011" in seen["dr_amine"]
