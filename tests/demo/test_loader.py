"""The demo loader and `snigi demo`: deterministic, idempotent, households whole, accounts."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import F

from snigi.beneficiaries.models import Household, Person
from snigi.core.models import User
from snigi.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from snigi.demo.loader import load_people

pytestmark = pytest.mark.django_db


def snapshot(limit: int) -> list[tuple]:
    return list(
        Person.objects.filter(demo_key__lt=limit)
        .order_by("demo_key")
        .values_list("demo_key", "cnie", "last_name_lat", "birth_date", "commune__code",
                     "regime__code", "primary_insured__demo_key")
    )  # fmt: skip


def test_loading_is_idempotent_and_extends_without_changing_people():
    assert load_people(people=1000, seed=11) == (0, 1000)
    first = snapshot(1000)
    assert load_people(people=1000, seed=11) == (1000, 1000)
    assert Person.objects.count() == 1000
    assert load_people(people=2500, seed=11) == (1000, 3000)  # rounded up to whole blocks
    assert Person.objects.count() == 3000
    assert snapshot(1000) == first


def test_households_and_dependants_are_consistent():
    load_people(people=2000, seed=12)
    dependants = Person.objects.filter(primary_insured__isnull=False)
    assert dependants.exists()
    # A dependant belongs to the household of their primary insured, who is its head.
    assert not dependants.exclude(household=F("primary_insured__household")).exists()
    assert not dependants.exclude(primary_insured__household_role="head").exists()
    assert not dependants.exclude(regime=F("primary_insured__regime")).exists()
    # Every household has exactly one head.
    assert Household.objects.count() == Person.objects.filter(household_role="head").count()
    # Adults have a CNIE, minors none.
    assert not Person.objects.filter(cnie="").exists()


def test_fund_shares_are_plausible():
    load_people(people=5000, seed=13)
    total = Person.objects.count()
    cnss = Person.objects.filter(organisation__code="CNSS").count()
    cnops_family = Person.objects.filter(organisation__parent__code="CNOPS").count()
    assert 0.45 < cnss / total < 0.85
    assert 0.02 < cnops_family / total < 0.2


def test_demo_command_prepares_everything_once(capsys):
    call_command("demo", people=1000, no_serve=True)
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    insured = User.objects.get(username="assure")
    own = Person.objects.get(cnie=insured.cnie)
    assert own.dependants.exists()
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)
    call_command("demo", people=1000, no_serve=True)
    assert "already loaded: reused" in capsys.readouterr().out
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert Person.objects.count() == 1000
