"""The outcome of a fund's list import, row by row: new, already present or refused with its
reasons; its summary and its CSV export (``--report``)."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from snigi.beneficiaries.list_rows import Row
from snigi.core.import_report import import_summary, write_report_csv


class Outcome(StrEnum):
    NEW = "nouveau"
    PRESENT = "déjà présent"
    REFUSED = "refusé"


OUTCOMES = list(Outcome)


@dataclass(frozen=True)
class RowReport:
    line: int
    outcome: Outcome
    fund_number: str
    cnie: str
    reason: str


class ImportReport:
    """Every row's outcome, kept compactly (a million rows fit in a few tens of MB)."""

    def __init__(self, file_name: str, unit: str, dry_run: bool, ignored: list[str]) -> None:
        self.file_name, self.unit, self.dry_run = file_name, unit, dry_run
        self.ignored_columns = ignored
        self.sha256 = ""
        self.written = False
        self.stored: dict[str, int] = {}  # what the real run wrote
        self._lines = array("q")
        self._outcomes = bytearray()
        self._numbers: list[str] = []
        self._cnies: list[str] = []
        self._reasons: dict[int, list[str]] = {}

    def the(self, *numbers: int) -> str:
        """``la ligne 3``, ``les lignes 3, 7`` (``l'enregistrement 3`` in an XML file)."""
        listed = ", ".join(map(str, numbers))
        if self.unit == "ligne":
            return f"la ligne {listed}" if len(numbers) == 1 else f"les lignes {listed}"
        return f"l'enregistrement {listed}" if len(numbers) == 1 else f"les {self.unit}s {listed}"

    def add(self, row: Row) -> int:
        self._lines.append(row.line)
        self._outcomes.append(0)
        self._numbers.append(row.number)
        self._cnies.append(row.cnie or "")
        return len(self._outcomes) - 1

    def set(self, index: int, outcome: Outcome, reasons: Iterable[str] = ()) -> None:
        self._outcomes[index] = OUTCOMES.index(outcome)
        if reasons:
            self._reasons.setdefault(index, []).extend(reasons)

    def __iter__(self) -> Iterator[RowReport]:
        for i, line in enumerate(self._lines):
            reason = " ; ".join(self._reasons.get(i, ()))
            outcome = OUTCOMES[self._outcomes[i]]
            yield RowReport(line, outcome, self._numbers[i], self._cnies[i], reason)

    @property
    def rows(self) -> list[RowReport]:
        return list(self)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self._outcomes),
            "new": self._outcomes.count(0),
            "present": self._outcomes.count(1),
            "refused": self._outcomes.count(2),
        }

    def summary(self) -> str:
        return import_summary(self.counts, dry_run=self.dry_run)

    def write_csv(self, path: str | Path) -> None:
        header = [self.unit, "résultat", "numéro", "cnie", "motif"]
        write_report_csv(
            path, header, ((r.line, r.outcome.value, r.fund_number, r.cnie, r.reason) for r in self)
        )
