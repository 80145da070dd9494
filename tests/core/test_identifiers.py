import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.core.identifiers import (
    IdentifierError,
    is_valid_cnie,
    normalise_cnie,
    normalise_fund_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("BE123456", "BE123456"),
        ("be 123 456", "BE123456"),
        (" a98765 ", "A98765"),
        ("JB-12345", "JB12345"),
        ("AB\u00a0123456", "AB123456"),
        ("K١٢٣٤٥", "K12345"),  # Arabic-Indic digits
    ],
)
def test_cnie_is_normalised(raw, expected):
    assert normalise_cnie(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "   ", "123456", "ABC12345", "B", "BE1234567", "BE12X45", "É12345", "BE_123"]
)
def test_malformed_cnie_is_refused_with_a_french_message(raw):
    with pytest.raises(IdentifierError) as excinfo:
        normalise_cnie(raw)
    assert "CNIE" in str(excinfo.value)


@given(st.text(max_size=20))
def test_normalisation_is_idempotent_and_pattern_bound(raw):
    if is_valid_cnie(raw):
        once = normalise_cnie(raw)
        assert normalise_cnie(once) == once
        assert 2 <= len(once) <= 8
        assert once[0].isalpha()
        assert once[-1].isdigit()


def test_cnss_number_has_nine_digits():
    assert normalise_fund_number("CNSS", "123 456 789") == "123456789"
    with pytest.raises(IdentifierError, match="9 chiffres"):
        normalise_fund_number("CNSS", "12345678")


def test_other_fund_numbers_use_the_generic_pattern():
    assert normalise_fund_number("CNOPS", "ab-12/34.5") == "AB12345"
    with pytest.raises(IdentifierError):
        normalise_fund_number("CNOPS", "A1")
    with pytest.raises(IdentifierError, match="vide"):
        normalise_fund_number("MGPAP", " - ")
