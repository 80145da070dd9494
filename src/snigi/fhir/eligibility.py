"""The rights check in FHIR R4 (R4B models of ``fhir.resources``): a CoverageEligibilityRequest
in, a CoverageEligibilityResponse out, over ``rights_check.check_rights``.

Whose rights: the patient, as a contained Patient or a logical reference with the CNIE, or as
``Patient/<id>``. Without a CNIE, the insured's membership number given as
``insurance.coverage.identifier`` (system ``FUND_NUMBER_SYSTEM``; the fund as the identifier's
``assigner`` or as the request's ``insurer``, by its code under ``ORGANISATION_SYSTEM``): with
the contained Patient's ``birthDate``, the member of that family born that day (a child; the
given names choose between twins); without it, the insured.

The answer: ``insurance[0]`` is the enrolment the answer rests on, with an item per ALD/ALC
exemption (kind and dates, never the condition) and, for an insured, a ``DEPENDANT_URL``
extension per dependant pointing at a contained Patient (names and birth date); the next
entries are the other enrolments covering the day (a double enrolment). Each entry names its
regime (``REGIME_URL``) and the membership number with its fund (``coverage.identifier``).
Every resource is validated by ``fhir.resources`` before it leaves.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.patient import Patient
from pydantic import ValidationError

from snigi.beneficiaries.models import Enrolment
from snigi.beneficiaries.rights_check import EnrolmentRights, RightsAnswer
from snigi.fhir.beneficiaries import (
    CNIE_SYSTEM,
    ORGANISATION_SYSTEM,
    PATIENT_REFERENCE,
    RELATIONSHIP_SYSTEM,
    cnie_identifier,
    human_names,
    organisation_reference,
)

FUND_NUMBER_SYSTEM = "https://snigi.ma/fhir/sid/fund-number"
REGIME_SYSTEM = "https://snigi.ma/fhir/CodeSystem/regime"
REGIME_URL = "https://snigi.ma/fhir/StructureDefinition/regime"
DEPENDANT_URL = "https://snigi.ma/fhir/StructureDefinition/dependant"
EXEMPTION_SYSTEM = "https://snigi.ma/fhir/CodeSystem/exemption"
EXEMPTION_PERIOD_URL = "https://snigi.ma/fhir/StructureDefinition/exemption-period"


class EligibilityRequestError(ValueError):
    """A body that is not a usable CoverageEligibilityRequest; ``code`` is the FHIR issue type."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class EligibilityQuery:
    resource: CoverageEligibilityRequest
    cnie: str = ""  # as sent: the rights check normalises it (and refuses a malformed one)
    person_id: int | None = None  # a reference Patient/<id>
    on: datetime.date | None = None
    fund: str = ""  # without a CNIE: the insured's membership, as sent
    number: str = ""
    birth_date: datetime.date | None = None  # with it: the member of that family born that day
    first_name: str = ""  # the contained Patient's given names, for twins


# ----------------------------------------------------------------------------- the request


def _validation_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        issues = [
            f"{'.'.join(str(p) for p in error['loc']) or 'ressource'} : {error['msg']}"
            for error in exc.errors()[:5]
        ]
        return "Ressource FHIR invalide — " + " ; ".join(issues)
    return "Ressource FHIR invalide."


def parse_eligibility_request(raw: bytes) -> CoverageEligibilityRequest:
    """The body parsed and validated by ``fhir.resources``, or EligibilityRequestError."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise EligibilityRequestError("structure", "Le corps n'est pas un JSON lisible.") from exc
    if not isinstance(data, dict) or data.get("resourceType") != "CoverageEligibilityRequest":
        raise EligibilityRequestError(
            "structure", "Une ressource CoverageEligibilityRequest est attendue."
        )
    try:
        return CoverageEligibilityRequest.model_validate(data)
    except (ValueError, LookupError, TypeError, RecursionError) as exc:
        raise EligibilityRequestError("structure", _validation_message(exc)) from exc


def _cnie_of(identifiers: list[Any] | None) -> str:
    for identifier in identifiers or ():
        if identifier.system in (None, CNIE_SYSTEM) and identifier.value:
            return str(identifier.value)
    return ""


def _organisation_code(reference: Any) -> str:
    """The fund code of a Reference(Organization) identified under ``ORGANISATION_SYSTEM``."""
    identifier = reference.identifier if reference is not None else None
    if identifier is not None and identifier.system == ORGANISATION_SYSTEM and identifier.value:
        return str(identifier.value)
    return ""


def _membership(request: CoverageEligibilityRequest) -> tuple[str, str]:
    """The fund and the insured's membership number given as ``insurance.coverage.identifier``
    (the fund: the identifier's assigner, else the request's insurer), or ``("", "")``."""
    for insurance in request.insurance or ():
        identifier = insurance.coverage.identifier
        if identifier is None or not identifier.value:
            continue
        if identifier.system not in (None, FUND_NUMBER_SYSTEM):
            continue
        fund = _organisation_code(identifier.assigner) or _organisation_code(request.insurer)
        if not fund:
            raise EligibilityRequestError(
                "invalid",
                "Indiquez l'organisme du numéro d'immatriculation : "
                f"insurance.coverage.identifier.assigner ou insurer ({ORGANISATION_SYSTEM}).",
            )
        return fund, str(identifier.value)
    return "", ""


def _born_and_named(patient: Patient | None) -> tuple[datetime.date | None, str]:
    """A contained Patient's full birth date and given names (of its first name that has some)."""
    if patient is None or patient.birthDate is None:
        return None, ""
    if not isinstance(patient.birthDate, datetime.date):  # a year, or a year and a month
        raise EligibilityRequestError(
            "value",
            "La date de naissance du patient doit être complète (AAAA-MM-JJ) pour trouver un "
            "bénéficiaire sans CNIE.",
        )
    given = next((name.given for name in patient.name or () if name.given), None)
    return patient.birthDate, " ".join(str(g) for g in given or ())


def eligibility_query(raw: bytes) -> EligibilityQuery:
    """What a CoverageEligibilityRequest asks: whose rights (a CNIE, a Patient id, or an
    insured's membership number with a birth date) on which day. Only an active request for
    ``validation`` is answered."""
    request = parse_eligibility_request(raw)
    if request.status != "active":
        raise EligibilityRequestError(
            "value", "Seule une demande active (status = active) est traitée."
        )
    if "validation" not in (request.purpose or []):
        raise EligibilityRequestError(
            "not-supported", "Seul l'objet « validation » (purpose) est traité : les droits."
        )
    if request.servicedPeriod is not None:
        raise EligibilityRequestError("not-supported", "Indiquez un jour de soins (servicedDate).")
    on = request.servicedDate
    reference = request.patient.reference or ""
    contained: Patient | None = None
    if reference.startswith("#"):
        contained = next(
            (
                r
                for r in request.contained or ()
                if isinstance(r, Patient) and r.id == reference[1:]
            ),
            None,
        )
        if contained is None:
            raise EligibilityRequestError("invalid", f"Patient contenu {reference} introuvable.")
        cnie = _cnie_of(contained.identifier)
    elif request.patient.identifier is not None:
        cnie = _cnie_of([request.patient.identifier])
    elif match := PATIENT_REFERENCE.fullmatch(reference):
        return EligibilityQuery(resource=request, person_id=int(match.group(1)), on=on)
    else:
        raise EligibilityRequestError(
            "invalid", "Le patient doit être Patient/<id>, un Patient contenu ou un identifiant."
        )
    if cnie:
        return EligibilityQuery(resource=request, cnie=cnie, on=on)
    fund, number = _membership(request)
    if not number:
        raise EligibilityRequestError(
            "invalid",
            f"Aucun identifiant CNIE ({CNIE_SYSTEM}), ni numéro d'immatriculation de l'assuré "
            f"(insurance.coverage.identifier, {FUND_NUMBER_SYSTEM}).",
        )
    birth_date, first_name = _born_and_named(contained)
    return EligibilityQuery(
        resource=request,
        on=on,
        fund=fund,
        number=number,
        birth_date=birth_date,
        first_name=first_name,
    )


# ----------------------------------------------------------------------------- the response


def _exemption_items(answer: RightsAnswer) -> list[dict[str, Any]] | None:
    """The ALD/ALC exemptions in force: their kind and dates, never the condition."""
    items = [
        {
            "extension": [
                {
                    "url": EXEMPTION_PERIOD_URL,
                    "valuePeriod": {"start": e.valid_from, "end": e.valid_to},
                }
            ],
            "category": {
                "coding": [
                    {
                        "system": EXEMPTION_SYSTEM,
                        "code": e.kind,
                        "display": str(e.get_kind_display()),
                    }
                ]
            },
            "name": f"Exonération du ticket modérateur ({e.kind})",
        }
        for e in answer.exemptions
    ]
    return items or None


def _coverage_reference(enrolment: Enrolment, *, identified: bool = True) -> dict[str, Any]:
    """The Coverage of an enrolment, identified by the insured's membership number at its
    fund; regime, fund and number told in the display too. Not ``identified``: the regime and
    the fund only, in the display (another regime covering the day as a dependant: the
    membership is another insured's, which the rights check does not tell)."""
    if not identified:
        return {
            "type": "Coverage",
            "display": f"{enrolment.regime.code} – {enrolment.organisation.code}",
        }
    membership = enrolment.insured if enrolment.insured is not None else enrolment
    number = membership.fund_number
    reference: dict[str, Any] = {
        "reference": f"Coverage/{enrolment.pk}",
        "type": "Coverage",
        "display": f"{enrolment.regime.code} – {enrolment.organisation.code} {number}".strip(),
    }
    if number:
        reference["identifier"] = {
            "system": FUND_NUMBER_SYSTEM,
            "value": number,
            "assigner": organisation_reference(membership.organisation),
        }
    return reference


def _insurance_entry(
    enrolment: Enrolment,
    *,
    covered: bool,
    on: datetime.date,
    until: datetime.date | None,
    extensions: list[dict[str, Any]] | None = None,
    items: list[dict[str, Any]] | None = None,
    identified: bool = True,
) -> dict[str, Any]:
    regime = enrolment.regime
    plan = {
        "url": REGIME_URL,
        "valueCoding": {"system": REGIME_SYSTEM, "code": regime.code, "display": regime.name_fr},
    }
    return {
        "extension": [plan, *(extensions or ())],
        "coverage": _coverage_reference(enrolment, identified=identified),
        "inforce": covered,
        "benefitPeriod": {"start": on, "end": until} if covered else None,
        "item": items,
    }


def _dependant(
    index: int, rights: EnrolmentRights, on: datetime.date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dependant as a contained Patient (names and birth date: what the REST answer tells)
    and the extension that gives their coverage on the day."""
    enrolment, coverage = rights.enrolment, rights.coverage
    person = enrolment.person
    local = f"dependant-{index}"
    patient = {
        "resourceType": "Patient",
        "id": local,
        "name": human_names(person),
        "birthDate": person.birth_date,
    }
    parts: list[dict[str, Any]] = [
        {
            "url": "patient",
            "valueReference": {
                "reference": f"#{local}",
                "display": f"{person.first_name_lat} {person.last_name_lat}",
            },
        },
        {
            "url": "coverage",
            "valueReference": {"reference": f"Coverage/{enrolment.pk}", "type": "Coverage"},
        },
        {
            "url": "relationship",
            "valueCodeableConcept": {
                "coding": [{"system": RELATIONSHIP_SYSTEM, "code": enrolment.relationship}],
                "text": str(enrolment.get_relationship_display()),
            },
        },
        {"url": "inforce", "valueBoolean": coverage.covered},
    ]
    if coverage.covered:
        parts.append({"url": "benefitPeriod", "valuePeriod": {"start": on, "end": coverage.until}})
    parts.append({"url": "disposition", "valueString": coverage.reason})
    return patient, {"url": DEPENDANT_URL, "extension": parts}


def _insurance(answer: RightsAnswer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The contained Patients of the dependants, and the insurance entries: the enrolment the
    answer rests on (with the dependants and exemptions), then the others covering the day."""
    enrolment = answer.enrolment
    if enrolment is None:
        return [], []
    contained, dependants = [], []
    for index, rights in enumerate(answer.dependants, start=1):
        patient, extension = _dependant(index, rights, answer.on)
        contained.append(patient)
        dependants.append(extension)
    entries = [
        _insurance_entry(
            enrolment,
            covered=answer.covered,
            on=answer.on,
            until=answer.until,
            extensions=dependants,
            items=_exemption_items(answer),
        )
    ]
    entries += [
        _insurance_entry(
            other.enrolment,
            covered=other.coverage.covered,
            on=answer.on,
            until=other.coverage.until,
            identified=other.enrolment.insured_id is None,  # their own membership
        )
        for other in answer.also_covered
    ]
    return contained, entries


def _without_local_references(node: Any) -> Any:
    """A part of the request copied into the response, without its references to the
    request's contained resources (``#id``: they would dangle in the response, or name one of
    its own contained Patients); a Reference left without an identifier or a display is
    dropped (None)."""
    if isinstance(node, list):
        return [_without_local_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    if str(node.get("reference", "")).startswith("#"):
        node = {key: value for key, value in node.items() if key != "reference"}
        if not node.keys() & {"identifier", "display"}:
            return None
    kept = {key: _without_local_references(value) for key, value in node.items()}
    return {key: value for key, value in kept.items() if value is not None}


def _asked(query: EligibilityQuery) -> str:
    """Who was asked about, when nobody was found and no CNIE names them."""
    membership = f"numéro d'immatriculation {query.fund} {query.number}"
    if query.birth_date is not None:
        return f"Bénéficiaire né le {query.birth_date:%d/%m/%Y}, {membership}"
    return f"Assuré, {membership}"


def eligibility_response(
    *, answer: RightsAnswer, query: EligibilityQuery, cnie: str
) -> CoverageEligibilityResponse:
    """The answer of the rights check as a CoverageEligibilityResponse (outcome complete; the
    disposition is the reason)."""
    person, request = answer.person, query.resource
    patient_ref: dict[str, Any] = {"identifier": cnie_identifier(cnie)} if cnie else {}
    if person is not None:
        patient_ref["reference"] = f"Patient/{person.pk}"
        if person.cnie:
            patient_ref["identifier"] = cnie_identifier(person.cnie)
    elif not cnie:
        patient_ref["display"] = _asked(query)
    if request.identifier:
        request_ref: dict[str, Any] = {
            "identifier": _without_local_references(
                request.identifier[0].model_dump(exclude_none=True)
            )
        }
    else:
        request_ref = {"display": "CoverageEligibilityRequest reçue (non conservée)"}
    enrolment = answer.enrolment
    contained, insurance = _insurance(answer)
    return CoverageEligibilityResponse.model_validate(
        {
            "resourceType": "CoverageEligibilityResponse",
            "contained": contained or None,
            "status": "active",
            "purpose": ["validation"],
            "patient": patient_ref,
            "servicedDate": answer.on,
            "created": timezone.now().isoformat(timespec="seconds"),
            "requestor": _without_local_references(request.provider.model_dump(exclude_none=True))
            if request.provider
            else None,
            "request": request_ref,
            "outcome": "complete",
            "disposition": answer.reason,
            "insurer": organisation_reference(enrolment.organisation if enrolment else None),
            "insurance": insurance or None,
        }
    )
