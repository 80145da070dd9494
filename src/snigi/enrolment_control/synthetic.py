"""Synthetic Moroccan beneficiary lists with known truth, to test and benchmark record linkage.

People come from ``snigi.demo.generator.generate_people`` (households, CNIE numbers, Latin and
Arabic names), taken as contiguous index ranges so that households stay together: siblings,
twins, a father and a son sharing a first name are the hard negatives of real registers. Each
record is a *copy* of a person, noised independently (see ``Noise``) the way two registration
desks write the same person differently.

``write_link_lists``: two lists (two insurance funds) sharing people. The index space is cut
into segments of ``SEGMENT`` people; each segment holds its exact share of people in both lists,
in the left one only and in the right one only, assigned by household (85 %) or individually.
``write_dedupe_list``: one list where some people appear 2..max_copies times (duplication follows
the household half of the time). Rows are shuffled (external shuffle through temporary bucket
files, so memory stays bounded) and numbered afterwards: ids give no hint. Every random draw is
keyed by (seed, segment), so the output does not depend on ``chunk_size``, and the same seed
with another ``Noise`` gives the same people in the same rows under the same ids.

Output columns, all strings, missing = empty (CSV) or null (Parquet): ``COLUMNS``. Each list has
its own style (``ListStyle``): main birth-date format, rendering of year-only dates, sex codes
(M/F or H/F, French "homme"), fund-number format.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from snigi.demo.generator import BLOCK, CommuneTable, generate_people
from snigi.enrolment_control.synthetic_noise import (
    DATE_FORMATS,
    UNIFORMS,
    digits,
    noisy_records,
    text,
)

COLUMNS = tuple("record_id cnie first_name last_name birth_date sex commune fund_number".split())
COMMUNES_CSV = Path(__file__).resolve().parents[1] / "core" / "data" / "communes.csv"
SEGMENT = 10 * BLOCK  # people; the unit of randomness (never split by a chunk)
CHUNK_SIZE = 250_000  # people generated at once (rounded up to whole segments)
BUCKET_ROWS = 250_000  # rows per temporary bucket of the external shuffle
LOOSE_MEMBER = 0.15  # share of people placed in the link lists independently of their household
HOUSEHOLD_DUPLICATE = 0.5  # share of people whose duplication follows their household head's
EXTRA_COPY = 0.3  # P(k + 1 copies) / P(k copies) among duplicated people
_PEOPLE, _LINK, _DEDUPE, _STYLE, _SHUFFLE = 0x53594E50, 0x53594E4C, 0x53594E44, 0x53594E53, 0x58
ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class Noise:
    """Noise rates: each is the probability that one record copy is hit. Name rates marked
    "per name" apply to the first and the last name independently. Two copies of a person (in
    two lists, or twice in one list) are noised independently."""

    name_variant: float = 0.10  # per name: another known spelling (MOHAMED -> MOHAMMED)
    name_transliteration: float = 0.08  # per name: OU/W/U, K/Q/C, CH/SH, GH/RH, doubled letter...
    name_particle: float = 0.06  # per name having a particle: EL ALAOUI/ALAOUI/ELALAOUI/EL-ALAOUI,
    # ES SAFI/ESSAFI, AIT-ALI; a nisba family name (SAIDI) gains the article a quarter as often
    name_case: float = 0.05  # per name: title/lower case, accents (Aït, RÉDA, HAFÇA), stray spaces
    name_typo: float = 0.03  # per name: AZERTY slip (neighbour key, deletion, insertion, swap)
    first_name_abbreviation: float = 0.01  # MOHAMED -> MED/MOHD/M., FATIMA ZAHRA -> FZ, K.
    first_name_compound: float = 0.01  # FATIMA ZAHRA -> ZAHRA, NOUREDDINE -> NOUR, AMINE ->
    # MOHAMED AMINE
    first_name_missing: float = 0.005
    name_swap: float = 0.02  # first and last names exchanged
    name_arabic: float = 0.01  # both names in Arabic script (some without article, hamza, ة)
    cnie_missing: float = 0.04  # per adult record (minors have no CNIE)
    cnie_typo: float = 0.03  # digit substituted, adjacent transposition, O/0 I/1, first letter
    cnie_format: float = 0.05  # lower case, "BE 123456", "BE-123456", stray space
    cnie_relative: float = 0.005  # a non-head member carries the household head's valid CNIE
    date_year_only: float = 0.03  # rendered per list as 01/01/YYYY, 00/00/YYYY or YYYY
    date_day_month_swap: float = 0.02  # only when the day is <= 12 and differs from the month
    date_typo: float = 0.02  # one digit changed, still a valid date (else left unchanged)
    date_invalid: float = 0.002  # an impossible date: 31/04/1975, 30/02/1980
    date_missing: float = 0.01
    date_other_format: float = 0.01  # written in another of the three formats than the list's
    sex_missing: float = 0.01
    sex_wrong: float = 0.003
    commune_moved: float = 0.06  # another commune: of the same province 3 times out of 4 (if any)
    commune_missing: float = 0.03

    def __post_init__(self) -> None:
        for f in fields(self):
            if not 0.0 <= getattr(self, f.name) <= 1.0:
                raise ValueError(f"Noise.{f.name} must be within [0, 1]")

    @classmethod
    def none(cls) -> Noise:
        """Clean copies: every rate zero."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @classmethod
    def heavy(cls) -> Noise:
        """About twice the defaults."""
        return cls().scaled(2.0)

    def scaled(self, factor: float) -> Noise:
        return Noise(**{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)})


DEFAULT_NOISE = Noise()
YEAR_ONLY = ("first_jan", "zeros", "year")  # 01/01/YYYY, 00/00/YYYY, YYYY (in the list's format)


@dataclass(frozen=True)
class ListStyle:
    prefix: str  # record ids: prefix + 9 digits
    date_format: str  # one of DATE_FORMATS[:3]
    year_only: str  # one of YEAR_ONLY
    male: str  # "M" or "H" (French "homme"); women are "F"
    fund_format: int  # 0: 123456789-01, 1: AF123456789/01, 2: 12345678901
    fund_key: tuple[int, int]  # affine bijection modulo 10**9 behind the fund numbers


def _rng(*key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(key))))


def _styles(seed: int, prefixes: str) -> list[ListStyle]:
    rng = _rng(seed, _STYLE)
    formats = rng.permutation(3)
    out = []
    for i, prefix in enumerate(prefixes):
        a = int(rng.integers(1, 10**8)) * 10 + int(rng.choice([1, 3, 7, 9]))  # coprime with 10
        fund_key = (a, int(rng.integers(10**9)))
        date_format, year_only = DATE_FORMATS[formats[i]], YEAR_ONLY[int(rng.integers(3))]
        male, fund_format = "H" if rng.random() < 0.35 else "M", int(rng.integers(3))
        out.append(ListStyle(prefix, date_format, year_only, male, fund_format, fund_key))
    return out


# --------------------------------------------------------------------------- communes


@dataclass(frozen=True)
class _Communes:
    table: CommuneTable  # rows sorted by code
    codes: np.ndarray  # 'U', sorted
    province: np.ndarray  # province number of each commune
    members: np.ndarray  # commune indices sorted by province
    first: np.ndarray  # per province: its first entry in ``members``
    size: np.ndarray  # per province: its number of communes
    grid: np.ndarray  # per ``members`` entry: province + cumulative weight within the province
    cum: np.ndarray  # cumulative weights over all communes

    def move(self, c: np.ndarray, same: np.ndarray, pick: np.ndarray) -> np.ndarray:
        """Other communes, by weight: within the province when ``same`` (and it has another
        commune), else anywhere; a draw landing on ``c`` itself takes the next commune."""
        p = self.province[c]
        k = np.minimum(np.searchsorted(self.grid, p + pick, side="right"), len(self.members) - 1)
        k = np.where(
            self.members[k] == c, self.first[p] + (k - self.first[p] + 1) % self.size[p], k
        )
        far = np.minimum(np.searchsorted(self.cum, pick, side="right"), len(self.cum) - 1)
        new = np.where(same & (self.size[p] > 1), self.members[k], far)
        return np.where(new == c, (c + 1) % len(self.codes), new)


def load_communes(path: Path | str = COMMUNES_CSV) -> CommuneTable:
    """The commune table of ``core/data/communes.csv`` without Django (weight: population)."""
    return _communes(str(path)).table


@functools.cache
def _communes(path: str) -> _Communes:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["code"])
    weights = np.array([float(r["population_2014"] or 1000) for r in rows])
    codes, provinces = [r["code"] for r in rows], [r["province_code"] for r in rows]
    urban = [r["kind"] == "urban" for r in rows]
    _, province = np.unique(np.array(provinces), return_inverse=True)
    members = np.argsort(province, kind="stable")
    w, pm = weights[members], province[members]
    totals = np.bincount(pm, weights=w)
    within = (np.cumsum(w) - (np.cumsum(totals) - totals)[pm]) / totals[pm]
    return _Communes(
        table=CommuneTable(codes, provinces, weights.tolist(), urban),
        codes=np.array(codes),
        province=province,
        members=members,
        first=np.cumsum(np.bincount(province)) - np.bincount(province),
        size=np.bincount(province),
        grid=pm + within,
        cum=np.cumsum(weights) / weights.sum(),
    )


# --------------------------------------------------------------------------- people


def _people(start: int, count: int, seed: int, com: _Communes) -> dict[str, np.ndarray]:
    """A chunk of generated people (starting on a segment edge), as plain arrays; ``head`` is
    the index in the chunk of the household head (households never cross a block)."""
    b = generate_people(start=start, count=count, seed=seed, communes=com.table, variant_rate=0.0)
    months = b.birth_date.astype("datetime64[M]")
    return {
        "key": b.demo_key,
        "head": b.household_key - start,
        "rank": b.demo_key - b.household_key,  # 0 for the head
        "male": b.sex == "M",
        "year": b.birth_date.astype("datetime64[Y]").astype(np.int64) + 1970,
        "month": months.astype(np.int64) % 12 + 1,
        "day": (b.birth_date - months).astype(np.int64) + 1,
        "first": b.first_name_lat.astype(object),
        "last": b.last_name_lat.astype(object),
        "first_ar": b.first_name_ar.astype(object),
        "last_ar": b.last_name_ar.astype(object),
        "cnie": np.array([c or None for c in b.cnie.tolist()], dtype=object),
        "commune": np.searchsorted(com.codes, b.commune_code),
    }


def _draws(seed: int, stream: int, copy: int, start: int, count: int, rows: int) -> np.ndarray:
    """(rows, count) float32 uniforms for people ``start..start+count``, keyed per segment."""
    parts = []
    for s in range(start // SEGMENT, -(-(start + count) // SEGMENT)):
        lo, hi = max(start, s * SEGMENT), min(start + count, (s + 1) * SEGMENT)
        full = _rng(seed, stream, copy, s).random((rows, SEGMENT), dtype=np.float32)
        parts.append(full[:, lo - s * SEGMENT : hi - s * SEGMENT])
    return np.concatenate(parts, axis=1)


def _records(
    p: dict[str, np.ndarray],
    idx: np.ndarray,
    copy: np.ndarray,
    u: np.ndarray,
    noise: Noise,
    s: ListStyle,
) -> dict[str, np.ndarray]:
    """Noisy records of people ``idx`` (copy number ``copy``) and their fund numbers: the
    household's number (unique per household and copy in a list) and the rank in the household."""
    com = _communes(str(COMMUNES_CSV))
    out = noisy_records(p, idx, u, noise, s, com.move, com.codes)
    a, b = s.fund_key
    n = digits((a * (p["key"][p["head"][idx]] * 8 + copy) + b) % 10**9, 9)
    rank = digits(p["rank"][idx] + 1, 2)
    layout = ([n, "-", rank], ["AF", n, "/", rank], [n, rank])[s.fund_format]
    out["fund_number"] = text(layout, len(idx)).astype(object)
    return out


# --------------------------------------------------------------------------- output


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: the output format follows the suffix, .csv or .parquet")
    return suffix


def _concat(lines: pa.ChunkedArray) -> bytes:
    out = []
    for chunk in lines.chunks:
        if len(chunk):
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int32)
            lo, hi = int(offsets[chunk.offset]), int(offsets[chunk.offset + len(chunk)])
            out.append(memoryview(chunk.buffers()[2])[lo:hi])
    return b"".join(out)


def _csv_bytes(table: pa.Table) -> bytes:
    """RFC 4180 rows, values quoted only when they hold a comma, a quote or a line break."""
    cols = []
    for col in table.columns:
        needs = pc.match_substring_regex(col, '[,"\r\n]')
        if pc.any(needs).as_py():
            quoted = pc.replace_substring(col, '"', '""')
            quoted = pc.binary_join_element_wise('"', quoted, '"', "")
            col = pc.if_else(needs, quoted, col)
        cols.append(col)
    lines = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    return _concat(pc.binary_join_element_wise(lines, "\n", ""))


class _Output:
    """An all-string table written incrementally as CSV (UTF-8, header) or Parquet."""

    def __init__(self, path: Path, names: tuple[str, ...]) -> None:
        self.schema = pa.schema([(name, pa.string()) for name in names])
        self.parquet = pq.ParquetWriter(path, self.schema) if _suffix(path) == ".parquet" else None
        self.fh = None if self.parquet else open(path, "wb")
        if self.fh:
            self.fh.write((",".join(names) + "\n").encode())

    def write(self, table: pa.Table) -> None:
        table = table.cast(self.schema)
        if self.parquet:
            self.parquet.write_table(table)
        elif self.fh:
            self.fh.write(_csv_bytes(table))

    def close(self) -> None:
        if self.parquet:
            self.parquet.close()
        if self.fh:
            self.fh.close()


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    if not len(numbers):
        return pa.array([], type=pa.string())
    return pa.array(text([prefix, digits(numbers, 9)], len(numbers)), pa.string())


class _Sink:
    """External shuffle: rows are scattered into temporary buckets at random, then each bucket is
    shuffled and appended to the output, and rows are numbered in their final order."""

    def __init__(self, path: Path, tmp: Path, rows: int, style: ListStyle, seed: int) -> None:
        self.path, self.tmp, self.style, self.seed = path, tmp, style, seed
        self.k = max(1, -(-rows // BUCKET_ROWS))
        self.files: dict[int, tuple[pa.OSFile, ipc.RecordBatchStreamWriter]] = {}

    def add(self, columns: dict[str, np.ndarray], key: np.ndarray, u: np.ndarray) -> None:
        bucket = np.minimum((u.astype(np.float64) * self.k).astype(np.int64), self.k - 1)
        order = np.argsort(bucket, kind="stable")
        arrays = [pa.array(columns[c][order], type=pa.string()) for c in COLUMNS[1:]]
        table = pa.Table.from_arrays([*arrays, pa.array(key[order])], [*COLUMNS[1:], "_key"])
        bounds = np.concatenate([[0], np.cumsum(np.bincount(bucket, minlength=self.k))])
        for b in np.flatnonzero(np.diff(bounds)).tolist():
            if b not in self.files:
                sink = pa.OSFile(str(self.tmp / f"{self.style.prefix}{b:05d}.arrows"), "wb")
                self.files[b] = (sink, ipc.new_stream(sink, table.schema))
            self.files[b][1].write_table(table.slice(bounds[b], bounds[b + 1] - bounds[b]))

    def finish(
        self, seen: Callable[[np.ndarray, pa.Array], None], progress: Callable[[int], None]
    ) -> None:
        """Write the output; ``seen(keys, record_ids)`` per bucket, in output order."""
        out, offset = _Output(self.path, COLUMNS), 0
        try:
            for b in range(self.k):
                if b not in self.files:
                    continue
                sink, writer = self.files.pop(b)
                writer.close()
                sink.close()
                name = self.tmp / f"{self.style.prefix}{b:05d}.arrows"
                with pa.OSFile(str(name), "rb") as fh:
                    table = ipc.open_stream(fh).read_all()
                name.unlink()
                n = table.num_rows
                table = table.take(
                    _rng(self.seed, _SHUFFLE, ord(self.style.prefix), b).permutation(n)
                )
                ids = _ids(self.style.prefix, np.arange(offset + 1, offset + n + 1))
                out.write(table.drop_columns(["_key"]).add_column(0, "record_id", ids))
                seen(table["_key"].to_numpy(), ids)
                offset += n
                progress(n)
        finally:
            out.close()


def _progress(callback: ProgressFn | None, total: int) -> Callable[[int], None]:
    done = [0]

    def step(rows: int) -> None:  # a row counts half when generated, half when written
        done[0] += rows
        if callback:
            callback(done[0] // 2, total)

    return step


# --------------------------------------------------------------------------- public API


def write_link_lists(
    left_path: Path | str,
    right_path: Path | str,
    truth_path: Path | str,
    *,
    left: int,
    right: int,
    overlap: float = 0.5,
    seed: int = 0,
    noise: Noise = DEFAULT_NOISE,
    progress: ProgressFn | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict:
    """Two lists of ``left`` and ``right`` records, no person twice in the same list; ``overlap``
    = share of the smaller list whose people are also in the other list. truth_path: CSV (or
    Parquet) ``left_id,right_id``, one row per true pair. Returns counts, styles and seconds."""
    t0 = time.perf_counter()
    if left < 0 or right < 0 or seed < 0 or not 0.0 <= overlap <= 1.0:
        raise ValueError("left, right and seed must be non-negative, overlap within [0, 1]")
    paths = [Path(left_path), Path(right_path), Path(truth_path)]
    for path in paths:
        _suffix(path)
    both = round(overlap * min(left, right))
    only = (left - both, right - both)
    total = left + right - both
    edges = np.minimum(np.arange(-(-total // SEGMENT) + 1) * SEGMENT, total)
    cb = edges * both // max(total, 1)  # per segment: exact shares in both / left / right only
    rest = edges - cb
    cl = rest * only[0] // max(only[0] + only[1], 1)
    quota_both, quota_left = np.diff(cb), np.diff(cl)
    styles = _styles(seed, "LR")
    com = _communes(str(COMMUNES_CSV))
    step = _progress(progress, left + right)
    chunk = max(1, -(-chunk_size // SEGMENT)) * SEGMENT
    with tempfile.TemporaryDirectory(prefix=".synthetic-", dir=paths[0].parent) as tmp:
        sinks = [_Sink(paths[i], Path(tmp), (left, right)[i], styles[i], seed) for i in (0, 1)]
        for start in range(0, total, chunk):
            count = min(chunk, total - start)
            p = _people(start, count, seed, com)
            draws = _draws(seed, _PEOPLE, 0, start, count, 2)
            key = np.where(draws[1] < LOOSE_MEMBER, draws[0], draws[0][p["head"]])
            seg = p["key"] // SEGMENT
            order = np.lexsort((key, seg))
            rank = np.empty(count, dtype=np.int64)
            rank[order] = np.arange(count) - (seg[order] * SEGMENT - start)
            in_both = rank < quota_both[seg]
            in_left = in_both | (rank < quota_both[seg] + quota_left[seg])
            for side, members in enumerate((in_left, in_both | ~in_left)):
                idx = np.flatnonzero(members)
                u = _draws(seed, _LINK, side, start, count, len(UNIFORMS))[:, idx]
                cols = _records(p, idx, np.full(len(idx), side), u, noise, styles[side])
                shared = np.where(in_both[idx], p["key"][idx], -1)  # the truth's join key
                sinks[side].add(cols, shared, u[UNIFORMS["bucket"]])
                step(len(idx))
        found: list[list[tuple[np.ndarray, pa.Array]]] = [[], []]
        for side in (0, 1):

            def seen(keys: np.ndarray, ids: pa.Array, side: int = side) -> None:
                pair = keys >= 0
                found[side].append((keys[pair], ids.filter(pa.array(pair))))

            sinks[side].finish(seen, step)
    # True pairs, in the left list's order: the right row holding the same person.
    keys = [np.concatenate([k for k, _ in found[s]] or [np.zeros(0, np.int64)]) for s in (0, 1)]
    ids = [pa.chunked_array([i for _, i in found[s]], pa.string()) for s in (0, 1)]
    by_person = [np.argsort(k, kind="stable") for k in keys]
    if not np.array_equal(keys[0][by_person[0]], keys[1][by_person[1]]):
        raise AssertionError("the two lists disagree on the people they share")
    right_of = np.empty(len(keys[0]), dtype=np.int64)
    right_of[by_person[0]] = by_person[1]
    out = _Output(paths[2], ("left_id", "right_id"))
    try:
        for lo in range(0, len(right_of), 1_000_000):
            rows = np.arange(lo, min(lo + 1_000_000, len(right_of)))
            r = ids[1].take(pa.array(right_of[rows]))
            out.write(pa.table({"left_id": ids[0].take(pa.array(rows)), "right_id": r}))
    finally:
        out.close()
    return {
        "left_rows": left,
        "right_rows": right,
        "true_pairs": int(len(keys[0])),
        "people": int(total),
        "left_style": asdict(styles[0]),
        "right_style": asdict(styles[1]),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def write_dedupe_list(
    path: Path | str,
    truth_path: Path | str,
    *,
    records: int,
    duplicate_rate: float = 0.2,
    max_copies: int = 4,
    seed: int = 0,
    noise: Noise = DEFAULT_NOISE,
    progress: ProgressFn | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> dict:
    """One list of ``records`` rows where about ``duplicate_rate`` of the people appear
    2..``max_copies`` times (each copy noised independently), rows shuffled. truth_path: CSV (or
    Parquet) ``record_id,person_id``, one row per record. Returns counts, style and seconds."""
    t0 = time.perf_counter()
    if records < 0 or seed < 0 or max_copies < 1 or not 0.0 <= duplicate_rate <= 1.0:
        raise ValueError("records and seed must be non-negative, max_copies >= 1, rate in [0, 1]")
    if duplicate_rate > 0 and max_copies < 2:
        raise ValueError("duplicates need max_copies >= 2")
    paths = [Path(path), Path(truth_path)]
    for p_ in paths:
        _suffix(p_)
    weights = EXTRA_COPY ** np.arange(max(max_copies - 1, 1))
    copy_cum = np.cumsum(weights) / weights.sum()
    mean_copies = 2 + float((weights / weights.sum()) @ np.arange(len(weights)))
    style = _styles(seed, "D")[0]
    com = _communes(str(COMMUNES_CSV))
    step = _progress(progress, records)
    chunk = max(1, -(-chunk_size // SEGMENT)) * SEGMENT
    people = duplicated = start = rows_done = 0
    with tempfile.TemporaryDirectory(prefix=".synthetic-", dir=paths[0].parent) as tmp:
        sink = _Sink(paths[0], Path(tmp), records, style, seed)
        while rows_done < records:
            # Enough whole segments for the rows still needed (any cut gives the same output).
            needed = (records - rows_done) / (1 + duplicate_rate * (mean_copies - 1)) * 1.02
            count = min(chunk, -(-int(needed + 1) // SEGMENT) * SEGMENT)
            p = _people(start, count, seed, com)
            draws = _draws(seed, _PEOPLE, 1, start, count, 3)
            dup = np.where(draws[1] < HOUSEHOLD_DUPLICATE, draws[0][p["head"]], draws[0])
            extra = np.searchsorted(copy_cum, draws[2], side="right").clip(0, len(copy_cum) - 1)
            copies = np.where(dup < duplicate_rate, 2 + extra, 1)
            cum = rows_done + np.cumsum(copies)
            if cum[-1] >= records:
                last = int(np.searchsorted(cum, records))
                copies = copies[: last + 1]
                copies[last] -= int(cum[last]) - records
            people += len(copies)
            duplicated += int((copies > 1).sum())
            person = np.repeat(np.arange(len(copies)), copies)
            copy = np.arange(len(person)) - np.repeat(np.cumsum(copies) - copies, copies)
            u = np.empty((len(UNIFORMS), len(person)), dtype=np.float32)
            for c in range(int(copies.max(initial=1))):
                sel = np.flatnonzero(copy == c)
                u[:, sel] = _draws(seed, _DEDUPE, c, start, count, len(UNIFORMS))[:, person[sel]]
            cols = _records(p, person, copy, u, noise, style)
            sink.add(cols, p["key"][person], u[UNIFORMS["bucket"]])
            step(len(person))
            rows_done += len(person)
            start += count
        truth = _Output(paths[1], ("record_id", "person_id"))
        try:

            def seen(keys: np.ndarray, ids: pa.Array) -> None:
                truth.write(pa.table({"record_id": ids, "person_id": pa.array(keys)}))

            sink.finish(seen, step)
        finally:
            truth.close()
    return {
        "rows": records,
        "people": people,
        "duplicated_people": duplicated,
        "style": asdict(style),
        "seconds": round(time.perf_counter() - t0, 3),
    }


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m snigi.enrolment_control.synthetic")
    sub = parser.add_subparsers(dest="command", required=True)
    link = sub.add_parser("link", help="two overlapping lists and their true pairs")
    dedupe = sub.add_parser("dedupe", help="one list with duplicates and its clusters")
    for parser_, names in (
        (link, ("left_path", "right_path", "truth_path")),
        (dedupe, ("path", "truth_path")),
    ):
        for name in names:
            parser_.add_argument(name)
    for parser_, option, kind, default in (
        (link, "--left", int, None),
        (link, "--right", int, None),
        (link, "--overlap", float, 0.5),
        (dedupe, "--records", int, None),
        (dedupe, "--duplicate-rate", float, 0.2),
        (dedupe, "--max-copies", int, 4),
    ):
        parser_.add_argument(option, type=kind, default=default, required=default is None)
    for parser_ in (link, dedupe):
        parser_.add_argument("--seed", type=int, default=0)
        parser_.add_argument("--noise", choices=("default", "none", "heavy"), default="default")
    args = vars(parser.parse_args(argv))
    command = args.pop("command")
    args["noise"] = {"default": Noise(), "none": Noise.none(), "heavy": Noise.heavy()}[
        args["noise"]
    ]

    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done:,} / {total:,} rows", end="", file=sys.stderr, flush=True)

    write = write_link_lists if command == "link" else write_dedupe_list
    result = write(**args, progress=report)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
