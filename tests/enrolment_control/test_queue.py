"""Control runs queued for a worker (control.py: ``queue_control``, ``execute_queued``,
``launch``) and ``snigi runcontrols``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import threading
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection, transaction

from snigi.core import reference_data
from snigi.core.audit import LogEntry
from snigi.core.models import Commune, Organisation, Province, Regime, Region, User
from snigi.enrolment_control import control
from snigi.enrolment_control.control import execute_queued, launch, queue_control, run_control
from snigi.enrolment_control.engine import Options, dedupe
from snigi.enrolment_control.intake import receive_list
from snigi.enrolment_control.models import CandidatePair, ControlRun, SubmittedList
from snigi.enrolment_control.prepare import Mapping

DAY = dt.date(2022, 11, 30)  # RAMED was in force until then
HEADER = ["record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune"]
# MOHAMED EL ALAOUI on both lists with the same CNIE (the exact pass settles the pair); RACHID
# FASSI with a CNIE one digit apart (the model scores the pair, below 1).
CNSS_ROWS = [
    ["A1", "BE123456", "MOHAMED", "EL ALAOUI", "1980-03-12", "M", "141.001"],
    ["A2", "JB04211", "SAID", "TAZI", "1975-01-20", "M", "141.001"],
    ["A3", "K445566", "HICHAM", "CHRAIBI", "1992-11-30", "M", "141.001"],
    ["A6", "Y223344", "RACHID", "FASSI", "1988-06-15", "M", "141.001"],
]
RAMED_ROWS = [
    ["B1", "BE123456", "MOHAMMED", "ALAOUI", "12/03/1980", "M", "141.001"],
    ["B3", "QA998877", "FATIMA", "OUAZZANI", "1960-07-07", "F", "001.001"],
    ["B6", "Y223345", "RACHID", "EL FASSI", "1988-06-15", "M", "141.001"],
]
RECORDS = len(CNSS_ROWS) + len(RAMED_ROWS)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *rows])
    return path


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained once on the rows of both lists, which most runs reuse."""
    folder = tmp_path_factory.mktemp("queue-model")
    _write(folder / "rows.csv", CNSS_ROWS + RAMED_ROWS)
    options = Options(threshold=1.0, save_model=folder / "model.json", work_dir=folder)
    dedupe(folder / "rows.csv", folder / "clusters.csv", Mapping(id="record_id"), options)
    return folder / "model.json"


def _receive(actor: User, folder: Path) -> list[SubmittedList]:
    received = [
        receive_list(actor=actor, path=_write(folder / name, rows),
                     organisation=Organisation.objects.get(code=body), kind="insured",
                     situation_date=DAY, regime=Regime.objects.get(code=regime)).submitted_list
        for name, body, regime, rows in (
            ("cnss.csv", "CNSS", "AMO_CNSS_SALARIES", CNSS_ROWS),
            ("ramed.csv", "ANAM", "RAMED", RAMED_ROWS),
        )
    ]  # fmt: skip
    assert all(received)
    return received  # type: ignore[return-value]


@pytest.fixture
def lists(persona, tmp_path: Path) -> list[SubmittedList]:
    return _receive(persona("hind"), tmp_path)


def _pairs(run: ControlRun) -> dict[tuple[str, str], str]:
    return {
        (p.entry_a.record_id, p.entry_b.record_id): p.band
        for p in CandidatePair.objects.filter(run=run).select_related("entry_a", "entry_b")
    }


LINK, REVIEW = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW


# --- queueing ---


def test_queue_control_leaves_a_queued_run_with_its_lists(persona, lists) -> None:
    hind = persona("hind")
    run = queue_control(actor=hind, lists=lists, threshold=0.95, review_floor=0.6)
    run.refresh_from_db()
    assert run.status == ControlRun.Status.QUEUED
    assert (run.threshold, run.review_floor, run.started_by) == (0.95, 0.6, hind)
    assert set(run.lists.all()) == set(lists)
    assert (run.records, run.model_version, run.error) == (0, "", "")
    assert run.started_at is None
    assert run.finished_at is None
    assert not CandidatePair.objects.filter(run=run).exists()
    assert LogEntry.objects.get_for_object(run).get(action=LogEntry.Action.CREATE).actor == hind


def test_queue_control_checks_its_inputs(persona, lists) -> None:
    hind = persona("hind")
    for threshold, floor in ((0.5, 0.9), (0.9, 0.0), (1.5, 0.5), (0.9, -0.1)):
        with pytest.raises(ValidationError):
            queue_control(actor=hind, lists=lists, threshold=threshold, review_floor=floor)
    with pytest.raises(ValidationError):
        queue_control(actor=hind, lists=[])
    for other in ("karim", "samira", "othmane"):  # a fund agent, RAMED operations, analyst
        with pytest.raises(PermissionDenied):
            queue_control(actor=persona(other), lists=lists)
    assert ControlRun.objects.count() == 0


# --- the worker ---


def test_the_worker_runs_the_queued_runs_oldest_first(persona, lists, model: Path) -> None:
    hind = persona("hind")
    first = queue_control(actor=hind, lists=lists, threshold=1.0, review_floor=0.5)
    second = queue_control(actor=hind, lists=lists[:1], threshold=0.9, review_floor=0.5)
    done = execute_queued(model=model)
    assert [run.pk for run in done] == [first.pk, second.pk]
    for run in done:
        run.refresh_from_db()
        assert run.status == ControlRun.Status.DONE
        assert run.model_version
        assert run.started_at is not None
        assert run.finished_at is not None
        assert run.started_at <= run.finished_at
        # the run is written in the name of the officer who queued it
        updates = LogEntry.objects.get_for_object(run).filter(action=LogEntry.Action.UPDATE)
        assert {entry.actor for entry in updates} == {hind}
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.records == RECORDS
    assert _pairs(first) == {("A1", "B1"): LINK, ("A6", "B6"): REVIEW}
    assert second.records == len(CNSS_ROWS)
    assert _pairs(second) == {}  # one list of distinct people
    assert execute_queued(model=model) == []  # nothing left


def test_the_worker_takes_at_most_limit_runs(persona, lists, model: Path) -> None:
    hind = persona("hind")
    first, second = (queue_control(actor=hind, lists=lists) for _ in range(2))
    assert [run.pk for run in execute_queued(model=model, limit=1)] == [first.pk]
    second.refresh_from_db()
    assert second.status == ControlRun.Status.QUEUED
    assert [run.pk for run in execute_queued(model=model, limit=1)] == [second.pk]


def test_a_run_claimed_by_another_worker_meanwhile_is_not_run_twice(
    persona, lists, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers list the same queued runs; the conditional update lets one of them claim
    each. Here another worker claims the second run while this one runs the first."""
    hind = persona("hind")
    first, second = (queue_control(actor=hind, lists=lists) for _ in range(2))
    real = control._execute

    def meanwhile(run: ControlRun, actor: User, model: Path | None) -> ControlRun:
        ControlRun.objects.filter(pk=second.pk, status=ControlRun.Status.QUEUED).update(
            status=ControlRun.Status.RUNNING
        )  # the other worker's claim
        return real(run, actor, model)

    monkeypatch.setattr(control, "_execute", meanwhile)
    assert [run.pk for run in execute_queued(model=model)] == [first.pk]
    second.refresh_from_db()
    assert second.status == ControlRun.Status.RUNNING  # the other worker's, untouched
    assert not CandidatePair.objects.filter(run=second).exists()


def test_a_run_that_fails_is_kept_failed_and_the_worker_goes_on(
    persona, lists, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error of the matcher (a full disk, a lost connection…) ends that run, with
    the error, and the worker runs the next one."""
    hind = persona("hind")
    runs = [
        queue_control(actor=hind, lists=lists, threshold=1.0, review_floor=0.5) for _ in range(3)
    ]
    calls = []

    def flaky(*args, **kwargs):  # the first and third calls fail
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("No space left on device")
        if len(calls) == 3:
            raise OSError
        return dedupe(*args, **kwargs)

    monkeypatch.setattr(control, "dedupe", flaky)
    done = execute_queued(model=model)
    assert [run.pk for run in done] == [run.pk for run in runs]
    assert [run.status for run in done] == ["failed", "done", "failed"]
    assert [run.error for run in done] == ["No space left on device", "", "OSError"]
    for run in (done[0], done[2]):
        assert run.finished_at is not None
        assert not CandidatePair.objects.filter(run=run).exists()
    assert _pairs(done[1]) == {("A1", "B1"): LINK, ("A6", "B6"): REVIEW}
    assert ControlRun.objects.filter(status=ControlRun.Status.QUEUED).count() == 0


def test_a_run_with_an_unusable_model_fails_with_the_matchers_message(
    persona, lists, tmp_path: Path
) -> None:
    queued = queue_control(actor=persona("hind"), lists=lists)
    [run] = execute_queued(model=tmp_path / "missing.json")
    assert run.pk == queued.pk
    run.refresh_from_db()
    assert run.status == ControlRun.Status.FAILED
    assert "missing.json" in run.error
    assert run.finished_at is not None
    assert not CandidatePair.objects.filter(run=run).exists()


def test_a_pair_the_exact_pass_settles_is_a_link_at_probability_one(
    persona, lists, model: Path
) -> None:
    """The matcher writes such a pair twice (at the model's probability, and at 1): the run
    keeps it once, as a link whatever the threshold."""
    run = run_control(actor=persona("hind"), lists=lists, threshold=1.0, review_floor=0.5,
                      model=model)  # fmt: skip
    settled = CandidatePair.objects.get(run=run, entry_a__record_id__in=["A1", "B1"])
    assert settled.probability == 1.0
    assert settled.band == LINK
    assert settled.cluster
    scored = CandidatePair.objects.get(run=run, entry_a__record_id__in=["A6", "B6"])
    assert 0.5 <= scored.probability < 1.0
    assert scored.band == REVIEW
    assert scored.cluster == ""


# --- launch: a thread of the web process, or the worker ---


def _threads(run: ControlRun) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"control-{run.pk}"]


def test_launch_leaves_the_run_to_the_worker_when_runs_are_not_in_process(
    persona, lists, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONTROL_RUNS_IN_PROCESS = False
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = queue_control(actor=persona("hind"), lists=lists)
        launch(run)
    assert callbacks == []
    assert _threads(run) == []
    run.refresh_from_db()
    assert run.status == ControlRun.Status.QUEUED


def test_launch_starts_only_a_queued_run(
    persona, lists, model: Path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CONTROL_RUNS_IN_PROCESS = True
    finished = run_control(actor=persona("hind"), lists=lists, model=model)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        launch(finished)
    assert callbacks == []


def test_launch_starts_a_thread_for_that_run_once_committed(
    persona, lists, settings, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    """What the thread is given (the thread's run itself is tested on PostgreSQL below)."""
    settings.CONTROL_RUNS_IN_PROCESS = True
    started, ran = [], threading.Event()

    def background(pk: int) -> None:
        thread = threading.current_thread()
        started.append((pk, thread.name, thread.daemon))
        ran.set()

    monkeypatch.setattr(control, "_background", background)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = queue_control(actor=persona("hind"), lists=lists)
        launch(run)
        assert started == []  # not before the commit
    assert len(callbacks) == 1
    assert ran.wait(timeout=30)
    assert started == [(run.pk, f"control-{run.pk}", True)]


@pytest.mark.skipif(
    not os.environ.get("SNIGI_DATABASE_URL", "").startswith("postgres"),
    reason="a transactional test empties the database when it ends, which pytest-django orders "
    "last only in a single process: the PostgreSQL stage of scripts/test runs this (on SQLite "
    "it works alone, the in-memory test database being opened with a shared cache by every "
    "thread, but would empty the database under the next files of an xdist worker)",
)
@pytest.mark.django_db(transaction=True)
def test_launch_runs_that_run_in_a_thread_once_committed(
    persona, tmp_path: Path, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Transactional: the thread has its own connection and sees only what is committed."""
    assert connection.vendor == "postgresql"
    # an earlier transactional test may have emptied the database (its flush): the reference
    # data as the migrations load it (serialized_rollback would clash with the content types
    # that flush recreated)
    reference_data.load_geography(Region, Province, Commune)
    reference_data.load_organisations(Organisation, Regime)
    real, threads, finished = control._background, [], threading.Event()

    def background(pk: int) -> None:
        threads.append(threading.current_thread())
        try:
            real(pk)
        finally:
            finished.set()

    monkeypatch.setattr(control, "_background", background)
    hind = persona("hind")
    lists = _receive(hind, tmp_path)
    settings.CONTROL_RUNS_IN_PROCESS = False
    waiting = queue_control(actor=hind, lists=lists)  # older, left to the worker
    launch(waiting)
    settings.CONTROL_RUNS_IN_PROCESS = True
    with transaction.atomic():
        run = queue_control(actor=hind, lists=lists)
        launch(run)
        assert threads == []  # not before the commit
    assert finished.wait(timeout=300)
    [thread] = threads
    assert thread.name == f"control-{run.pk}"
    thread.join(timeout=30)
    run.refresh_from_db()
    assert run.status == ControlRun.Status.DONE, run.error
    assert run.records == RECORDS
    assert run.started_at is not None
    assert _pairs(run)[("A1", "B1")] == LINK
    waiting.refresh_from_db()
    assert waiting.status == ControlRun.Status.QUEUED  # the thread ran its own run only


# --- snigi runcontrols ---


def test_runcontrols_once_runs_what_is_queued_and_prints_each_outcome(
    persona, lists, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hind = persona("hind")
    good = queue_control(actor=hind, lists=lists)
    bad = queue_control(actor=hind, lists=lists)
    real = control.dedupe

    def second_fails(*args, **kwargs):
        if ControlRun.objects.filter(pk=bad.pk, status=ControlRun.Status.RUNNING).exists():
            raise RuntimeError("connexion perdue")
        return real(*args, **kwargs)

    monkeypatch.setattr(control, "dedupe", second_fails)
    out = io.StringIO()
    call_command("runcontrols", "--once", "--model", str(model), stdout=out)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, bad.status) == (ControlRun.Status.DONE, ControlRun.Status.FAILED)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"contrôle #{good.pk} : {good.get_status_display()}, {RECORDS} lignes"
    assert lines[1].startswith(f"contrôle #{bad.pk} : {bad.get_status_display()}, ")
    assert lines[1].endswith(" – connexion perdue")
    assert len(lines) == 2
    again = io.StringIO()
    call_command("runcontrols", "--once", stdout=again)
    assert again.getvalue() == ""


def test_a_run_left_running_by_a_stopped_process_ends_failed(persona, lists, model: Path) -> None:
    """``snigi runcontrols`` ends the runs still running past --stale-hours (their process was
    stopped), saying so; a recent one, or one queued, is left alone."""
    from django.utils import timezone

    hind = persona("hind")
    old, recent, waiting = (queue_control(actor=hind, lists=lists) for _ in range(3))
    now = timezone.now()
    ControlRun.objects.filter(pk=old.pk).update(
        status=ControlRun.Status.RUNNING, started_at=now - dt.timedelta(hours=30)
    )
    ControlRun.objects.filter(pk=recent.pk).update(
        status=ControlRun.Status.RUNNING, started_at=now - dt.timedelta(hours=2)
    )
    out = io.StringIO()
    call_command("runcontrols", "--once", "--stale-hours", "24", "--model", str(model), stdout=out)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == ControlRun.Status.FAILED
    assert old.error.startswith("interrompu : toujours en cours 24 h après son début")
    assert old.finished_at is not None
    assert recent.status == ControlRun.Status.RUNNING
    assert out.getvalue().splitlines()[0] == f"contrôle #{old.pk} : {old.error}"
    waiting.refresh_from_db()  # the queued one was run by the same look
    assert waiting.status == ControlRun.Status.DONE
