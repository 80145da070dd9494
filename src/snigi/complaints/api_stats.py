"""REST endpoints of e-réclamations: statistics (under /api/v1/complaints/).

``GET /stats?from=YYYY-MM-DD&to=YYYY-MM-DD``: the report of ``statistics.complaint_report``
over the files received in the period, labels in French (the language of the seed's tables),
codes beside them for programs.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Field, Query, Router, Schema, Status

from snigi.complaints import statistics
from snigi.complaints.statistics import ComplaintReport, Line
from snigi.core.roles import Capability
from snigi.core.scoping import request_actor, require

router = Router(tags=["complaints"])


class StatsRefusal(Schema):
    detail: str


class CountOut(Schema):
    code: str
    label: str
    count: int
    share: float = Field(..., description="part du total, en pourcentage (une décimale)")


class NatureOut(CountOut):
    group: str


class MonthOut(Schema):
    month: str = Field(..., description="AAAA-MM")
    count: int


class ColumnOut(Schema):
    code: str = Field(..., description="groupe de nature ; vide : nature non encore saisie")
    label: str


class CrossRowOut(Schema):
    code: str = Field(..., description="décision ; vide : pas encore de décision")
    label: str
    counts: list[int] = Field(..., description="une valeur par colonne, dans leur ordre")
    total: int


class CrossTableOut(Schema):
    columns: list[ColumnOut]
    rows: list[CrossRowOut]
    column_totals: list[int]
    total: int


class IncompleteOut(Schema):
    code: str
    label: str
    count: int
    awaiting_pieces: int = Field(..., description="dont toujours en attente des pièces")


class ReferralOut(Schema):
    body: str
    label: str
    referred: int
    answered: int
    unanswered: int


class ReferralsOut(Schema):
    bodies: list[ReferralOut]
    files: int = Field(..., description="dossiers distincts soumis pour attribution")
    referred: int = Field(..., description="attributions : un dossier compte pour chaque entité")
    answered: int
    unanswered: int


class DelayOut(Schema):
    code: str
    label: str
    files: int = Field(..., description="dossiers ayant une date de décision")
    average_days: float | None = Field(..., description="moyenne de (décision − réception)")


class DelaysOut(Schema):
    groups: list[DelayOut]
    natures: list[DelayOut]
    overall: DelayOut


class StatsOut(Schema):
    start: datetime.date
    end: datetime.date
    total: int
    decided: int
    undecided: int
    monthly: list[MonthOut]
    requesters: list[CountOut]
    groups: list[CountOut]
    natures: list[NatureOut]
    cross_table: CrossTableOut
    incomplete: list[IncompleteOut]
    referrals: ReferralsOut
    delays: DelaysOut


def _counts(lines: list[Line]) -> list[CountOut]:
    return [CountOut(code=x.code, label=str(x.label), count=x.count, share=x.share) for x in lines]


def stats_out(report: ComplaintReport) -> StatsOut:
    """The report with its labels in French."""
    with translation.override("fr"):
        cross, referrals, delays = report.cross, report.referrals, report.delays
        return StatsOut(
            start=report.start, end=report.end, total=report.total, decided=report.decided,
            undecided=report.undecided,
            monthly=[MonthOut(month=f"{m.month:%Y-%m}", count=m.count) for m in report.monthly],
            requesters=_counts(report.requesters),
            groups=_counts(report.groups),
            natures=[NatureOut(code=n.code, label=str(n.label), count=n.count, share=n.share,
                               group=n.group) for n in report.natures],
            cross_table=CrossTableOut(
                columns=[ColumnOut(code=c, label=str(label)) for c, label in cross.columns],
                rows=[CrossRowOut(code=r.code, label=str(r.label), counts=r.counts,
                                  total=r.total) for r in cross.rows],
                column_totals=cross.column_totals, total=cross.total,
            ),
            incomplete=[IncompleteOut(code=x.code, label=str(x.label), count=x.count,
                                      awaiting_pieces=x.awaiting) for x in report.incomplete],
            referrals=ReferralsOut(
                bodies=[ReferralOut(body=x.code, label=str(x.label), referred=x.referred,
                                    answered=x.answered, unanswered=x.unanswered)
                        for x in referrals.lines],
                files=referrals.files, referred=referrals.referred,
                answered=referrals.answered, unanswered=referrals.unanswered,
            ),
            delays=DelaysOut(
                groups=[_delay(x) for x in delays.groups],
                natures=[_delay(x) for x in delays.natures],
                overall=_delay(delays.overall),
            ),
        )  # fmt: skip


def _delay(line: statistics.DelayLine) -> DelayOut:
    return DelayOut(
        code=line.code, label=str(line.label), files=line.files, average_days=line.average_days
    )


class PeriodRefused(ValueError):
    pass


def _date(value: str | None, name: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        shown = value[:20].encode("unicode_escape").decode("ascii")
        raise PeriodRefused(
            f"Paramètre « {name} » : date invalide « {shown} » (format attendu AAAA-MM-JJ, "
            "par exemple 2012-01-31)."
        ) from None


@router.get(
    "/stats",
    response={200: StatsOut, 403: StatsRefusal, 422: StatsRefusal},
    summary="Statistiques des réclamations sur une période",
)
def complaint_stats(
    request: HttpRequest,
    start: str | None = Query(
        None, alias="from", description="première date de réception (AAAA-MM-JJ) ; par défaut "
        "le 1er janvier de l'année de « to »", example="2012-01-01",
    ),
    end: str | None = Query(
        None, alias="to", description="dernière date de réception (AAAA-MM-JJ), incluse ; par "
        "défaut aujourd'hui", example="2012-12-31",
    ),
) -> Status[StatsOut] | Status[StatsRefusal]:  # fmt: skip
    """Files received from ``from`` to ``to`` (both included, at most 10 years): per month, by
    requester type, by nature (group and detail), nature group × decision with totals,
    incomplete files by requester type, referrals by body × answered, average processing
    delay in days. Needs the right to view the complaints' statistics (403 otherwise)."""
    actor = request_actor(request)
    require(actor, Capability.VIEW_COMPLAINT_STATISTICS)  # 403 before looking at the period
    try:
        last = _date(end, "to") or timezone.localdate()
        first = _date(start, "from") or last.replace(month=1, day=1)
        report = statistics.complaint_report(actor=actor, start=first, end=last)
    except (PeriodRefused, statistics.PeriodError) as exc:
        return Status(422, StatsRefusal(detail=str(exc)))
    return Status(200, stats_out(report))
