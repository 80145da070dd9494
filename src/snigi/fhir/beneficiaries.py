"""FHIR R4 (R4B models of ``fhir.resources``) converters over the beneficiaries: Patient (a
person), Coverage (an enrolment), the CNIE NamingSystem and their CapabilityStatement entries.
The eligibility check (CoverageEligibilityRequest in, CoverageEligibilityResponse out) is in
``eligibility.py``.

A person is identified by their CNIE under ``CNIE_SYSTEM`` (SNIGI's URI until ANAM or the DGSN
publishes an official one), a fund by its SNIGI code under ``ORGANISATION_SYSTEM``. Every
resource is validated by ``fhir.resources`` before it leaves.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.namingsystem import NamingSystem
from fhir.resources.R4B.patient import Patient
from pydantic import BaseModel

from snigi.beneficiaries.models import Enrolment, Person
from snigi.core.models import Organisation

CNIE_SYSTEM = "https://snigi.ma/fhir/sid/cnie"
ORGANISATION_SYSTEM = "https://snigi.ma/fhir/sid/organisation"
CATEGORY_SYSTEM = "https://snigi.ma/fhir/CodeSystem/enrolment-category"
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


def human_names(person: Person) -> list[dict[str, Any]]:
    """The official name in Latin script, and in Arabic script (``language`` ar) if known."""
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
        "name": human_names(person),
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
