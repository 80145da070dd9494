"""The complaints report as tables — the page's, the CSV's and the XLSX's — each with the chart
drawn beside it on the page. Labels are in the active language: the exports are made in French
(``translation.override("fr")``), as the seed's tables are."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils import dateformat, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from snigi.complaints.statistics import ComplaintReport, Line, share

Cell = str | int | float | None


@dataclass(frozen=True)
class Series:
    label: str
    values: list[int | float | None]


@dataclass(frozen=True)
class Chart:
    """What Chart.js draws: ``bar`` (``stacked`` or not), ``doughnut`` or ``line``."""

    kind: str
    labels: list[str]
    series: list[Series]
    stacked: bool = False
    horizontal: bool = False
    unit: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "labels": self.labels,
            "series": [{"label": s.label, "values": s.values} for s in self.series],
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "unit": self.unit,
        }


@dataclass(frozen=True)
class Table:
    key: str  # the table's id on the page, its chart's, and the XLSX sheet's name
    title: str
    header: list[str]
    rows: list[list[Cell]]
    footer: list[list[Cell]] = field(default_factory=list)  # total rows
    chart: Chart | None = None
    note: str = ""

    @property
    def display_rows(self) -> list[list[tuple[str, bool]]]:
        """The rows as shown: each cell's text, and whether it is a number (aligned apart)."""
        return [[(display(cell), not isinstance(cell, str)) for cell in row] for row in self.rows]

    @property
    def display_footer(self) -> list[list[tuple[str, bool]]]:
        return [[(display(cell), not isinstance(cell, str)) for cell in row] for row in self.footer]


def display(cell: Cell) -> str:
    """A cell as shown on the page: numbers in the active language's format."""
    if cell is None:
        return "–"
    if isinstance(cell, float):
        return number_format(cell, 2 if cell != round(cell, 1) else 1)
    if isinstance(cell, int):
        return number_format(cell, force_grouping=True)
    return cell


def _share_table(key: str, title: str, first: str, lines: list[Line], kind: str) -> Table:
    total = sum(line.count for line in lines)
    labels = [str(line.label) for line in lines]
    return Table(
        key, title, [first, _("Nombre de dossiers"), _("Part (%)")],
        [[str(line.label), line.count, line.share] for line in lines],
        [[_("Total"), total, 100.0 if total else 0.0]],
        Chart(kind, labels, [Series(_("Nombre de dossiers"), [line.count for line in lines])]),
    )  # fmt: skip


def report_tables(report: ComplaintReport) -> list[Table]:
    """The report's tables in the seed's order."""
    return [
        _summary(report),
        _monthly(report),
        _share_table("requesters", _("Répartition par type de demandeur"),
                     _("Type de demandeur"), report.requesters, "doughnut"),
        _share_table("groups", _("Répartition par nature de réclamation"),
                     _("Nature de la réclamation"), report.groups, "doughnut"),
        _natures(report),
        _cross(report),
        _incomplete(report),
        _referrals(report),
        *_delays(report),
    ]  # fmt: skip


def _summary(report: ComplaintReport) -> Table:
    rows: list[list[Cell]] = [
        [_("Dossiers reçus"), report.total, 100.0 if report.total else 0.0],
        [_("Dossiers ayant reçu une décision"), report.decided,
         share(report.decided, report.total)],
        [_("Dossiers en instance de traitement (sans décision)"), report.undecided,
         share(report.undecided, report.total)],
    ]  # fmt: skip
    return Table("summary", _("État d'avancement du traitement"),
                 [_("Dossiers"), _("Nombre"), _("Part (%)")], rows)  # fmt: skip


def _monthly(report: ComplaintReport) -> Table:
    months = [dateformat.format(line.month, "F Y") for line in report.monthly]
    counts = [line.count for line in report.monthly]
    return Table(
        "monthly", _("Évolution mensuelle des réclamations reçues"),
        [_("Mois"), _("Dossiers reçus")],
        [[month, n] for month, n in zip(months, counts, strict=True)],
        [[_("Total"), sum(counts)]],
        Chart("bar", months, [Series(_("Dossiers reçus"), list(counts))]),
    )  # fmt: skip


def _natures(report: ComplaintReport) -> Table:
    groups = {line.code: str(line.label) for line in report.groups}
    return Table(
        "natures", _("Détail par nature de réclamation"),
        [_("Nature"), _("Groupe"), _("Nombre de dossiers"), _("Part (%)")],
        [[str(n.label), groups.get(n.group, ""), n.count, n.share] for n in report.natures],
        [[_("Total"), "", report.total, 100.0 if report.total else 0.0]],
    )  # fmt: skip


def _cross(report: ComplaintReport) -> Table:
    cross = report.cross
    columns = [str(label) for _code, label in cross.columns]
    rows: list[list[Cell]] = [[str(r.label), *r.counts, r.total] for r in cross.rows]
    shown = [r for r in cross.rows if r.total]
    chart = Chart("bar", columns, [Series(str(r.label), list(r.counts)) for r in shown],
                  stacked=True)  # fmt: skip
    return Table(
        "cross", _("Répartition des dossiers par nature de réclamation et décision de l'ANAM"),
        [_("Décision de l'ANAM"), *columns, _("Total des dossiers")], rows,
        [[_("Total des dossiers"), *cross.column_totals, cross.total]], chart,
    )  # fmt: skip


def _incomplete(report: ComplaintReport) -> Table:
    lines = report.incomplete
    labels = [str(line.label) for line in lines]
    return Table(
        "incomplete", _("Dossiers incomplets par type de demandeur"),
        [_("Type de demandeur"), _("Nombre de dossiers"), _("dont en attente des pièces")],
        [[label, line.count, line.awaiting] for label, line in zip(labels, lines, strict=True)],
        [[_("Total"), sum(x.count for x in lines), sum(x.awaiting for x in lines)]],
        Chart("bar", labels, [Series(_("Nombre de dossiers"), [x.count for x in lines])]),
    )  # fmt: skip


def _referrals(report: ComplaintReport) -> Table:
    referrals = report.referrals
    lines = referrals.lines
    labels = [line.code for line in lines]
    return Table(
        "referrals", _("Dossiers soumis pour attribution, par entité et retour d'information"),
        [_("Entité administrative"), _("Nombre de dossiers soumis pour attribution"),
         _("Retour d'information : oui"), _("Retour d'information : non")],
        [[f"{line.code} – {line.label}", line.referred, line.answered, line.unanswered]
         for line in lines],
        [[_("Total"), referrals.referred, referrals.answered, referrals.unanswered]],
        Chart("bar", labels, [Series(_("Retour d'information : oui"),
                                     [x.answered for x in lines]),
                              Series(_("Retour d'information : non"),
                                     [x.unanswered for x in lines])], stacked=True),
        _("NB : un dossier soumis à plusieurs entités compte pour chacune ; %(files)s dossiers "
          "distincts ont été soumis pour attribution.") % {"files": referrals.files},
    )  # fmt: skip


def _delays(report: ComplaintReport) -> list[Table]:
    delays = report.delays
    overall = delays.overall
    header = [_("Nature de réclamation"), _("Dossiers décidés"), _("Moyenne de délais (jours)")]
    groups = [line for line in delays.groups if line.files]
    return [
        Table(
            "delays", _("Délai moyen de traitement des dossiers (réception → décision)"), header,
            [[str(x.label), x.files, x.average_days] for x in delays.groups],
            [[str(overall.label), overall.files, overall.average_days]],
            Chart("bar", [str(x.label) for x in groups],
                  [Series(_("Moyenne de délais (jours)"), [x.average_days for x in groups])],
                  horizontal=True, unit=_("jours")),
        ),
        Table(
            "delays-natures", _("Délai moyen de traitement, détail par nature"), header,
            [[str(x.label), x.files, x.average_days] for x in delays.natures],
            [[str(overall.label), overall.files, overall.average_days]],
        ),
    ]  # fmt: skip


def _title(report: ComplaintReport) -> str:
    return _("Réclamations reçues du %(start)s au %(end)s") % {
        "start": report.start.strftime("%d/%m/%Y"),
        "end": report.end.strftime("%d/%m/%Y"),
    }


def _csv_cell(cell: Cell) -> str | int:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.2f}".rstrip("0").rstrip(".").replace(".", ",") if cell else "0"
    return cell


def report_csv(report: ComplaintReport) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as spreadsheets in French expect; the
    tables one after the other, each under its title, separated by an empty line."""
    with translation.override("fr"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow([_title(report)])
        for table in report_tables(report):
            writer.writerow([])
            writer.writerow([table.title])
            writer.writerow(table.header)
            for row in [*table.rows, *table.footer]:
                writer.writerow([_csv_cell(cell) for cell in row])
            if table.note:
                writer.writerow([table.note])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


SHEET_NAMES = {
    "summary": "Synthèse", "monthly": "Mensuel", "requesters": "Demandeurs",
    "groups": "Natures", "natures": "Détail natures", "cross": "Nature x décision",
    "incomplete": "Incomplets", "referrals": "Attributions", "delays": "Délais",
    "delays-natures": "Délais par nature",
}  # fmt: skip


def report_xlsx(report: ComplaintReport) -> bytes:
    """One sheet per table: its title, the period, the header in bold, the rows, the totals."""
    with translation.override("fr"):
        workbook = Workbook()
        workbook.remove(workbook.active)
        for table in report_tables(report):
            sheet = workbook.create_sheet(SHEET_NAMES.get(table.key, table.key)[:31])
            sheet.append([table.title])
            sheet.append([_title(report)])
            sheet.append(table.header)
            for cell in sheet[3]:
                cell.font = Font(bold=True)
            for row in table.rows:
                sheet.append(list(row))
            for row in table.footer:
                sheet.append(list(row))
                for cell in sheet[sheet.max_row]:
                    cell.font = Font(bold=True)
            if table.note:
                sheet.append([table.note])
            sheet.column_dimensions["A"].width = 48
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
