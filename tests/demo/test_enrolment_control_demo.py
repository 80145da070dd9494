"""The demo data of the double-enrolment control: lists received from their bodies, one run that
finds the overlaps planted in them, decisions, notices and answers; loaded once."""

from __future__ import annotations

import pytest

from snigi.core.audit import LogEntry
from snigi.demo.accounts import ensure_demo_accounts
from snigi.demo.enrolment_control import (
    LISTS,
    DemoLists,
    build_demo_lists,
    load_demo_enrolment_control,
    situation_date,
)
from snigi.demo.loader import commune_table
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    Notice,
    ReviewDecision,
    SubmittedList,
)
from snigi.enrolment_control.notify import ANSWERS
from snigi.enrolment_control.reports import conflict_report
from snigi.enrolment_control.review import measures

pytestmark = pytest.mark.django_db
SEED, PEOPLE = 7, 1500  # about 1,100 rows: a quick run


@pytest.fixture
def loaded(settings, tmp_path):
    settings.DEMO_MODE = True
    ensure_demo_accounts()
    result = load_demo_enrolment_control(seed=SEED, people=PEOPLE)
    truth = build_demo_lists(directory=tmp_path, seed=SEED, people=PEOPLE,
                             communes=commune_table(), situation_date=situation_date())  # fmt: skip
    return result, truth


def _key(entry: ListEntry) -> tuple[str, str, str]:
    return (entry.submitted_list.organisation.code, entry.submitted_list.kind, entry.record_id)


def _pairs(run: ControlRun, **filters: object) -> dict[frozenset, CandidatePair]:
    pairs = CandidatePair.objects.filter(run=run, **filters).select_related(
        "entry_a__submitted_list__organisation", "entry_b__submitted_list__organisation"
    )
    return {frozenset((_key(p.entry_a), _key(p.entry_b))): p for p in pairs}


def test_the_lists_come_from_their_bodies_and_the_run_finds_the_planted_overlaps(loaded):
    result, truth = loaded
    _check_lists(truth)
    _check_run(result.run, truth)


def _check_lists(truth: DemoLists) -> None:
    lists = SubmittedList.objects.select_related("organisation", "regime", "received_by")
    assert {(s.organisation.code, s.kind, s.regime.code) for s in lists} == {
        (spec.organisation, spec.kind, spec.regime) for spec in LISTS
    }
    assert {s.situation_date for s in lists} == {situation_date()}
    senders = {s.organisation.code: s.received_by.username for s in lists}
    assert senders["CNSS"] == "cnss.agent"
    assert senders["CNOPS"] == "cnops.agent"
    assert senders["ANAM"] == senders["MGPAP"] == "anam.controle"
    assert ListEntry.objects.count() == sum(s.rows for s in lists) == truth.rows
    assert {_key(e) for e in ListEntry.objects.select_related("submitted_list__organisation")} == (
        set(truth.person_of)
    )  # the lists hold exactly the rows the generator wrote, under the same ids
    ramed = ListEntry.objects.filter(submitted_list__regime__code="RAMED")
    assert not ramed.filter(card_number="").exists()
    others = ListEntry.objects.exclude(submitted_list__regime__code="RAMED")
    assert not others.exclude(card_number="").exists()
    assert ListEntry.objects.exclude(commune="").count() > 0.9 * truth.rows
    noisy = ListEntry.objects.filter(cnie__regex=r"[ .\-]|^[a-z]")
    assert noisy.exists()  # CNIE numbers written as real registers write them


def _check_run(run: ControlRun, truth: DemoLists) -> None:
    """A finished run, pairs in both bands, decisions, notices and answers: every page has
    something to show."""
    assert run.status == ControlRun.Status.DONE
    assert run.records == truth.rows
    expected = truth.true_pairs()
    found, links = _pairs(run), _pairs(run, band=CandidatePair.Band.LINK)
    assert len(expected) > 40
    assert len(expected & set(found)) >= 0.9 * len(expected)  # recall, both bands
    assert len(expected & set(links)) >= 0.9 * len(links)  # precision of the links
    assert _pairs(run, band=CandidatePair.Band.REVIEW)

    decisions = ReviewDecision.objects.all()
    assert decisions.filter(same_person=True).exists()
    assert decisions.filter(same_person=False).exists()
    assert not decisions.filter(same_person=False, note="").exists()
    for pair in found.values():
        if pair.decision_id:  # the officer decides as the truth says
            same = truth.same(_key(pair.entry_a), _key(pair.entry_b))
            assert pair.decision.same_person == same
    m = measures(run)
    assert m.links_confirmed
    assert m.links_refuted + m.review_different > 0

    report = conflict_report(run)
    assert report.total > 0.8 * len(expected)
    assert report.settled_by_rule > 0
    assert report.to_decide > 0
    assert report.enrolments_avoided > 0
    assert report.cards_avoided  # the RAMED list gives card numbers: some cards go
    notices = Notice.objects.filter(run=run)
    assert {"ANAM", "CNSS", "CNOPS", "MGPAP"} <= set(
        notices.values_list("organisation__code", flat=True)
    )
    answered = notices.filter(outcome__in=ANSWERS)
    assert set(answered.values_list("outcome_by__username", flat=True)) == {"cnss.agent"}
    assert set(answered.values_list("organisation__code", flat=True)) == {"CNSS"}
    assert answered.filter(outcome=Notice.Outcome.CLOSED).exists()
    assert notices.filter(outcome=Notice.Outcome.PENDING).exists()


def test_a_second_load_changes_nothing(loaded):
    first, _ = loaded
    models = (SubmittedList, ListEntry, ControlRun, CandidatePair, ReviewDecision, Notice,
              LogEntry)  # fmt: skip
    before = [m.objects.count() for m in models]
    answered = list(Notice.objects.filter(outcome__in=ANSWERS).values_list("pk", "outcome_at"))
    for seed in (SEED, SEED + 1):  # loaded once, whatever the seed asked later
        again = load_demo_enrolment_control(seed=seed, people=PEOPLE)
        assert not again.added
        assert again.run == first.run
    assert [m.objects.count() for m in models] == before
    assert list(Notice.objects.filter(outcome__in=ANSWERS).values_list("pk", "outcome_at")) == (
        answered
    )


def test_the_lists_are_the_same_for_a_seed(tmp_path):
    communes = commune_table()

    def files(seed: int, folder: str) -> list[bytes]:
        (tmp_path / folder).mkdir()
        built = build_demo_lists(directory=tmp_path / folder, seed=seed, people=600,
                                 communes=communes, situation_date=situation_date())  # fmt: skip
        return [path.read_bytes() for _, path in built.files]

    assert files(3, "a") == files(3, "b") != files(4, "c")
