"""Review decisions (kept, reused on a later run, measuring the model) and the prevailing
regime of a confirmed double enrolment."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, Regime
from snigi.enrolment_control.control import run_control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ReviewDecision, SubmittedList
from snigi.enrolment_control.review import decide, measures, prevailing

DAY = dt.date(2022, 11, 30)  # RAMED was in force until then
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


@pytest.fixture
def two_lists(persona, tmp_path: Path) -> list[SubmittedList]:
    """CNSS salaried insured people and RAMED beneficiaries; one person on both, written
    differently; another pair alike but for the first name and the date."""
    cnss = Organisation.objects.get(code="CNSS")
    anam = Organisation.objects.get(code="ANAM")
    rows_a = [
        ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
        ["A2", "", "KARIMA", "BENNANI", "1990-05-01", "F", "141.001"],
        ["A3", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
    ]
    rows_b = [
        ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
        ["B2", "", "KARIM", "BENNANI", "1990-01-05", "M", "141.001"],
        ["B3", "QA998877", "FATIMA", "OUAZZANI", "1960-07-07", "F", "001.001"],
    ]
    hind = persona("hind")
    return [
        receive_list(actor=hind, path=_write(tmp_path / "a.csv", rows_a), organisation=cnss,
                     kind="insured", situation_date=DAY,
                     regime=Regime.objects.get(code="AMO_CNSS_SALARIES")).submitted_list,
        receive_list(actor=hind, path=_write(tmp_path / "b.csv", rows_b), organisation=anam,
                     kind="insured", situation_date=DAY,
                     regime=Regime.objects.get(code="RAMED")).submitted_list,
    ]  # fmt: skip


def _pair(run, a: str, b: str) -> CandidatePair:
    return CandidatePair.objects.get(
        run=run, entry_a__record_id__in=[a, b], entry_b__record_id__in=[a, b]
    )


def test_a_decision_is_kept_and_reused_on_the_next_run(persona, two_lists) -> None:
    hind = persona("hind")
    run = run_control(actor=hind, lists=two_lists, threshold=0.9, review_floor=0.01)
    pair = _pair(run, "A1", "B1")
    decision = decide(actor=hind, pair=pair, same_person=True)
    # ordered by body code, then record id: ANAM's B1 before CNSS's A1
    assert (decision.record_a, decision.record_b) == ("B1", "A1")
    assert decision.same_person
    assert LogEntry.objects.filter(object_pk=str(decision.pk), actor=hind).exists()
    again = run_control(actor=hind, lists=two_lists, threshold=0.9, review_floor=0.01)
    assert _pair(again, "A1", "B1").decision == decision
    assert measures(again).links_confirmed + measures(again).review_same == 1


def test_a_different_person_needs_a_reason_and_an_officer(persona, two_lists) -> None:
    run = run_control(actor=persona("hind"), lists=two_lists, threshold=0.9, review_floor=0.01)
    pair = CandidatePair.objects.filter(run=run).first()
    assert pair is not None
    with pytest.raises(ValidationError):
        decide(actor=persona("hind"), pair=pair, same_person=False)
    with pytest.raises(PermissionDenied):
        decide(actor=persona("karim"), pair=pair, same_person=True)
    decide(actor=persona("hind"), pair=pair, same_person=False, note="Sexe et date différents")
    assert ReviewDecision.objects.get().same_person is False


def test_the_contributory_regime_prevails_over_ramed(persona, two_lists) -> None:
    run = run_control(actor=persona("hind"), lists=two_lists, threshold=0.9, review_floor=0.01)
    proposal = prevailing(_pair(run, "A1", "B1"))
    assert proposal.prevailing is not None
    assert proposal.prevailing.regime.code == "AMO_CNSS_SALARIES"
    assert "art. 116" in proposal.basis
    assert proposal.certainty == "sure"


def test_own_right_prevails_and_equal_regimes_are_left_to_the_officer(persona, two_lists) -> None:
    cnss_list, ramed_list = two_lists
    run = run_control(actor=persona("hind"), lists=two_lists, threshold=0.9, review_floor=0.01)
    pair = _pair(run, "A1", "B1")
    SubmittedList.objects.filter(pk=ramed_list.pk).update(
        kind=SubmittedList.Kind.DEPENDANTS, regime=cnss_list.regime
    )
    pair = CandidatePair.objects.get(pk=pair.pk)
    proposal = prevailing(pair)
    assert proposal.prevailing == cnss_list
    assert "droit en propre" in proposal.basis
    SubmittedList.objects.filter(pk=ramed_list.pk).update(kind=SubmittedList.Kind.INSURED)
    pair = CandidatePair.objects.get(pk=pair.pk)
    undecided = prevailing(pair)
    assert undecided.prevailing is None
    assert undecided.certainty == ""


def test_the_report_counts_confirmed_double_enrolments(persona, two_lists) -> None:
    from snigi.enrolment_control.reports import conflict_report, report_csv

    hind = persona("hind")
    run = run_control(actor=hind, lists=two_lists, threshold=0.9, review_floor=0.01)
    same = _pair(run, "A1", "B1")
    others = list(CandidatePair.objects.filter(run=run).exclude(pk=same.pk))
    decide(actor=hind, pair=same, same_person=True)
    for pair in others:
        decide(actor=hind, pair=pair, same_person=False, note="autre personne")
    report = conflict_report(run)
    assert report.total == 1
    assert report.by_regimes == [("AMO_CNSS_SALARIES", "RAMED", 1)]
    assert report.by_region == [("Casablanca-Settat", 1)]
    assert (report.settled_by_rule, report.to_decide) == (1, 0)
    text = report_csv(run).decode("utf-8-sig")
    assert "par paire de régimes;AMO_CNSS_SALARIES;RAMED;1" in text
    assert "par région;;Casablanca-Settat;1" in text


def test_a_ramed_beneficiary_who_is_an_amo_dependant_gives_way(persona, tmp_path: Path) -> None:
    """RAMED is for people no AMO regime covers, as dependants too: the RAMED record gives way
    to a CNSS dependant's, though the RAMED record is in the person's own name."""
    hind = persona("hind")
    row = ["X1", "BE765432", "AMINA", "CHERKAOUI", "2010-04-02", "F", "141.001"]
    dependants = receive_list(
        actor=hind, path=_write(tmp_path / "d.csv", [row]), kind="dependants", situation_date=DAY,
        organisation=Organisation.objects.get(code="CNSS"),
        regime=Regime.objects.get(code="AMO_CNSS_SALARIES"),
    ).submitted_list  # fmt: skip
    ramed = receive_list(
        actor=hind, path=_write(tmp_path / "r.csv", [["R1", *row[1:]]]), kind="insured",
        situation_date=DAY, organisation=Organisation.objects.get(code="ANAM"),
        regime=Regime.objects.get(code="RAMED"),
    ).submitted_list  # fmt: skip
    run = run_control(actor=hind, lists=[dependants, ramed], threshold=0.9, review_floor=0.5)
    proposal = prevailing(_pair(run, "X1", "R1"))
    assert proposal.prevailing == dependants
    assert "116" in proposal.basis
