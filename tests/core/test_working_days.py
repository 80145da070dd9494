import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from snigi.core import selectors
from snigi.core.working_days import add_working_days, is_working_day, working_days_between

D = dt.date
# A hand-made holiday set, independent of the shipped data.
HOLIDAYS = frozenset({D(2025, 7, 30), D(2025, 8, 14), D(2025, 8, 20), D(2025, 8, 21)})


def test_weekend_and_holidays_are_not_working_days():
    assert not is_working_day(D(2025, 8, 2), HOLIDAYS)  # Saturday
    assert not is_working_day(D(2025, 8, 3), HOLIDAYS)  # Sunday
    assert not is_working_day(D(2025, 7, 30), HOLIDAYS)  # Wednesday, holiday
    assert is_working_day(D(2025, 7, 31), HOLIDAYS)


def test_adding_across_a_holiday_and_a_weekend():
    # Friday 25 July 2025 + 3 working days: Mon 28, Tue 29, (Wed 30 holiday), Thu 31.
    assert add_working_days(D(2025, 7, 25), 3, HOLIDAYS) == D(2025, 7, 31)
    # Tuesday 19 Aug + 1: Wed 20 and Thu 21 are holidays -> Friday 22.
    assert add_working_days(D(2025, 8, 19), 1, HOLIDAYS) == D(2025, 8, 22)
    assert add_working_days(D(2025, 8, 22), -1, HOLIDAYS) == D(2025, 8, 19)
    assert add_working_days(D(2025, 8, 2), 0, HOLIDAYS) == D(2025, 8, 2)


def test_counting_between_dates():
    # (Fri 25 Jul, Fri 1 Aug]: Mon-Fri = 5 days less the 30 July holiday.
    assert working_days_between(D(2025, 7, 25), D(2025, 8, 1), HOLIDAYS) == 4
    # Backwards, [Fri 25 Jul, Fri 1 Aug) is counted: 25, 28, 29, 31 July.
    assert working_days_between(D(2025, 8, 1), D(2025, 7, 25), HOLIDAYS) == -4
    assert working_days_between(D(2025, 8, 4), D(2025, 8, 1), HOLIDAYS) == -1
    assert working_days_between(D(2025, 8, 2), D(2025, 8, 3), HOLIDAYS) == 0
    # A holiday on a Saturday is not subtracted twice.
    assert working_days_between(D(2025, 8, 1), D(2025, 8, 4), {D(2025, 8, 2)}) == 1


dates = st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 12, 31))
holiday_sets = st.frozensets(dates, max_size=30)


@given(dates, st.integers(min_value=-400, max_value=400), holiday_sets)
def test_add_and_between_are_inverse(start, n, holidays):
    end = add_working_days(start, n, holidays)
    assert working_days_between(start, end, holidays) == n
    if n:
        assert is_working_day(end, holidays)


@given(dates, dates, holiday_sets)
def test_between_matches_a_day_by_day_count(a, b, holidays):
    lo, hi = min(a, b), max(a, b)
    if (hi - lo).days > 800:
        hi = lo + dt.timedelta(days=800)
    expected = sum(
        1
        for k in range(1, (hi - lo).days + 1)
        if is_working_day(lo + dt.timedelta(days=k), holidays)
    )
    assert working_days_between(lo, hi, holidays) == expected


@pytest.mark.django_db
def test_shipped_calendar_known_dates():
    """Against the shipped Moroccan holidays: Throne Day 2025 and Independence Day 2025."""
    assert selectors.add_working_days(D(2025, 7, 29), 1) == D(2025, 7, 31)
    # Mon 17 Nov 2025 + 1: Tue 18 Nov is Independence Day -> Wed 19.
    assert selectors.add_working_days(D(2025, 11, 17), 1) == D(2025, 11, 19)
    # Week of 3-9 Nov 2025: 6 Nov (Green March) is a Thursday -> 4 working days.
    assert selectors.working_days_between(D(2025, 11, 2), D(2025, 11, 9)) == 4
    # Aïd Al Adha 2025 in Morocco: 7-8 June, a week-end: no working day lost that week.
    assert selectors.working_days_between(D(2025, 6, 1), D(2025, 6, 8)) == 5
