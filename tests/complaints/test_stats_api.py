"""GET /api/v1/complaints/stats: the same figures as the page, as JSON, for the roles that may
see them; a refused period is 422 with its reason in French."""

from __future__ import annotations

import pytest

from snigi.core import services as core_services
from tests.complaints import stats_register
from tests.conftest import login

pytestmark = pytest.mark.django_db
file_of = stats_register.file_of  # the fixtures of the hand-counted register
register_2012 = stats_register.register_2012
URL = "/api/v1/complaints/stats"


@pytest.fixture
def analyst(persona):
    persona("othmane")
    return login("othmane")


def test_the_year_2012_as_json(register_2012, analyst):
    response = analyst.get(URL, {"from": "2012-01-01", "to": "2012-12-31"})
    assert response.status_code == 200
    data = response.json()
    assert (data["start"], data["end"]) == ("2012-01-01", "2012-12-31")
    assert (data["total"], data["decided"], data["undecided"]) == (9, 7, 2)
    assert data["monthly"][1] == {"month": "2012-02", "count": 2}
    assert len(data["monthly"]) == 12
    insured = next(x for x in data["requesters"] if x["code"] == "insured")
    assert insured == {"code": "insured", "label": "Assuré", "count": 4, "share": 44.4}
    cross = data["cross_table"]
    columns = [c["code"] for c in cross["columns"]]
    referral = next(r for r in cross["rows"] if r["code"] == "referral")
    assert referral["label"] == "Attribution"
    assert referral["counts"][columns.index("reimbursement_revision")] == 2
    assert referral["total"] == 2
    assert cross["total"] == 9
    incomplete = {x["code"]: (x["count"], x["awaiting_pieces"]) for x in data["incomplete"]}
    assert incomplete["fund"] == (1, 1)
    assert incomplete["professional"] == (1, 0)
    referrals = data["referrals"]
    assert {b["body"]: (b["referred"], b["answered"]) for b in referrals["bodies"]} == {
        "CNOPS": (2, 0), "CNSS": (1, 1),
    }  # fmt: skip
    assert (referrals["files"], referrals["referred"], referrals["unanswered"]) == (2, 3, 2)
    assert data["delays"]["overall"] == {
        "code": "total", "label": "Total général", "files": 7, "average_days": 14.29,
    }  # fmt: skip


def test_a_bearer_token_works_too(register_2012, persona, client):
    _token, raw = core_services.api_token_create(actor=persona("directeur"), name="t", valid_days=1)
    response = client.get(
        URL, {"from": "2012-02-01", "to": "2012-02-29"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 200
    assert response.json()["total"] == 2


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"from": "2012-13-01", "to": "2012-12-31"}, "« from » : date invalide"),
        ({"from": "01/01/2012", "to": "2012-12-31"}, "AAAA-MM-JJ"),
        ({"from": "2012-01-01", "to": "demain"}, "« to » : date invalide"),
        ({"from": "2012-12-31", "to": "2012-01-01"}, "précède"),
        ({"from": "2000-01-01", "to": "2012-12-31"}, "au plus 10 ans"),
    ],
)
def test_bad_periods_are_422_with_a_french_reason(analyst, params, reason):
    response = analyst.get(URL, params)
    assert response.status_code == 422
    assert reason in response.json()["detail"]


def test_default_period_is_the_current_year_to_date(analyst):
    response = analyst.get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["start"].endswith("-01-01")
    assert data["start"][:4] == data["end"][:4]


@pytest.mark.parametrize("username", ["mounia", "karim", "samira", "dr_amine"])
def test_other_roles_are_refused(persona, username):
    persona(username)
    response = login(username).get(URL, {"from": "2012-01-01", "to": "2012-12-31"})
    assert response.status_code == 403
    assert response.json()["detail"]


def test_anonymous_is_refused(client):
    assert client.get(URL).status_code == 401


def test_the_operation_is_documented(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"][URL]["get"]
    assert {"200", "403", "422"} <= set(operation["responses"])
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to"}
