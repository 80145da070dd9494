"""Roles and what each may do. One role per account (least privilege).

A capability is a named permission checked by views, APIs and selectors; scoping (which records a
role sees) is applied by selectors through `snigi.core.scoping`.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ANAM_MAIL_OFFICE = "anam_mail_office", _("ANAM – bureau d'ordre")
    ANAM_DG_SECRETARIAT = "anam_dg_secretariat", _("ANAM – secrétariat de la direction générale")
    ANAM_LEGAL_DATA_ENTRY = "anam_legal_data_entry", _("ANAM – saisie, division juridique")
    ANAM_LEGAL_HEAD = "anam_legal_head", _("ANAM – chef de la division juridique")
    ANAM_LEGAL_OFFICER = "anam_legal_officer", _("ANAM – juriste")
    ANAM_MEDICAL_OFFICER = "anam_medical_officer", _("ANAM – médecin conseil")
    ANAM_INPE_OFFICER = "anam_inpe_officer", _("ANAM – gestionnaire INPE")
    ANAM_RAMED_OPERATIONS = "anam_ramed_operations", _("ANAM – opérations RAMED")
    ANAM_ENROLMENT_CONTROL = (
        "anam_enrolment_control",
        _("ANAM – contrôle de la double immatriculation"),
    )
    ANAM_OBSERVATORY_ANALYST = "anam_observatory_analyst", _("ANAM – analyste de l'observatoire")
    ANAM_DIRECTOR_GENERAL = "anam_director_general", _("ANAM – directeur général")
    FUND_AGENT = "fund_agent", _("Agent d'organisme gestionnaire")
    PROVIDER = "provider", _("Professionnel ou établissement de santé")
    INSURED = "insured", _("Assuré")
    AUDITOR = "auditor", _("Auditeur")
    ADMINISTRATOR = "administrator", _("Administrateur")


ANAM_ROLES = frozenset(
    {
        Role.ANAM_MAIL_OFFICE,
        Role.ANAM_DG_SECRETARIAT,
        Role.ANAM_LEGAL_DATA_ENTRY,
        Role.ANAM_LEGAL_HEAD,
        Role.ANAM_LEGAL_OFFICER,
        Role.ANAM_MEDICAL_OFFICER,
        Role.ANAM_INPE_OFFICER,
        Role.ANAM_RAMED_OPERATIONS,
        Role.ANAM_ENROLMENT_CONTROL,
        Role.ANAM_OBSERVATORY_ANALYST,
        Role.ANAM_DIRECTOR_GENERAL,
    }
)


class Capability(StrEnum):
    VIEW_REFERENCE_DATA = "view_reference_data"
    MANAGE_REFERENCE_DATA = "manage_reference_data"
    MANAGE_CALENDAR = "manage_calendar"
    VIEW_PERSON = "view_person"
    VIEW_AUDIT = "view_audit"
    VIEW_ALL_ORGANISATIONS_DATA = "view_all_organisations_data"
    MANAGE_USERS = "manage_users"
    MANAGE_PROVIDERS = "manage_providers"
    SUSPEND_PROVIDERS = "suspend_providers"
    ENROL_PERSONS = "enrol_persons"  # register insured people and dependants, close rights
    OVERRIDE_DOUBLE_ENROLMENT = "override_double_enrolment"  # with a reason, audited
    MANAGE_RAMED = "manage_ramed"  # RAMED households, eligibility, cards, contributions
    CHECK_RIGHTS = "check_rights"  # the real-time rights check (coverage, not medical data)
    # e-réclamations: one step of the workflow per role (seed 002, IV.2)
    VIEW_COMPLAINTS = "view_complaints"  # ANAM's files, their timeline and pieces
    RECORD_COMPLAINTS = "record_complaints"  # mail office: intake, acknowledgement
    REGISTER_COMPLAINTS = "register_complaints"  # DG secretariat: registration
    ENTER_COMPLAINTS = "enter_complaints"  # legal division's assistant: entry of the file
    VALIDATE_COMPLAINTS = "validate_complaints"  # head of the legal division: validation
    INSTRUCT_COMPLAINTS = "instruct_complaints"  # legal officer: instruction, proposal
    GIVE_MEDICAL_OPINION = "give_medical_opinion"  # medical officer (DCN)
    DECIDE_COMPLAINTS = "decide_complaints"  # director general
    MANAGE_COMMISSIONS = "manage_commissions"  # CPS/CSP sessions and decisions
    MANAGE_MORATORIUM = "manage_moratorium"  # moratorium on new suspensions
    FILE_COMPLAINTS = "file_complaints"  # online filing and following of one's own complaints
    VIEW_COMPLAINT_STATISTICS = "view_complaint_statistics"
    # double-enrolment control
    SUBMIT_ENROLMENT_LISTS = "submit_enrolment_lists"  # a body's lists (a fund agent: its own)
    RUN_ENROLMENT_CONTROL = "run_enrolment_control"  # match the received lists (ANAM)
    REVIEW_DOUBLE_ENROLMENT = "review_double_enrolment"  # decide the pairs to review (ANAM)
    VIEW_ENROLMENT_CONTROL_REPORTS = "view_enrolment_control_reports"  # counts, no person
    ACT_ON_DOUBLE_ENROLMENT = "act_on_double_enrolment"  # a body: its notices, their outcome


_EVERYONE = {Capability.VIEW_REFERENCE_DATA}
_ANAM_PERSON_READERS = {
    Role.ANAM_RAMED_OPERATIONS,
    Role.ANAM_MEDICAL_OFFICER,
    Role.ANAM_LEGAL_OFFICER,
    Role.ANAM_LEGAL_HEAD,
    Role.ANAM_DIRECTOR_GENERAL,
}

_COMPLAINT_STAFF = {Capability.VIEW_COMPLAINTS, Capability.VIEW_COMPLAINT_STATISTICS}
_COMPLAINT_CAPABILITIES: dict[str, set[Capability]] = {
    Role.ANAM_MAIL_OFFICE: {Capability.VIEW_COMPLAINTS, Capability.RECORD_COMPLAINTS},
    Role.ANAM_DG_SECRETARIAT: _COMPLAINT_STAFF | {Capability.REGISTER_COMPLAINTS},
    Role.ANAM_LEGAL_DATA_ENTRY: _COMPLAINT_STAFF | {Capability.ENTER_COMPLAINTS},
    Role.ANAM_LEGAL_HEAD: _COMPLAINT_STAFF
    | {Capability.VALIDATE_COMPLAINTS, Capability.MANAGE_COMMISSIONS},
    Role.ANAM_LEGAL_OFFICER: _COMPLAINT_STAFF | {Capability.INSTRUCT_COMPLAINTS},
    Role.ANAM_MEDICAL_OFFICER: _COMPLAINT_STAFF | {Capability.GIVE_MEDICAL_OPINION},
    Role.ANAM_DIRECTOR_GENERAL: _COMPLAINT_STAFF | {Capability.DECIDE_COMPLAINTS},
    Role.ANAM_OBSERVATORY_ANALYST: {Capability.VIEW_COMPLAINT_STATISTICS},
    Role.INSURED: {Capability.FILE_COMPLAINTS},
    Role.PROVIDER: {Capability.FILE_COMPLAINTS},
    Role.FUND_AGENT: {Capability.FILE_COMPLAINTS},
    Role.ADMINISTRATOR: {Capability.MANAGE_MORATORIUM},
}

CAPABILITIES: dict[str, frozenset[Capability]] = {}
for _role in Role:
    caps = set(_EVERYONE)
    if _role in _ANAM_PERSON_READERS:
        caps |= {Capability.VIEW_PERSON, Capability.VIEW_ALL_ORGANISATIONS_DATA}
    if _role in {Role.FUND_AGENT, Role.INSURED}:
        caps.add(Capability.VIEW_PERSON)
    if _role == Role.ANAM_INPE_OFFICER:
        caps.add(Capability.MANAGE_PROVIDERS)
    if _role in {Role.ANAM_LEGAL_HEAD, Role.ANAM_DIRECTOR_GENERAL}:
        caps.add(Capability.SUSPEND_PROVIDERS)
    if _role in {Role.FUND_AGENT, Role.ANAM_RAMED_OPERATIONS}:
        caps.add(Capability.ENROL_PERSONS)
    if _role == Role.ANAM_RAMED_OPERATIONS:
        caps |= {Capability.OVERRIDE_DOUBLE_ENROLMENT, Capability.MANAGE_RAMED}
    if _role in {Role.FUND_AGENT, Role.ANAM_RAMED_OPERATIONS, Role.ANAM_ENROLMENT_CONTROL}:
        caps.add(Capability.SUBMIT_ENROLMENT_LISTS)
    if _role == Role.ANAM_ENROLMENT_CONTROL:
        caps |= {Capability.RUN_ENROLMENT_CONTROL, Capability.REVIEW_DOUBLE_ENROLMENT}
    if _role in {
        Role.ANAM_ENROLMENT_CONTROL,
        Role.ANAM_OBSERVATORY_ANALYST,
        Role.ANAM_DIRECTOR_GENERAL,
    }:
        caps.add(Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    if _role in {Role.FUND_AGENT, Role.ANAM_RAMED_OPERATIONS}:  # RAMED ops: ANAM's RAMED lists
        caps.add(Capability.ACT_ON_DOUBLE_ENROLMENT)
    if _role in _ANAM_PERSON_READERS | {Role.FUND_AGENT, Role.PROVIDER, Role.INSURED}:
        caps.add(Capability.CHECK_RIGHTS)
    caps |= _COMPLAINT_CAPABILITIES.get(_role, set())
    if _role == Role.AUDITOR:
        caps |= {Capability.VIEW_AUDIT}
    if _role == Role.ADMINISTRATOR:
        caps |= {
            Capability.MANAGE_REFERENCE_DATA,
            Capability.MANAGE_CALENDAR,
            Capability.MANAGE_USERS,
        }
    CAPABILITIES[_role.value] = frozenset(caps)


def role_has(role: str, capability: Capability) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
