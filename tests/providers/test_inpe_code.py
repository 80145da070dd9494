import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.core.inpe import (
    FIRST_SERIAL,
    LAST_SERIAL,
    InpeError,
    inpe_from_serial,
    is_valid_inpe,
    normalise_inpe,
)

serials = st.integers(min_value=FIRST_SERIAL, max_value=LAST_SERIAL)


@given(serials)
def test_every_allocated_code_is_valid_and_nine_digits(serial):
    code = inpe_from_serial(serial)
    assert len(code) == 9
    assert code[0] != "0"
    assert normalise_inpe(code) == code


@given(serials, st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_is_detected(serial, position, shift):
    code = inpe_from_serial(serial)
    wrong = code[:position] + str((int(code[position]) + shift) % 10) + code[position + 1 :]
    assert not is_valid_inpe(wrong)


@given(serials, st.integers(min_value=0, max_value=7))
def test_any_adjacent_transposition_is_detected(serial, position):
    code = inpe_from_serial(serial)
    if code[position] == code[position + 1]:
        return  # swapping equal digits changes nothing
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert not is_valid_inpe(swapped)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "vide"),
        ("12345678", "9 chiffres attendus, 8 reçus"),
        ("1234567890", "9 chiffres attendus, 10 reçus"),
        ("12345678A", "seuls des chiffres"),
        ("012345678", "ne commence pas par 0"),
        ("100000012", "clé de contrôle"),
    ],
)
def test_malformed_codes_are_refused_with_their_reason(raw, reason):
    with pytest.raises(InpeError, match=reason):
        normalise_inpe(raw)


def test_spaces_and_arabic_indic_digits_are_accepted():
    code = inpe_from_serial(12345678)
    spaced = f"{code[:3]} {code[3:6]} {code[6:]}"
    arabic = "".join(chr(0x0660 + int(d)) for d in code)
    assert normalise_inpe(spaced) == code
    assert normalise_inpe(arabic) == code


def test_serials_outside_the_range_are_refused():
    with pytest.raises(InpeError):
        inpe_from_serial(FIRST_SERIAL - 1)
    with pytest.raises(InpeError):
        inpe_from_serial(LAST_SERIAL + 1)
