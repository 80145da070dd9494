"""Review of the FHIR eligibility answer: local references, and input that must not reach the
database."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from tests.beneficiaries import samples
from tests.fhir.test_beneficiaries import post, request_for
from tests.fhir.test_eligibility_family import fund_number, member_request

pytestmark = pytest.mark.django_db

ON = "2024-06-01"
NUMBER = "555000333"


@pytest.fixture
def family(persona):
    return samples.family_with_twins(persona("karim"), cnie_prefix="ZT44", fund_number=NUMBER)


def local_references(node) -> list[str]:
    """Every ``reference`` of the form ``#id`` in a JSON document."""
    found = []
    if isinstance(node, dict):
        reference = node.get("reference")
        if isinstance(reference, str) and reference.startswith("#"):
            found.append(reference[1:])
        for value in node.values():
            found += local_references(value)
    elif isinstance(node, list):
        for value in node:
            found += local_references(value)
    return found


def test_a_local_reference_of_the_request_is_not_copied_into_the_response(persona, family):
    """The request's provider (and its identifier's assigner) may point at the request's own
    contained resources: copied as they are, they dangle in the response, or worse, name one of
    the dependants' contained Patients."""
    body = request_for(
        "ZT44001",
        servicedDate=ON,
        provider={"reference": "#dependant-1", "display": "Cabinet Dr Amine"},
        identifier=[{"system": "urn:example:req", "value": "1", "assigner": {"reference": "#org"}}],
    )
    body["contained"].append({"resourceType": "Organization", "id": "org", "name": "Cabinet"})
    status, answer, response = post(persona("dr_amine"), body)

    assert status == 200, response.content
    document = json.loads(response.content)
    contained = {c["id"]: c for c in document.get("contained", [])}
    patients = {i for i, c in contained.items() if c["resourceType"] == "Patient"}
    assert "dependant-1" in patients
    for reference in local_references({k: v for k, v in document.items() if k != "contained"}):
        assert reference in contained, f"#{reference} does not resolve"
    assert document["requestor"] == {"display": "Cabinet Dr Amine"}
    assert answer.requestor.reference is None


@pytest.mark.parametrize("where", ["assigner", "insurer"])
def test_a_nul_character_in_the_fund_code_is_a_400_and_never_reaches_the_database(
    persona, family, where
):
    """On PostgreSQL a NUL in a query parameter is a DataError (a 500)."""
    doctor = persona("dr_amine")
    if where == "assigner":
        body = member_request(insurance=[fund_number(fund="CN\x00SS")])
    else:
        body = member_request(
            insurance=[fund_number(fund=None)],
            insurer={
                "identifier": {"system": "https://snigi.ma/fhir/sid/organisation", "value": "\x00"}
            },
        )
    sent = []

    def spy(execute, sql, params, many, context):
        sent.extend(p for p in params or () if isinstance(p, str) and "\x00" in p)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        status, outcome, _ = post(doctor, body)

    assert (status, outcome.issue[0].code) == (400, "value")
    assert "Organisme inconnu" in outcome.issue[0].diagnostics
    assert sent == []


def test_an_overlong_given_name_is_a_400_as_in_the_rest_api(persona, family):
    """The REST API and the page take 80 characters at most (a stored first name's width); the
    FHIR body is bounded only by the upload limit, and the name goes into ``normalise_name``'s
    cache of 65,536 entries: a few thousand such requests would hold gigabytes."""
    status, outcome, _ = post(
        persona("dr_amine"), member_request("2014-04-02", given=["x" * 100_000])
    )
    assert (status, outcome.issue[0].code) == (400, "value")
    assert "Le prénom est trop long" in outcome.issue[0].diagnostics
    _, answer, _ = post(persona("dr_amine"), member_request("2014-04-02", given=["I" + "n" * 79]))
    assert answer.disposition.startswith("Aucun bénéficiaire")
