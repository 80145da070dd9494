"""The administrator keeps the eligibility rules in the admin site; the change is audited and
the rights engine applies the new version at once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from snigi.beneficiaries.models import EligibilityRule
from snigi.beneficiaries.rights import rule_book
from snigi.core.audit import LogEntry
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_the_administrator_adds_a_rule_version_and_it_applies_from_its_date(persona):
    persona("omar")
    client = login("omar")
    listing = client.get("/admin/beneficiaries/eligibilityrule/")
    assert listing.status_code == 200
    assert "OPENING_CONTRIBUTION_DAYS" in listing.content.decode()
    regime = EligibilityRule.objects.filter(code="OPENING_CONTRIBUTION_DAYS").first().regime
    response = client.post(
        "/admin/beneficiaries/eligibilityrule/add/",
        {
            "code": "OPENING_CONTRIBUTION_DAYS",
            "regime": regime.pk,
            "value": "60",
            "unit": "days",
            "valid_from": "2030-01-01",
            "valid_to": "",
            "certainty": "unsure",
            "legal_basis": "Exemple de test : nouveau décret",
            "description_fr": "Jours requis (version de test)",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    book = rule_book()
    assert (
        book.integer("OPENING_CONTRIBUTION_DAYS", datetime.date(2029, 12, 31), regime=regime.code)
        == 54
    )
    assert (
        book.integer("OPENING_CONTRIBUTION_DAYS", datetime.date(2030, 1, 1), regime=regime.code)
        == 60
    )
    rule = EligibilityRule.objects.get(valid_from=datetime.date(2030, 1, 1))
    assert LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(EligibilityRule), object_pk=str(rule.pk)
    ).exists()


def test_a_rule_without_legal_basis_is_refused(persona):
    persona("omar")
    response = login("omar").post(
        "/admin/beneficiaries/eligibilityrule/add/",
        {"code": "CHILD_MAX_AGE", "value": "22", "unit": "years", "valid_from": "2031-01-01",
         "certainty": "unsure", "legal_basis": "", "description_fr": "x"},
    )  # fmt: skip
    assert response.status_code == 200
    assert not EligibilityRule.objects.filter(valid_from=datetime.date(2031, 1, 1)).exists()


def test_a_fund_agent_cannot_reach_the_rules_admin(persona):
    persona("karim")
    assert login("karim").get("/admin/beneficiaries/eligibilityrule/").status_code in (302, 403)
