from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.core.money import MoneyError, apply_rate, format_mad, mad, round_mad


def test_floats_are_refused():
    with pytest.raises(MoneyError, match="flottants"):
        mad(0.1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("10.005", Decimal("10.01")),
        ("10.004", Decimal("10.00")),
        ("-10.005", Decimal("-10.01")),  # half away from zero
        ("1 234,5", Decimal("1234.50")),
        (7, Decimal("7.00")),
    ],
)
def test_rounding_rule_is_half_away_from_zero_to_the_centime(raw, expected):
    assert mad(raw) == expected


def test_rate_is_applied_then_rounded_once():
    # 80 % of a specialist consultation (Cs, 150 DH) and 70 % of a medicine at 33.35 DH.
    assert apply_rate("150", 80) == Decimal("120.00")
    assert apply_rate("33.35", 70) == Decimal("23.35")  # 23.345 -> 23.35
    assert apply_rate("22.50", "33.33") == Decimal("7.50")


@pytest.mark.parametrize("raw", ["abc", "NaN", "Infinity", "", object()])
def test_invalid_amounts_are_refused(raw):
    with pytest.raises(MoneyError):
        mad(raw)


def test_french_display():
    assert format_mad(Decimal("1234567.5")) == "1\u202f234\u202f567,50 MAD"
    assert format_mad(Decimal("-80")) == "-80,00 MAD"


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=4))
def test_rounding_is_within_half_a_centime(value):
    rounded = round_mad(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert rounded.as_tuple().exponent == -2
