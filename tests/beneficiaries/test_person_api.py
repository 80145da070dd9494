"""Persons API and pages, scoped per persona; every view of a file is in the audit trail."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from snigi.beneficiaries.models import Person
from snigi.core.audit import LogEntry

API = "/api/v1/persons"
DETAIL_LINK = re.compile(r'href="/persons/(\d+)/"')


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_ids(client: Client, **params) -> set[int]:
    """Every id the list endpoint returns, page after page."""
    ids: list[int] = []
    offset = 0
    while True:
        response = client.get(API, {"limit": 100, "offset": offset, **params})
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        offset += 100
        if offset >= body["count"]:
            break
    assert len(ids) == len(set(ids)) == body["count"]
    return set(ids)


def ids_of(people) -> set[int]:
    return set(people.values_list("pk", flat=True))


def access_entries(person: Person):
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Person),
        object_pk=str(person.pk),
    )


@pytest.fixture
def population(demo_people):
    """The synthetic population, with the expected sets computed from the raw rows."""
    rows = list(demo_people.values_list("pk", "organisation__code", "organisation__parent__code"))
    by_org: dict[str | None, set[int]] = {}
    cnops_family: set[int] = set()
    for pk, code, parent_code in rows:
        by_org.setdefault(code, set()).add(pk)
        if code == "CNOPS" or parent_code == "CNOPS":
            cnops_family.add(pk)
    # The population must make the scoping tests meaningful.
    assert len(rows) >= 600
    assert by_org.get("CNSS")
    assert by_org.get("MGPAP")
    assert cnops_family - by_org.get("MGPAP", set()), "CNOPS needs people outside MGPAP"
    assert by_org.get(None), "some people are not covered"
    return {"all": {pk for pk, _, _ in rows}, "by_org": by_org, "cnops": cnops_family}


# --- Who sees whom -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["samira", "dr_tazi", "directeur"])
def test_anam_person_readers_see_everyone(persona, population, username):
    client = client_for(persona(username))
    assert api_ids(client) == population["all"]


@pytest.mark.django_db
def test_cnss_agent_sees_only_cnss_people(persona, population):
    karim = client_for(persona("karim"))
    assert api_ids(karim) == population["by_org"]["CNSS"]
    body = karim.get(API, {"limit": 50}).json()
    assert {item["organisation"] for item in body["items"]} == {"CNSS"}


@pytest.mark.django_db
def test_cnops_agent_sees_cnops_and_its_mutuals(persona, population):
    salma = client_for(persona("salma"))
    ids = api_ids(salma)
    assert ids == population["cnops"]
    assert population["by_org"]["MGPAP"] < ids
    assert not ids & population["by_org"]["CNSS"]


@pytest.mark.django_db
def test_mutual_agent_sees_only_its_mutual(persona, population):
    meriem = client_for(persona("meriem"))
    assert api_ids(meriem) == population["by_org"]["MGPAP"]


@pytest.mark.django_db
def test_insured_sees_own_file_and_dependants(youssef, demo_people):
    head = demo_people.get(cnie=youssef.cnie)
    expected = {head.pk} | {p.pk for p in demo_people if p.primary_insured_id == head.pk}
    assert len(expected) >= 2
    assert api_ids(client_for(youssef)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["dr_amine", "leila", "omar", "mounia", "othmane"])
def test_roles_without_person_access_get_403(persona, demo_people, username):
    client = client_for(persona(username))
    response = client.get(API)
    assert response.status_code == 403
    assert "detail" in response.json()
    assert client.get("/persons/").status_code == 403
    someone = demo_people.first()
    assert client.get(f"{API}/{someone.pk}").status_code == 403
    assert not access_entries(someone).exists()


@pytest.mark.django_db
def test_search_stays_within_scope(persona, population, demo_people):
    mgpap_person = demo_people.filter(organisation__code="MGPAP").first()
    karim = client_for(persona("karim"))
    assert api_ids(karim, q=mgpap_person.last_name_lat) <= population["by_org"]["CNSS"]
    meriem = client_for(persona("meriem"))
    found = api_ids(meriem, q=mgpap_person.last_name_lat)
    assert mgpap_person.pk in found
    assert found <= population["by_org"]["MGPAP"]


# --- The web pages -------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "expected_key"),
    [("samira", "all"), ("karim", "CNSS"), ("meriem", "MGPAP"), ("salma", "cnops")],
)
def test_person_list_page_is_scoped(persona, population, username, expected_key):
    expected = (
        population[expected_key]
        if expected_key in population
        else population["by_org"][expected_key]
    )
    response = client_for(persona(username)).get("/persons/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == len(expected)
    shown = {int(pk) for pk in DETAIL_LINK.findall(response.content.decode())}
    assert shown
    assert shown <= expected


@pytest.mark.django_db
def test_person_list_page_requires_login(demo_people):
    response = Client().get("/persons/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Outside the scope: 404, and nothing logged ---------------------------------------------


@pytest.mark.django_db
def test_file_outside_scope_is_404(persona, youssef, demo_people):
    mgpap_person = demo_people.filter(organisation__code="MGPAP").first()
    karim = client_for(persona("karim"))
    assert karim.get(f"{API}/{mgpap_person.pk}").status_code == 404
    assert karim.get(f"/persons/{mgpap_person.pk}/").status_code == 404

    stranger = (
        demo_people.exclude(cnie=youssef.cnie).exclude(primary_insured__cnie=youssef.cnie).first()
    )
    insured = client_for(youssef)
    assert insured.get(f"{API}/{stranger.pk}").status_code == 404
    assert insured.get(f"/persons/{stranger.pk}/").status_code == 404

    assert not access_entries(mgpap_person).exists()
    assert not access_entries(stranger).exists()
    # A missing file answers the same as a file outside the scope.
    missing = max(population_pk for population_pk in ids_of(demo_people)) + 1000
    assert karim.get(f"{API}/{missing}").json() == karim.get(f"{API}/{mgpap_person.pk}").json()


@pytest.mark.django_db
def test_api_detail_in_scope(persona, demo_people):
    person = demo_people.filter(organisation__code="CNSS", cnie__isnull=False).first()
    response = client_for(persona("karim")).get(f"{API}/{person.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == person.pk
    assert body["cnie"] == person.cnie
    assert body["organisation"] == "CNSS"
    assert body["commune"] == person.commune.code
    assert "address_line" in body
    assert "phone" in body


# --- Audit of accesses ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["karim", "samira"])
def test_each_view_of_a_file_writes_one_access_entry(persona, demo_people, username):
    user = persona(username)
    person = demo_people.filter(organisation__code="CNSS").last()
    client = client_for(user)
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()

    assert client.get(f"/persons/{person.pk}/").status_code == 200
    entries = list(access_entries(person))
    assert len(entries) == 1
    assert entries[0].actor == user

    assert client.get(f"{API}/{person.pk}").status_code == 200
    entries = list(access_entries(person).order_by("timestamp", "pk"))
    assert len(entries) == 2
    assert [entry.actor for entry in entries] == [user, user]
    # A list page logs exactly the persons it shows, each once, marked as a list access.
    shown_api = {item["id"] for item in client.get(API, {"q": "a"}).json()["items"]}
    shown_page = {p.pk for p in client.get("/persons/").context["page"]}
    listed = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, additional_data__via="list", actor=user
    )
    assert sorted(int(pk) for pk in listed.values_list("object_pk", flat=True)) == sorted(
        [*shown_api, *shown_page]
    )
    assert listed.filter(additional_data__query="a").count() == len(shown_api)
    total = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()
    assert total == before + 2 + len(shown_api) + len(shown_page)


@pytest.mark.django_db
def test_access_entry_names_the_insured_reader(youssef, demo_people):
    own = demo_people.get(cnie=youssef.cnie)
    assert client_for(youssef).get(f"{API}/{own.pk}").status_code == 200
    (entry,) = access_entries(own)
    assert entry.actor == youssef


@pytest.mark.django_db
def test_access_through_a_bearer_token_is_attributed(persona, demo_people):
    from snigi.core.services import api_token_create

    samira = persona("samira")
    _token, raw = api_token_create(actor=samira, name="batch")
    person = demo_people.first()
    response = Client().get(f"{API}/{person.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    (entry,) = access_entries(person)
    assert entry.actor == samira


# --- Bounded queries -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["samira", "salma"])
def test_list_uses_a_bounded_number_of_queries(
    persona, demo_people, django_assert_max_num_queries, username
):
    client = client_for(persona(username))
    client.get(API)  # warm up (content types, etc.)
    with django_assert_max_num_queries(8):
        response = client.get(API, {"limit": 100})
    assert response.status_code == 200
    assert len(response.json()["items"]) > 20  # enough rows that an N+1 would show
    # The number of reads does not grow with the page size; the access log of the persons shown
    # is one multi-row insert (SQLite splits it in batches of its bound-parameter limit).
    with CaptureQueriesContext(connection) as small:
        client.get(API, {"limit": 2})
    with CaptureQueriesContext(connection) as large:
        client.get(API, {"limit": 200})

    def split(queries):
        inserts = [q for q in queries if 'INSERT INTO "auditlog_logentry"' in q["sql"]]
        return len(queries) - len(inserts), len(inserts)

    reads_small, _ = split(small.captured_queries)
    reads_large, inserts_large = split(large.captured_queries)
    assert reads_large == reads_small
    assert 1 <= inserts_large <= 4


@pytest.mark.django_db
def test_list_rejects_unbounded_paging(persona, demo_people):
    client = client_for(persona("samira"))
    assert client.get(API, {"limit": 10**20}).status_code == 422
    assert client.get(API, {"offset": -1}).status_code == 422
    assert client.get(API, {"q": "BE\x00"}).status_code == 422  # PostgreSQL text has no NUL
    far = client.get(API, {"offset": 10**6})
    assert far.status_code == 200
    assert far.json()["items"] == []
