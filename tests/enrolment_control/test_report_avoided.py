"""The report's enrolments and cards avoided (reports.py), and who does what in the control
(the roles of commit 84ec9ac)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from snigi.core.models import Organisation, Regime, User
from snigi.core.roles import Capability, Role, role_has
from snigi.enrolment_control.control import queue_control, run_control
from snigi.enrolment_control.engine import Options, dedupe
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ControlRun, ListEntry, SubmittedList
from snigi.enrolment_control.notify import notices_for, notify_run, record_outcome
from snigi.enrolment_control.prepare import Mapping
from snigi.enrolment_control.reports import conflict_report, report_csv
from snigi.enrolment_control.review import decide

DAY = dt.date(2022, 11, 30)  # RAMED was in force until then
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
CNSS_ROWS = [
    ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
    ["A2", "BE654321", "KHADIJA", "EL ALAOUI", "1983-07-21", "F", "141.001"],
    ["A3", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
    ["A5", "K445566", "HICHAM", "CHRAIBI", "1992-11-30", "M", "141.001"],
]
CNOPS_ROWS = [
    ["C1", "BE123456", "MOHAMED", "ALAOUI", "1980-03-12", "M", "141.001"],
    ["C2", "ZT112233", "YOUSSEF", "IDRISSI", "1970-02-02", "M", "141.001"],
]
# RAMED beneficiaries by card: H1's two holders are enrolled with the CNSS (MOHAMED also with
# the CNOPS), one of H2's two holders is, H3's one holder is not.
RAMED_HEADER = [*HEADER, "numero_carte"]
RAMED_ROWS = [
    ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001", "H1"],
    ["B2", "BE654321", "KHADIJA", "ALAOUI", "21/07/1983", "F", "141.001", "H1"],
    ["B3", "JB04211", "SAID", "TAZI", "20/01/1975", "M", "141.001", "H2"],
    ["B4", "JB09988", "MALIKA", "TAZI", "03/03/1978", "F", "141.001", "H2"],
    ["B5", "QA998877", "FATIMA", "OUAZZANI", "07/07/1960", "F", "001.001", "H3"],
]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once on all the rows, which the runs reuse."""
    folder = tmp_path_factory.mktemp("avoided-model")
    rows = CNSS_ROWS + CNOPS_ROWS + [row[:-1] for row in RAMED_ROWS]
    _write(folder / "rows.csv", HEADER, rows)
    options = Options(threshold=0.9, save_model=folder / "model.json", work_dir=folder)
    dedupe(folder / "rows.csv", folder / "clusters.csv", Mapping(id="record_id"), options)
    return folder / "model.json"


def _receive(
    actor: User, path: Path, body: str, regime: str, *, kind: str = "insured"
) -> SubmittedList:
    report = receive_list(
        actor=actor, path=path, organisation=Organisation.objects.get(code=body), kind=kind,
        situation_date=DAY, regime=Regime.objects.get(code=regime),
    )  # fmt: skip
    assert report.submitted_list is not None
    return report.submitted_list


@pytest.fixture
def lists(persona, tmp_path: Path) -> list[SubmittedList]:
    """Each body sends its own list: the CNSS and the CNOPS through their agents, RAMED's
    (with card numbers) through ANAM's RAMED operations."""
    return [
        _receive(persona("karim"), _write(tmp_path / "cnss.csv", HEADER, CNSS_ROWS),
                 "CNSS", "AMO_CNSS_SALARIES"),
        _receive(persona("salma"), _write(tmp_path / "cnops.csv", HEADER, CNOPS_ROWS),
                 "CNOPS", "AMO_CNOPS_PUBLIC"),
        _receive(persona("samira"), _write(tmp_path / "ramed.csv", RAMED_HEADER, RAMED_ROWS),
                 "ANAM", "RAMED"),
    ]  # fmt: skip


@pytest.fixture
def run(persona, lists, model: Path) -> ControlRun:
    done = run_control(actor=persona("hind"), lists=lists, threshold=0.9, review_floor=0.5,
                       model=model)  # fmt: skip
    found = {
        frozenset((p.entry_a.record_id, p.entry_b.record_id)): p.band
        for p in CandidatePair.objects.filter(run=done).select_related("entry_a", "entry_b")
    }
    link = CandidatePair.Band.LINK
    assert found == {
        frozenset(pair): link
        for pair in (("A1", "B1"), ("A1", "C1"), ("B1", "C1"), ("A2", "B2"), ("A3", "B3"))
    }
    return done


def _pair(run: ControlRun, a: str, b: str) -> CandidatePair:
    return CandidatePair.objects.get(
        run=run, entry_a__record_id__in=[a, b], entry_b__record_id__in=[a, b]
    )


# --- enrolments and cards avoided ---


def test_the_card_numbers_of_a_list_are_read(lists) -> None:
    ramed = lists[2]
    assert list(
        ListEntry.objects.filter(submitted_list=ramed)
        .order_by("line")
        .values_list("record_id", "card_number")
    ) == [("B1", "H1"), ("B2", "H1"), ("B3", "H2"), ("B4", "H2"), ("B5", "H3")]
    assert not ListEntry.objects.filter(submitted_list__in=lists[:2]).exclude(card_number="")


def test_a_card_all_of_whose_holders_give_way_is_a_card_avoided(run) -> None:
    report = conflict_report(run)
    assert report.total == 5
    # RAMED gives way to the CNSS (B1, B2, B3) and to the CNOPS (B1); CNSS/CNOPS: to decide
    assert (report.settled_by_rule, report.to_decide) == (4, 1)
    assert report.enrolments_avoided == 3  # B1, B2, B3: B1 once though in two pairs
    assert report.cards_avoided == 1  # H1; not H2 (B4 stays), nor H3


def test_a_card_with_a_holder_left_is_not_avoided(persona, run) -> None:
    decide(actor=persona("hind"), pair=_pair(run, "A2", "B2"), same_person=False,
           note="Deux homonymes")  # fmt: skip
    report = conflict_report(run)
    assert report.total == 4
    assert report.enrolments_avoided == 2  # B1, B3
    assert report.cards_avoided == 0  # H1 keeps B2


def test_the_csv_gives_the_enrolments_and_cards_avoided(run) -> None:
    lines = report_csv(run).decode("utf-8-sig").splitlines()
    assert lines[-4:] == [
        "tranchées par une règle;;;4",
        "à trancher;;;1",
        "immatriculations évitées;;;3",
        "cartes évitées;;;1",
    ]


def test_no_card_number_in_any_list_gives_no_count_of_cards(persona, lists, model: Path) -> None:
    cnss, cnops, _ = lists
    run = run_control(actor=persona("hind"), lists=[cnss, cnops], model=model)
    report = conflict_report(run)
    assert report.total == 1  # A1/C1: no rule between the two AMO regimes
    assert (report.enrolments_avoided, report.cards_avoided) == (0, None)
    lines = report_csv(run).decode("utf-8-sig").splitlines()
    assert lines[-2:] == ["immatriculations évitées;;;0", "cartes évitées;;;"]


# --- roles ---


def test_the_control_officer_submits_runs_reviews_and_reads_the_reports(
    persona, tmp_path: Path, model: Path
) -> None:
    role = Role.ANAM_ENROLMENT_CONTROL
    for capability in (
        Capability.SUBMIT_ENROLMENT_LISTS,
        Capability.RUN_ENROLMENT_CONTROL,
        Capability.REVIEW_DOUBLE_ENROLMENT,
        Capability.VIEW_ENROLMENT_CONTROL_REPORTS,
    ):
        assert role_has(role, capability), capability
    assert not role_has(role, Capability.ACT_ON_DOUBLE_ENROLMENT)
    hind = persona("hind")
    ramed = _receive(hind, _write(tmp_path / "r.csv", RAMED_HEADER, RAMED_ROWS), "ANAM", "RAMED")
    cnss = _receive(hind, _write(tmp_path / "c.csv", HEADER, CNSS_ROWS), "CNSS",
                    "AMO_CNSS_SALARIES")  # fmt: skip
    run = run_control(actor=hind, lists=[cnss, ramed], model=model)
    decide(actor=hind, pair=_pair(run, "A3", "B3"), same_person=True)
    assert notify_run(actor=hind, run=run) == 4  # A1/B1 and A2/B2, one notice each body
    assert notices_for(hind).count() == 6


def test_ramed_operations_submit_lists_and_nothing_more(persona, lists, run) -> None:
    role = Role.ANAM_RAMED_OPERATIONS
    assert role_has(role, Capability.SUBMIT_ENROLMENT_LISTS)
    for capability in (
        Capability.RUN_ENROLMENT_CONTROL,
        Capability.REVIEW_DOUBLE_ENROLMENT,
        Capability.VIEW_ENROLMENT_CONTROL_REPORTS,
    ):
        assert not role_has(role, capability), capability
    assert role_has(role, Capability.ACT_ON_DOUBLE_ENROLMENT)  # ANAM's RAMED records
    samira = persona("samira")  # she sent the RAMED list (the fixture)
    with pytest.raises(PermissionDenied):
        run_control(actor=samira, lists=lists)
    with pytest.raises(PermissionDenied):
        queue_control(actor=samira, lists=lists)
    with pytest.raises(PermissionDenied):
        decide(actor=samira, pair=_pair(run, "A1", "B1"), same_person=True)
    with pytest.raises(PermissionDenied):
        notify_run(actor=samira, run=run)
    assert all(n.organisation.code == "ANAM" for n in notices_for(samira))


def test_a_fund_agent_acts_on_its_bodys_notices(persona, run) -> None:
    role = Role.FUND_AGENT
    assert role_has(role, Capability.ACT_ON_DOUBLE_ENROLMENT)
    assert role_has(role, Capability.SUBMIT_ENROLMENT_LISTS)
    for capability in (
        Capability.RUN_ENROLMENT_CONTROL,
        Capability.REVIEW_DOUBLE_ENROLMENT,
        Capability.VIEW_ENROLMENT_CONTROL_REPORTS,
    ):
        assert not role_has(role, capability), capability
    for reader in (Role.ANAM_OBSERVATORY_ANALYST, Role.ANAM_DIRECTOR_GENERAL):
        assert role_has(reader, Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    notify_run(actor=persona("hind"), run=run)
    karim = persona("karim")
    mine = list(notices_for(karim).order_by("entry__record_id"))
    assert [n.entry.record_id for n in mine] == ["A1", "A1", "A2", "A3"]  # A1: RAMED, CNOPS
    notice = record_outcome(actor=karim, notice=mine[2], outcome="closed")
    assert (notice.outcome, notice.outcome_by) == ("closed", karim)
    with pytest.raises(PermissionDenied):
        run_control(actor=karim, lists=list(run.lists.all()))
