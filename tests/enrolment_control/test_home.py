"""The home page and the menu lead each role to its part of the double-enrolment control: the
control officer to the pairs left to review and the runs, a body to its notices waiting for an
answer, the report readers to the latest report; the others see none of it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from snigi.enrolment_control.home import enrolment_control_cards
from snigi.enrolment_control.models import CandidatePair, Notice
from tests.conftest import login
from tests.enrolment_control.test_pages import notices, received, run  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _cards(user) -> dict[str, object]:
    return {str(card.title): (card.value, card.url) for card in enrolment_control_cards(user)}


def test_each_role_sees_its_cards(persona, run, notices) -> None:  # noqa: F811
    undecided = CandidatePair.objects.filter(
        run=run, band=CandidatePair.Band.REVIEW, decision__isnull=True
    ).count()
    hind = _cards(persona("hind"))
    assert hind["Paires à revoir (dernier contrôle)"] == (
        undecided, reverse("enrolment-review:queue", args=[run.pk])
    )  # fmt: skip
    assert hind["Contrôles de double immatriculation"][0] == 1
    assert "Rapport du dernier contrôle de double immatriculation" in hind

    karim = _cards(persona("karim"))  # CNSS: one notice pending
    assert karim == {
        "Doubles immatriculations signalées, en attente de suite": (
            1, reverse("enrolment-control:notices")
        )
    }  # fmt: skip
    Notice.objects.filter(organisation__code="CNSS").update(outcome=Notice.Outcome.CLOSED)
    assert _cards(persona("karim"))[
        "Doubles immatriculations signalées, en attente de suite"
    ][0] == 0  # fmt: skip

    othmane = _cards(persona("othmane"))
    assert list(othmane) == ["Rapport du dernier contrôle de double immatriculation"]
    assert othmane["Rapport du dernier contrôle de double immatriculation"][1] == reverse(
        "enrolment-control:report", args=[run.pk]
    )
    assert _cards(persona("dr_amine")) == {}
    assert list(_cards(persona("samira"))) == [  # RAMED operations answer ANAM's RAMED notices
        "Doubles immatriculations signalées, en attente de suite"
    ]


def test_the_menu_and_the_home_page(persona, run) -> None:  # noqa: F811
    persona("karim")
    persona("samira")
    hind = login("hind").get("/").content.decode()
    assert reverse("enrolment-control:runs") in hind
    assert reverse("enrolment-control:lists") in hind
    assert "Paires à revoir (dernier contrôle)" in hind
    karim = login("karim").get("/").content.decode()
    assert reverse("enrolment-control:notices") in karim
    assert reverse("enrolment-control:runs") not in karim
    samira = login("samira").get("/").content.decode()  # RAMED operations: send lists only
    assert reverse("enrolment-control:lists") in samira
    assert reverse("enrolment-control:runs") not in samira
