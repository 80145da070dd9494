"""Notices to the bodies of a confirmed double enrolment (notify.py): one per body, which record
gives way, the message in French then Arabic, withdrawn when an officer finds two people, the
outcome a body records, who sees them, and the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from snigi.core.audit import LogEntry
from snigi.core.bilingual import SEPARATOR
from snigi.core.models import Organisation, Regime, User
from snigi.enrolment_control.control import queue_control, run_control
from snigi.enrolment_control.engine import Options, dedupe
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ControlRun, Notice, SubmittedList
from snigi.enrolment_control.notify import notices_for, notify_pair, notify_run, record_outcome
from snigi.enrolment_control.prepare import Mapping
from snigi.enrolment_control.review import decide

DAY = dt.date(2022, 10, 31)  # RAMED was in force until 30 November 2022
LATER = dt.date(2022, 11, 30)
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
# body, regime, kind, rows. MOHAMED EL ALAOUI is on the CNSS and RAMED lists (written
# differently), NAIMA BERRADA on the CNSS and CNOPS lists, SAID TAZI on the CNSS list of insured
# people and on its list of dependants: three pairs the exact pass settles (same CNIE). RACHID
# FASSI's CNIE differs by one digit on the RAMED list: a pair the model scores below 1.
LISTS = {
    "cnss": ("CNSS", "AMO_CNSS_SALARIES", "insured", [
        ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
        ["A3", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
        ["A4", "CD778899", "NAIMA", "BERRADA", "1985-09-09", "F", "141.001"],
        ["A5", "K445566", "HICHAM", "CHRAIBI", "1992-11-30", "M", "141.001"],
        ["A6", "Y223344", "RACHID", "FASSI", "1988-06-15", "M", "141.001"],
    ]),
    "ramed": ("ANAM", "RAMED", "insured", [
        ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
        ["B3", "QA998877", "FATIMA", "OUAZZANI", "1960-07-07", "F", "001.001"],
        ["B6", "Y223345", "RACHID", "EL FASSI", "1988-06-15", "M", "141.001"],
    ]),
    "cnops": ("CNOPS", "AMO_CNOPS_PUBLIC", "insured", [
        ["C1", "CD778899", "NAIMA", "BERRADA", "1985-09-09", "F", "141.001"],
        ["C2", "ZT112233", "YOUSSEF", "IDRISSI", "1970-02-02", "M", "141.001"],
    ]),
    "cnss_dependants": ("CNSS", "AMO_CNSS_SALARIES", "dependants", [
        ["D1", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
        ["D2", "", "AMINE", "LAHLOU", "2010-04-04", "M", "141.001"],
    ]),
}  # fmt: skip
# one more person on each list of the later date (another file, hence another list)
NEWCOMERS = {
    "cnss": ["A9", "N901122", "OTHMANE", "ZNIBER", "1999-12-01", "M", "141.001"],
    "ramed": ["B9", "N902233", "GHIZLANE", "SQALLI", "1957-04-21", "F", "001.001"],
    "cnops": ["C9", "N903344", "ADIL", "KETTANI", "1966-08-13", "M", "141.001"],
    "cnss_dependants": ["D9", "", "SARA", "BENJELLOUN", "2015-02-17", "F", "141.001"],
}


def _receive(actor: User, folder: Path, day: dt.date) -> list[SubmittedList]:
    folder.mkdir(exist_ok=True)
    lists = []
    for name, (body, regime, kind, rows) in LISTS.items():
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            extra = [NEWCOMERS[name]] if day != DAY else []
            csv.writer(fh).writerows([HEADER, *rows, *extra])
        report = receive_list(
            actor=actor, path=path, organisation=Organisation.objects.get(code=body),
            kind=kind, situation_date=day, regime=Regime.objects.get(code=regime),
        )  # fmt: skip
        assert report.submitted_list is not None
        lists.append(report.submitted_list)
    return lists


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once on the rows of LISTS, which the runs reuse (no training each)."""
    folder = tmp_path_factory.mktemp("notify-model")
    with (folder / "rows.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *[row for *_, rows in LISTS.values() for row in rows]])
    options = Options(threshold=1.0, save_model=folder / "model.json", work_dir=folder)
    dedupe(folder / "rows.csv", folder / "clusters.csv", Mapping(id="record_id"), options)
    return folder / "model.json"


def _control(actor: User, lists: list[SubmittedList], model: Path) -> ControlRun:
    """A link threshold of 1: the pairs the exact pass settles are links, the others to
    review from 0.5."""
    return run_control(actor=actor, lists=lists, threshold=1.0, review_floor=0.5, model=model)


@pytest.fixture
def run(persona, tmp_path: Path, model: Path) -> ControlRun:
    """The four lists controlled: the three pairs the exact pass settles are links, RACHID
    FASSI's pair is to review."""
    hind = persona("hind")
    done = _control(hind, _receive(hind, tmp_path / "day", DAY), model)
    assert done.status == ControlRun.Status.DONE
    bands = {
        (p.entry_a.record_id, p.entry_b.record_id): p.band
        for p in CandidatePair.objects.filter(run=done).select_related("entry_a", "entry_b")
    }
    link, review = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW
    assert bands == {("A1", "B1"): link, ("A3", "D1"): link, ("A4", "C1"): link,
                     ("A6", "B6"): review}  # fmt: skip
    return done


def _pair(run: ControlRun, a: str, b: str) -> CandidatePair:
    return CandidatePair.objects.get(
        run=run, entry_a__record_id__in=[a, b], entry_b__record_id__in=[a, b]
    )


def _notice(body: str, record: str) -> Notice:
    return Notice.objects.get(organisation__code=body, entry__record_id=record)


def _told() -> set[tuple[str, str, str]]:
    """Every notice as (body, its record, the other record)."""
    return set(
        Notice.objects.values_list("organisation__code", "entry__record_id", "other__record_id")
    )


# --- who is told, and which record gives way ---


def test_a_confirmed_pair_gives_one_notice_to_each_body_the_ramed_record_gives_way(
    persona, run
) -> None:
    pair = _pair(run, "A1", "B1")
    decide(actor=persona("hind"), pair=pair, same_person=True)
    assert _told() == {("ANAM", "B1", "A1"), ("CNSS", "A1", "B1")}
    ramed, cnss = _notice("ANAM", "B1"), _notice("CNSS", "A1")
    assert ramed.gives_way is True  # a contributory AMO regime prevails over RAMED
    assert cnss.gives_way is False
    for notice in (ramed, cnss):
        assert notice.run == run
        assert notice.probability == pair.probability == 1.0
        assert "art. 116" in notice.basis
        assert notice.outcome == Notice.Outcome.PENDING
        assert notice.outcome_by is None
        assert notice.outcome_at is None


def test_when_no_rule_applies_neither_body_is_told_to_give_way(persona, run) -> None:
    decide(actor=persona("hind"), pair=_pair(run, "A4", "C1"), same_person=True)
    assert _told() == {("CNOPS", "C1", "A4"), ("CNSS", "A4", "C1")}
    for notice in Notice.objects.all():
        assert notice.gives_way is None
        assert notice.basis.startswith("Aucune règle")
        assert "l'ANAM tranchera" in notice.message


def test_one_bodys_two_records_give_one_notice_on_the_record_that_gives_way(persona, run) -> None:
    """SAID TAZI is insured and a dependant at the CNSS: one notice, and the record it asks to
    close is the dependant's (a right in one's own name prevails)."""
    decide(actor=persona("hind"), pair=_pair(run, "A3", "D1"), same_person=True)
    notice = Notice.objects.get()
    assert (notice.organisation.code, notice.entry.record_id, notice.other.record_id) == (
        "CNSS", "D1", "A3",
    )  # fmt: skip
    assert notice.gives_way is True
    assert "droit en propre" in notice.basis
    assert "votre immatriculation cède : clôturez-la" in notice.message


# --- the message ---


def test_the_message_is_in_french_then_arabic(persona, run) -> None:
    decide(actor=persona("hind"), pair=_pair(run, "A1", "B1"), same_person=True)
    french, arabic = _notice("ANAM", "B1").message.split(SEPARATOR)
    assert french.splitlines() == [
        "Double immatriculation constatée par le contrôle de l'ANAM.",
        "Votre enregistrement : ANAM (RAMED, Assurés du 31/10/2022) : B1 – MOHAMMED ALAOUI, "
        "CNIE BE123456, né(e) le 12/03/1980",
        "Autre enregistrement : CNSS (AMO_CNSS_SALARIES, Assurés du 31/10/2022) : A1 – MOHAMED "
        "EL ALAOUI, CNIE BE123456, né(e) le 1980-03-12",
        "Selon les règles, votre immatriculation cède : clôturez-la.",
        "Fondement : " + _notice("ANAM", "B1").basis,
        "Indiquez la suite donnée dans SNIGI (Doubles immatriculations signalées).",
    ]
    assert "المؤمَّنون" in arabic  # the kind of list, in Arabic
    assert "المؤمَّنون" not in french
    assert "B1 – MOHAMMED ALAOUI" in arabic
    assert "A1 – MOHAMED EL ALAOUI" in arabic
    cnss_french = _notice("CNSS", "A1").message.split(SEPARATOR)[0]
    assert "Votre enregistrement : CNSS (AMO_CNSS_SALARIES" in cnss_french
    assert "votre immatriculation prévaut : l'autre organisme clôture la sienne" in cnss_french


def test_the_sentences_of_the_message_are_translated_into_arabic(persona, run) -> None:
    decide(actor=persona("hind"), pair=_pair(run, "A1", "B1"), same_person=True)
    arabic = _notice("ANAM", "B1").message.split(SEPARATOR)[1]
    assert "Double immatriculation constatée" not in arabic
    assert "clôturez-la" not in arabic


# --- notifying once ---


def test_notifying_again_creates_nothing(persona, run, model: Path) -> None:
    hind = persona("hind")
    pair = _pair(run, "A1", "B1")
    decide(actor=hind, pair=pair, same_person=True)
    assert Notice.objects.count() == 2
    assert notify_pair(actor=hind, pair=pair) == 0
    decide(actor=hind, pair=pair, same_person=True)  # the same decision again
    assert notify_run(actor=hind, run=run) == 3  # the two other links: A4/C1 (2), A3/D1 (1)
    assert notify_run(actor=hind, run=run) == 0
    told = _told()
    assert len(told) == 5
    # another run over the same lists: the same records, already told
    again = _control(hind, list(run.lists.all()), model)
    assert notify_run(actor=hind, run=again) == 0
    assert _told() == told
    assert Notice.objects.filter(run=again).count() == 0


def test_notify_pair_refuses_a_pair_that_is_not_a_confirmed_double_enrolment(persona, run):
    hind = persona("hind")
    review = _pair(run, "A6", "B6")  # to review, not decided
    with pytest.raises(ValidationError):
        notify_pair(actor=hind, pair=review)
    refuted = _pair(run, "A4", "C1")
    decide(actor=hind, pair=refuted, same_person=False, note="Deux homonymes")
    with pytest.raises(ValidationError):
        notify_pair(actor=hind, pair=refuted)
    with pytest.raises(PermissionDenied):
        notify_pair(actor=persona("karim"), pair=_pair(run, "A1", "B1"))
    assert Notice.objects.count() == 0


def test_notify_run_needs_a_finished_run_and_an_officer(persona, run) -> None:
    hind = persona("hind")
    queued = queue_control(actor=hind, lists=list(run.lists.all()))
    with pytest.raises(ValidationError):
        notify_run(actor=hind, run=queued)
    for other in ("karim", "samira", "othmane"):
        with pytest.raises(PermissionDenied):
            notify_run(actor=persona(other), run=run)
    assert Notice.objects.count() == 0


def test_notify_run_notifies_links_not_refuted_and_reviews_confirmed(persona, run) -> None:
    hind = persona("hind")
    decide(actor=hind, pair=_pair(run, "A4", "C1"), same_person=False, note="Deux homonymes")
    assert Notice.objects.count() == 0  # nothing to withdraw
    assert notify_run(actor=hind, run=run) == 3
    # A1/B1 and A3/D1; not the refuted link A4/C1 nor the pair to review A6/B6
    assert _told() == {("ANAM", "B1", "A1"), ("CNSS", "A1", "B1"), ("CNSS", "D1", "A3")}
    decide(actor=hind, pair=_pair(run, "A6", "B6"), same_person=True)  # notifies at once
    assert notify_run(actor=hind, run=run) == 0
    assert {(body, entry) for body, entry, _ in _told()} == {
        ("ANAM", "B1"), ("CNSS", "A1"), ("CNSS", "D1"), ("ANAM", "B6"), ("CNSS", "A6"),
    }  # fmt: skip


def test_decisions_taken_earlier_are_notified_with_a_later_run(
    persona, run, model: Path, tmp_path: Path
) -> None:
    """The lists of the next month: the decisions on the same records apply (a refuted link
    stays refuted, a confirmed pair to review stays confirmed) and notify_run tells the bodies
    of the new lists' records."""
    hind = persona("hind")
    decide(actor=hind, pair=_pair(run, "A4", "C1"), same_person=False, note="Deux homonymes")
    decide(actor=hind, pair=_pair(run, "A6", "B6"), same_person=True)
    later = _control(hind, _receive(hind, tmp_path / "later", LATER), model)
    assert notify_run(actor=hind, run=later) == 5
    assert set(
        Notice.objects.filter(run=later).values_list("organisation__code", "entry__record_id")
    ) == {("ANAM", "B1"), ("CNSS", "A1"), ("CNSS", "D1"), ("ANAM", "B6"), ("CNSS", "A6")}
    assert all(
        n.entry.submitted_list.situation_date == LATER
        for n in Notice.objects.filter(run=later).select_related("entry__submitted_list")
    )


# --- withdrawn when two people are found ---


def test_finding_two_people_withdraws_the_pending_notices_not_the_answered_ones(
    persona, run
) -> None:
    hind, karim = persona("hind"), persona("karim")
    pair = _pair(run, "A1", "B1")
    decide(actor=hind, pair=pair, same_person=True)
    record_outcome(actor=karim, notice=_notice("CNSS", "A1"), outcome="closed")
    decide(actor=hind, pair=pair, same_person=False, note="Dates de naissance différentes")
    ramed, cnss = _notice("ANAM", "B1"), _notice("CNSS", "A1")
    assert ramed.outcome == Notice.Outcome.WITHDRAWN
    assert ramed.outcome_by == hind
    assert ramed.outcome_at is not None
    assert cnss.outcome == Notice.Outcome.CLOSED
    assert cnss.outcome_by == karim


def test_a_pair_confirmed_again_after_a_withdrawal_is_notified_again(persona, run) -> None:
    hind, karim = persona("hind"), persona("karim")
    pair = _pair(run, "A1", "B1")
    decide(actor=hind, pair=pair, same_person=True)
    decide(actor=hind, pair=pair, same_person=False, note="Dates de naissance différentes")
    assert set(Notice.objects.values_list("outcome", flat=True)) == {Notice.Outcome.WITHDRAWN}
    decide(actor=hind, pair=pair, same_person=True)  # the officer changes their mind
    assert Notice.objects.count() == 2
    for notice in Notice.objects.all():
        assert notice.outcome == Notice.Outcome.PENDING
        assert (notice.outcome_by, notice.outcome_at, notice.outcome_note) == (None, None, "")
    record_outcome(actor=karim, notice=_notice("CNSS", "A1"), outcome="closed")
    assert _notice("CNSS", "A1").outcome == Notice.Outcome.CLOSED


# --- the outcome a body records ---


def test_a_fund_agent_records_the_outcome_of_its_own_bodys_notices_only(persona, run) -> None:
    hind, karim, salma = persona("hind"), persona("karim"), persona("salma")
    decide(actor=hind, pair=_pair(run, "A4", "C1"), same_person=True)
    cnss, cnops = _notice("CNSS", "A4"), _notice("CNOPS", "C1")
    with pytest.raises(PermissionDenied):
        record_outcome(actor=karim, notice=cnops, outcome="closed")
    with pytest.raises(PermissionDenied):
        record_outcome(actor=salma, notice=cnss, outcome="closed")
    for anam in ("hind", "samira"):  # ANAM's officers do not answer for a fund
        with pytest.raises(PermissionDenied):
            record_outcome(actor=persona(anam), notice=cnss, outcome="closed")
    assert set(Notice.objects.values_list("outcome", flat=True)) == {Notice.Outcome.PENDING}
    done = record_outcome(actor=karim, notice=cnss, outcome="closed")
    assert (done.outcome, done.outcome_by, done.outcome_note) == ("closed", karim, "")
    assert done.outcome_at is not None
    record_outcome(actor=salma, notice=cnops, outcome="kept", note="  Affiliation confirmée  ")
    cnops.refresh_from_db()
    assert (cnops.outcome, cnops.outcome_by, cnops.outcome_note) == (
        "kept", salma, "Affiliation confirmée",
    )  # fmt: skip
    # an answer may be changed
    record_outcome(actor=karim, notice=cnss, outcome="contested", note="Deux personnes")
    assert _notice("CNSS", "A4").outcome == Notice.Outcome.CONTESTED


def test_kept_and_contested_need_a_note_and_the_outcome_must_be_known(persona, run) -> None:
    karim = persona("karim")
    decide(actor=persona("hind"), pair=_pair(run, "A1", "B1"), same_person=True)
    notice = _notice("CNSS", "A1")
    for outcome, note in (("kept", ""), ("contested", "   "), ("annulée", "x"),
                          ("pending", ""), ("withdrawn", "")):  # fmt: skip
        with pytest.raises(ValidationError):
            record_outcome(actor=karim, notice=notice, outcome=outcome, note=note)
    notice.refresh_from_db()
    assert (notice.outcome, notice.outcome_by) == (Notice.Outcome.PENDING, None)


def test_a_withdrawn_notice_takes_no_outcome(persona, run) -> None:
    hind, karim = persona("hind"), persona("karim")
    pair = _pair(run, "A1", "B1")
    decide(actor=hind, pair=pair, same_person=True)
    loaded = _notice("CNSS", "A1")  # as a page would, before the officer's new decision
    decide(actor=hind, pair=pair, same_person=False, note="Dates de naissance différentes")
    with pytest.raises(ValidationError):
        record_outcome(actor=karim, notice=_notice("CNSS", "A1"), outcome="closed")
    with pytest.raises(ValidationError):
        record_outcome(actor=karim, notice=loaded, outcome="closed")
    assert _notice("CNSS", "A1").outcome == Notice.Outcome.WITHDRAWN


# --- who sees the notices ---


def test_a_body_sees_its_own_notices_and_the_control_officer_all(persona, run) -> None:
    hind = persona("hind")
    decide(actor=hind, pair=_pair(run, "A1", "B1"), same_person=True)
    decide(actor=hind, pair=_pair(run, "A4", "C1"), same_person=True)

    def seen(username: str) -> set[tuple[str, str]]:
        return {(n.organisation.code, n.entry.record_id) for n in notices_for(persona(username))}

    assert seen("karim") == {("CNSS", "A1"), ("CNSS", "A4")}
    assert seen("salma") == {("CNOPS", "C1")}
    assert seen("meriem") == set()  # a CNOPS mutual does not see its parent's notices
    assert seen("hind") == {("ANAM", "B1"), ("CNSS", "A1"), ("CNSS", "A4"), ("CNOPS", "C1")}
    assert seen("samira") == {("ANAM", "B1")}  # RAMED operations: ANAM's RAMED list
    for other in ("othmane", "directeur", "leila", "dr_amine"):
        with pytest.raises(PermissionDenied):
            notices_for(persona(other))


# --- the audit trail ---


def test_every_notice_and_outcome_is_audited(persona, run) -> None:
    hind, karim = persona("hind"), persona("karim")
    pair = _pair(run, "A1", "B1")
    decide(actor=hind, pair=pair, same_person=True)
    for notice in Notice.objects.all():
        created = LogEntry.objects.get_for_object(notice).get(action=LogEntry.Action.CREATE)
        assert created.actor == hind
    cnss, ramed = _notice("CNSS", "A1"), _notice("ANAM", "B1")
    record_outcome(actor=karim, notice=cnss, outcome="closed")
    answered = LogEntry.objects.get_for_object(cnss).get(action=LogEntry.Action.UPDATE)
    assert answered.actor == karim
    assert answered.changes_dict["outcome"] == ["pending", "closed"]
    decide(actor=hind, pair=pair, same_person=False, note="Dates de naissance différentes")
    withdrawn = LogEntry.objects.get_for_object(ramed).get(action=LogEntry.Action.UPDATE)
    assert withdrawn.actor == hind
    assert withdrawn.changes_dict["outcome"] == ["pending", "withdrawn"]
    assert LogEntry.objects.get_for_object(cnss).count() == 2  # the answered one not touched


def test_ramed_operations_answer_for_anam_s_ramed_records(persona, run) -> None:
    """The RAMED lists are ANAM's: its RAMED operations close the RAMED record that gives way."""
    samira = persona("samira")
    decide(actor=persona("hind"), pair=_pair(run, "A1", "B1"), same_person=True)
    ramed = _notice("ANAM", "B1")
    assert ramed.gives_way is True
    with pytest.raises(PermissionDenied):
        record_outcome(actor=samira, notice=_notice("CNSS", "A1"), outcome="kept", note="x")
    done = record_outcome(actor=samira, notice=ramed, outcome="closed")
    assert (done.outcome, done.outcome_by) == (Notice.Outcome.CLOSED, samira)


def test_a_decision_holds_for_the_same_records_in_every_run_and_list(
    persona, run, model: Path, tmp_path: Path
) -> None:
    """Decided on the later run, the pair of the earlier run is decided too; found to be two
    people, the notices sent on the earlier lists are withdrawn as well."""
    hind = persona("hind")
    decide(actor=hind, pair=_pair(run, "A1", "B1"), same_person=True)  # notified on DAY's lists
    later = _control(hind, _receive(hind, tmp_path / "later", LATER), model)
    newer = _pair(later, "A1", "B1")
    decision = decide(actor=hind, pair=newer, same_person=False, note="Deux homonymes")
    assert _pair(run, "A1", "B1").decision == decision
    assert (
        not CandidatePair.objects.filter(run=run, decision__isnull=False)
        .exclude(pk=_pair(run, "A1", "B1").pk)
        .exists()
    )  # no other pair of the earlier run took the decision
    earlier = Notice.objects.filter(entry__submitted_list__situation_date=DAY)
    assert {n.outcome for n in earlier} == {Notice.Outcome.WITHDRAWN}
    assert earlier.count() == 2
