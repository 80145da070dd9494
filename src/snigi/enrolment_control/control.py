"""A control run over received lists: their rows matched together (every body against every
other, and each list against itself), the pairs kept by band.

Rows from every selected list go to the matcher as one list (``engine.dedupe``): a person
enrolled by two bodies, or twice by one, ends in one cluster. Pairs scored at or above the
run's threshold are links; those between the review floor and the threshold go to the review
queue. The run is written in one transaction once the matcher is done; a failed run is kept
with its error and no pair.

``run_control`` matches at once (the command line, tests); ``queue_control`` leaves a run for
the worker, what the pages and the API do: ``launch`` starts it in a thread of the web process
(``CONTROL_RUNS_IN_PROCESS``, on by default) or ``snigi runcontrols`` runs it.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.utils import timezone

from snigi.core.audit import acting_as
from snigi.core.models import User
from snigi.core.roles import Capability
from snigi.core.scoping import require
from snigi.enrolment_control.engine import InputError, Options, dedupe
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ListEntry,
    SubmittedList,
    analyze,
)
from snigi.enrolment_control.prepare import Mapping
from snigi.enrolment_control.review import apply_decisions

log = logging.getLogger(__name__)
COLUMNS = ("cnie", "first_name", "last_name", "birth_date", "sex", "commune")
BATCH = 50_000


def _export(lists: Sequence[SubmittedList], path: Path) -> int:
    """The rows of ``lists`` as one Parquet file; ``record_id`` is the row's primary key."""
    schema = pa.schema([("record_id", pa.string()), *[(c, pa.string()) for c in COLUMNS]])
    rows = 0
    with pq.ParquetWriter(path, schema) as writer:
        entries = (
            ListEntry.objects.filter(submitted_list__in=lists)
            .order_by("pk")
            .values_list("pk", *COLUMNS)
        )
        batch: list[tuple] = []
        for entry in entries.iterator(chunk_size=BATCH):
            batch.append(entry)
            if len(batch) >= BATCH:
                writer.write_table(_table(batch, schema))
                rows += len(batch)
                batch.clear()
        if batch:
            writer.write_table(_table(batch, schema))
            rows += len(batch)
    return rows


def _table(batch: list[tuple], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*batch, strict=True))
    return pa.table(
        {"record_id": [str(v) for v in columns[0]],
         **{c: list(columns[i + 1]) for i, c in enumerate(COLUMNS)}},
        schema=schema,
    )  # fmt: skip


def _check(lists: Sequence[SubmittedList], threshold: float, review_floor: float) -> None:
    if not lists:
        raise ValidationError("Choisissez au moins une liste.")
    if not 0 < review_floor <= threshold <= 1:
        raise ValidationError("Il faut 0 < seuil de revue ≤ seuil de lien ≤ 1.")


def queue_control(
    *,
    actor: User,
    lists: Sequence[SubmittedList],
    threshold: float = 0.9,
    review_floor: float = 0.5,
) -> ControlRun:
    """A run waiting for the worker (``execute_queued``): what a page or the API launches."""
    require(actor, Capability.RUN_ENROLMENT_CONTROL)
    _check(lists, threshold, review_floor)
    with transaction.atomic(), acting_as(actor):
        run = ControlRun.objects.create(
            started_by=actor, threshold=threshold, review_floor=review_floor,
            status=ControlRun.Status.QUEUED,
        )  # fmt: skip
        run.lists.set(lists)
    return run


def execute_queued(
    *, model: Path | None = None, limit: int = 0, only: int | None = None
) -> list[ControlRun]:
    """Run the queued runs, oldest first (at most ``limit``, 0: all; ``only``: that run alone);
    each is claimed by one conditional update, so that two workers never run the same one."""
    done = []
    queued = ControlRun.objects.filter(status=ControlRun.Status.QUEUED)
    if only is not None:
        queued = queued.filter(pk=only)
    for pk in queued.order_by("pk").values_list("pk", flat=True):
        claimed = ControlRun.objects.filter(pk=pk, status=ControlRun.Status.QUEUED).update(
            status=ControlRun.Status.RUNNING, started_at=timezone.now()
        )
        if not claimed:
            continue
        run = ControlRun.objects.select_related("started_by").get(pk=pk)
        try:
            done.append(_execute(run, run.started_by, model))
        except Exception as exc:  # a worker keeps going; the run says why it failed
            log.exception("control run %s failed", pk)
            ControlRun.objects.filter(pk=pk).update(
                status=ControlRun.Status.FAILED, error=str(exc)[:2000] or type(exc).__name__,
                finished_at=timezone.now(),
            )  # fmt: skip
            done.append(ControlRun.objects.get(pk=pk))
        if limit and len(done) >= limit:
            break
    return done


STALE_AFTER = dt.timedelta(hours=24)


def fail_stale(*, older_than: dt.timedelta = STALE_AFTER) -> list[ControlRun]:
    """The runs still running ``older_than`` after they started were interrupted (the process
    that ran them stopped): they end failed, saying so (audited, as the system)."""
    cutoff = timezone.now() - older_than
    ended = []
    for run in ControlRun.objects.filter(status=ControlRun.Status.RUNNING, started_at__lt=cutoff):
        with transaction.atomic(), acting_as(None):
            claimed = ControlRun.objects.select_for_update().filter(
                pk=run.pk, status=ControlRun.Status.RUNNING
            )
            if not claimed.exists():
                continue
            run.status, run.finished_at = ControlRun.Status.FAILED, timezone.now()
            hours = older_than.total_seconds() / 3600
            run.error = (
                f"interrompu : toujours en cours {hours:g} h après son début "
                f"({run.started_at:%d/%m/%Y %H:%M}) ; relancez-le."
            )
            run.save()
        ended.append(run)
    return ended


def launch(run: ControlRun) -> None:
    """Start a queued run once the transaction that queued it commits: in a thread of this
    process when ``CONTROL_RUNS_IN_PROCESS`` is on, else by the worker (``snigi runcontrols``)."""
    if run.status == ControlRun.Status.QUEUED and settings.CONTROL_RUNS_IN_PROCESS:
        transaction.on_commit(
            lambda: threading.Thread(
                target=_background, args=(run.pk,), name=f"control-{run.pk}", daemon=True
            ).start()
        )


def _background(pk: int) -> None:
    try:
        execute_queued(only=pk)  # this run, not the oldest queued one
    finally:
        connections.close_all()


def run_control(
    *,
    actor: User,
    lists: Sequence[SubmittedList],
    threshold: float = 0.9,
    review_floor: float = 0.5,
    model: Path | None = None,
) -> ControlRun:
    """Match the rows of ``lists`` now; the finished run (its pairs by band)."""
    require(actor, Capability.RUN_ENROLMENT_CONTROL)
    _check(lists, threshold, review_floor)
    with acting_as(actor):
        run = ControlRun.objects.create(
            started_by=actor, threshold=threshold, review_floor=review_floor,
            started_at=timezone.now(),
        )  # fmt: skip
        run.lists.set(lists)
    return _execute(run, actor, model)


def _execute(run: ControlRun, actor: User, model: Path | None) -> ControlRun:
    lists = list(run.lists.all())
    threshold, review_floor = run.threshold, run.review_floor
    with tempfile.TemporaryDirectory(prefix="snigi-control-") as work:
        source, pairs, clusters = (Path(work) / n for n in ("rows.parquet", "pairs.csv", "c.csv"))
        run.records = _export(lists, source)
        options = Options(
            threshold=threshold, review_floor=review_floor, pairs_out=pairs, model=model,
            save_model=Path(work) / "model.json", work_dir=Path(work),
        )  # fmt: skip
        try:
            result = dedupe(source, clusters, Mapping(id="record_id"), options)
        except (InputError, ValueError) as exc:
            run.status, run.error, run.finished_at = (
                ControlRun.Status.FAILED,
                str(exc),
                timezone.now(),
            )
            with acting_as(actor):
                run.save()
            return run
        cluster_of = _read(clusters)
        found = [
            CandidatePair(
                run=run, entry_a_id=a, entry_b_id=b, probability=p,
                band=CandidatePair.Band.LINK if p >= threshold else CandidatePair.Band.REVIEW,
                cluster=cluster_of.get(str(a), "") if p >= threshold else "",
            )
            for (a, b), p in _best(pairs).items()
        ]  # fmt: skip
    with transaction.atomic(), acting_as(actor):
        current = (
            ControlRun.objects.select_for_update()
            .filter(pk=run.pk)
            .values_list("status", flat=True)
        )
        if list(current) != [ControlRun.Status.RUNNING]:  # ended meanwhile (found stale)
            log.warning("control run %s ended before its results: results dropped", run.pk)
            run.refresh_from_db()
            return run
        CandidatePair.objects.bulk_create(found, batch_size=5000, ignore_conflicts=True)
        analyze(CandidatePair, ListEntry)
        run.status, run.model_version = ControlRun.Status.DONE, result.model_version
        run.finished_at = timezone.now()
        run.save()
        apply_decisions(run)
    return run


def _best(path: Path) -> dict[tuple[int, int], float]:
    """Each pair of the matcher's file once, with its highest probability: a pair the exact pass
    settles comes twice, at the model's probability and at 1 (linked whatever the model says)."""
    best: dict[tuple[int, int], float] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            a, b = sorted((int(row["id_l"]), int(row["id_r"])))
            p = float(row["match_probability"])
            if p > best.get((a, b), -1.0):
                best[(a, b)] = p
    return best


def _read(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(fh)}
