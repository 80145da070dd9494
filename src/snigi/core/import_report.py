"""What every bulk import (INPE register, beneficiary lists, complaint registers) says when it
ends: one summary line, and the per-row report as CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path


def import_summary(counts: Mapping[str, int], *, dry_run: bool) -> str:
    """``counts``: rows, new, present, refused. Nothing is written when a row is refused."""
    figures = (f"{counts['rows']} lignes : {counts['new']} nouvelles, {counts['present']} déjà "
               f"présentes, {counts['refused']} refusées")  # fmt: skip
    if dry_run:
        return f"Essai à blanc, rien n'est enregistré. {figures}."
    if counts["refused"]:
        return f"Import annulé : rien n'est enregistré. {figures}."
    return f"Import enregistré. {figures}."


def write_report_csv(
    path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """UTF-8 with a BOM and ``;``, as the other CSV exports (a spreadsheet opens it)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
