"""A control run over received lists: pairs by band, across bodies and within one list."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.core.models import Organisation
from snigi.enrolment_control.control import run_control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ControlRun, ListEntry
from snigi.enrolment_control.synthetic import write_link_lists

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def received(persona, tmp_path: Path):
    """Two bodies' lists of 400 synthetic people each, half of them on both."""
    write_link_lists(tmp_path / "l.csv", tmp_path / "r.csv", tmp_path / "t.csv",
                     left=400, right=400, overlap=0.5, seed=9)  # fmt: skip
    cnss, cnops = Organisation.objects.get(code="CNSS"), Organisation.objects.get(code="CNOPS")
    omar = persona("hind")  # ANAM control officer: submits and controls
    lists = [
        receive_list(
            actor=omar, path=tmp_path / name, organisation=body, kind="insured", situation_date=DAY
        ).submitted_list  # fmt: skip
        for name, body in (("l.csv", cnss), ("r.csv", cnops))
    ]
    with (tmp_path / "t.csv").open(encoding="utf-8", newline="") as fh:
        truth = [(r["left_id"], r["right_id"]) for r in csv.DictReader(fh)]
    return lists, truth


def test_a_run_finds_the_people_enrolled_by_both_bodies(persona, received) -> None:
    lists, truth = received
    run = run_control(actor=persona("hind"), lists=lists, threshold=0.9, review_floor=0.5)
    assert run.status == ControlRun.Status.DONE
    assert run.records == 800
    assert run.model_version
    links = CandidatePair.objects.filter(run=run, band=CandidatePair.Band.LINK)
    found = {
        tuple(sorted((p.entry_a.record_id, p.entry_b.record_id)))
        for p in links.select_related("entry_a", "entry_b")
    }
    expected = {tuple(sorted(t)) for t in truth}
    assert len(found & expected) >= 0.9 * len(expected)
    assert len(found - expected) <= 0.05 * len(found)
    assert all(p.cluster for p in links)
    review = CandidatePair.objects.filter(run=run, band=CandidatePair.Band.REVIEW)
    assert all(0.5 <= p.probability < 0.9 for p in review)
    assert all(p.entry_a_id < p.entry_b_id for p in CandidatePair.objects.filter(run=run))
    assert set(run.lists.all()) == set(lists)


def test_only_anam_runs_a_control_and_thresholds_are_checked(persona, received) -> None:
    lists, _ = received
    with pytest.raises(PermissionDenied):
        run_control(actor=persona("karim"), lists=lists)
    with pytest.raises(ValidationError):
        run_control(actor=persona("hind"), lists=lists, threshold=0.5, review_floor=0.9)
    with pytest.raises(ValidationError):
        run_control(actor=persona("hind"), lists=[])
    assert ControlRun.objects.count() == 0
    assert ListEntry.objects.count() == 800
