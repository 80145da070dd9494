"""Shared fixtures: named personas, one per role, built through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from snigi.core.models import Organisation, User
from snigi.core.roles import Role
from snigi.core.services import user_create

PASSWORD = "Persona-password-2026"

# username -> (role, organisation code)
PERSONAS: dict[str, tuple[Role, str]] = {
    "mounia": (Role.ANAM_MAIL_OFFICE, ""),
    "sanae": (Role.ANAM_DG_SECRETARIAT, ""),
    "hamza": (Role.ANAM_LEGAL_DATA_ENTRY, ""),
    "rachida": (Role.ANAM_LEGAL_HEAD, ""),
    "nadia": (Role.ANAM_LEGAL_OFFICER, ""),
    "youness": (Role.ANAM_LEGAL_OFFICER, ""),
    "dr_tazi": (Role.ANAM_MEDICAL_OFFICER, ""),
    "ilyas": (Role.ANAM_INPE_OFFICER, ""),
    "samira": (Role.ANAM_RAMED_OPERATIONS, ""),
    "hind": (Role.ANAM_ENROLMENT_CONTROL, ""),
    "othmane": (Role.ANAM_OBSERVATORY_ANALYST, ""),
    "directeur": (Role.ANAM_DIRECTOR_GENERAL, ""),
    "karim": (Role.FUND_AGENT, "CNSS"),
    "salma": (Role.FUND_AGENT, "CNOPS"),
    "meriem": (Role.FUND_AGENT, "MGPAP"),
    "dr_amine": (Role.PROVIDER, ""),
    "leila": (Role.AUDITOR, ""),
    "omar": (Role.ADMINISTRATOR, ""),
}


def make_persona(username: str, *, cnie: str = "") -> User:
    role, organisation_code = PERSONAS.get(username, (Role.INSURED, ""))
    return user_create(
        actor=None,
        username=username,
        password=PASSWORD,
        role=role,
        organisation=(
            Organisation.objects.get(code=organisation_code) if organisation_code else None
        ),
        inpe="100000011" if role == Role.PROVIDER else "",
        cnie=cnie,
    )


def login(username: str, language: str = "fr") -> Client:
    """A test client signed in as ``username`` (password PASSWORD), in ``language``."""
    client = Client()
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not sign in"
    return client


@pytest.fixture
def persona(db):
    """``persona("karim")`` returns that persona's account, created on first use."""

    def get(username: str, *, cnie: str = "") -> User:
        existing = User.objects.filter(username=username).first()
        return existing or make_persona(username, cnie=cnie)

    return get


@pytest.fixture
def demo_people(db):
    """A small synthetic population loaded through the real demo loader."""
    from snigi.demo.loader import load_people

    load_people(people=600, seed=7)
    from snigi.beneficiaries.models import Person

    return Person.objects.all()


@pytest.fixture
def youssef(persona, demo_people):
    """An insured person: a household head with dependants, from the demo population."""
    head = demo_people.filter(
        household_role="head", cnie__isnull=False, dependants__isnull=False
    ).first()
    assert head is not None, "the demo population should contain a head with dependants"
    return persona("youssef", cnie=head.cnie)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Production hashes passwords with PBKDF2 (a million rounds, on purpose slow); the tests
    create many accounts, so they hash with MD5 — never a production setting."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path_factory):
    """Uploaded documents go to a temporary folder, never into the working tree's var/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _fresh_rule_book():
    """The rights engine keeps the eligibility rules in memory for a minute; a test's rules are
    rolled back with its transaction, which no signal reports: forget them after each test."""
    yield
    from snigi.beneficiaries.rights import forget_rules

    forget_rules()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that commit (``transactional_db``): they empty the database when they
    end, so ``scripts/test`` runs them apart, in one process, after the others ran in
    parallel on PostgreSQL."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        committing = marker is not None and marker.kwargs.get("transaction", False)
        if committing or "transactional_db" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.transactional)
