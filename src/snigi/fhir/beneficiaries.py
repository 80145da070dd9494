"""FHIR R4 (R4B models of ``fhir.resources``) converters over the beneficiaries: Patient (a
person), Coverage (an enrolment), and the eligibility check (CoverageEligibilityRequest in,
CoverageEligibilityResponse out, over ``rights_check.check_rights``).

A person is identified by their CNIE under ``CNIE_SYSTEM`` (SNIGI's URI until ANAM or the DGSN
publishes an official one), a fund by its SNIGI code under ``ORGANISATION_SYSTEM``. The
eligibility answer tells coverage and the kind and dates of an ALD/ALC exemption, never a
medical condition. Every resource is validated by ``fhir.resources`` before it leaves.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse
from fhir.resources.R4B.namingsystem import NamingSystem
from fhir.resources.R4B.patient import Patient
from pydantic import BaseModel, ValidationError

from snigi.beneficiaries.models import Enrolment, Person
from snigi.beneficiaries.rights_check import RightsAnswer
from snigi.core.models import Organisation

CNIE_SYSTEM = "https://snigi.ma/fhir/sid/cnie"
ORGANISATION_SYSTEM = "https://snigi.ma/fhir/sid/organisation"
CATEGORY_SYSTEM = "https://snigi.ma/fhir/CodeSystem/enrolment-category"
EXEMPTION_SYSTEM = "https://snigi.ma/fhir/CodeSystem/exemption"
EXEMPTION_PERIOD_URL = "https://snigi.ma/fhir/StructureDefinition/exemption-period"
LANGUAGE_URL = "http://hl7.org/fhir/StructureDefinition/language"
RELATIONSHIP_SYSTEM = "http://terminology.hl7.org/CodeSystem/subscriber-relationship"
COVERAGE_CLASS_SYSTEM = "http://terminology.hl7.org/CodeSystem/coverage-class"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GENDER: dict[str, str] = {Person.Sex.MALE: "male", Person.Sex.FEMALE: "female"}
REGULATOR = "ANAM"  # the insurer of an answer about nobody known
PATIENT_REFERENCE = re.compile(r"^Patient/([1-9][0-9]{0,17})$")


def cnie_identifier(cnie: str) -> dict[str, Any]:
    return {"use": "official", "system": CNIE_SYSTEM, "value": cnie}


def organisation_reference(organisation: Organisation | None) -> dict[str, Any]:
    """A logical reference to a fund (SNIGI serves no Organization for funds: the INPE
    Organization resources are establishments)."""
    code = organisation.code if organisation is not None else REGULATOR
    reference: dict[str, Any] = {
        "type": "Organization",
        "identifier": {"system": ORGANISATION_SYSTEM, "value": code},
    }
    if organisation is not None:
        reference["display"] = organisation.name_fr
    return reference


# ----------------------------------------------------------------------------- Patient


def _names(person: Person) -> list[dict[str, Any]]:
    names: list[dict[str, Any]] = [
        {
            "use": "official",
            "text": f"{person.first_name_lat} {person.last_name_lat}",
            "family": person.last_name_lat,
            "given": [person.first_name_lat],
        }
    ]
    if person.last_name_ar or person.first_name_ar:
        arabic = {
            "extension": [{"url": LANGUAGE_URL, "valueCode": "ar"}],
            "use": "official",
            "text": " ".join(n for n in (person.first_name_ar, person.last_name_ar) if n),
            "family": person.last_name_ar or None,
            "given": [person.first_name_ar] if person.first_name_ar else None,
        }
        names.append(arabic)
    return names


def patient(person: Person) -> Patient:
    commune = person.commune
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(person.pk),
        "identifier": [cnie_identifier(person.cnie)] if person.cnie else None,
        "name": _names(person),
        "gender": GENDER.get(person.sex, "unknown"),
        "birthDate": person.birth_date,
        "address": [
            {
                "use": "home",
                "line": [person.address_line] if person.address_line else None,
                "city": commune.name_fr,
                "district": commune.province.name_fr,
                "country": "MA",
            }
        ],
    }
    if person.organisation is not None:
        resource["managingOrganization"] = organisation_reference(person.organisation)
    return Patient.model_validate(resource)


# ----------------------------------------------------------------------------- Coverage


def coverage_status(enrolment: Enrolment, today: datetime.date) -> str:
    """active while rights may run; cancelled once the enrolment and its retention are over;
    entered-in-error for an enrolment cancelled as erroneous."""
    if enrolment.end_reason == Enrolment.EndReason.CANCELLED:
        return "entered-in-error"
    last = enrolment.rights_until or enrolment.end
    return "cancelled" if last is not None and last < today else "active"


def _display(person: Person) -> str:
    return f"{person.first_name_lat} {person.last_name_lat}"


def coverage(enrolment: Enrolment, today: datetime.date) -> Coverage:
    """One enrolment; ``enrolment.person``, ``insured__person``, ``regime`` and ``organisation``
    loaded (``selectors.person_enrolments`` does)."""
    person = enrolment.person
    insured = enrolment.insured if enrolment.insured is not None else enrolment
    regime = enrolment.regime
    return Coverage.model_validate(
        {
            "resourceType": "Coverage",
            "id": str(enrolment.pk),
            "status": coverage_status(enrolment, today),
            "type": {
                "coding": [
                    {"system": ACT_CODE_SYSTEM, "code": "PUBLICPOL", "display": "public healthcare"}
                ],
            },
            "subscriber": {
                "reference": f"Patient/{insured.person_id}",
                "display": _display(insured.person),
            },
            "subscriberId": insured.fund_number or None,
            "beneficiary": {"reference": f"Patient/{person.pk}", "display": _display(person)},
            "relationship": {
                "coding": [{"system": RELATIONSHIP_SYSTEM, "code": enrolment.relationship}],
                "text": str(enrolment.get_relationship_display()),
            },
            "period": {"start": enrolment.start, "end": enrolment.rights_until or enrolment.end},
            "payor": [organisation_reference(enrolment.organisation)],
            "class": [
                {
                    "type": {"coding": [{"system": COVERAGE_CLASS_SYSTEM, "code": "plan"}]},
                    "value": regime.code,
                    "name": regime.name_fr,
                },
                {
                    "type": {"coding": [{"system": COVERAGE_CLASS_SYSTEM, "code": "class"}]},
                    "value": enrolment.category,
                    "name": str(enrolment.get_category_display()),
                },
            ],
        }
    )


def searchset(resource_type: str, resources: Sequence[BaseModel], base: str) -> Bundle:
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(resources),
            "entry": [
                {
                    "fullUrl": f"{base}/{resource_type}/{r.id}",  # type: ignore[attr-defined]
                    "resource": r.model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for r in resources
            ]
            or None,
        }
    )


# ----------------------------------------------------------------------------- eligibility


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


def eligibility_query(raw: bytes) -> EligibilityQuery:
    """What a CoverageEligibilityRequest asks: whose rights (a CNIE, or a Patient id) on which
    day. Only an active request for ``validation`` is answered."""
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
    if reference.startswith("#"):
        contained = next(
            (
                r
                for r in request.contained or ()
                if r.get_resource_type() == "Patient" and r.id == reference[1:]
            ),
            None,
        )
        if contained is None:
            raise EligibilityRequestError("invalid", f"Patient contenu {reference} introuvable.")
        cnie = _cnie_of(contained.identifier)  # type: ignore[attr-defined]
    elif request.patient.identifier is not None:
        cnie = _cnie_of([request.patient.identifier])
    elif match := PATIENT_REFERENCE.fullmatch(reference):
        return EligibilityQuery(resource=request, person_id=int(match.group(1)), on=on)
    else:
        raise EligibilityRequestError(
            "invalid", "Le patient doit être Patient/<id>, un Patient contenu ou un identifiant."
        )
    if not cnie:
        raise EligibilityRequestError("invalid", f"Aucun identifiant CNIE ({CNIE_SYSTEM}).")
    return EligibilityQuery(resource=request, cnie=cnie, on=on)


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


def _insurance(answer: RightsAnswer) -> list[dict[str, Any]] | None:
    enrolment = answer.enrolment
    if enrolment is None:
        return None
    number = enrolment.fund_number or (enrolment.insured.fund_number if enrolment.insured else "")
    return [
        {
            "coverage": {
                "reference": f"Coverage/{enrolment.pk}",
                "display": f"{enrolment.regime.code} – {enrolment.organisation.code} {number}",
            },
            "inforce": answer.covered,
            "benefitPeriod": {"start": answer.on, "end": answer.until} if answer.covered else None,
            "item": _exemption_items(answer),
        }
    ]


def eligibility_response(
    *, answer: RightsAnswer, request: CoverageEligibilityRequest, cnie: str
) -> CoverageEligibilityResponse:
    """The answer of the rights check as a CoverageEligibilityResponse (outcome complete; the
    disposition is the reason)."""
    person = answer.person
    patient_ref: dict[str, Any] = {"identifier": cnie_identifier(cnie)} if cnie else {}
    if person is not None:
        patient_ref["reference"] = f"Patient/{person.pk}"
        if person.cnie:
            patient_ref["identifier"] = cnie_identifier(person.cnie)
    if request.identifier:
        request_ref: dict[str, Any] = {
            "identifier": request.identifier[0].model_dump(exclude_none=True)
        }
    else:
        request_ref = {"display": "CoverageEligibilityRequest reçue (non conservée)"}
    enrolment = answer.enrolment
    return CoverageEligibilityResponse.model_validate(
        {
            "resourceType": "CoverageEligibilityResponse",
            "status": "active",
            "purpose": ["validation"],
            "patient": patient_ref,
            "servicedDate": answer.on,
            "created": timezone.now().isoformat(timespec="seconds"),
            "requestor": request.provider.model_dump(exclude_none=True)
            if request.provider
            else None,
            "request": request_ref,
            "outcome": "complete",
            "disposition": answer.reason,
            "insurer": organisation_reference(enrolment.organisation if enrolment else None),
            "insurance": _insurance(answer),
        }
    )


# ----------------------------------------------------------------------------- conformance


def naming_system() -> NamingSystem:
    return NamingSystem.model_validate(
        {
            "resourceType": "NamingSystem",
            "id": "cnie",
            "name": "CNIE",
            "status": "active",
            "kind": "identifier",
            "date": "2026-11-30",
            "publisher": "SNIGI",
            "description": (
                "Numéro de la Carte Nationale d'Identité Électronique (DGSN) : une ou deux "
                "lettres suivies de 1 à 6 chiffres, en majuscules, sans espace (ex. BE123456)."
            ),
            "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "MA"}]}],
            "uniqueId": [{"type": "uri", "value": CNIE_SYSTEM, "preferred": True}],
        }
    )


AUTHENTICATED = "Authentification requise : `Authorization: Bearer snigi_…` ou session."


def capability_resources() -> list[dict[str, Any]]:
    """The CapabilityStatement entries of the beneficiaries resources."""
    patient_param = {
        "name": "patient",
        "type": "reference",
        "documentation": f"Patient/<id> ; chaîné : patient.identifier={CNIE_SYSTEM}|<CNIE>",
    }
    return [
        {
            "type": "Patient",
            "documentation": AUTHENTICATED + " Périmètre du rôle ; chaque lecture est journalisée.",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": "identifier", "type": "token", "documentation": f"{CNIE_SYSTEM}|<CNIE>"}
            ],
        },
        {
            "type": "Coverage",
            "documentation": AUTHENTICATED + " Une immatriculation (assuré ou ayant droit).",
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{**patient_param, "name": "beneficiary"}, patient_param],
        },
        {
            "type": "CoverageEligibilityRequest",
            "documentation": AUTHENTICATED + " POST : vérification des droits, réponse "
            "CoverageEligibilityResponse (purpose validation).",
            "interaction": [{"code": "create"}],
        },
    ]
