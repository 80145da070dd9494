"""Review of the rights check by birth date: the cases the first tests left out."""

from __future__ import annotations

import datetime as dt

import pytest

from snigi.beneficiaries import services
from snigi.beneficiaries.rights_check import check_rights
from tests.beneficiaries import samples

pytestmark = pytest.mark.django_db

ON = dt.date(2024, 6, 1)
NUMBER = "555000777"


def test_the_dependants_of_a_cancelled_insured_enrolment_are_not_found(persona):
    """An insured enrolment cancelled as erroneous is not the family's: its dependants closed
    before the cancellation (the cascade closes only the open ones) are no more found under
    its number than the insured is."""
    karim = persona("karim")
    insured = samples.insured(
        karim, cnie="ZT55001", fund_number=NUMBER, start=dt.date(2020, 1, 1),
        birth_date=dt.date(1970, 5, 5),
    )  # fmt: skip
    child = samples.dependant(
        karim, insured, last_name_lat="Alaoui", first_name_lat="Salma", sex="F",
        birth_date=dt.date(2009, 11, 12),
    )  # fmt: skip
    services.close_enrolment(
        actor=karim, enrolment=child, end=dt.date(2023, 12, 31), reason="other"
    )
    services.close_enrolment(
        actor=karim, enrolment=insured, end=dt.date(2019, 12, 31), reason="cancelled"
    )
    provider = persona("dr_amine")

    def ask(birth_date: dt.date):
        return check_rights(
            actor=provider, on=ON, fund="CNSS", number=NUMBER, birth_date=birth_date
        )

    assert ask(dt.date(1970, 5, 5)).person is None  # the insured: already so
    answer = ask(dt.date(2009, 11, 12))
    assert answer.person is None
    assert answer.reason.startswith("Aucun bénéficiaire (assuré ou ayant droit)")
