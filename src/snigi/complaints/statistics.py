"""Statistics of e-réclamations over a period of receipt dates, from the records, laid out like
ANAM's report on complaints and arbitration (seed 002, V–VI) and its activity report (seed 001,
2.5): files received per month, shares by requester type and by nature (group, then detail),
the cross-table nature group × decision, incomplete files by requester type, referrals by body ×
answered, and the average processing delay.

Every figure comes from grouped queries in the database (``GROUP BY``), whatever the number of
files: one scan of the period's files by requester type, nature and decision (with the pending
ones and the sum of the delays), one by day of receipt, one of the referrals by body, plus the
natures and the bodies referred to (a few dozen rows). The period is the files' receipt dates,
both ends included; a file's figures are its current state (its latest decision; a referral
answered by now counts as answered).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, Func, IntegerField, Max, Min, Q, QuerySet, Sum
from django.db.models.sql.compiler import SQLCompiler
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from snigi.complaints.models import (
    Complaint,
    Decision,
    Nature,
    NatureGroup,
    Referral,
    RequesterType,
    Status,
)
from snigi.core.models import Organisation, User
from snigi.core.roles import Capability
from snigi.core.scoping import require

MAX_YEARS = 10  # the longest period a report covers
UNQUALIFIED = ""  # the code of "no nature yet" and of "no decision yet"
# The decisions as the rows of seed 002, VI.1 (its order first), then files not decided yet.
DECISION_ROWS: tuple[str, ...] = (
    Decision.UNFAVOURABLE, Decision.INCOMPLETE, Decision.REFERRAL, Decision.FAVOURABLE,
    Decision.COMMISSIONS, Decision.EXPERTISE, Decision.TRANSPARENCY, Decision.CLASSIFIED,
    Decision.SUSPENSION,
)  # fmt: skip
UNDECIDED_LABEL = _("Sans décision (en cours de traitement)")
UNQUALIFIED_LABEL = _("Nature non encore saisie")
# The rows of the seed's table of incomplete files: requester types gathered as it does.
INCOMPLETE_ROWS: tuple[tuple[str, Promise, frozenset[str]], ...] = (
    ("insured", _("Assuré"), frozenset({RequesterType.INSURED})),
    ("fund", _("OG (organisme gestionnaire)"), frozenset({RequesterType.FUND})),
    ("professional", _("Professionnels de santé"), frozenset({RequesterType.PROFESSIONAL})),
    ("others", _("Autres"), frozenset({RequesterType.LEARNED_SOCIETY, RequesterType.MINISTRY,
                                       RequesterType.ASSOCIATION, RequesterType.OTHER})),
)  # fmt: skip


class PeriodError(ValueError):
    """The period cannot be reported on; the message says why, in French."""


def check_period(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise PeriodError(
            f"La date de fin ({end:%d/%m/%Y}) précède la date de début ({start:%d/%m/%Y})."
        )
    if end >= start + relativedelta(years=MAX_YEARS):
        raise PeriodError(
            f"La période couvre au plus {MAX_YEARS} ans (du {start:%d/%m/%Y} au "
            f"{start + relativedelta(years=MAX_YEARS, days=-1):%d/%m/%Y} au plus tard)."
        )


@dataclass(frozen=True)
class Localised:
    """A name held in the records in several languages, shown in the current one."""

    fr: str
    ar: str = ""
    en: str = ""

    def __str__(self) -> str:
        language = get_language() or "fr"
        if language.startswith("ar") and self.ar:
            return self.ar
        if language.startswith("en") and self.en:
            return self.en
        return self.fr


Label = str | Promise | Localised


def share(count: int, total: int) -> float:
    """``count`` as a percentage of ``total``, to one decimal (0 when there is nothing)."""
    return round(100 * count / total, 1) if total else 0.0


@dataclass(frozen=True)
class Line:
    """A row of a count table: a code, its label, the number of files and their share."""

    code: str
    label: Label
    count: int
    share: float  # percent of the table's total


@dataclass(frozen=True)
class NatureLine(Line):
    group: str


@dataclass(frozen=True)
class MonthLine:
    month: datetime.date  # the first day of the month
    count: int


@dataclass(frozen=True)
class CrossRow:
    code: str  # a decision ("" when none yet)
    label: Label
    counts: list[int]  # one per column of the table
    total: int


@dataclass(frozen=True)
class CrossTable:
    """Seed 002, VI.1: decisions as rows, nature groups as columns, with their totals."""

    columns: list[tuple[str, Label]]  # the nature groups ("" : nature not entered yet)
    rows: list[CrossRow]
    column_totals: list[int]
    total: int


@dataclass(frozen=True)
class IncompleteLine:
    code: str
    label: Label
    count: int  # files whose decision is "incomplete file"
    awaiting: int  # of which still waiting for the missing pieces (status pending)


@dataclass(frozen=True)
class ReferralLine:
    code: str  # the body's organisation code
    label: Label
    referred: int
    answered: int

    @property
    def unanswered(self) -> int:
        return self.referred - self.answered


@dataclass(frozen=True)
class Referrals:
    """Referrals ("attributions") by body: a file referred to two bodies counts for each (the
    seed's NB), so ``referred`` may exceed ``files``."""

    lines: list[ReferralLine]
    files: int
    referred: int
    answered: int

    @property
    def unanswered(self) -> int:
        return self.referred - self.answered


@dataclass(frozen=True)
class DelayLine:
    code: str
    label: Label
    files: int  # files with a decision date
    average_days: float | None  # mean of (decision date − receipt date), None without files


@dataclass(frozen=True)
class Delays:
    groups: list[DelayLine]
    natures: list[DelayLine]
    overall: DelayLine


@dataclass(frozen=True)
class Cell:
    files: int
    pending: int  # of which with the status "pending" (waiting for someone else)
    decided: int  # of which with a decision date
    days: int  # the sum of their delays (decision date − receipt date), in days


Key = tuple[str, int | None, str]  # requester type, nature id, decision


@dataclass(frozen=True)
class Breakdown:
    """The files counted by requester type, nature and decision, with how many are pending
    and the delays of those decided: one grouped query, the base of every section but the
    months and the referrals (a few hundred groups, whatever the number of files)."""

    cells: dict[Key, Cell]
    natures: dict[int, Nature]

    @property
    def total(self) -> int:
        return sum(cell.files for cell in self.cells.values())

    def group_of(self, nature_id: int | None) -> str:
        return self.natures[nature_id].group if nature_id in self.natures else UNQUALIFIED

    def files_by(self, part: Callable[[Key], object]) -> dict[object, int]:
        counts: dict[object, int] = defaultdict(int)
        for key, cell in self.cells.items():
            counts[part(key)] += cell.files
        return counts


@dataclass(frozen=True)
class ComplaintReport:
    start: datetime.date
    end: datetime.date
    total: int
    decided: int
    monthly: list[MonthLine]
    requesters: list[Line]
    groups: list[Line]
    natures: list[NatureLine]
    cross: CrossTable
    incomplete: list[IncompleteLine]
    referrals: Referrals
    delays: Delays

    @property
    def undecided(self) -> int:
        return self.total - self.decided


# --- The queries ------------------------------------------------------------------------------


def received_between(start: datetime.date, end: datetime.date) -> QuerySet[Complaint]:
    """The files received in the period, unordered (a grouped query must not sort by a column
    it does not group)."""
    return Complaint.objects.filter(received_on__range=(start, end)).order_by()


def _natures() -> dict[int, Nature]:
    return {nature.pk: nature for nature in Nature.objects.all()}


def _nature_label(nature: Nature) -> Localised:
    return Localised(nature.name_fr, nature.name_ar, nature.name_en)


def _group_columns() -> list[tuple[str, Label]]:
    return [*NatureGroup.choices, (UNQUALIFIED, UNQUALIFIED_LABEL)]


def monthly(
    files: QuerySet[Complaint], start: datetime.date, end: datetime.date
) -> list[MonthLine]:
    """Files received per month, every month of the period (none received: 0). Counted by day
    of receipt — a walk of the index on ``received_on``, no row read, at most 3,653 days in ten
    years — then added up by month here: three times faster on PostgreSQL than truncating each
    row's date to its month in the query (``TruncMonth``, which also reads the rows)."""
    counts: dict[datetime.date, int] = defaultdict(int)
    for day, n in files.values_list("received_on").annotate(n=Count("*")).order_by():
        counts[day.replace(day=1)] += n
    lines, month = [], start.replace(day=1)
    while month <= end:
        lines.append(MonthLine(month, counts.get(month, 0)))
        month += relativedelta(months=1)
    return lines


class DaysBetween(Func):
    """``end − start`` in days between two dates (an integer on PostgreSQL, a difference of
    Julian days on SQLite): cheaper to sum than the interval Django makes of a subtraction."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, end: str, start: str) -> None:
        super().__init__(F(end), F(start))

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[Any, ...]]:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def breakdown(files: QuerySet[Complaint]) -> Breakdown:
    rows = (
        files.values_list("requester_type", "nature_id", "decision")
        .annotate(
            n=Count("*"),
            pending=Count("status", filter=Q(status=Status.PENDING)),
            decided=Count("decision_on"),
            days=Sum(DaysBetween("decision_on", "received_on")),
        )
        .order_by()
    )
    cells = {
        (requester, nature, decision): Cell(n, pending, decided, days or 0)
        for requester, nature, decision, n, pending, decided, days in rows
    }
    return Breakdown(cells, _natures())


def by_requester(base: Breakdown) -> list[Line]:
    """Share of the files by requester type (every type, 0 included)."""
    counts, total = base.files_by(lambda key: key[0]), base.total
    return [
        Line(code, label, counts[code], share(counts[code], total))
        for code, label in RequesterType.choices
    ]


def by_group(base: Breakdown) -> list[Line]:
    """Share of the files by nature group: the columns of the seed's tables."""
    counts, total = base.files_by(lambda key: base.group_of(key[1])), base.total
    return [
        Line(code, label, counts[code], share(counts[code], total))
        for code, label in _group_columns()
        if code != UNQUALIFIED or counts[code]
    ]


def by_nature(base: Breakdown) -> list[NatureLine]:
    """The detail by nature, in the natures' order (natures with files, or still active)."""
    counts, total = base.files_by(lambda key: key[1]), base.total
    lines = [
        NatureLine(nature.code, _nature_label(nature), counts[nature.pk],
                   share(counts[nature.pk], total), nature.group)
        for nature in base.natures.values()
        if nature.active or counts[nature.pk]
    ]  # fmt: skip
    if counts[None]:
        lines.append(
            NatureLine(UNQUALIFIED, UNQUALIFIED_LABEL, counts[None],
                       share(counts[None], total), UNQUALIFIED)
        )  # fmt: skip
    return lines


def cross_table(base: Breakdown) -> CrossTable:
    """Decision × nature group, with row and column totals ("Total des dossiers")."""
    columns = _group_columns()
    index = {code: i for i, (code, _label) in enumerate(columns)}
    cells: dict[str, list[int]] = {code: [0] * len(columns) for code in DECISION_ROWS}
    cells[UNQUALIFIED] = [0] * len(columns)
    for (_requester, nature_id, decision), cell in base.cells.items():
        row = cells.setdefault(decision, [0] * len(columns))
        row[index[base.group_of(nature_id)]] += cell.files
    labels = dict(Decision.choices) | {UNQUALIFIED: UNDECIDED_LABEL}
    rows = [
        CrossRow(code, labels.get(code, code), counts, sum(counts))
        for code, counts in cells.items()
    ]
    totals = [sum(row.counts[i] for row in rows) for i in range(len(columns))]
    return CrossTable(columns, rows, totals, sum(totals))


def incomplete_by_requester(base: Breakdown) -> list[IncompleteLine]:
    """Files whose decision is "incomplete", by requester (the seed's four rows), and how many
    still wait for their missing pieces (status pending)."""
    incomplete = [
        (requester, cell)
        for (requester, _nature, decision), cell in base.cells.items()
        if decision == Decision.INCOMPLETE
    ]
    lines = []
    for code, label, types in INCOMPLETE_ROWS:
        cells = [cell for requester, cell in incomplete if requester in types]
        lines.append(IncompleteLine(code, label, sum(c.files for c in cells),
                                    sum(c.pending for c in cells)))  # fmt: skip
    return lines


def referrals_by_body(
    start: datetime.date, end: datetime.date, files: int | None = None
) -> Referrals:
    """Referrals of the period's files by body, answered (by now) or not. ``files``: how many
    files were referred, when already known — the files whose decision is "Attribution", as the
    seed counts them (a referral is made by that decision only); else counted here. When the
    period holds every file on record (read from the index on ``received_on``), the referrals
    are counted without joining their files."""
    span = Complaint.objects.aggregate(first=Min("received_on"), last=Max("received_on"))
    referrals = Referral.objects.order_by()
    if span["first"] is not None and not (start <= span["first"] and span["last"] <= end):
        referrals = referrals.filter(complaint__received_on__range=(start, end))
    rows = list(
        referrals.values_list("body_id")
        .annotate(n=Count("pk"), answered=Count("pk", filter=Q(answered_on__isnull=False)))
        .order_by()
    )
    bodies = {o.pk: o for o in Organisation.objects.filter(pk__in=[r[0] for r in rows])}
    lines = sorted(
        (
            ReferralLine(bodies[body].code, Localised(bodies[body].name_fr, bodies[body].name_ar),
                         n, answered)
            for body, n, answered in rows
        ),
        key=lambda line: (-line.referred, line.code),
    )  # fmt: skip
    if files is None:
        files = referrals.aggregate(files=Count("complaint_id", distinct=True))["files"]
    return Referrals(
        lines, files, sum(line.referred for line in lines), sum(line.answered for line in lines)
    )


def _delay_line(code: str, label: Label, cells: Iterable[Cell]) -> DelayLine:
    files, days = 0, 0.0
    for cell in cells:
        files, days = files + cell.decided, days + cell.days
    return DelayLine(code, label, files, round(days / files, 2) if files else None)


def delays(base: Breakdown) -> Delays:
    """Average processing delay in calendar days (decision date − receipt date) of the files
    decided, by nature group, by nature and overall, with how many files each covers."""
    by_nature: dict[int | None, list[Cell]] = defaultdict(list)
    for key, cell in base.cells.items():
        if cell.decided:
            by_nature[key[1]].append(cell)
    by_group: dict[str, list[Cell]] = defaultdict(list)
    for nature_id, cells in by_nature.items():
        by_group[base.group_of(nature_id)].extend(cells)
    groups = [
        _delay_line(code, label, by_group[code])
        for code, label in _group_columns()
        if code != UNQUALIFIED or by_group[code]
    ]
    detail = [
        _delay_line(nature.code, _nature_label(nature), by_nature[nature.pk])
        for nature in base.natures.values()
        if nature.pk in by_nature
    ]
    overall = _delay_line("total", _("Total général"), [c for v in by_nature.values() for c in v])
    return Delays(groups, detail, overall)


def complaint_report(*, actor: User, start: datetime.date, end: datetime.date) -> ComplaintReport:
    """The whole report over the files received from ``start`` to ``end`` (both included), for
    an actor whose role may see the statistics; ``PeriodError`` for an impossible period."""
    require(actor, Capability.VIEW_COMPLAINT_STATISTICS)
    return build_report(start, end)


def _row_total(cross: CrossTable, decision: str) -> int:
    return next(row.total for row in cross.rows if row.code == decision)


def build_report(start: datetime.date, end: datetime.date) -> ComplaintReport:
    check_period(start, end)
    files = received_between(start, end)
    base = breakdown(files)
    cross = cross_table(base)
    undecided = _row_total(cross, UNQUALIFIED)
    return ComplaintReport(
        start=start,
        end=end,
        total=base.total,
        decided=base.total - undecided,
        monthly=monthly(files, start, end),
        requesters=by_requester(base),
        groups=by_group(base),
        natures=by_nature(base),
        cross=cross,
        incomplete=incomplete_by_requester(base),
        referrals=referrals_by_body(start, end, files=_row_total(cross, Decision.REFERRAL)),
        delays=delays(base),
    )
