"""The FHIR eligibility answer's family: the dependants (contained Patients and their coverage
in an extension), the other regimes covering the day (more insurance entries), and the check of
a member without a CNIE by the insured's membership number and the birth date. Every response
is parsed back with the R4B models."""

import datetime
import json

import pytest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.patient import Patient

from snigi.fhir.beneficiaries import ORGANISATION_SYSTEM, RELATIONSHIP_SYSTEM
from snigi.fhir.eligibility import (
    DEPENDANT_URL,
    FUND_NUMBER_SYSTEM,
    REGIME_SYSTEM,
    REGIME_URL,
)
from tests.beneficiaries import samples
from tests.beneficiaries.samples import CNOPS, CNSS
from tests.fhir.test_beneficiaries import accesses, post, request_for

pytestmark = pytest.mark.django_db

ON = "2024-06-01"
NUMBER = "555000333"
OTHER_IDENTIFIER = {"coverage": {"identifier": {"system": "urn:example:card", "value": "1"}}}


@pytest.fixture
def family(persona):
    """A CNSS pensioner (an ALD), a spouse with a CNIE, a child and twins without one."""
    return samples.family_with_twins(persona("karim"), cnie_prefix="ZT66", fund_number=NUMBER)


def fund_number(number: str = NUMBER, fund: str | None = "CNSS") -> dict:
    """The insured's membership number as ``insurance.coverage.identifier`` (fund: assigner)."""
    identifier: dict = {"system": FUND_NUMBER_SYSTEM, "value": number}
    if fund is not None:
        identifier["assigner"] = {"identifier": {"system": ORGANISATION_SYSTEM, "value": fund}}
    return {"coverage": {"identifier": identifier}}


def member_request(birth_date: str | None = "2010-09-03", given=None, **fields) -> dict:
    """A request for a contained Patient without a CNIE, born on ``birth_date``, under the
    insured's membership number."""
    patient: dict = {"resourceType": "Patient", "id": "p"}
    if birth_date is not None:
        patient["birthDate"] = birth_date
    if given is not None:
        patient["name"] = [{"family": "Tazi", "given": given}]
    body = request_for("AB1", servicedDate=ON, insurance=[fund_number()])
    body["contained"] = [patient]
    body.update(fields)
    return body


def by_url(extensions) -> dict:
    return {e.url: e for e in extensions or ()}


def dependants_of(answer: CoverageEligibilityResponse) -> list[dict]:
    """The dependant extensions of the first insurance entry, as dicts part → value."""
    found = []
    for extension in answer.insurance[0].extension:
        if extension.url == DEPENDANT_URL:
            parts = {p.url: p for p in extension.extension}
            found.append(
                {
                    "patient": parts["patient"].valueReference.reference,
                    "coverage": parts["coverage"].valueReference.reference,
                    "relationship": parts["relationship"].valueCodeableConcept.coding[0].code,
                    "system": parts["relationship"].valueCodeableConcept.coding[0].system,
                    "inforce": parts["inforce"].valueBoolean,
                    "period": parts["benefitPeriod"].valuePeriod if "benefitPeriod" in parts
                    else None,
                    "disposition": parts["disposition"].valueString,
                }
            )  # fmt: skip
    return found


def every_contained_resource_is_referenced(response) -> bool:
    """FHIR's dom-3: a contained resource is referenced from elsewhere in the resource."""
    body = json.loads(response.content)
    text = json.dumps({k: v for k, v in body.items() if k != "contained"})
    return all(f'"#{c["id"]}"' in text for c in body.get("contained", []))


# --- dependants -------------------------------------------------------------------------------


def test_the_insured_answer_lists_the_dependants_as_contained_patients(persona, family):
    insured, spouse, child, twins = family
    status, answer, response = post(persona("dr_amine"), request_for("ZT66001", servicedDate=ON))

    assert status == 200
    assert isinstance(answer, CoverageEligibilityResponse)
    own = answer.insurance[0]
    assert own.coverage.reference == f"Coverage/{insured.pk}"
    assert own.coverage.identifier.system == FUND_NUMBER_SYSTEM
    assert own.coverage.identifier.value == NUMBER
    assert own.coverage.identifier.assigner.identifier.value == "CNSS"
    regime = by_url(own.extension)[REGIME_URL].valueCoding
    assert (regime.system, regime.code) == (REGIME_SYSTEM, CNSS)
    assert own.item[0].category.coding[0].code == "ALD"  # the insured's own exemption
    dependants = dependants_of(answer)
    enrolments = [spouse, child, *twins]  # by birth date
    assert [d["patient"] for d in dependants] == [f"#dependant-{n}" for n in range(1, 5)]
    assert [d["coverage"] for d in dependants] == [f"Coverage/{e.pk}" for e in enrolments]
    assert [d["relationship"] for d in dependants] == ["spouse", "child", "child", "child"]
    assert {d["system"] for d in dependants} == {RELATIONSHIP_SYSTEM}
    assert all(d["inforce"] for d in dependants)
    assert {d["period"].start for d in dependants} == {datetime.date(2024, 6, 1)}
    assert dependants[1]["period"].end == datetime.date(2032, 9, 2)  # the eve of her 22nd year
    assert dependants[0]["disposition"] == "Ayant droit d'un assuré couvert."
    patients = {p.id: p for p in answer.contained}
    assert all(isinstance(p, Patient) for p in patients.values())
    rim = patients["dependant-2"]
    assert (rim.birthDate, rim.name[0].family, rim.name[0].given) == (
        datetime.date(2010, 9, 3), "Tazi", ["Rim"],
    )  # fmt: skip
    assert rim.name[1].text == "ريم"
    assert (rim.identifier, rim.gender) == (None, None)  # identity as the REST answer gives it
    assert every_contained_resource_is_referenced(response)
    assert b"C50" not in response.content


def test_a_dependant_not_covered_is_told_with_the_reason(persona, family):
    insured = family[0]
    samples.dependant(
        persona("karim"), insured, last_name_lat="Tazi", first_name_lat="Ali",
        birth_date=datetime.date(2002, 1, 1),
        certificate=("2023-2024", datetime.date(2023, 9, 1), datetime.date(2024, 6, 30)),
    )  # fmt: skip
    body = request_for("ZT66001", servicedDate="2024-08-01")
    _, answer, _ = post(persona("dr_amine"), body)

    student = dependants_of(answer)[1]  # after the spouse, the eldest child
    assert student["relationship"] == "child"
    assert (student["inforce"], student["period"]) == (False, None)
    assert "sans certificat de scolarité" in student["disposition"]
    assert answer.insurance[0].inforce is True


def test_a_dependant_answer_lists_no_dependants(persona, family):
    _, answer, response = post(persona("dr_amine"), request_for("ZT66002", servicedDate=ON))
    assert answer.contained is None
    assert dependants_of(answer) == []
    assert every_contained_resource_is_referenced(response)


# --- other regimes ----------------------------------------------------------------------------


def test_another_regime_covering_the_day_is_a_second_insurance_entry(persona):
    cnss = samples.insured(persona("karim"), cnie="ZT66020", category="pensioner")
    cnops = samples.insured(
        persona("samira"), regime=CNOPS, cnie="ZT66020", start=datetime.date(2024, 3, 1),
        override_reason="Double couverture transitoire décidée par l'ANAM",
    )  # fmt: skip

    _, answer, _ = post(persona("dr_amine"), request_for("ZT66020", servicedDate="2024-04-01"))

    chosen, other = answer.insurance
    assert chosen.coverage.reference == f"Coverage/{cnops.pk}"
    assert by_url(chosen.extension)[REGIME_URL].valueCoding.code == CNOPS
    assert answer.insurer.identifier.value == "CNOPS"
    assert other.inforce is True
    assert other.coverage.reference == f"Coverage/{cnss.pk}"
    assert by_url(other.extension)[REGIME_URL].valueCoding.code == CNSS
    assert other.coverage.identifier.value == cnss.fund_number
    assert other.coverage.identifier.assigner.identifier.value == "CNSS"
    assert other.benefitPeriod.start == datetime.date(2024, 4, 1)
    assert other.item is None
    _, before, _ = post(persona("dr_amine"), request_for("ZT66020", servicedDate="2024-02-01"))
    assert [i.coverage.reference for i in before.insurance] == [f"Coverage/{cnss.pk}"]


def test_another_regime_as_someone_s_dependant_is_told_without_that_insured_s_number(persona):
    husband = samples.insured(persona("karim"), cnie="ZT66031", category="pensioner")
    samples.dependant(
        persona("karim"), husband, relationship="spouse", cnie="ZT66030", first_name_lat="Salwa",
        sex="F", birth_date=datetime.date(1980, 3, 3),
    )  # fmt: skip
    own = samples.insured(
        persona("samira"), regime=CNOPS, cnie="ZT66030", start=datetime.date(2024, 3, 1),
        override_reason="Double couverture transitoire décidée par l'ANAM",
        first_name_lat="Salwa", sex="F", birth_date=datetime.date(1980, 3, 3),
    )  # fmt: skip

    response, answer, _ = post(
        persona("dr_amine"), request_for("ZT66030", servicedDate="2024-04-01")
    )

    chosen, other = answer.insurance
    assert chosen.coverage.reference == f"Coverage/{own.pk}"
    assert other.inforce is True
    assert by_url(other.extension)[REGIME_URL].valueCoding.code == CNSS
    assert other.coverage.display == f"{CNSS} – CNSS"
    assert other.coverage.identifier is None
    assert other.coverage.reference is None
    assert husband.fund_number not in json.dumps(response)


# --- a member without a CNIE ------------------------------------------------------------------


def test_a_child_without_cnie_by_birth_date_and_the_insured_number(persona, family):
    insured, _, child, _ = family
    doctor = persona("dr_amine")

    status, answer, response = post(doctor, member_request())

    assert status == 200, response.content
    assert answer.patient.reference == f"Patient/{child.person_id}"
    assert answer.patient.identifier is None
    assert answer.disposition.startswith("Ayant droit d'un assuré couvert.")
    [own] = answer.insurance
    assert own.inforce is True
    assert own.coverage.reference == f"Coverage/{child.pk}"
    assert own.coverage.identifier.value == NUMBER  # the insured's membership
    assert own.item is None  # the insured's ALD is theirs only
    assert answer.contained is None
    assert accesses(child.person, doctor, via="rights_check") == 1
    assert accesses(insured.person, via="rights_check") == 0


def test_the_answer_is_the_one_a_check_by_the_member_s_own_cnie_gives(persona, family):
    doctor = persona("dr_amine")
    _, by_cnie, _ = post(doctor, request_for("ZT66002", servicedDate=ON))
    _, by_birth, _ = post(doctor, member_request("1964-07-08"))

    def comparable(answer):
        return answer.model_dump(exclude={"created"}, exclude_none=True)

    assert comparable(by_birth) == comparable(by_cnie)
    assert by_cnie.patient.identifier.value == "ZT66002"


def test_the_fund_may_be_the_request_s_insurer(persona, family):
    child = family[2]
    body = member_request(
        insurance=[fund_number(fund=None)],
        insurer={"identifier": {"system": ORGANISATION_SYSTEM, "value": "CNSS"}},
    )
    status, answer, _ = post(persona("dr_amine"), body)
    assert (status, answer.patient.reference) == (200, f"Patient/{child.person_id}")


def test_the_given_names_choose_between_twins(persona, family):
    twins = family[3]
    doctor = persona("dr_amine")

    status, outcome, _ = post(doctor, member_request("2014-04-02"))
    assert (status, outcome.issue[0].code) == (400, "value")
    assert "indiquez aussi le prénom" in outcome.issue[0].diagnostics
    _, answer, _ = post(doctor, member_request("2014-04-02", given=["INES"]))
    assert answer.patient.reference == f"Patient/{twins[1].person_id}"


def test_without_a_birth_date_the_number_names_the_insured(persona, family):
    insured = family[0]
    _, answer, _ = post(persona("dr_amine"), member_request(None))
    assert answer.patient.reference == f"Patient/{insured.person_id}"
    assert len(dependants_of(answer)) == 4


def test_nobody_born_that_day_is_answered_as_an_unknown_person(persona, family):
    status, answer, _ = post(persona("dr_amine"), member_request("2011-01-01"))
    assert (status, answer.insurance, answer.contained) == (200, None, None)
    assert answer.patient.display == (
        f"Bénéficiaire né le 01/01/2011, numéro d'immatriculation CNSS {NUMBER}"
    )
    assert answer.disposition.startswith("Aucun bénéficiaire (assuré ou ayant droit)")
    assert answer.insurer.identifier.value == "ANAM"


@pytest.mark.parametrize(
    ("body", "code", "fragment"),
    [
        (member_request("2010"), "value", "date de naissance du patient doit être complète"),
        (member_request("2010-09"), "value", "AAAA-MM-JJ"),
        (member_request(insurance=[fund_number(fund=None)]), "invalid", "Indiquez l'organisme"),
        (member_request(insurance=None), "invalid", "Aucun identifiant CNIE"),
        (member_request(insurance=[OTHER_IDENTIFIER]), "invalid", "ni numéro d'immatriculation"),
        (member_request(insurance=[fund_number(fund="NOPE")]), "value", "Organisme inconnu"),
        (member_request(insurance=[fund_number("12")]), "value", "9 chiffres"),
        (member_request("2090-01-01"), "value", "dans le futur"),
    ],
)  # fmt: skip
def test_an_unusable_member_request_is_an_operation_outcome(persona, body, code, fragment):
    if body.get("insurance") is None:
        body = {k: v for k, v in body.items() if k != "insurance"}
    status, outcome, _ = post(persona("dr_amine"), body)
    assert (status, outcome.issue[0].code) == (400, code)
    assert fragment in outcome.issue[0].diagnostics


def test_an_insured_person_cannot_check_another_family_s_child(persona, family):
    other = samples.insured(persona("karim"), cnie="ZT66050", fund_number="555000444")
    samples.dependant(persona("karim"), other, birth_date=datetime.date(2010, 9, 3))
    youssef = persona("youssef_tazi", cnie="ZT66001")

    status, answer, _ = post(youssef, member_request())
    assert (status, answer.patient.reference) == (200, f"Patient/{family[2].person_id}")
    status, outcome, _ = post(youssef, member_request(insurance=[fund_number("555000444")]))
    assert (status, outcome.issue[0].code) == (403, "forbidden")
