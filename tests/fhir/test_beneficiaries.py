"""The FHIR facade over the beneficiaries: Patient, Coverage, the eligibility check; every
document parsed back with the R4B models, people enrolled through the real services."""

import datetime
import json

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient

from snigi.beneficiaries import services
from snigi.beneficiaries.models import Person
from snigi.core.audit import LogEntry
from snigi.core.services import api_token_create
from snigi.fhir.beneficiaries import CNIE_SYSTEM, LANGUAGE_URL, ORGANISATION_SYSTEM
from tests.beneficiaries import samples

pytestmark = pytest.mark.django_db
ELIGIBILITY = "/fhir/CoverageEligibilityRequest"


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(actor=user, name='fhir')[1]}"}


def parsed(response):
    """The response body as the R4B model its resourceType names (validating it)."""
    assert response["Content-Type"] == "application/fhir+json"
    body = json.loads(response.content)
    return get_fhir_model_class(body["resourceType"]).model_validate(body)


def get(user, path: str, **params):
    response = Client().get(path, params, **bearer(user))
    assert "no-cache" in response.get("Cache-Control", "")
    return response.status_code, parsed(response)


def post(user, body, client: Client | None = None, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    auth = bearer(user) if user is not None else {}
    response = (client or Client()).post(
        ELIGIBILITY, data, content_type="application/fhir+json", **auth, **headers
    )
    return response.status_code, parsed(response), response


def request_for(cnie: str, **fields) -> dict:
    """A CoverageEligibilityRequest whose patient is a contained Patient with a CNIE."""
    return {
        "resourceType": "CoverageEligibilityRequest",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "p",
                "identifier": [{"system": CNIE_SYSTEM, "value": cnie}],
            }
        ],
        "status": "active",
        "purpose": ["validation"],
        "patient": {"reference": "#p"},
        "created": "2026-11-23",
        "insurer": {"display": "AMO"},
        **fields,
    }


def accesses(person: Person, actor=None, via: str = "file") -> int:
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(person.pk), additional_data__via=via
    )
    return entries.filter(actor=actor).count() if actor is not None else entries.count()


@pytest.fixture
def cnops_family(persona):
    """A CNOPS insured (names in Arabic too) and her spouse, enrolled by salma."""
    salma = persona("salma")
    insured = samples.insured(
        salma,
        regime="AMO_CNOPS_PUBLIC",
        first_name_ar="كريمة",
        last_name_ar="بناني",
        address_line="12 rue Atlas",
    )
    spouse = services.add_dependant(
        actor=salma,
        insured=insured,
        person=samples.person(
            first_name_lat="Hassan", sex="M", birth_date=datetime.date(1980, 1, 2)
        ),
        relationship="spouse",
        start=datetime.date(2024, 2, 1),
    )
    return insured, spouse


def test_metadata_lists_the_beneficiaries_resources_and_the_cnie_system():
    response = Client().get("/fhir/metadata")
    capability = parsed(response)
    assert isinstance(capability, CapabilityStatement)
    by_type = {r.type: r for r in capability.rest[0].resource}
    assert {"Patient", "Coverage", "CoverageEligibilityRequest", "Practitioner"} <= set(by_type)
    assert {i.code for i in by_type["Patient"].interaction} == {"read", "search-type"}
    assert {i.code for i in by_type["Coverage"].interaction} == {"read", "search-type"}
    assert [i.code for i in by_type["CoverageEligibilityRequest"].interaction] == ["create"]
    assert {p.name for p in by_type["Coverage"].searchParam} == {"beneficiary", "patient"}
    naming = parsed(Client().get("/fhir/NamingSystem/cnie"))
    assert naming.uniqueId[0].value == CNIE_SYSTEM
    assert parsed(Client().get("/fhir/NamingSystem/inpe")).id == "inpe"


def test_patient_read_and_search_by_cnie(persona, cnops_family):
    insured, _ = cnops_family
    person = insured.person
    status, patient = get(persona("salma"), f"/fhir/Patient/{person.pk}")
    assert status == 200
    assert isinstance(patient, Patient)
    assert patient.identifier[0].system == CNIE_SYSTEM
    assert patient.identifier[0].value == person.cnie
    latin, arabic = patient.name
    assert (latin.family, latin.given, latin.text) == ("Bennani", ["Karima"], "Karima Bennani")
    assert arabic.text == "كريمة بناني"
    assert arabic.extension[0].url == LANGUAGE_URL
    assert arabic.extension[0].valueCode == "ar"
    assert patient.gender == "female"
    assert patient.birthDate == datetime.date(1985, 3, 14)
    assert patient.address[0].city == person.commune.name_fr
    assert patient.address[0].district == person.commune.province.name_fr
    assert patient.managingOrganization.identifier.value == "CNOPS"
    token = f"{CNIE_SYSTEM}|{person.cnie.lower()}"
    status, bundle = get(persona("salma"), "/fhir/Patient", identifier=token)
    assert (status, bundle.type, bundle.total) == (200, "searchset", 1)
    assert bundle.entry[0].resource.id == str(person.pk)
    assert bundle.entry[0].fullUrl.endswith(f"/fhir/Patient/{person.pk}")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "required"),
        ({"identifier": "urn:other|AB123"}, "value"),
        ({"identifier": f"{CNIE_SYSTEM}|12-34"}, "value"),
    ],
)
def test_patient_search_errors_are_operation_outcomes(persona, params, code):
    status, outcome = get(persona("salma"), "/fhir/Patient", **params)
    assert status == 400
    assert isinstance(outcome, OperationOutcome)
    assert outcome.issue[0].code == code


def test_coverage_of_an_insured_and_of_a_dependant(persona, cnops_family):
    insured, spouse = cnops_family
    salma = persona("salma")
    status, own = get(salma, f"/fhir/Coverage/{insured.pk}")
    assert status == 200
    assert isinstance(own, Coverage)
    assert own.status == "active"
    assert own.beneficiary.reference == own.subscriber.reference == f"Patient/{insured.person_id}"
    assert own.relationship.coding[0].code == "self"
    assert own.subscriberId == insured.fund_number
    assert own.period.start == insured.start
    assert own.period.end is None
    assert own.payor[0].identifier.system == ORGANISATION_SYSTEM
    assert own.payor[0].identifier.value == insured.organisation.code
    plan = next(c for c in own.class_fhir if c.type.coding[0].code == "plan")
    assert plan.value == "AMO_CNOPS_PUBLIC"
    _, dependant = get(salma, f"/fhir/Coverage/{spouse.pk}")
    assert dependant.beneficiary.reference == f"Patient/{spouse.person_id}"
    assert dependant.subscriber.reference == f"Patient/{insured.person_id}"
    assert dependant.subscriberId == insured.fund_number
    assert dependant.relationship.coding[0].code == "spouse"
    # Both searches give the person's enrolments.
    _, bundle = get(salma, "/fhir/Coverage", beneficiary=f"Patient/{spouse.person_id}")
    assert [e.resource.id for e in bundle.entry] == [str(spouse.pk)]
    token = f"{CNIE_SYSTEM}|{insured.person.cnie}"
    _, bundle = get(salma, "/fhir/Coverage", **{"patient.identifier": token})
    assert [e.resource.id for e in bundle.entry] == [str(insured.pk)]
    assert get(salma, "/fhir/Coverage", beneficiary="Practitioner/1")[0] == 400
    assert get(salma, "/fhir/Coverage")[0] == 400


def test_a_closed_enrolment_is_cancelled_after_its_retention(persona, cnops_family):
    insured, spouse = cnops_family
    salma = persona("salma")
    services.close_enrolment(
        actor=salma, enrolment=spouse, end=datetime.date(2024, 6, 30), reason="divorce"
    )
    _, closed = get(salma, f"/fhir/Coverage/{spouse.pk}")
    spouse.refresh_from_db()
    assert closed.status == "cancelled"
    assert closed.period.end == spouse.rights_until
    assert get(salma, f"/fhir/Coverage/{insured.pk}")[1].status == "active"


def test_each_read_writes_an_access_log_entry(persona, cnops_family):
    insured, _ = cnops_family
    person, salma = insured.person, persona("salma")
    token = f"{CNIE_SYSTEM}|{person.cnie}"
    reads = [
        (f"/fhir/Patient/{person.pk}", {}),
        ("/fhir/Patient", {"identifier": token}),
        (f"/fhir/Coverage/{insured.pk}", {}),
        ("/fhir/Coverage", {"beneficiary": f"Patient/{person.pk}"}),
        ("/fhir/Coverage", {"patient.identifier": token}),
    ]
    for count, (path, params) in enumerate(reads, start=1):
        assert get(salma, path, **params)[0] == 200
        assert accesses(person, salma) == count, path


def test_a_fund_agent_sees_only_its_people(persona, cnops_family):
    insured, spouse = cnops_family
    karim, person = persona("karim"), insured.person
    missing = Person.objects.order_by("-pk").first().pk + 1000
    for path in (f"/fhir/Patient/{person.pk}", f"/fhir/Coverage/{spouse.pk}"):
        status, outcome = get(karim, path)
        assert (status, outcome.issue[0].code) == (404, "not-found")
    # Another fund's file is answered as a missing one.
    assert get(karim, f"/fhir/Patient/{missing}")[0] == 404
    assert get(karim, "/fhir/Patient/abc")[0] == 404
    _, bundle = get(karim, "/fhir/Patient", identifier=f"{CNIE_SYSTEM}|{person.cnie}")
    assert bundle.total == 0
    _, bundle = get(karim, "/fhir/Coverage", beneficiary=f"Patient/{person.pk}")
    assert bundle.total == 0
    assert accesses(person, karim) == 0
    # ANAM's national role sees it; a provider reads no file at all.
    assert get(persona("samira"), f"/fhir/Patient/{person.pk}")[0] == 200
    status, outcome = get(persona("dr_amine"), f"/fhir/Patient/{person.pk}")
    assert (status, outcome.issue[0].code) == (403, "forbidden")


def test_reads_need_authentication(cnops_family):
    insured, _ = cnops_family
    for path in (f"/fhir/Patient/{insured.person_id}", f"/fhir/Coverage/{insured.pk}"):
        response = Client().get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert parsed(response).issue[0].code == "login"
    bad = Client().get(path, HTTP_AUTHORIZATION="Bearer snigi_not-a-token")
    assert bad.status_code == 401


def test_eligibility_of_a_covered_person_with_an_exemption(persona, cnops_family):
    insured, _ = cnops_family
    services.grant_exemption(
        actor=persona("salma"), person=insured.person, kind="ALD",
        valid_from=datetime.date(2025, 1, 1), condition_code="E11",
    )  # fmt: skip
    doctor = persona("dr_amine")
    request_id = [{"system": "urn:ietf:rfc:3986", "value": "urn:uuid:1"}]
    body = request_for(insured.person.cnie, servicedDate="2026-03-02", identifier=request_id)
    status, answer, response = post(doctor, body)
    assert status == 200
    assert isinstance(answer, CoverageEligibilityResponse)
    assert (answer.outcome, answer.purpose) == ("complete", ["validation"])
    assert answer.servicedDate == datetime.date(2026, 3, 2)
    assert answer.patient.reference == f"Patient/{insured.person_id}"
    assert answer.request.identifier.value == "urn:uuid:1"
    assert answer.insurer.identifier.value == insured.organisation.code
    assert answer.disposition == "Immatriculation en cours."
    insurance = answer.insurance[0]
    assert insurance.inforce is True
    assert insurance.coverage.reference == f"Coverage/{insured.pk}"
    assert insurance.benefitPeriod.start == datetime.date(2026, 3, 2)
    assert insurance.item[0].category.coding[0].code == "ALD"
    assert b"E11" not in response.content  # the condition never leaves
    assert accesses(insured.person, doctor, via="rights_check") == 1


def test_eligibility_of_a_person_not_yet_covered(persona):
    karim = persona("karim")
    enrolment = samples.insured(karim)  # CNSS salaried, no contribution declared
    body = request_for("", servicedDate="2026-03-02")
    del body["contained"]
    body["patient"] = {"identifier": {"system": CNIE_SYSTEM, "value": enrolment.person.cnie}}
    status, answer, _ = post(karim, body)
    assert status == 200
    assert answer.insurance[0].inforce is False
    assert answer.insurance[0].benefitPeriod is None
    assert answer.disposition.startswith("Droits non ouverts")
    status, unknown, _ = post(karim, request_for("ZZ999999"))
    assert (status, unknown.insurance) == (200, None)
    assert unknown.disposition == "Aucune personne immatriculée sous cet identifiant."
    assert unknown.insurer.identifier.value == "ANAM"


def test_eligibility_by_patient_reference(persona, cnops_family):
    insured, _ = cnops_family
    body = request_for("", patient={"reference": f"Patient/{insured.person_id}"})
    del body["contained"]
    status, answer, _ = post(persona("salma"), body)
    assert (status, answer.insurance[0].inforce) == (200, True)
    # A provider identifies patients by their CNIE, not by SNIGI's ids.
    status, outcome, _ = post(persona("dr_amine"), body)
    assert (status, outcome.issue[0].code) == (400, "not-found")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "structure"),
        ({"resourceType": "Patient"}, "structure"),
        ({k: v for k, v in request_for("AB1").items() if k != "insurer"}, "structure"),  # 1..1
        ({**request_for("AB1"), "unknownField": 1}, "structure"),
        ({**request_for("AB1"), "servicedDate": "2026-13-01"}, "structure"),
        ({**request_for("AB1"), "purpose": ["benefits"]}, "not-supported"),
        ({**request_for("AB1"), "status": "draft"}, "value"),
        ({**request_for("AB1"), "patient": {"reference": "#other"}}, "invalid"),
        (request_for("12-34"), "value"),  # a malformed CNIE
        ({**request_for("AB1"), "servicedDate": "1990-01-01"}, "value"),
    ],
)
def test_invalid_requests_are_operation_outcomes(persona, body, code):
    status, outcome, _ = post(persona("dr_amine"), body)
    assert status == 400
    assert isinstance(outcome, OperationOutcome)
    assert (outcome.issue[0].severity, outcome.issue[0].code) == ("error", code)
    assert outcome.issue[0].diagnostics


def test_eligibility_authentication_and_capability(persona):
    status, outcome, response = post(None, request_for("AB1"))
    assert (status, outcome.issue[0].code) == (401, "login")
    assert response["WWW-Authenticate"].startswith("Bearer")
    status, outcome, _ = post(persona("leila"), request_for("AB1"))  # an auditor
    assert (status, outcome.issue[0].code) == (403, "forbidden")
    assert Client().get(ELIGIBILITY, **bearer(persona("dr_amine"))).status_code == 405


def test_csrf_is_checked_for_a_session_not_for_a_bearer_token(persona):
    doctor = persona("dr_amine")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(doctor)
    status, outcome, _ = post(None, request_for("AB1"), client=browser)
    assert (status, outcome.issue[0].code) == (403, "forbidden")
    browser.get("/accounts/login/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    status, _, _ = post(None, request_for("AB1"), client=browser, HTTP_X_CSRFTOKEN=token)
    assert status == 200
    api = Client(enforce_csrf_checks=True)
    assert post(doctor, request_for("AB1"), client=api)[0] == 200
