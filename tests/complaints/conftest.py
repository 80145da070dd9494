"""Personas of e-réclamations and helpers that build files through the real services."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from snigi.complaints import services
from snigi.complaints.intake import ComplaintInput
from snigi.core.models import Commune
from snigi.providers.services import ProviderInput, provider_register


@pytest.fixture
def staff(persona):
    """The workflow's people, one per step (seed 002, IV.2)."""

    class Staff:
        mail = persona("mounia")
        secretariat = persona("sanae")
        entry = persona("hamza")
        head = persona("rachida")
        lawyer = persona("nadia")
        doctor = persona("dr_tazi")
        dg = persona("directeur")

    return Staff


def letter(**overrides) -> ComplaintInput:
    """An insured person's letter received by post a few days ago."""
    values = {
        "requester_type": "insured",
        "requester_name": "Fatima Zahra Alaoui",
        "subject": "Refus de remboursement d'un médicament prescrit pour une ALD",
        "channel": "post",
        "received_on": timezone.localdate() - datetime.timedelta(days=10),
        "requester_email": "f.alaoui@example.ma",
    }
    values.update(overrides)
    return ComplaintInput(**values)


@pytest.fixture
def clinic(persona):
    """A private doctor, the provider complained about."""
    commune = Commune.objects.order_by("code").first()
    return provider_register(
        actor=persona("ilyas"),
        data=ProviderInput(
            kind="professional",
            category_code="MEDECIN_GENERALISTE",
            sector="private",
            name="Dr Hassan Idrissi",
            commune_code=commune.code,
            cnie="BK778899",
            order_number="ORD-7788",
        ),
    )


@pytest.fixture
def in_instruction(staff):
    """A file up to instruction by the legal officer ``nadia``."""

    def make(nature: str = "reimbursement_medicine", **entry):
        complaint = services.complaint_receive(actor=staff.mail, data=letter())
        services.complaint_register(actor=staff.secretariat, complaint=complaint)
        services.complaint_enter(
            actor=staff.entry,
            complaint=complaint,
            entry=services.EntryInput(nature_code=nature, **entry),
        )
        return services.complaint_validate(
            actor=staff.head, complaint=complaint, legal_officer=staff.lawyer
        )

    return make


@pytest.fixture
def proposed(staff, in_instruction):
    def make(decision: str, nature: str = "reimbursement_medicine", **entry):
        complaint = in_instruction(nature, **entry)
        return services.complaint_propose(
            actor=staff.lawyer, complaint=complaint, decision=decision, reason="Motifs."
        )

    return make


@pytest.fixture
def clock():
    """A controlled clock, stopped on the day the director general sends a file to the CPS
    (``commission_helpers.DAY0``); ``clock.move_to(...)`` moves it."""
    from tests.complaints.commission_helpers import DAY0, at

    with time_machine.travel(at(DAY0), tick=False) as traveller:
        yield traveller
