import json

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from snigi.core.inpe import inpe_from_serial
from snigi.fhir.converters import INPE_SYSTEM

pytestmark = pytest.mark.django_db


def fhir_get(path: str, **params) -> tuple[int, object]:
    response = Client().get(path, params)
    assert response["Content-Type"] == "application/fhir+json"
    body = json.loads(response.content)
    # Every document SNIGI emits parses back as a valid FHIR R4B resource.
    resource = get_fhir_model_class(body["resourceType"]).model_validate(body)
    return response.status_code, resource


def test_capability_statement_and_naming_system():
    status, capability = fhir_get("/fhir/metadata")
    assert status == 200
    types = {r.type for r in capability.rest[0].resource}
    assert {"Practitioner", "PractitionerRole", "Organization", "NamingSystem"} <= types
    status, naming = fhir_get("/fhir/NamingSystem/inpe")
    assert naming.uniqueId[0].value == INPE_SYSTEM
    assert naming.kind == "identifier"
    assert fhir_get("/fhir/NamingSystem/other")[0] == 404


def test_read_professional_and_establishment(register):
    doctor = register(name="Dr Hind Sqalli", category_code="MEDECIN_SPECIALISTE",
                      specialty="Pédiatrie")  # fmt: skip
    clinic = register("establishment", name="Clinique Atlas", medical_director_inpe=doctor.inpe)
    status, practitioner = fhir_get(f"/fhir/Practitioner/{doctor.inpe}")
    assert status == 200
    assert practitioner.identifier[0].system == INPE_SYSTEM
    assert practitioner.identifier[0].value == doctor.inpe
    assert practitioner.name[0].text == "Dr Hind Sqalli"
    _, role = fhir_get(f"/fhir/PractitionerRole/{doctor.inpe}")
    assert role.practitioner.reference == f"Practitioner/{doctor.inpe}"
    assert role.specialty[0].text == "Pédiatrie"
    assert role.code[0].coding[0].code == "MEDECIN_SPECIALISTE"
    _, organization = fhir_get(f"/fhir/Organization/{clinic.inpe}")
    assert organization.name == "Clinique Atlas"
    # A professional is not an Organization, and the reverse.
    assert fhir_get(f"/fhir/Organization/{doctor.inpe}")[0] == 404
    assert fhir_get(f"/fhir/Practitioner/{clinic.inpe}")[0] == 404


def test_search_by_identifier_and_name(register):
    doctor = register(name="Dr Youssef Berrada")
    register(name="Dr Amal Chraibi")
    _, bundle = fhir_get("/fhir/Practitioner", identifier=f"{INPE_SYSTEM}|{doctor.inpe}")
    assert bundle.type == "searchset"
    assert bundle.total == 1
    assert bundle.entry[0].resource.id == doctor.inpe
    _, bundle = fhir_get("/fhir/Practitioner", name="chraibi")
    assert [e.resource.name[0].text for e in bundle.entry] == ["Dr Amal Chraibi"]
    _, bundle = fhir_get("/fhir/Practitioner", _count="1")
    assert bundle.total == 2
    assert len(bundle.entry) == 1
    _, empty = fhir_get("/fhir/Organization", name="nobody")
    assert empty.total == 0


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/fhir/Practitioner/12", {}, 404),
        (f"/fhir/Practitioner/{inpe_from_serial(99_999_999)}", {}, 404),
        ("/fhir/Practitioner", {"identifier": "urn:other|100000006"}, 400),
        ("/fhir/Practitioner", {"identifier": "123"}, 400),
        ("/fhir/Practitioner", {"_count": "many"}, 400),
    ],
)
def test_errors_are_operation_outcomes(path, params, status):
    code, outcome = fhir_get(path, **params)
    assert code == status
    assert outcome.issue[0].severity == "error"
