"""HL7 FHIR R4 (R4B models of ``fhir.resources``) converters over the INPE registry.

Every resource built here is validated by ``fhir.resources`` before it leaves SNIGI. The INPE
is the identifier of Practitioner (a professional), Organization (an establishment) and
PractitionerRole (a professional in its category, specialty and commune), under the identifier
system ``INPE_SYSTEM``, declared by the NamingSystem ``inpe``. The URI is SNIGI's until ANAM
publishes an official one.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.namingsystem import NamingSystem
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from snigi import __version__
from snigi.fhir import beneficiaries
from snigi.providers.models import Kind, Provider

INPE_SYSTEM = "https://snigi.ma/fhir/sid/inpe"
CATEGORY_SYSTEM = "https://snigi.ma/fhir/CodeSystem/inpe-category"
SEARCHABLE = {"Practitioner": Kind.PROFESSIONAL, "Organization": Kind.ESTABLISHMENT,
              "PractitionerRole": Kind.PROFESSIONAL}  # fmt: skip


def _identifier(provider: Provider) -> list[dict[str, Any]]:
    return [{"use": "official", "system": INPE_SYSTEM, "value": provider.inpe}]


def _address(provider: Provider) -> list[dict[str, Any]]:
    commune = provider.commune
    return [
        {
            "line": [provider.address_line] if provider.address_line else None,
            "city": commune.name_fr,
            "district": commune.province.name_fr,
            "country": "MA",
        }
    ]


def practitioner(provider: Provider) -> Practitioner:
    return Practitioner.model_validate(
        {
            "resourceType": "Practitioner",
            "id": provider.inpe,
            "identifier": _identifier(provider),
            "active": provider.active_on(timezone.localdate()),
            "name": [{"text": provider.name}],
            "address": _address(provider),
        }
    )


def organization(provider: Provider) -> Organization:
    return Organization.model_validate(
        {
            "resourceType": "Organization",
            "id": provider.inpe,
            "identifier": _identifier(provider),
            "active": provider.active_on(timezone.localdate()),
            "type": [_category(provider)],
            "name": provider.name,
            "address": _address(provider),
        }
    )


def practitioner_role(provider: Provider) -> PractitionerRole:
    role: dict[str, Any] = {
        "resourceType": "PractitionerRole",
        "id": provider.inpe,
        "identifier": _identifier(provider),
        "active": provider.active_on(timezone.localdate()),
        "practitioner": {"reference": f"Practitioner/{provider.inpe}", "display": provider.name},
        "code": [_category(provider)],
    }
    if provider.specialty:
        role["specialty"] = [{"text": provider.specialty}]
    return PractitionerRole.model_validate(role)


def _category(provider: Provider) -> dict[str, Any]:
    category = provider.category
    return {
        "coding": [{"system": CATEGORY_SYSTEM, "code": category.code, "display": category.name_fr}],
        "text": category.name_fr,
    }


CONVERTERS = {
    "Practitioner": practitioner,
    "Organization": organization,
    "PractitionerRole": practitioner_role,
}


def searchset(resource_type: str, providers: list[Provider], total: int, base: str) -> Bundle:
    convert = CONVERTERS[resource_type]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "entry": [
                {
                    "fullUrl": f"{base}/{resource_type}/{p.inpe}",
                    "resource": convert(p).model_dump(exclude_none=True),
                    "search": {"mode": "match"},
                }
                for p in providers
            ]
            or None,
        }
    )


def operation_outcome(code: str, message: str) -> OperationOutcome:
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": message}],
        }
    )


def naming_system() -> NamingSystem:
    return NamingSystem.model_validate(
        {
            "resourceType": "NamingSystem",
            "id": "inpe",
            "name": "INPE",
            "status": "active",
            "kind": "identifier",
            "date": "2026-11-23",
            "publisher": "SNIGI",
            "description": (
                "Identifiant National des Professionnels de santé et des Établissements de "
                "soins: 9 digits, an 8-digit serial and its Damm check digit."
            ),
            "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "MA"}]}],
            "uniqueId": [{"type": "uri", "value": INPE_SYSTEM, "preferred": True}],
        }
    )


def capability_statement(base: str) -> CapabilityStatement:
    search = [
        {"name": "identifier", "type": "token", "documentation": f"{INPE_SYSTEM}|<code>"},
        {"name": "name", "type": "string"},
    ]
    resources = [
        {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": search,
        }
        for resource_type in CONVERTERS
    ] + [{"type": "NamingSystem", "interaction": [{"code": "read"}]}]
    resources += beneficiaries.capability_resources()  # Patient, Coverage, eligibility
    return CapabilityStatement.model_validate(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": datetime.date.today().isoformat(),  # noqa: DTZ011 - a calendar date
            "kind": "instance",
            "software": {"name": "SNIGI", "version": __version__},
            "implementation": {"description": "SNIGI FHIR facade", "url": base},
            "fhirVersion": "4.3.0",
            "format": ["json"],
            "rest": [{"mode": "server", "resource": resources}],
        }
    )
