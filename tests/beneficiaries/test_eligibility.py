"""The eligibility rules at their boundaries (Hypothesis), and the versioned rule data."""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from snigi.beneficiaries.eligibility import (
    age_on,
    child_coverage,
    contribution_days,
    kept_until,
    last_day_at_age,
    rights_after_waiting,
    rights_open_by_contributions,
    window_months,
)
from snigi.beneficiaries.models import EligibilityRule
from snigi.beneficiaries.selectors import RuleMissing, rule_value

DAY = dt.timedelta(days=1)
births = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2030, 12, 31))
ages = st.integers(min_value=1, max_value=40)


@given(births, ages)
def test_the_age_changes_exactly_on_the_birthday(birth, years):
    birthday = birth + relativedelta(years=years)
    assert age_on(birth, birthday - DAY) == years - 1
    assert age_on(birth, birthday) == years


@given(births, st.integers(min_value=0, max_value=30))
def test_at_most_n_years_ends_on_the_eve_of_the_next_birthday(birth, limit):
    last = last_day_at_age(birth, limit)
    assert age_on(birth, last) == limit
    assert age_on(birth, last + DAY) == limit + 1


def test_a_29_february_birthday_falls_on_28_february_in_common_years():
    birth = dt.date(2004, 2, 29)
    assert age_on(birth, dt.date(2025, 2, 27)) == 20
    assert age_on(birth, dt.date(2025, 2, 28)) == 21
    assert last_day_at_age(birth, 21) == dt.date(2026, 2, 27)


@given(births)
def test_a_child_is_covered_to_the_eve_of_22_and_not_a_day_more(birth):
    last = birth + relativedelta(years=22) - DAY
    covered = child_coverage(birth, last, child_max_age=21, student_max_age=26)
    assert covered.covered
    assert covered.until == last
    after = child_coverage(birth, last + DAY, child_max_age=21, student_max_age=26)
    assert not after.covered
    assert "certificat de scolarité" in after.reason


@given(births, st.integers(min_value=22, max_value=26))
def test_a_student_is_covered_while_the_certificate_runs_until_26(birth, age):
    day = birth + relativedelta(years=age)
    year_end = day + relativedelta(months=3)
    student = child_coverage(birth, day, child_max_age=21, student_max_age=26,
                             studying_until=year_end)  # fmt: skip
    assert student.covered
    assert student.until == min(year_end, last_day_at_age(birth, 26))
    lapsed = child_coverage(birth, year_end + DAY, child_max_age=21, student_max_age=26,
                            studying_until=year_end)  # fmt: skip
    assert not lapsed.covered


@given(births)
def test_no_certificate_makes_a_student_covered_past_26(birth):
    day = last_day_at_age(birth, 26) + DAY
    result = child_coverage(birth, day, child_max_age=21, student_max_age=26,
                            studying_until=day + relativedelta(years=1))  # fmt: skip
    assert not result.covered
    assert "26" in result.reason


@given(births, st.integers(min_value=0, max_value=80))
def test_a_disabled_child_has_no_age_limit(birth, years):
    result = child_coverage(birth, birth + relativedelta(years=years), child_max_age=21,
                            student_max_age=26, disabled=True)  # fmt: skip
    assert result.covered
    assert result.until is None


def test_a_child_not_yet_born_is_not_covered():
    result = child_coverage(dt.date(2026, 5, 1), dt.date(2026, 4, 30), child_max_age=21,
                            student_max_age=26)  # fmt: skip
    assert not result.covered


@given(st.dates(min_value=dt.date(2006, 1, 1), max_value=dt.date(2035, 12, 31)),
       st.integers(min_value=0, max_value=6))  # fmt: skip
def test_the_54th_day_opens_the_rights_the_53rd_does_not(day, month_with_gap):
    months = window_months(day, 6)
    assert len(months) == 6
    assert months[-1] == ((day.replace(day=1) - DAY).year, (day.replace(day=1) - DAY).month)
    declared = dict.fromkeys(months, 9)  # 6 × 9 = 54
    assert contribution_days(declared, day, months=6) == 54
    assert rights_open_by_contributions(declared, day, required_days=54, months=6)
    short = {**declared, months[month_with_gap % 6]: 8}
    assert not rights_open_by_contributions(short, day, required_days=54, months=6)
    # days of the month of the care itself, or older than the window, do not count
    outside = {**short, (day.year, day.month): 26, months[0]: 8}
    previous = day.replace(day=1) - relativedelta(months=7)
    outside[(previous.year, previous.month)] = 26
    assert not rights_open_by_contributions(outside, day, required_days=54, months=6)


@given(st.dates(min_value=dt.date(2006, 1, 1), max_value=dt.date(2035, 12, 31)),
       st.sampled_from([6, 12, 24]))  # fmt: skip
def test_rights_are_kept_to_the_same_day_n_months_later(end, months):
    last = kept_until(end, months)
    later = end.year * 12 + end.month + months
    assert (last.year * 12 + last.month) == later  # exactly n calendar months on
    assert last.day == end.day or (last.day < end.day and (last + DAY).day == 1)
    assert months * 28 <= (last - end).days <= months * 31


def test_retention_at_month_ends():
    assert kept_until(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert kept_until(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


@given(st.dates(min_value=dt.date(2021, 12, 1), max_value=dt.date(2035, 12, 31)))
def test_the_waiting_period_of_the_self_employed(first):
    start = rights_after_waiting(first, 3)
    assert (start.year * 12 + start.month) - (first.year * 12 + first.month) == 3
    assert start.day <= first.day
    assert rights_after_waiting(first, 0) == first


@pytest.mark.django_db
def test_every_rule_has_its_legal_basis_and_the_version_in_force_is_applied():
    assert EligibilityRule.objects.count() >= 14
    assert not EligibilityRule.objects.filter(legal_basis="").exists()
    child = rule_value("CHILD_MAX_AGE", dt.date(2026, 1, 1), regime="AMO_CNOPS_PUBLIC")
    assert child.value == 21
    assert child.regime is None  # general rule
    days = rule_value("OPENING_CONTRIBUTION_DAYS", dt.date(2026, 1, 1), regime="AMO_CNSS_SALARIES")
    assert days.value == 54
    assert rule_value("WAITING_MONTHS", dt.date(2026, 1, 1), regime="AMO_TNS").value == 3
    assert rule_value("WAITING_MONTHS", dt.date(2026, 1, 1), regime="AMO_ACHAMIL").value == 0
    with pytest.raises(RuleMissing):
        rule_value("WAITING_MONTHS", dt.date(2021, 1, 1), regime="AMO_TNS")  # before the law
    with pytest.raises(RuleMissing):
        rule_value("RAMED_ELIGIBILITY_YEARS", dt.date(2023, 1, 1), regime="RAMED")  # ended


@pytest.mark.django_db
def test_a_new_version_takes_over_from_its_date():
    current = rule_value("CHILD_MAX_AGE", dt.date(2026, 1, 1))
    EligibilityRule.objects.create(
        code="CHILD_MAX_AGE", value=23, unit="years", valid_from=dt.date(2027, 1, 1),
        certainty="unsure", legal_basis="Texte de test", description_fr="test",
    )  # fmt: skip
    assert rule_value("CHILD_MAX_AGE", dt.date(2026, 12, 31)).pk == current.pk
    assert rule_value("CHILD_MAX_AGE", dt.date(2027, 1, 1)).value == 23
