"""Moroccan name lists for the synthetic population, and their Latin spelling variants.

The lists live in ``data/*.csv`` (UTF-8), one row per name:

``spellings``
    the Latin spellings as written on a CNIE (upper case, no diacritics), separated by ``|``;
    the first is the canonical one, the others are the usual variants (MOHAMED|MOHAMMED|...).
    A spelling belongs to one row only, across a file.
``arabic``
    the Arabic spelling (shared by all the Latin variants).
``weight``
    relative frequency (Zipf-like: MOHAMED, FATIMA, EL ALAOUI... are very common). Plausible
    orders of magnitude, not official statistics.
``origin``
    ``arab``, ``amazigh``, ``sahrawi`` or ``andalusi`` (Fassi/Tetouani families).

Django-free: the generator and the double-enrolment matcher both use this module.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
NAME_FILES = ("first_names_male.csv", "first_names_female.csv", "family_names.csv")


@dataclass(frozen=True)
class NameTable:
    """One CSV list as arrays: group ``g`` has spellings ``spellings[offset[g]:offset[g]+n[g]]``."""

    spellings: np.ndarray  # 'U', every Latin spelling, canonical first within each group
    arabic: np.ndarray  # 'U', per group
    origin: np.ndarray  # 'U', per group
    weight: np.ndarray  # float64, per group (as in the file)
    offset: np.ndarray  # int64, per group: index of the canonical spelling in ``spellings``
    n_spellings: np.ndarray  # int64, per group

    @property
    def canonical(self) -> np.ndarray:
        return self.spellings[self.offset]

    def __len__(self) -> int:
        return len(self.arabic)


def normalise(name: str) -> str:
    """Upper case, no diacritics, single spaces: 'Aït  ali' -> 'AIT ALI'."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", plain).strip().upper()


@functools.cache
def load_names(filename: str) -> NameTable:
    path = DATA_DIR / filename
    spellings: list[str] = []
    arabic, origin, weight, offset, count = [], [], [], [], []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            variants = [normalise(s) for s in row["spellings"].split("|") if s.strip()]
            offset.append(len(spellings))
            count.append(len(variants))
            spellings.extend(variants)
            arabic.append(row["arabic"].strip())
            origin.append(row["origin"].strip())
            weight.append(float(row["weight"]))
    return NameTable(
        spellings=np.array(spellings),
        arabic=np.array(arabic),
        origin=np.array(origin),
        weight=np.array(weight, dtype=np.float64),
        offset=np.array(offset, dtype=np.int64),
        n_spellings=np.array(count, dtype=np.int64),
    )


@functools.cache
def _variant_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for filename in NAME_FILES:
        table = load_names(filename)
        for start, n in zip(table.offset.tolist(), table.n_spellings.tolist(), strict=True):
            group = table.spellings[start : start + n].tolist()
            for spelling in group:
                merged = index.setdefault(spelling, [])
                merged.extend(s for s in group if s not in merged)
    return {k: tuple(v) for k, v in index.items()}


def spelling_variants(name: str) -> list[str]:
    """Every known Latin spelling of ``name`` (canonical first), ``name`` itself included.

    ``spelling_variants("Mohammed") == ["MOHAMED", "MOHAMMED", "MOHAMMAD", ...]``. A name that is
    in no list gives ``[normalise(name)]``. A spelling listed both as a first and as a family name
    (e.g. KHALIL) gives the union of both rows.
    """
    key = normalise(name)
    return list(_variant_index().get(key, (key,)))


def canonical_spelling(name: str) -> str:
    """The canonical spelling of ``name`` (the first of its row), or ``normalise(name)``."""
    return spelling_variants(name)[0]
