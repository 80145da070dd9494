"""The complaints API: filing (online or by the mail office), listing (one's own, or the staff's
search) and reading a file (the public timeline for the requester, all of it for the staff,
404 for anyone else); wrong roles 403; bad input 422 with nothing written; reads logged."""

from __future__ import annotations

import pytest
import schemathesis
from auditlog.models import LogEntry
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from snigi.complaints import services
from snigi.complaints.models import Complaint, Decision
from snigi.core.services import api_token_create
from tests.complaints.conftest import letter

pytestmark = pytest.mark.django_db
API = "/api/v1/complaints"


def bearer(user) -> Client:
    _token, raw = api_token_create(actor=user, name="test", valid_days=1)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def fatima(persona):
    return persona("fatima", cnie="AB123456")


def test_an_insured_person_files_online_and_reads_the_public_timeline(fatima, staff):
    client = bearer(fatima)
    response = client.post(
        API,
        {
            "subject": "Remboursement refusé",
            "description": "ALD.",
            "nature_code": "reimbursement_medicine",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("REC-")
    assert body["channel"] == "online"
    assert body["requester_type"] == "insured"
    assert body["nature"] == "reimbursement_medicine"
    complaint = Complaint.objects.get(reference=body["reference"])
    services.complaint_register(actor=staff.secretariat, complaint=complaint)
    services.complaint_enter(
        actor=staff.entry, complaint=complaint, entry=services.EntryInput("reimbursement_medicine")
    )
    services.complaint_validate(actor=staff.head, complaint=complaint, legal_officer=staff.lawyer)
    detail = client.get(f"{API}/{complaint.reference.lower()}").json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert {"received", "acknowledged", "registered", "entered"} <= set(kinds)
    assert "validated" not in kinds  # an internal step
    assert detail["status"] == "instruction"
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(complaint.pk), actor=fatima
    ).exists()
    staff_view = bearer(staff.head).get(f"{API}/{complaint.reference}").json()
    assert "validated" in [e["kind"] for e in staff_view["timeline"]]
    listing = client.get(API).json()
    assert listing["count"] == 1
    assert listing["items"][0]["reference"] == complaint.reference


def test_the_mail_office_records_a_complaint_through_the_api(staff):
    client = bearer(staff.mail)
    payload = {
        "subject": "Lettre reçue",
        "requester_type": "association",
        "requester_name": "Association des malades",
        "channel": "hand",
        "received_on": "2025-03-04",
    }
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["reference"] == "REC-2025-000001"
    assert response.json()["channel"] == "hand"
    online = {**payload, "channel": "online"}
    response = client.post(API, online, content_type="application/json")
    assert response.status_code == 422
    assert Complaint.objects.count() == 1


def test_bad_input_is_422_and_writes_nothing(staff, fatima):
    response = bearer(staff.mail).post(
        API, {"subject": "x", "requester_name": ""}, content_type="application/json"
    )
    assert response.status_code == 422
    assert any("Type de demandeur" in m for m in response.json()["detail"])
    response = bearer(fatima).post(
        API, {"subject": "x", "provider_inpe": "123"}, content_type="application/json"
    )
    assert response.status_code == 422
    response = bearer(fatima).post(API, {"subject": "a\x00b"}, content_type="application/json")
    assert response.status_code == 422
    assert not Complaint.objects.exists()


def test_wrong_roles_are_refused_and_other_files_are_404(staff, persona, fatima):
    complaint = services.complaint_file_online(actor=fatima, subject="Objet", description="x")
    samira = bearer(persona("samira"))
    assert samira.post(API, {"subject": "x"}, content_type="application/json").status_code == 403
    assert samira.get(API).status_code == 403
    assert samira.get(f"{API}/{complaint.reference}").status_code == 404
    other = bearer(persona("yassine", cnie="CD998877"))
    assert other.get(f"{API}/{complaint.reference}").status_code == 404
    assert other.get(API).json()["count"] == 0
    assert (
        bearer(staff.lawyer)
        .post(API, {"subject": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    assert bearer(staff.lawyer).get(f"{API}/REC-2000-000001").status_code == 404


def test_the_staff_search_filters_and_pages(staff, proposed):
    for _ in range(3):
        services.complaint_receive(actor=staff.mail, data=letter(subject="Carte RAMED"))
    decided = proposed(Decision.FAVOURABLE)
    client = bearer(staff.dg)
    assert client.get(API, {"q": "ramed"}).json()["count"] == 3
    assert client.get(API, {"status": "proposed"}).json()["items"][0]["reference"] == (
        decided.reference
    )
    page = client.get(API, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 4
    assert len(page["items"]) == 2
    assert client.get(API, {"status": "nope"}).status_code == 422


# --- Fuzzed against the OpenAPI document, as the filing roles (the whole-API run uses a role
# that may not file) -----------------------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/complaints(/\{reference\})?$"
)


@pytest.fixture
def _keep_test_connection():
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_keep_test_connection")
@pytest.mark.parametrize("username", ["mounia", "fatima"])
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_complaints_api_conforms_to_its_schema(case, persona, username):
    user = persona(username, cnie="AB123456" if username == "fatima" else "")
    _token, raw = api_token_create(actor=user, name="fuzz", valid_days=1)
    case.call_and_validate(
        headers={"Authorization": f"Bearer {raw}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
