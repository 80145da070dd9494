"""Statistics of INPE attributions, laid out like table 7 of ANAM's 2015 report: codes
attributed over a period by kind and category, public and private, and the total registered
at the end of the period; with CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.db.models import Count, Q
from openpyxl import Workbook
from openpyxl.styles import Font

from snigi.providers.models import Category, Kind, Provider


@dataclass(frozen=True)
class Row:
    kind: str
    category: str
    public: int
    private: int

    @property
    def total(self) -> int:
        return self.public + self.private


@dataclass(frozen=True)
class AttributionTable:
    start: datetime.date
    end: datetime.date
    rows: list[Row]
    registered: dict[str, int]  # by kind: every code attributed up to ``end``

    def kind_total(self, kind: str) -> int:
        return sum(row.total for row in self.rows if row.kind == kind)


def attribution_table(*, start: datetime.date, end: datetime.date) -> AttributionTable:
    """Two grouped queries whatever the size of the register."""
    if end < start:
        raise ValueError("La fin de la période précède son début.")
    counts = (
        Provider.objects.filter(attributed_on__range=(start, end))
        .values("category_id")
        .annotate(
            public=Count("pk", filter=Q(sector="public")),
            private=Count("pk", filter=Q(sector="private")),
        )
        .order_by()
    )
    by_category = {c["category_id"]: (c["public"], c["private"]) for c in counts}
    rows = [
        Row(category.kind, category.name_fr, *by_category.get(category.pk, (0, 0)))
        for category in Category.objects.order_by("kind", "name_fr")
    ]
    registered = dict(
        Provider.objects.filter(attributed_on__lte=end)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return AttributionTable(
        start, end, rows, {kind: registered.get(kind, 0) for kind in Kind.values}
    )


HEADER = ("Type", "Catégorie", "Public", "Privé", "Total", "Total enregistré")
KIND_LABELS = {Kind.PROFESSIONAL: "Professionnels de santé", Kind.ESTABLISHMENT: "Établissements"}


def _lines(table: AttributionTable) -> list[tuple[object, ...]]:
    lines: list[tuple[object, ...]] = []
    for kind in Kind.values:
        for row in (r for r in table.rows if r.kind == kind):
            lines.append((KIND_LABELS[kind], row.category, row.public, row.private, row.total, ""))
        lines.append(
            (KIND_LABELS[kind], "Total", "", "", table.kind_total(kind), table.registered[kind])
        )
    return lines


def table_csv(table: AttributionTable) -> bytes:
    """UTF-8 with a byte-order mark and semicolons, as spreadsheets in French expect."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([f"Attributions du code INPE du {table.start} au {table.end}"])
    writer.writerow(HEADER)
    writer.writerows(_lines(table))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def table_xlsx(table: AttributionTable) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Attributions INPE"
    sheet.append([f"Attributions du code INPE du {table.start} au {table.end}"])
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for line in _lines(table):
        sheet.append(list(line))
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 48
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
