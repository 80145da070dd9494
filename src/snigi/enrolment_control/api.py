"""REST endpoints of the double-enrolment control (under /api/v1/enrolment-control/): the lists
the bodies send (a fund agent its own body's, ANAM any body's) and the notices a body receives
of a confirmed double enrolment, with what it did. Control runs, pairs, decisions and reports
are in ``api_runs``. Every record of a person shown is logged (``record_list_access``)."""

from __future__ import annotations

import datetime
import hashlib
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from snigi.core.audit import record_list_access
from snigi.core.models import Organisation, Regime, User
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require, scope_for
from snigi.enrolment_control import intake, notify
from snigi.enrolment_control.models import ListEntry, Notice, SubmittedList

router = Router(tags=["double immatriculation – listes et signalements"])

MAX_ID = 2**63 - 1
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
FORMATS = (".csv", ".txt", ".tsv", ".xml", ".parquet", ".pq")


# --- Shared schemas (also used by ``api_runs``) -----------------------------------------------


class Message(Schema):
    detail: str


class Errors(Schema):
    """A refusal: the services' messages (French), or the fields refused by validation."""

    detail: list[str | dict[str, Any]]


class RecordOut(Schema):
    """One row of a list, as the body wrote it."""

    id: int
    list_id: int
    body: str = Field(..., description="code de l'organisme qui a envoyé la liste")
    regime: str | None
    kind: str
    line: int
    record_id: str
    cnie: str
    first_name: str
    last_name: str
    birth_date: str = Field(..., description="telle qu'écrite par l'organisme")
    sex: str
    commune: str


def record_out(entry: ListEntry) -> RecordOut:
    submitted = entry.submitted_list
    return RecordOut(
        id=entry.pk, list_id=submitted.pk, body=submitted.organisation.code,
        regime=submitted.regime.code if submitted.regime else None, kind=submitted.kind,
        line=entry.line, record_id=entry.record_id, cnie=entry.cnie,
        first_name=entry.first_name, last_name=entry.last_name, birth_date=entry.birth_date,
        sex=entry.sex, commune=entry.commune,
    )  # fmt: skip


def log_records_shown(actor: User, entries: Iterable[ListEntry], query: str) -> None:
    """One ACCESS entry per distinct row shown (law 09-08)."""
    shown = {entry.pk: entry for entry in entries}
    record_list_access(shown.values(), actor=actor, query=query)


# --- Lists ------------------------------------------------------------------------------------


class ListOut(Schema):
    id: int
    body: str = Field(..., description="code de l'organisme")
    regime: str | None
    kind: str
    situation_date: datetime.date
    file_name: str
    file_format: str
    sha256: str
    rows: int
    received_by: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_body(obj: SubmittedList) -> str:
        return obj.organisation.code

    @staticmethod
    def resolve_regime(obj: SubmittedList) -> str | None:
        return obj.regime.code if obj.regime else None

    @staticmethod
    def resolve_received_by(obj: SubmittedList) -> str:
        return obj.received_by.username


class ListPage(Schema):
    items: list[ListOut]
    count: int


class ListIn(Schema):
    body: str = Field(..., max_length=20, pattern=NO_NUL, description="code de l'organisme")
    kind: SubmittedList.Kind
    situation_date: datetime.date = Field(..., description="date de situation (AAAA-MM-JJ)")
    regime: str = Field("", max_length=30, pattern=NO_NUL, description="code du régime")
    dry_run: bool = Field(False, description="essai à blanc : rien n'est enregistré")


class RefusalOut(Schema):
    line: int = Field(..., description="ligne du fichier (1 : l'en-tête)")
    record_id: str
    reason: str


class IntakeOut(Schema):
    rows: int
    new: int
    present: int = Field(..., description="lignes déjà reçues (le même fichier renvoyé)")
    refused: list[RefusalOut]
    ignored_columns: list[str]
    dry_run: bool
    list_id: int | None = Field(..., description="la liste enregistrée (ou déjà reçue)")
    summary: str


class IntakeRefusedOut(Errors):
    """422: the refused rows (nothing written), or the fields refused by validation (then the
    report's fields are empty)."""

    rows: int | None = None
    new: int | None = None
    present: int | None = None
    refused: list[RefusalOut] = Field(default_factory=list)
    ignored_columns: list[str] = Field(default_factory=list)
    dry_run: bool | None = None
    list_id: int | None = None


def lists_for(actor: User) -> QuerySet[SubmittedList]:
    """The lists ``actor`` may see: its own body's (and its mutuals') for a fund agent, all for
    ANAM."""
    require(actor, Capability.SUBMIT_ENROLMENT_LISTS)
    scope = scope_for(actor)
    lists = SubmittedList.objects.select_related("organisation", "regime", "received_by")
    return lists if scope.national else lists.filter(organisation__in=scope.organisation_ids)


@router.get("/lists", response={200: ListPage, 403: Message, 422: Errors})
def list_index(
    request: HttpRequest,
    body: str = Query("", max_length=20, pattern=NO_NUL, description="code de l'organisme"),
    kind: SubmittedList.Kind | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> dict[str, Any]:
    """The lists received, latest situation date first: a fund agent sees its own body's, ANAM
    every body's."""
    lists = lists_for(request_actor(request))
    if body:
        lists = lists.filter(organisation__code=body)
    if kind:
        lists = lists.filter(kind=kind)
    items = list(lists.order_by("-situation_date", "pk")[offset : offset + limit])
    return {"items": items, "count": lists.count()}  # ListPage, read from the lists


@router.get("/lists/{list_id}", response={200: ListOut, 403: Message, 404: Message, 422: Errors})
def list_detail(request: HttpRequest, list_id: int = Path(..., ge=1, le=MAX_ID)) -> SubmittedList:
    submitted = lists_for(request_actor(request)).filter(pk=list_id).first()
    if submitted is None:
        raise HttpError(404, "Liste introuvable ou hors de votre périmètre.")
    return submitted


def _saved_name(upload: UploadedFile) -> str:
    """The upload's own name, made safe for a path (its extension says its format)."""
    name = FilePath((upload.name or "").replace("\\", "/")).name
    suffix = FilePath(name).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix[:12] or "—"
        raise HttpError(
            400,
            f"Format de fichier non pris en charge « {shown} » : CSV (.csv, .txt, .tsv), "
            "XML (.xml) ou Parquet (.parquet).",
        )
    stem = re.sub(r"[^\w.-]+", "_", FilePath(name).stem)[:200].strip("._") or "liste"
    return stem + suffix


NUL_REFUSED = "Le fichier contient un caractère NUL (0x00) : rien n'est enregistré."


def _save(upload: UploadedFile, work: FilePath) -> tuple[FilePath, str]:
    """The upload written under ``work`` (a fixed name: the body's may be long or in any
    script; it is kept with the list); its SHA-256. A text file holding a
    NUL is refused (PostgreSQL could not keep the value; a UTF-8 text has none)."""
    path, digest = work / f"liste{FilePath(_saved_name(upload)).suffix}", hashlib.sha256()
    text = path.suffix not in (".parquet", ".pq")
    with path.open("wb") as out:
        for chunk in upload.chunks():
            if text and b"\x00" in chunk:
                raise HttpError(400, NUL_REFUSED)
            out.write(chunk)
            digest.update(chunk)
    return path, digest.hexdigest()


def _intake_out(report: intake.IntakeReport) -> IntakeOut:
    return IntakeOut(
        rows=report.rows, new=report.new, present=report.present,
        refused=[RefusalOut(line=r.line, record_id=r.record_id, reason=r.reason)
                 for r in report.refused],
        ignored_columns=report.ignored_columns, dry_run=report.dry_run,
        list_id=report.submitted_list.pk if report.submitted_list else None,
        summary=report.summary(),
    )  # fmt: skip


def _lookup(model: type[Organisation] | type[Regime], code: str, what: str) -> Any:
    found = model.objects.filter(code=code).first()
    if found is None:
        raise ValidationError(f"{what} inconnu : {code}.")
    return found


@router.post(
    "/lists",
    response={200: IntakeOut, 201: IntakeOut, 400: Message, 403: Message, 422: IntakeRefusedOut},
)
def list_receive(
    request: HttpRequest, payload: Form[ListIn], file: File[UploadedFile]
) -> Status[Any]:
    """Receive one list (multipart): CSV, XML or Parquet, by its extension. 201 when written;
    200 for a dry run or a file already received (nothing written, every row "already
    present"); 422 with every refused row when one row is refused (nothing written); 400 for a
    file that cannot be read or lacks a column, or another file for the same body, kind and
    date; 403 for another body's list (a fund agent sends its own body's)."""
    actor = request_actor(request)
    require(actor, Capability.SUBMIT_ENROLMENT_LISTS)
    organisation = _lookup(Organisation, payload.body, "organisme")
    regime = _lookup(Regime, payload.regime, "régime") if payload.regime else None
    with tempfile.TemporaryDirectory(prefix="snigi-upload-") as work:
        path, digest = _save(file, FilePath(work))
        known = SubmittedList.objects.filter(organisation=organisation, sha256=digest).exists()
        try:
            report = intake.receive_list(
                actor=actor, path=path, organisation=organisation, kind=payload.kind.value,
                situation_date=payload.situation_date, regime=regime, dry_run=payload.dry_run,
                file_name=_saved_name(file),
            )  # fmt: skip
        except ValidationError as exc:
            raise HttpError(400, " ".join(exc.messages)) from None
        except DataError:  # a NUL in a Parquet value: PostgreSQL refuses it, nothing written
            raise HttpError(400, NUL_REFUSED) from None
    out = _intake_out(report)
    if report.refused:
        return Status(422, IntakeRefusedOut(detail=[out.summary], **out.dict(exclude={"summary"})))
    written = not report.dry_run and not known and report.submitted_list is not None
    return Status(201 if written else 200, out)


# --- Notices to the bodies --------------------------------------------------------------------


class NoticeOut(Schema):
    id: int
    body: str = Field(..., description="l'organisme signalé")
    run: int
    record: RecordOut = Field(..., description="l'enregistrement de cet organisme")
    other: RecordOut = Field(..., description="l'autre enregistrement de la même personne")
    probability: float
    gives_way: bool | None = Field(..., description="vrai : cette immatriculation cède ; "
                                   "vide : à trancher")  # fmt: skip
    basis: str
    message: str
    outcome: str
    outcome_note: str
    outcome_by: str | None
    outcome_at: datetime.datetime | None
    created_at: datetime.datetime


class NoticePage(Schema):
    items: list[NoticeOut]
    count: int


class OutcomeIn(Schema):
    outcome: str = Field(..., max_length=20, pattern=NO_NUL,
                         description="closed, kept ou contested")  # fmt: skip
    note: str = Field("", max_length=2000, pattern=NO_NUL,
                      description="requise pour kept et contested")  # fmt: skip


def notice_out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        id=notice.pk, body=notice.organisation.code, run=notice.run_id,
        record=record_out(notice.entry), other=record_out(notice.other),
        probability=notice.probability, gives_way=notice.gives_way, basis=notice.basis,
        message=notice.message, outcome=notice.outcome, outcome_note=notice.outcome_note,
        outcome_by=notice.outcome_by.username if notice.outcome_by else None,
        outcome_at=notice.outcome_at, created_at=notice.created_at,
    )  # fmt: skip


@router.get("/notices", response={200: NoticePage, 403: Message, 422: Errors})
def notice_index(
    request: HttpRequest,
    response: HttpResponse,
    outcome: Notice.Outcome | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10**12),
) -> NoticePage:
    """The double enrolments notified: a fund agent's body's own, all of them for ANAM's
    control officers; the records shown are logged."""
    actor = request_actor(request)
    notices = notify.notices_for(actor).select_related("entry__submitted_list__organisation")
    if outcome:
        notices = notices.filter(outcome=outcome)
    page = list(notices.order_by("-created_at", "-pk")[offset : offset + limit])
    log_records_shown(actor, (e for n in page for e in (n.entry, n.other)),
                      f"notices outcome={outcome or ''}")  # fmt: skip
    add_never_cache_headers(response)
    return NoticePage(items=[notice_out(n) for n in page], count=notices.count())


@router.post(
    "/notices/{notice_id}/outcome",
    response={200: NoticeOut, 403: Message, 404: Message, 422: Errors},
)
def notice_outcome(
    request: HttpRequest, payload: OutcomeIn, notice_id: int = Path(..., ge=1, le=MAX_ID)
) -> NoticeOut:
    """What the body did: closed its enrolment, kept it or contested (two different people),
    with the reason for the last two. 404 for a notice outside the caller's scope."""
    actor = request_actor(request)
    notice = (
        notify.notices_for(actor)
        .select_related("entry__submitted_list__organisation")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise HttpError(404, "Signalement introuvable ou hors de votre périmètre.")
    notice = notify.record_outcome(
        actor=actor, notice=notice, outcome=payload.outcome, note=payload.note
    )
    log_records_shown(actor, (notice.entry, notice.other), f"notice={notice.pk}")
    return notice_out(notice)
