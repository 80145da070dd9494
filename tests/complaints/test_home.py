"""The home page tells each role how many files wait for its step, and a requester how many
complaints they filed."""

from __future__ import annotations

import pytest

from snigi.complaints import services
from snigi.complaints.home import complaint_cards
from tests.complaints.conftest import letter
from tests.conftest import login

pytestmark = pytest.mark.django_db


def _cards(user) -> dict[str, object]:
    return {str(card.title): card.value for card in complaint_cards(user)}


def test_each_desk_counts_its_files(staff):
    services.complaint_receive(actor=staff.mail, data=letter())
    services.complaint_receive(actor=staff.mail, data=letter())
    assert _cards(staff.secretariat)["Réclamations en attente de votre étape"] == 2
    assert _cards(staff.entry)["Réclamations en attente de votre étape"] == 0
    page = login("sanae").get("/").content.decode()
    assert "Réclamations en attente de votre étape" in page


def test_a_requester_counts_their_complaints_and_nothing_of_the_desks(persona):
    doctor = persona("dr_amine")
    services.complaint_file_online(actor=doctor, subject="Refus de tiers payant", description="…")
    cards = _cards(doctor)
    assert cards == {"Mes réclamations": 1}
