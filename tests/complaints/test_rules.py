"""The medicine checklist of seed 002, VII.1: every combination of the criteria."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.complaints.rules import medicine_outcome


@given(
    case=st.sampled_from(["no_authorisation", "not_reimbursable"]),
    ald=st.booleans(),
    alternative_missing=st.booleans(),
    protocol=st.booleans(),
    vital=st.booleans(),
)
def test_a_waiver_needs_an_ald_and_no_reimbursable_alternative(
    case, ald, alternative_missing, protocol, vital
):
    outcome, reasons = medicine_outcome(
        case,
        ald_or_rare_chronic=ald,
        no_reimbursable_alternative=alternative_missing,
        validated_protocol=protocol,
        life_threatening=vital,
    )
    assert outcome == ("waiver" if ald and alternative_missing else "no_reimbursement")
    assert "ALD" in reasons


@pytest.mark.parametrize(
    ("protocol", "vital", "alternative_missing", "expected"),
    [
        (True, False, False, "reimbursable"),
        (True, True, True, "reimbursable"),
        (False, True, True, "exceptional"),
        (False, True, False, "no_reimbursement"),
        (False, False, True, "no_reimbursement"),
        (False, False, False, "no_reimbursement"),
    ],
)
def test_off_label_needs_a_validated_protocol(protocol, vital, alternative_missing, expected):
    outcome, _ = medicine_outcome(
        "off_label",
        ald_or_rare_chronic=False,
        no_reimbursable_alternative=alternative_missing,
        validated_protocol=protocol,
        life_threatening=vital,
    )
    assert outcome == expected
