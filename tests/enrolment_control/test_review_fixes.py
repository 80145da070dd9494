"""What a review of the control's pages and services found, kept fixed: a decision keyed by the
kind of list too, no rule without a regime, long file names in any script, the access log of an
answer through the API, the internal numbers of another body, a run ended meanwhile, the regions
in the page's language, an empty decision form."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from snigi.core.audit import LogEntry
from snigi.core.models import Organisation, Regime
from snigi.enrolment_control import control
from snigi.enrolment_control.control import run_control
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    Notice,
    SubmittedList,
)
from snigi.enrolment_control.notify import notify_run
from snigi.enrolment_control.review import decide, prevailing
from tests.conftest import login
from tests.enrolment_control.test_api import API, bearer
from tests.enrolment_control.test_pages import (  # noqa: F401 - fixtures
    CNSS_ROWS,
    DAY,
    csv_bytes,
    received,
    run,
    upload,
    url,
)

HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


def _receive(actor, path: Path, body: str, kind: str, regime: str | None) -> SubmittedList:
    report = receive_list(
        actor=actor, path=path, organisation=Organisation.objects.get(code=body), kind=kind,
        situation_date=DAY, regime=Regime.objects.get(code=regime) if regime else None,
    )  # fmt: skip
    assert report.submitted_list is not None
    return report.submitted_list


def _pair(done: ControlRun, a: tuple[str, str], b: tuple[str, str]) -> CandidatePair:
    """The pair of (kind, record id) a and b."""
    for pair in CandidatePair.objects.filter(run=done).select_related(
        "entry_a__submitted_list", "entry_b__submitted_list"
    ):
        ends = {(e.submitted_list.kind, e.record_id) for e in (pair.entry_a, pair.entry_b)}
        if ends == {a, b}:
            return pair
    raise AssertionError(f"no pair {a} {b}")


@pytest.mark.django_db
def test_a_decision_on_a_body_s_insured_does_not_decide_its_dependant_of_the_same_id(
    persona, tmp_path: Path
) -> None:
    """CNSS's insured #7 and its dependant #7 are two people: each is found on a CNOPS list,
    and deciding one pair leaves the other undecided."""
    hind = persona("hind")
    insured = [["7", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"]]
    dependant = [["7", "JB04211", "SAID", "TAZI", "2001-01-20", "M", "141.001"]]
    cnops = [
        ["C1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
        ["C2", "JB04211", "SAID", "TAZI", "2001-01-20", "M", "141.001"],
    ]
    lists = [
        _receive(hind, _write(tmp_path / "i.csv", insured), "CNSS", "insured", "AMO_CNSS_SALARIES"),
        _receive(hind, _write(tmp_path / "d.csv", dependant), "CNSS", "dependants",
                 "AMO_CNSS_SALARIES"),
        _receive(hind, _write(tmp_path / "c.csv", cnops), "CNOPS", "insured", "AMO_CNOPS_PUBLIC"),
    ]  # fmt: skip
    done = run_control(actor=hind, lists=lists, threshold=0.9, review_floor=0.5)
    first = _pair(done, ("insured", "7"), ("insured", "C1"))
    second = _pair(done, ("dependants", "7"), ("insured", "C2"))
    decide(actor=hind, pair=first, same_person=False, note="Deux homonymes")
    second.refresh_from_db()
    assert second.decision is None
    again = run_control(actor=hind, lists=lists, threshold=0.9, review_floor=0.5)
    assert _pair(again, ("insured", "7"), ("insured", "C1")).decision is not None
    assert _pair(again, ("dependants", "7"), ("insured", "C2")).decision is None


@pytest.mark.django_db
def test_without_a_regime_no_rule_says_who_gives_way(persona, tmp_path: Path) -> None:
    hind = persona("hind")
    row = ["X1", "BE765432", "AMINA", "CHERKAOUI", "2010-04-02", "F", "141.001"]
    dependants = _receive(hind, _write(tmp_path / "d.csv", [row]), "CNSS", "dependants",
                          "AMO_CNSS_SALARIES")  # fmt: skip
    no_regime = _receive(hind, _write(tmp_path / "r.csv", [["R1", *row[1:]]]), "ANAM",
                         "insured", None)  # fmt: skip
    done = run_control(actor=hind, lists=[dependants, no_regime], threshold=0.9, review_floor=0.5)
    proposal = prevailing(CandidatePair.objects.get(run=done))
    assert proposal.prevailing is None
    assert "n'est pas indiqué" in proposal.basis


@pytest.mark.django_db
def test_a_long_file_name_in_arabic_is_received_and_kept(persona) -> None:
    persona("hind")
    name = "لائحة المؤمنين " * 20 + ".csv"  # about 300 characters, 540 bytes
    response = upload(login("hind"), csv_bytes(CNSS_ROWS), name=name)
    assert response.status_code == 200, response.content.decode()[:500]
    assert SubmittedList.objects.get().file_name.startswith("لائحة_المؤمنين")
    persona("karim")
    api = bearer(persona("karim"))
    posted = api.post(f"{API}/lists", {
        "file": SimpleUploadedFile("قائمة " * 60 + ".csv", csv_bytes(CNSS_ROWS[:1])),
        "body": "CNSS", "kind": "dependants", "situation_date": DAY.isoformat(),
    })  # fmt: skip
    assert posted.status_code == 201, posted.content
    assert SubmittedList.objects.get(kind="dependants").file_name.startswith("قائمة")


@pytest.mark.django_db
def test_an_answer_through_the_api_logs_the_records_it_returns(persona, run) -> None:  # noqa: F811
    notify_run(actor=persona("hind"), run=run)
    karim = persona("karim")
    notice = Notice.objects.get(organisation__code="CNSS")
    before = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=karim).count()
    answered = bearer(karim).post(f"{API}/notices/{notice.pk}/outcome", {"outcome": "closed"},
                                  content_type="application/json")  # fmt: skip
    assert answered.status_code == 200
    logged = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=karim)
    assert logged.count() == before + 2
    assert {e.object_pk for e in logged} >= {str(notice.entry_id), str(notice.other_id)}


@pytest.mark.django_db
def test_a_body_does_not_see_the_other_body_s_internal_numbers(persona, tmp_path) -> None:
    hind = persona("hind")
    rows = [["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001", "F-111",
             "K-222"]]  # fmt: skip
    other = [["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001", "F-999",
              "K-888"]]  # fmt: skip
    header = [*HEADER, "fund_number", "card_number"]
    paths = []
    for name, data in (("a.csv", rows), ("b.csv", other)):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *data])
        paths.append(tmp_path / name)
    lists = [_receive(hind, paths[0], "CNSS", "insured", "AMO_CNSS_SALARIES"),
             _receive(hind, paths[1], "CNOPS", "insured", "AMO_CNOPS_PUBLIC")]  # fmt: skip
    done = run_control(actor=hind, lists=lists, threshold=0.9, review_floor=0.5)
    notify_run(actor=hind, run=done)
    notice = Notice.objects.get(organisation__code="CNSS")
    persona("karim")
    page = login("karim").get(url("notice", notice.pk)).content.decode()
    assert "F-111" in page
    assert "K-222" in page
    assert "F-999" not in page
    assert "K-888" not in page
    officer = login("hind").get(url("notice", notice.pk)).content.decode()
    assert "F-999" in officer
    assert "K-888" in officer


@pytest.mark.django_db
def test_a_run_ended_meanwhile_keeps_its_end(persona, received, monkeypatch) -> None:  # noqa: F811
    """A run found stale while it was still matching: its late results are dropped."""
    hind = persona("hind")
    real = control.dedupe

    def ended_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        ControlRun.objects.update(status=ControlRun.Status.FAILED, error="interrompu")
        return result

    monkeypatch.setattr(control, "dedupe", ended_meanwhile)
    done = run_control(actor=hind, lists=received)
    assert (done.status, done.error) == (ControlRun.Status.FAILED, "interrompu")
    assert not CandidatePair.objects.exists()


@pytest.mark.django_db
def test_the_report_names_regions_in_the_page_s_language(persona, run) -> None:  # noqa: F811
    persona("othmane")
    french = login("othmane").get(url("report", run.pk)).content.decode()
    arabic = login("othmane", "ar").get(url("report", run.pk)).content.decode()
    assert "Casablanca-Settat" in french
    assert "Casablanca-Settat" not in arabic
    assert "الدار البيضاء" in arabic


@pytest.mark.django_db
def test_an_empty_decision_says_what_is_missing(persona, run) -> None:  # noqa: F811
    pair = CandidatePair.objects.filter(run=run).first()
    assert pair is not None
    response = login("hind").post(f"/controle/revue/paire/{pair.pk}/", {})
    assert response.status_code == 400
    assert "Choisissez « même personne » ou « personnes différentes »." in (
        response.content.decode()
    )
    pair.refresh_from_db()
    assert pair.decision is None
    assert ListEntry.objects.exists()
