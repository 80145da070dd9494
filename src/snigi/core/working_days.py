"""Working-day calendar: Monday to Friday, less Moroccan public holidays.

Public holidays are data (``PublicHoliday``), editable by an administrator once the moon
sighting fixes the religious ones. The arithmetic is pure and takes the holidays as a set, so
that batch jobs load them once; the ``*_db`` helpers read them from the database.

Conventions (the ones used for legal delays):
- ``add_working_days(start, n)`` is the n-th working day after ``start`` (``start`` itself is not
  counted); ``n = 0`` returns ``start``; a negative ``n`` counts backwards.
- ``working_days_between(start, end)`` counts the working days in ``(start, end]``; when
  ``end`` is before ``start`` it is minus the count of ``[end, start)``, so that
  ``working_days_between(d, add_working_days(d, n)) == n`` for every ``d`` and ``n``.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
_ONE_DAY = datetime.timedelta(days=1)


def is_working_day(day: datetime.date, holidays: Collection[datetime.date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays


def add_working_days(
    start: datetime.date, days: int, holidays: Collection[datetime.date]
) -> datetime.date:
    step = _ONE_DAY if days >= 0 else -_ONE_DAY
    remaining = abs(days)
    current = start
    while remaining:
        current += step
        if is_working_day(current, holidays):
            remaining -= 1
    return current


def working_days_between(
    start: datetime.date, end: datetime.date, holidays: Collection[datetime.date]
) -> int:
    if end < start:
        # [end, start) = (end, start] less start plus end: no date arithmetic past the calendar.
        forward = working_days_between(end, start, holidays)
        return -(forward - is_working_day(start, holidays) + is_working_day(end, holidays))
    total_days = (end - start).days
    full_weeks, extra = divmod(total_days, 7)
    count = full_weeks * 5
    current = start + datetime.timedelta(days=full_weeks * 7)
    for _ in range(extra):
        current += _ONE_DAY
        if current.weekday() not in WEEKEND:
            count += 1
    # Holidays in (start, end] that fall on a weekday; a date listed twice counts once.
    count -= sum(1 for day in set(holidays) if start < day <= end and day.weekday() not in WEEKEND)
    return count
