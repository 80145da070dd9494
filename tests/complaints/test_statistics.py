"""The complaints' statistics over a period, on a register built through the services and
counted by hand (stats_register.register_2012), laid out like seed 002, V–VI."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from snigi.complaints import statistics
from snigi.complaints.statistics import PeriodError, build_report, complaint_report
from tests.complaints import stats_register

pytestmark = pytest.mark.django_db
file_of = stats_register.file_of  # the fixtures of the hand-counted register
register_2012 = stats_register.register_2012
D = datetime.date
YEAR = {"start": D(2012, 1, 1), "end": D(2012, 12, 31)}


def _counts(lines):
    return {line.code: line.count for line in lines}


@pytest.fixture
def report(register_2012):
    return build_report(**YEAR)


def test_files_per_month_cover_every_month_of_the_period(report):
    assert report.total == 9
    assert [(m.month.month, m.count) for m in report.monthly] == [
        (1, 2), (2, 2), (3, 1), (4, 0), (5, 1), (6, 1),
        (7, 0), (8, 0), (9, 0), (10, 0), (11, 0), (12, 2),
    ]  # fmt: skip
    assert report.monthly[0].month == D(2012, 1, 1)


def test_shares_by_requester_type(report):
    lines = {line.code: (line.count, line.share) for line in report.requesters}
    assert lines == {
        "insured": (4, 44.4),
        "fund": (2, 22.2),
        "professional": (1, 11.1),
        "learned_society": (0, 0.0),
        "ministry": (1, 11.1),
        "association": (1, 11.1),
        "other": (0, 0.0),
    }


def test_shares_by_nature_group_and_detail(report):
    assert _counts(report.groups) == {
        "reimbursement": 2, "convention_violation": 1, "reimbursement_revision": 2,
        "arbitration": 1, "tm_exemption": 1, "ramed": 0, "other": 1, "": 1,
    }  # fmt: skip
    assert [line.code for line in report.groups][:5] == [
        "reimbursement",
        "convention_violation",
        "reimbursement_revision",
        "arbitration",
        "tm_exemption",
    ]  # fmt: skip, the seed's columns in its order
    detail = _counts(report.natures)
    assert detail["reimbursement_medicine"] == 1
    assert detail["reimbursement_device"] == 1
    assert detail["reimbursement_revision"] == 2
    assert detail["other_information"] == 1
    assert detail["other"] == 0  # the 2013 file is outside
    assert detail[""] == 1
    assert sum(detail.values()) == 9
    group_of = {line.code: line.group for line in report.natures}
    assert group_of["reimbursement_device"] == "reimbursement"


def test_cross_table_decisions_by_nature_group_with_totals(report):
    cross = report.cross
    columns = [code for code, _label in cross.columns]
    rows = {row.code: dict(zip(columns, row.counts, strict=True)) for row in cross.rows}
    assert rows["unfavourable"]["reimbursement"] == 1
    assert rows["favourable"]["reimbursement"] == 1
    assert rows["referral"]["reimbursement_revision"] == 2
    assert rows["incomplete"]["arbitration"] == 1
    assert rows["incomplete"]["tm_exemption"] == 1
    assert rows["commissions"]["convention_violation"] == 1
    assert rows[""]["other"] == 1  # not decided yet
    assert rows[""][""] == 1  # neither entered nor decided
    totals = {row.code: row.total for row in cross.rows}
    assert totals == {
        "unfavourable": 1, "incomplete": 2, "referral": 2, "favourable": 1, "commissions": 1,
        "expertise": 0, "transparency": 0, "classified": 0, "suspension": 0, "": 2,
    }  # fmt: skip
    assert [row.code for row in cross.rows][:6] == [
        "unfavourable",
        "incomplete",
        "referral",
        "favourable",
        "commissions",
        "expertise",
    ]  # fmt: skip, the seed's rows in its order
    assert dict(zip(columns, cross.column_totals, strict=True)) == {
        "reimbursement": 2, "convention_violation": 1, "reimbursement_revision": 2,
        "arbitration": 1, "tm_exemption": 1, "ramed": 0, "other": 1, "": 1,
    }  # fmt: skip
    assert cross.total == 9
    assert (report.decided, report.undecided) == (7, 2)


def test_incomplete_files_by_requester_as_the_seed_groups_them(report):
    lines = {line.code: (line.count, line.awaiting) for line in report.incomplete}
    assert lines == {
        "insured": (0, 0),
        "fund": (1, 1),  # still waiting for its pieces
        "professional": (1, 0),  # its pieces came: back in instruction
        "others": (0, 0),
    }


def test_referrals_count_once_per_body(report):
    referrals = report.referrals
    lines = {line.code: (line.referred, line.answered, line.unanswered) for line in referrals.lines}
    assert lines == {"CNOPS": (2, 0, 2), "CNSS": (1, 1, 0)}
    assert (referrals.files, referrals.referred, referrals.answered) == (2, 3, 1)
    assert referrals.unanswered == 2


def test_average_delay_by_group_and_overall(report):
    delays = report.delays
    groups = {line.code: (line.files, line.average_days) for line in delays.groups}
    assert groups == {
        "reimbursement": (2, 20.0),  # 10 and 30 days
        "convention_violation": (1, 10.0),  # decided after the period: still counted
        "reimbursement_revision": (2, 10.0),  # 10, and 10 across 29 February 2012
        "arbitration": (1, 20.0),
        "tm_exemption": (1, 10.0),
        "ramed": (0, None),
        "other": (0, None),
    }
    assert (delays.overall.files, delays.overall.average_days) == (7, 14.29)  # 100 / 7
    natures = {line.code: (line.files, line.average_days) for line in delays.natures}
    assert natures["reimbursement_medicine"] == (1, 10.0)
    assert natures["reimbursement_device"] == (1, 30.0)


def test_period_boundaries_are_receipt_dates_both_included(register_2012):
    assert build_report(D(2012, 1, 1), D(2012, 1, 1)).total == 1
    assert build_report(D(2011, 12, 31), D(2011, 12, 31)).total == 1
    assert build_report(D(2012, 12, 31), D(2013, 1, 1)).total == 3
    assert build_report(D(2011, 12, 31), D(2013, 1, 1)).total == 11
    assert build_report(D(2012, 1, 2), D(2012, 1, 14)).total == 0
    empty = build_report(D(2014, 1, 1), D(2014, 3, 31))
    assert [m.count for m in empty.monthly] == [0, 0, 0]
    assert empty.delays.overall.average_days is None
    assert all(line.share == 0.0 for line in empty.requesters)


def test_impossible_periods_are_refused_in_french():
    with pytest.raises(PeriodError, match="précède"):
        build_report(D(2012, 2, 1), D(2012, 1, 1))
    with pytest.raises(PeriodError, match="10 ans"):
        build_report(D(2012, 1, 1), D(2022, 1, 1))
    statistics.check_period(D(2012, 1, 1), D(2021, 12, 31))  # ten years exactly


def test_only_roles_that_see_the_statistics_get_them(persona):
    assert complaint_report(actor=persona("othmane"), **YEAR).total == 0
    assert complaint_report(actor=persona("directeur"), **YEAR).total == 0
    for username in ("mounia", "karim", "dr_amine"):
        with pytest.raises(PermissionDenied):
            complaint_report(actor=persona(username), **YEAR)


def test_the_report_takes_a_fixed_number_of_queries(register_2012, file_of):
    with CaptureQueriesContext(connection) as before:
        build_report(**YEAR)
    for day in range(1, 6):
        file_of(D(2012, 4, day), "insured", "ramed_card_activation", "unfavourable",
                D(2012, 4, 20))  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        report = build_report(**YEAR)
    assert report.total == 14
    assert len(after) == len(before) <= 10


def test_referrals_follow_the_period(register_2012):
    wide = build_report(D(2011, 1, 1), D(2013, 12, 31)).referrals  # holds every file on record
    assert (wide.files, wide.referred, wide.answered) == (2, 3, 1)
    assert build_report(D(2012, 2, 11), D(2012, 12, 31)).referrals.referred == 1  # the 4th file
    assert build_report(D(2012, 3, 1), D(2012, 12, 31)).referrals.lines == []
