"""REST endpoints of the control runs (under /api/v1/enrolment-control/): queue a run over
received lists (ANAM's control officer), follow it, read its pairs by band (the records shown
are logged), decide a pair, read its report (counts, no person: the observatory too) and
notify the bodies of its confirmed double enrolments."""

from __future__ import annotations

import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require
from snigi.enrolment_control import control, notify, reports, review
from snigi.enrolment_control.api import (
    MAX_ID,
    NO_NUL,
    Errors,
    Message,
    RecordOut,
    log_records_shown,
    record_out,
)
from snigi.enrolment_control.models import (
    CandidatePair,
    ControlRun,
    ReviewDecision,
    SubmittedList,
)

router = Router(tags=["double immatriculation – contrôles"])

RUN_ID = Path(..., ge=1, le=MAX_ID)
ListId = Annotated[int, Field(ge=1, le=MAX_ID)]
LINK, REVIEW = CandidatePair.Band.LINK, CandidatePair.Band.REVIEW


class BandsOut(Schema):
    link: int = Field(..., description="paires au-dessus du seuil de lien")
    review: int = Field(..., description="paires à revoir (entre le seuil de revue et le seuil)")


class RunOut(Schema):
    id: int
    status: str = Field(..., description="queued, running, done ou failed")
    lists: list[int]
    threshold: float
    review_floor: float
    records: int
    model_version: str
    error: str
    started_by: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    pairs: BandsOut
    url: str


class MeasuresOut(Schema):
    links_confirmed: int
    links_refuted: int
    review_same: int
    review_different: int
    link_precision: float | None = Field(..., description="liens confirmés / liens décidés")


class RunDetailOut(RunOut):
    measures: MeasuresOut


class RunPage(Schema):
    items: list[RunOut]
    count: int


class RunIn(Schema):
    lists: list[ListId] = Field(..., max_length=500, description="identifiants des listes")
    threshold: float = Field(0.9, gt=0, le=1, description="probabilité d'un lien")
    review_floor: float = Field(0.5, gt=0, le=1, description="probabilité d'une paire à revoir")


def _runs() -> QuerySet[ControlRun]:
    return (
        ControlRun.objects.select_related("started_by")
        .prefetch_related("lists")
        .annotate(
            n_link=Count("pairs", filter=Q(pairs__band=LINK)),
            n_review=Count("pairs", filter=Q(pairs__band=REVIEW)),
        )
    )


def _run(run_id: int) -> ControlRun:
    run = _runs().filter(pk=run_id).first()
    if run is None:
        raise HttpError(404, "Contrôle introuvable.")
    return run


def _run_out(run: ControlRun) -> RunOut:
    return RunOut(
        id=run.pk, status=run.status, lists=sorted(x.pk for x in run.lists.all()),
        threshold=run.threshold, review_floor=run.review_floor, records=run.records,
        model_version=run.model_version, error=run.error, started_by=run.started_by.username,
        created_at=run.created_at, started_at=run.started_at, finished_at=run.finished_at,
        pairs=BandsOut(link=getattr(run, "n_link", 0), review=getattr(run, "n_review", 0)),
        url=reverse("api-v1:enrolment_control_run", kwargs={"run_id": run.pk}),
    )  # fmt: skip


@router.get("/runs", response={200: RunPage, 403: Message, 422: Errors})
def run_index(
    request: HttpRequest,
    status: ControlRun.Status | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> RunPage:
    """The control runs, latest first (counts only: no person)."""
    require(request_actor(request), Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    runs = _runs()
    if status:
        runs = runs.filter(status=status)
    page = runs.order_by("-created_at", "-pk")[offset : offset + limit]
    return RunPage(items=[_run_out(r) for r in page], count=runs.count())


@router.post("/runs", response={202: RunOut, 403: Message, 422: Errors})
def run_create(request: HttpRequest, response: HttpResponse, payload: RunIn) -> Status[RunOut]:
    """Queue a run over the given lists; it starts once queued (a worker, or a thread of the
    web process). 202 with the run and its URL (also in ``Location``): follow its status."""
    actor = request_actor(request)
    require(actor, Capability.RUN_ENROLMENT_CONTROL)
    wanted = set(payload.lists)
    lists = list(SubmittedList.objects.filter(pk__in=wanted).order_by("pk"))
    missing = sorted(wanted - {x.pk for x in lists})
    if missing:
        unknown = "Liste inconnue" if len(missing) == 1 else "Listes inconnues"
        raise ValidationError(f"{unknown} : {', '.join(map(str, missing))}.")
    run = control.queue_control(
        actor=actor, lists=lists, threshold=payload.threshold, review_floor=payload.review_floor
    )
    control.launch(run)
    out = _run_out(_run(run.pk))
    response["Location"] = out.url
    return Status(202, out)


@router.get(
    "/runs/{run_id}",
    response={200: RunDetailOut, 403: Message, 404: Message, 422: Errors},
    url_name="enrolment_control_run",
)
def run_detail(request: HttpRequest, run_id: int = RUN_ID) -> RunDetailOut:
    """A run: its status (an error if it failed), its pairs by band and what the decisions
    taken say of the model."""
    require(request_actor(request), Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    run = _run(run_id)
    measures = review.measures(run)
    return RunDetailOut(
        **_run_out(run).dict(),
        measures=MeasuresOut(
            links_confirmed=measures.links_confirmed, links_refuted=measures.links_refuted,
            review_same=measures.review_same, review_different=measures.review_different,
            link_precision=measures.link_precision,
        ),
    )  # fmt: skip


# --- Pairs and decisions ----------------------------------------------------------------------


class PairDecisionOut(Schema):
    id: int
    same_person: bool
    note: str
    probability: float = Field(..., description="probabilité donnée par le modèle")
    body_a: str
    record_a: str
    body_b: str
    record_b: str
    decided_by: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


def _decision_out(decision: ReviewDecision) -> PairDecisionOut:
    return PairDecisionOut(
        id=decision.pk, same_person=decision.same_person, note=decision.note,
        probability=decision.probability, body_a=decision.body_a.code,
        record_a=decision.record_a, body_b=decision.body_b.code, record_b=decision.record_b,
        decided_by=decision.decided_by.username, created_at=decision.created_at,
        updated_at=decision.updated_at,
    )  # fmt: skip


class PairOut(Schema):
    id: int
    run: int
    a: RecordOut
    b: RecordOut
    probability: float
    band: str = Field(..., description="link ou review")
    cluster: str = Field(..., description="groupe de la personne (liens seulement)")
    decision: PairDecisionOut | None


class PairPage(Schema):
    items: list[PairOut]
    count: int


class PairDecisionIn(Schema):
    same_person: bool
    note: str = Field("", max_length=2000, pattern=NO_NUL,
                      description="requise quand ce sont deux personnes")  # fmt: skip


RECORD = ("submitted_list__organisation", "submitted_list__regime")


def _pairs() -> QuerySet[CandidatePair]:
    return CandidatePair.objects.select_related(
        *(f"entry_{side}__{path}" for side in "ab" for path in RECORD),
        "decision__body_a", "decision__body_b", "decision__decided_by",
    )  # fmt: skip


def _pair_out(pair: CandidatePair) -> PairOut:
    decision = _decision_out(pair.decision) if pair.decision else None
    return PairOut(
        id=pair.pk, run=pair.run_id, a=record_out(pair.entry_a), b=record_out(pair.entry_b),
        probability=pair.probability, band=pair.band, cluster=pair.cluster, decision=decision,
    )  # fmt: skip


@router.get(
    "/runs/{run_id}/pairs", response={200: PairPage, 403: Message, 404: Message, 422: Errors}
)
def pair_index(
    request: HttpRequest,
    response: HttpResponse,
    run_id: int = RUN_ID,
    band: CandidatePair.Band | None = None,
    decided: bool | None = Query(None, description="vrai : décidées ; faux : à décider"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> PairPage:
    """A run's pairs, most probable first, with both records side by side (the control
    officer's review queue: ``band=review&decided=false``). The records shown are logged."""
    actor = request_actor(request)
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    run = _run(run_id)
    pairs = _pairs().filter(run=run)
    if band:
        pairs = pairs.filter(band=band)
    if decided is not None:
        pairs = pairs.filter(decision__isnull=not decided)
    page = list(pairs.order_by("-probability", "pk")[offset : offset + limit])
    query = f"run={run.pk} band={band or ''} decided={'' if decided is None else decided}"
    log_records_shown(actor, (e for p in page for e in (p.entry_a, p.entry_b)), query)
    add_never_cache_headers(response)
    return PairPage(items=[_pair_out(p) for p in page], count=pairs.count())


@router.post(
    "/pairs/{pair_id}/decision",
    response={200: PairDecisionOut, 403: Message, 404: Message, 422: Errors},
)
def pair_decide(
    request: HttpRequest, payload: PairDecisionIn, pair_id: int = Path(..., ge=1, le=MAX_ID)
) -> PairDecisionOut:
    """Decide (or change the decision on) a pair's two records: the same person (the bodies
    concerned are notified) or two people (with what tells them apart; their pending notices
    are withdrawn). The decision holds for the same records in later runs."""
    actor = request_actor(request)
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    pair = _pairs().select_related("run").filter(pk=pair_id).first()
    if pair is None:
        raise HttpError(404, "Paire introuvable.")
    decision = review.decide(
        actor=actor, pair=pair, same_person=payload.same_person, note=payload.note
    )
    return _decision_out(decision)


# --- Report and notices -----------------------------------------------------------------------


class RegimePairOut(Schema):
    regime_1: str
    regime_2: str
    count: int


class RegionCountOut(Schema):
    region: str = Field(..., description="« — » : commune inconnue")
    count: int


class ReportOut(Schema):
    run: int
    status: str
    total: int = Field(..., description="doubles immatriculations confirmées")
    by_regimes: list[RegimePairOut]
    by_region: list[RegionCountOut]
    settled_by_rule: int
    to_decide: int
    enrolments_avoided: int
    cards_avoided: int | None = Field(..., description="vide : les listes ne donnent pas de carte")


class CreatedOut(Schema):
    created: int = Field(..., description="signalements écrits (les autres l'étaient déjà)")


@router.get(
    "/runs/{run_id}/report", response={200: ReportOut, 403: Message, 404: Message, 422: Errors}
)
def run_report(request: HttpRequest, run_id: int = RUN_ID) -> ReportOut:
    """The run's confirmed double enrolments by pair of regimes and by region, those a rule
    settles and those left to decide, the enrolments and cards avoided (counts, no person)."""
    require(request_actor(request), Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    run = _run(run_id)
    report = reports.conflict_report(run)
    return ReportOut(
        run=run.pk, status=run.status, total=report.total,
        by_regimes=[RegimePairOut(regime_1=a, regime_2=b, count=n)
                    for a, b, n in report.by_regimes],
        by_region=[RegionCountOut(region=r, count=n) for r, n in report.by_region],
        settled_by_rule=report.settled_by_rule, to_decide=report.to_decide,
        enrolments_avoided=report.enrolments_avoided, cards_avoided=report.cards_avoided,
    )  # fmt: skip


CSV_DOC = {
    "responses": {
        200: {
            "description": "Le rapport en CSV (UTF-8 avec BOM, « ; »)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


@router.get(
    "/runs/{run_id}/report.csv",
    response={403: Message, 404: Message, 422: Errors},
    openapi_extra=CSV_DOC,
)
def run_report_csv(request: HttpRequest, run_id: int = RUN_ID) -> HttpResponse:
    """The report as a CSV attachment (a spreadsheet opens it)."""
    require(request_actor(request), Capability.VIEW_ENROLMENT_CONTROL_REPORTS)
    run = _run(run_id)
    response = HttpResponse(reports.report_csv(run), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="controle-{run.pk}.csv"'
    return response


@router.post(
    "/runs/{run_id}/notify", response={200: CreatedOut, 403: Message, 404: Message, 422: Errors}
)
def run_notify(request: HttpRequest, run_id: int = RUN_ID) -> CreatedOut:
    """Notify the bodies of every confirmed double enrolment of a finished run not yet
    notified (one notice per body and pair of records; notifying again writes nothing)."""
    actor = request_actor(request)
    require(actor, Capability.REVIEW_DOUBLE_ENROLMENT)
    return CreatedOut(created=notify.notify_run(actor=actor, run=_run(run_id)))
