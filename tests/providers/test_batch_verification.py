import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.core.inpe import inpe_from_serial, is_valid_inpe
from snigi.providers.selectors import (
    damm_valid,
    inpe_verify,
    inpe_verify_batch,
    provider_convention_status,
)
from snigi.providers.services import convention_declare, convention_suspend


@given(st.lists(st.text(alphabet="0123456789 a", min_size=0, max_size=10), max_size=30))
def test_vectorised_check_agrees_with_the_reference(codes):
    # The batch check is strict: no normalisation of spaces, only 9 ASCII digits.
    expected = [len(c) == 9 and c.isdigit() and is_valid_inpe(c) for c in codes]
    assert damm_valid(codes).tolist() == expected


@pytest.mark.django_db
def test_batch_verification_matches_one_by_one(register, persona):
    day = dt.date(2026, 2, 1)
    adherent, suspended, silent = register(), register(), register()
    ilyas = persona("ilyas")
    for provider in (adherent, suspended):
        convention_declare(actor=ilyas, inpe=provider.inpe, adherent=True,
                           valid_from=dt.date(2025, 1, 1), document="adhésion")  # fmt: skip
    convention_suspend(actor=persona("rachida"), inpe=suspended.inpe, start=dt.date(2026, 1, 1),
                       end=dt.date(2026, 6, 30), decision="CSP 7")  # fmt: skip
    unknown = inpe_from_serial(99_999_999)
    codes = [adherent.inpe, suspended.inpe, silent.inpe, unknown, "100000012", "12", adherent.inpe]
    batch = inpe_verify_batch(codes, on=day)
    assert batch.valid.tolist() == [True, True, True, True, False, False, True]
    assert batch.known.tolist() == [True, True, True, False, False, False, True]
    for code, known, status in zip(codes, batch.known, batch.convention, strict=True):
        if known:
            assert status == provider_convention_status(code, on=day).status
            assert inpe_verify(code, on=day).active
    assert batch.summary() == {
        "codes": 7, "malformed": 2, "unknown": 1, "inactive": 0, "under_convention": 2,
    }  # fmt: skip
