"""Demo accounts: one per role, fixed usernames, one demo password (demo mode only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from snigi.beneficiaries.models import Person
from snigi.core.models import Organisation, User
from snigi.core.roles import Role
from snigi.core.services import user_create

DEMO_PASSWORD = "snigi-demo-2026"  # noqa: S105 - documented demo password, demo mode only
DEMO_PROVIDER_INPE = "100000011"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    organisation_code: str = ""
    label: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("anam.courrier", Role.ANAM_MAIL_OFFICE),
    DemoAccount("anam.secretariat", Role.ANAM_DG_SECRETARIAT),
    DemoAccount("anam.saisie", Role.ANAM_LEGAL_DATA_ENTRY),
    DemoAccount("anam.chef.juridique", Role.ANAM_LEGAL_HEAD),
    DemoAccount("anam.juriste", Role.ANAM_LEGAL_OFFICER),
    DemoAccount("anam.medecin", Role.ANAM_MEDICAL_OFFICER),
    DemoAccount("anam.inpe", Role.ANAM_INPE_OFFICER),
    DemoAccount("anam.ramed", Role.ANAM_RAMED_OPERATIONS),
    DemoAccount("anam.controle", Role.ANAM_ENROLMENT_CONTROL),
    DemoAccount("anam.observatoire", Role.ANAM_OBSERVATORY_ANALYST),
    DemoAccount("anam.dg", Role.ANAM_DIRECTOR_GENERAL),
    DemoAccount("cnss.agent", Role.FUND_AGENT, "CNSS"),
    DemoAccount("cnops.agent", Role.FUND_AGENT, "CNOPS"),
    DemoAccount("prestataire", Role.PROVIDER),
    DemoAccount("assure", Role.INSURED),
    DemoAccount("auditeur", Role.AUDITOR),
    DemoAccount("admin", Role.ADMINISTRATOR),
)


def _insured_person() -> Person | None:
    """A household head who has dependants: the insured persona's own file."""
    return (
        Person.objects.filter(
            household_role=Person.HouseholdRole.HEAD, cnie__isnull=False, dependants__isnull=False
        )
        .order_by("pk")
        .first()
    )


def _provider_inpe() -> str:
    """The first general practitioner of the demo register (or a well-formed code)."""
    from snigi.providers.models import Provider

    first = (
        Provider.objects.filter(category__code="MEDECIN_GENERALISTE", sector="private")
        .order_by("inpe")
        .values_list("inpe", flat=True)
        .first()
    )
    return first or DEMO_PROVIDER_INPE


def ensure_demo_accounts() -> list[tuple[DemoAccount, bool]]:
    """Create the missing demo accounts; returns each account and whether it was created."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("Demo accounts exist in demo mode only (SNIGI_ENV=demo).")
    existing = set(User.objects.values_list("username", flat=True))
    result = []
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            result.append((account, False))
            continue
        person = _insured_person() if account.role == Role.INSURED else None
        if account.role == Role.INSURED and person is None:
            continue  # no population loaded (--people 0): no insured account to attach
        user_create(
            actor=None,
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            organisation=(
                Organisation.objects.get(code=account.organisation_code)
                if account.organisation_code
                else None
            ),
            inpe=_provider_inpe() if account.role == Role.PROVIDER else "",
            cnie=person.cnie or "" if person else "",
            first_name=person.first_name_lat.title() if person else "",
            last_name=person.last_name_lat.title() if person else "",
        )
        result.append((account, True))
    return result
