"""``snigi link`` and ``snigi dedupe`` end to end, through ``snigi.cli.main``, on small lists.

The lists are a synthetic population (``snigi.demo.generator``) plus hand-written people: the same
person written differently by two desks, and siblings that must stay apart. Runs that only need
scoring reuse the model trained by the baseline run (``--model``), which skips training.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import snigi
from snigi.cli import main
from snigi.demo.generator import CommuneTable, generate_people

COMMUNES_CSV = Path(snigi.__file__).resolve().parent / "core" / "data" / "communes.csv"
HEADER = ("record_id", "cnie", "first_name", "last_name", "birth_date", "sex", "commune")
PAIRS_HEADER = ["left_id", "right_id", "match_probability"]
CLUSTERS_HEADER = ["record_id", "cluster_id"]
CASABLANCA, FES, TIZNIT = "141.001", "231.001", "561.001"

Row = dict[str, str]


@functools.cache
def communes() -> CommuneTable:
    with COMMUNES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return CommuneTable(
        codes=[r["code"] for r in rows],
        province_codes=[r["province_code"] for r in rows],
        weights=[float(r["population_2014"] or 1000) for r in rows],
        urban=[r["kind"] == "urban" for r in rows],
    )


def population(count: int, *, seed: int, prefix: str, start: int = 0) -> list[Row]:
    """Realistic Moroccan rows (canonical spellings; minors have no CNIE)."""
    people = generate_people(
        start=start, count=count, seed=seed, communes=communes(), variant_rate=0.0
    )
    return [
        {
            "record_id": f"{prefix}{i:03d}",
            "cnie": str(people.cnie[i]),
            "first_name": str(people.first_name_lat[i]),
            "last_name": str(people.last_name_lat[i]),
            "birth_date": str(people.birth_date[i]),
            "sex": str(people.sex[i]),
            "commune": str(people.commune_code[i]),
            "address": str(people.address_line[i]),
        }
        for i in range(count)
    ]


def person(
    record_id: str,
    first: str,
    last: str,
    born: str,
    sex: str,
    commune: str = CASABLANCA,
    cnie: str = "",
) -> Row:
    return {
        "record_id": record_id,
        "cnie": cnie,
        "first_name": first,
        "last_name": last,
        "birth_date": born,
        "sex": sex,
        "commune": commune,
        "address": "",
    }


# The same person written by two desks: (left row, right row).
SAME: dict[str, tuple[Row, Row]] = {
    "article EL ALAOUI / ALAOUI": (
        person("LA1", "KARIM", "EL ALAOUI", "1984-06-12", "M", CASABLANCA, "BK771203"),
        person("RA1", "KARIM", "ALAOUI", "1984-06-12", "M", CASABLANCA),
    ),
    "MOHAMMED / MOHAMED": (
        person("LA2", "MOHAMMED", "BERRADA", "1979-11-02", "M", FES, "C318274"),
        person("RA2", "MOHAMED", "BERRADA", "1979-11-02", "M", FES),
    ),
    "CNIE with one typo": (
        person("LA3", "SAMIRA", "BENJELLOUN", "1990-02-20", "F", CASABLANCA, "BE482913"),
        person("RA3", "SAMIRA", "BENJELLOUN", "1990-02-20", "F", CASABLANCA, "BE482918"),
    ),
    "day and month swapped": (
        person("LA4", "NADIA", "ZIANI", "1988-04-09", "F", TIZNIT),
        person("RA4", "NADIA", "ZIANI", "1988-09-04", "F", TIZNIT),
    ),
}

# Siblings: same family name and commune, other first names and birth dates.
SIBLINGS: list[tuple[Row, Row]] = [
    (
        person("LS1", "YOUNES", "FASSI FIHRI", "2011-05-14", "M", FES),
        person("RS1", "OMAR", "FASSI FIHRI", "2014-10-02", "M", FES),
    ),
    (
        person("LS2", "HIBA", "TAHIRI", "2009-01-23", "F", TIZNIT),
        person("RS2", "SALMA", "TAHIRI", "2012-07-30", "F", TIZNIT),
    ),
]


def write_csv(
    path: Path,
    rows: Iterable[Row],
    header: Sequence[str] = HEADER,
    *,
    names: dict[str, str] | None = None,
    delimiter: str = ",",
    bom: bool = False,
) -> Path:
    """Write ``rows`` with the columns ``header``, renamed by ``names`` (field -> header)."""
    names = names or {}
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow([names.get(h, h) for h in header])
        writer.writerows([row[h] for h in header] for row in rows)
    return path


def write_parquet(path: Path, rows: Sequence[Row], header: Sequence[str] = HEADER) -> Path:
    """Text columns, except the birth date, stored as a Parquet date (None when empty)."""
    columns: dict[str, pa.Array] = {}
    for h in header:
        if h == "birth_date":
            import datetime as dt

            columns[h] = pa.array(
                [dt.date.fromisoformat(r[h]) if r[h] else None for r in rows], pa.date32()
            )
        else:
            columns[h] = pa.array([r[h] for r in rows], pa.string())
    pq.write_table(pa.table(columns), path)
    return path


def write_xml(
    path: Path, rows: Sequence[Row], header: Sequence[str] = HEADER, *, attributes: bool
) -> Path:
    """A root holding one <personne> per record; fields as child elements or attributes."""
    root = ET.Element("beneficiaires")
    for row in rows:
        if attributes:
            ET.SubElement(root, "personne", {h: row[h] for h in header})
        else:
            element = ET.SubElement(root, "personne")
            for h in header:
                ET.SubElement(element, h).text = row[h]
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def pairs_of(path: Path) -> dict[tuple[str, str], float]:
    header, rows = read_csv(path)
    assert header == PAIRS_HEADER
    return {(r[0], r[1]): float(r[2]) for r in rows}


def clusters_of(path: Path) -> dict[str, str]:
    header, rows = read_csv(path)
    assert header == CLUSTERS_HEADER
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), "a record is written twice"
    return {r[0]: r[1] for r in rows}


def run(*args: str | Path) -> tuple[int, str]:
    """``snigi ARGS``: exit status and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(["snigi", *map(str, args)])
    return status, err.getvalue()


def assert_refused(status: int, err: str, out: Path, *needles: str) -> None:
    assert status == 2, err
    assert err.strip(), "no message on stderr"
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    leftovers = [p.name for p in out.parent.glob(out.name + "*")]
    assert leftovers == [], leftovers


def assert_one_to_one(pairs: dict[tuple[str, str], float]) -> None:
    lefts = [left for left, _ in pairs]
    rights = [right for _, right in pairs]
    assert len(lefts) == len(set(lefts))
    assert len(rights) == len(set(rights))


# --------------------------------------------------------------------------- the lists


@dataclass
class Lists:
    folder: Path
    left_rows: list[Row]
    right_rows: list[Row]
    truth: set[tuple[str, str]]
    left: Path = field(init=False)
    right: Path = field(init=False)

    def __post_init__(self) -> None:
        self.left = write_csv(self.folder / "left.csv", self.left_rows)
        self.right = write_csv(self.folder / "right.csv", self.right_rows)


def _lists(folder: Path) -> Lists:
    """Left: 40 people and the hand-written left rows. Right: 30 of those people (other ids,
    reverse order), 10 people of another population, the hand-written right rows."""
    base = population(40, seed=11, prefix="L")
    copies = [{**row, "record_id": "R" + row["record_id"][1:]} for row in base[:30]]
    others = population(10, seed=12, prefix="X", start=5000)
    left = base + [a for a, _ in SAME.values()] + [a for a, _ in SIBLINGS]
    right = copies[::-1] + others + [b for _, b in SAME.values()] + [b for _, b in SIBLINGS]
    truth = {(row["record_id"], "R" + row["record_id"][1:]) for row in base[:30]}
    truth |= {(a["record_id"], b["record_id"]) for a, b in SAME.values()}
    return Lists(folder, left, right, truth)


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Lists:
    return _lists(tmp_path_factory.mktemp("lists"))


@dataclass
class Baseline:
    err: str
    out: Path
    model: Path
    pairs: dict[tuple[str, str], float]


@pytest.fixture(scope="module")
def baseline(lists: Lists) -> Baseline:
    """One trained link run of the two lists; its model is saved for the other tests."""
    out = lists.folder / "pairs.csv"
    model = lists.folder / "model.json"
    status, err = run("link", lists.left, lists.right, "--out", out, "--save-model", model)
    assert status == 0, err
    return Baseline(err, out, model, pairs_of(out))


# --------------------------------------------------------------------------- link


def test_link_writes_pairs_one_to_one(baseline: Baseline, lists: Lists) -> None:
    header, rows = read_csv(baseline.out)
    assert header == PAIRS_HEADER
    assert rows, "no pair written"
    assert_one_to_one(baseline.pairs)
    left_ids = {r["record_id"] for r in lists.left_rows}
    right_ids = {r["record_id"] for r in lists.right_rows}
    for (left, right), p in baseline.pairs.items():
        assert left in left_ids
        assert right in right_ids
        assert 0.9 <= p <= 1.0


def test_link_summary_on_stderr(baseline: Baseline, lists: Lists) -> None:
    assert f"{len(lists.left_rows)} (left)" in baseline.err
    assert f"{len(lists.right_rows)} (right)" in baseline.err
    assert f"{len(baseline.pairs)} paires écrits" in baseline.err


@pytest.mark.parametrize("case", list(SAME))
def test_link_joins_the_same_person_written_differently(baseline: Baseline, case: str) -> None:
    left, right = SAME[case]
    assert (left["record_id"], right["record_id"]) in baseline.pairs


@pytest.mark.parametrize("siblings", SIBLINGS, ids=lambda s: s[0]["last_name"])
def test_link_keeps_siblings_apart(baseline: Baseline, siblings: tuple[Row, Row]) -> None:
    left, right = siblings
    assert not any(
        left["record_id"] in pair or right["record_id"] in pair for pair in baseline.pairs
    )


def test_link_finds_the_people_on_both_lists_and_no_one_else(
    baseline: Baseline, lists: Lists
) -> None:
    found = set(baseline.pairs)
    assert found - lists.truth == set(), "wrong pairs"
    assert len(found & lists.truth) >= 0.95 * len(lists.truth), lists.truth - found


def test_link_saves_a_versioned_model(baseline: Baseline) -> None:
    document = json.loads(baseline.model.read_text(encoding="utf-8"))
    assert document["format"] == "snigi-enrolment-control-model/1"
    assert re.fullmatch(r"[0-9a-f]{12}", document["version"])
    assert document["fields"] == [
        "id_number",
        "first_name",
        "last_name",
        "birth_date",
        "sex",
        "commune",
    ]
    assert document["extra"] == []
    assert document["parameters"]["comparisons"]
    assert f"modèle {document['version']}" in baseline.err
    # --save-model given: no model next to the output
    assert not baseline.out.with_name(baseline.out.name + ".model.json").exists()


def test_link_with_a_saved_model_gives_the_same_pairs(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    out = tmp_path / "again.csv"
    status, err = run("link", lists.left, lists.right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert pairs_of(out).keys() == baseline.pairs.keys()
    version = json.loads(baseline.model.read_text(encoding="utf-8"))["version"]
    assert f"modèle {version}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.csv"]  # nothing retrained


def test_model_trained_with_other_fields_is_refused(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    out = tmp_path / "pairs.csv"
    status, err = run(
        "link", lists.left, lists.right, "--out", out, "--model", baseline.model, "--sex", ""
    )
    assert_refused(status, err, out, str(baseline.model), "sex")
    assert "compare" in err


@pytest.mark.parametrize("content", ["{}", "not json", '{"format": "other/1"}'])
def test_a_file_that_is_not_a_model_is_refused(lists: Lists, tmp_path: Path, content: str) -> None:
    model = tmp_path / "model.json"
    model.write_text(content, encoding="utf-8")
    out = tmp_path / "pairs.csv"
    status, err = run("link", lists.left, lists.right, "--out", out, "--model", model)
    assert_refused(status, err, out, str(model))


def test_missing_model_file_is_refused(lists: Lists, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    status, err = run(
        "link", lists.left, lists.right, "--out", out, "--model", tmp_path / "none.json"
    )
    assert_refused(status, err, out, "none.json")


def test_higher_threshold_gives_fewer_pairs(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    found = {0.9: baseline.pairs}
    for threshold in (0.2, 0.999999):
        out = tmp_path / f"pairs-{threshold}.csv"
        status, err = run(
            "link",
            lists.left,
            lists.right,
            "--out",
            out,
            "--model",
            baseline.model,
            "--threshold",
            str(threshold),
        )
        assert status == 0, err
        found[threshold] = pairs_of(out)
        assert_one_to_one(found[threshold])
        assert all(p >= threshold for p in found[threshold].values())
    sizes = [len(found[t]) for t in sorted(found)]
    assert sizes == sorted(sizes, reverse=True), sizes
    assert sizes[0] > sizes[-1], "the threshold changed nothing"
    for low, high in [(0.2, 0.9), (0.9, 0.999999)]:
        assert found[high].keys() <= found[low].keys()


# --------------------------------------------------------------------------- input formats


def test_parquet_and_xml_lists(baseline: Baseline, lists: Lists, tmp_path: Path) -> None:
    left = write_parquet(tmp_path / "left.parquet", lists.left_rows)
    right = write_xml(tmp_path / "right.xml", lists.right_rows, attributes=False)
    out = tmp_path / "pairs.csv"
    status, err = run("link", left, right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert pairs_of(out).keys() == baseline.pairs.keys()


def test_xml_attributes_and_semicolon_csv_with_bom(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    left = write_csv(tmp_path / "left.csv", lists.left_rows, delimiter=";", bom=True)
    assert left.read_bytes().startswith(b"\xef\xbb\xbfrecord_id;cnie;")
    right = write_xml(tmp_path / "right.xml", lists.right_rows, attributes=True)
    out = tmp_path / "pairs.csv"
    status, err = run("link", left, right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert pairs_of(out).keys() == baseline.pairs.keys()


def test_french_headers_are_recognised_without_options(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    french = {
        "record_id": "IDENTIFIANT",
        "cnie": "CIN",
        "first_name": "PRENOM",
        "last_name": "NOM",
        "birth_date": "DATE_NAISSANCE",
        "sex": "SEXE",
        "commune": "VILLE",
    }
    left = write_csv(tmp_path / "left.csv", lists.left_rows, names=french)
    right = write_csv(tmp_path / "right.csv", lists.right_rows, names=french)
    out = tmp_path / "pairs.csv"
    # The saved model compares the six fields: a header not recognised would be refused.
    status, err = run("link", left, right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert pairs_of(out).keys() == baseline.pairs.keys()


def test_an_option_wins_over_a_default_header(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    """The list's first_name column holds the first name of the row above (a shifted column);
    the right names are in PRENOM_USAGE."""
    header = (*HEADER, "PRENOM_USAGE")
    paths = []
    for side, rows in (("left", lists.left_rows), ("right", lists.right_rows)):
        rows = [
            {**r, "PRENOM_USAGE": r["first_name"], "first_name": rows[i - 1]["first_name"]}
            for i, r in enumerate(rows)
        ]
        paths.append(write_csv(tmp_path / f"{side}.csv", rows, header))
    out = tmp_path / "pairs.csv"
    status, err = run(
        "link", *paths, "--out", out, "--model", baseline.model, "--first-name", "PRENOM_USAGE"
    )
    assert status == 0, err
    assert pairs_of(out).keys() == baseline.pairs.keys()


def test_every_column_option_and_extra(lists: Lists, tmp_path: Path) -> None:
    header = (*HEADER, "address")
    names = {
        "record_id": "NUM_DOSSIER",
        "cnie": "CNIE_NUM",
        "first_name": "PRENOM_USUEL",
        "last_name": "NOM_FAMILLE",
        "birth_date": "NE_LE",
        "sex": "GENRE_CODE",
        "commune": "CODE_COMMUNE",
        "address": "ADRESSE",
    }
    left = write_csv(tmp_path / "left.csv", lists.left_rows, header, names=names)
    right = write_csv(tmp_path / "right.csv", lists.right_rows, header, names=names)
    out = tmp_path / "pairs.csv"
    model = tmp_path / "model.json"
    status, err = run(
        "link",
        left,
        right,
        "--out",
        out,
        "--save-model",
        model,
        "--id",
        "NUM_DOSSIER",
        "--id-number",
        "CNIE_NUM",
        "--first-name",
        "PRENOM_USUEL",
        "--last-name",
        "NOM_FAMILLE",
        "--birth-date",
        "NE_LE",
        "--sex",
        "GENRE_CODE",
        "--commune",
        "CODE_COMMUNE",
        "--extra",
        "ADRESSE",
    )
    assert status == 0, err
    document = json.loads(model.read_text(encoding="utf-8"))
    assert document["fields"] == [
        "id_number",
        "first_name",
        "last_name",
        "birth_date",
        "sex",
        "commune",
    ]
    assert document["extra"] == ["ADRESSE"]
    pairs = pairs_of(out)
    assert_one_to_one(pairs)
    assert set(pairs) - lists.truth == set()
    assert {(a["record_id"], b["record_id"]) for a, b in SAME.values()} <= set(pairs)


def test_extra_columns_alone(tmp_path: Path) -> None:
    """--extra is repeatable; with every other field dropped it is the only comparison."""
    rows = population(30, seed=21, prefix="L")
    left = write_csv(tmp_path / "left.csv", rows, (*HEADER, "address"))
    right = write_csv(
        tmp_path / "right.csv",
        [{**r, "record_id": "R" + r["record_id"][1:]} for r in rows],
        (*HEADER, "address"),
    )
    out = tmp_path / "pairs.csv"
    model = tmp_path / "model.json"
    drop = [
        a for f in ("--id-number", "--first-name", "--last-name", "--birth-date") for a in (f, "")
    ]
    status, err = run(
        "link", left, right, "--out", out, "--save-model", model, *drop,
        "--sex", "", "--commune", "", "--extra", "first_name", "--extra", "last_name",
    )  # fmt: skip
    assert status == 0, err
    document = json.loads(model.read_text(encoding="utf-8"))
    assert document["fields"] == []
    assert document["extra"] == ["first_name", "last_name"]
    assert_one_to_one(pairs_of(out))


def test_an_empty_option_drops_the_field(lists: Lists, tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    model = tmp_path / "model.json"
    status, err = run(
        "link", lists.left, lists.right, "--out", out, "--save-model", model, "--commune", ""
    )
    assert status == 0, err
    document = json.loads(model.read_text(encoding="utf-8"))
    assert document["fields"] == ["id_number", "first_name", "last_name", "birth_date", "sex"]
    pairs = pairs_of(out)
    assert_one_to_one(pairs)
    assert set(pairs) - lists.truth == set()
    assert {(a["record_id"], b["record_id"]) for a, b in SAME.values()} <= set(pairs)


def test_lists_with_different_fields_are_refused(lists: Lists, tmp_path: Path) -> None:
    right = write_csv(tmp_path / "right.csv", lists.right_rows, [h for h in HEADER if h != "sex"])
    out = tmp_path / "pairs.csv"
    status, err = run("link", lists.left, right, "--out", out)
    assert_refused(status, err, out, "sex")


def _blank(rows: list[Row]) -> list[Row]:
    """Every third row loses its CNIE, every fourth its birth date, every fifth its sex, every
    sixth its commune; the row at index 7 keeps only its names."""
    out = []
    for i, row in enumerate(rows):
        row = dict(row)
        for column, step in (("cnie", 3), ("birth_date", 4), ("sex", 5), ("commune", 6)):
            if i % step == 1:
                row[column] = ""
        if i == 7:
            row.update(cnie="", birth_date="", sex="", commune="")
        out.append(row)
    return out


def test_missing_values_everywhere(lists: Lists, tmp_path: Path) -> None:
    left = write_csv(tmp_path / "left.csv", _blank(lists.left_rows))
    right = write_csv(tmp_path / "right.csv", _blank(lists.right_rows[::-1]))
    out = tmp_path / "pairs.csv"
    status, err = run("link", left, right, "--out", out)
    assert status == 0, err
    pairs = pairs_of(out)
    assert_one_to_one(pairs)
    assert set(pairs) - lists.truth == set()
    assert len(set(pairs) & lists.truth) >= 0.9 * len(lists.truth)


def test_unreadable_birth_dates_are_reported(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    rows = [dict(r) for r in lists.left_rows]
    rows[0]["birth_date"] = "le 3 mars"
    rows[1]["birth_date"] = "99/99/9999"
    left = write_csv(tmp_path / "left.csv", rows)
    out = tmp_path / "pairs.csv"
    status, err = run("link", left, lists.right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert "2 dates de naissance illisibles" in err


def test_birth_date_formats_mixed_in_one_list(
    baseline: Baseline, lists: Lists, tmp_path: Path
) -> None:
    """ISO, YYYYMMDD and DD/MM/YYYY in one column read as the same dates."""
    rows = []
    for i, row in enumerate(lists.right_rows):
        year, month, day = row["birth_date"].split("-")
        written = [f"{year}-{month}-{day}", f"{year}{month}{day}", f"{day}/{month}/{year}"]
        rows.append({**row, "birth_date": written[i % 3]})
    right = write_csv(tmp_path / "right.csv", rows)
    out = tmp_path / "pairs.csv"
    status, err = run("link", lists.left, right, "--out", out, "--model", baseline.model)
    assert status == 0, err
    assert "illisibles" not in err
    assert pairs_of(out) == baseline.pairs


# --------------------------------------------------------------------------- dedupe


@dataclass
class Deduped:
    rows: list[Row]
    groups: list[set[str]]  # the records of each person with copies
    out: Path
    err: str
    clusters: dict[str, str]


def _copies(rows: list[Row]) -> list[Row]:
    """Second registrations of some people of ``rows``, each written differently: six adults
    (with a CNIE) and two children."""
    adults = [r for r in rows if r["cnie"]][:6]
    children = [r for r in rows if not r["cnie"]][:2]
    edits = [
        lambda r: {**r, "first_name": r["first_name"].lower(), "last_name": r["last_name"].title()},
        lambda r: {**r, "birth_date": "/".join(reversed(r["birth_date"].split("-")))},
        lambda r: {**r, "sex": "", "commune": ""},
        lambda r: {**r, "cnie": "", "birth_date": r["birth_date"].replace("-", "")},
        lambda r: {**r, "last_name": "EL " + r["last_name"]},
        lambda r: dict(r),
        lambda r: {**r, "first_name": r["first_name"].title()},
        lambda r: {**r, "birth_date": "/".join(reversed(r["birth_date"].split("-")))},
    ]
    chosen = adults + children
    assert len(chosen) == len(edits)
    return [
        {**edit(row), "record_id": "D" + row["record_id"]}
        for edit, row in zip(edits, chosen, strict=True)
    ]


@pytest.fixture(scope="module")
def deduped(tmp_path_factory: pytest.TempPathFactory) -> Deduped:
    folder = tmp_path_factory.mktemp("dedupe")
    base = population(40, seed=31, prefix="P")
    copies = _copies(base)
    hand = [row for pair in SAME.values() for row in pair]
    siblings = [row for pair in SIBLINGS for row in pair]
    rows = base + hand + siblings + copies
    groups = [{row["record_id"][1:], row["record_id"]} for row in copies]
    groups += [{a["record_id"], b["record_id"]} for a, b in SAME.values()]
    path = write_csv(folder / "list.csv", rows)
    out = folder / "clusters.csv"
    status, err = run("dedupe", path, "--out", out)
    assert status == 0, err
    return Deduped(rows, groups, out, err, clusters_of(out))


def test_dedupe_writes_every_record_once(deduped: Deduped) -> None:
    header, rows = read_csv(deduped.out)
    assert header == CLUSTERS_HEADER
    assert [r[0] for r in rows] == [r["record_id"] for r in deduped.rows]  # in input order
    assert f"{len(deduped.rows)} enregistrements écrits" in deduped.err


def test_dedupe_puts_copies_of_a_person_in_one_cluster(deduped: Deduped) -> None:
    for group in deduped.groups:
        assert len({deduped.clusters[r] for r in group}) == 1, group


def test_dedupe_keeps_different_people_apart(deduped: Deduped) -> None:
    person_of = {r: i for i, group in enumerate(deduped.groups) for r in group}
    members: dict[str, set[object]] = {}
    for record, cluster in deduped.clusters.items():
        members.setdefault(cluster, set()).add(person_of.get(record, record))
    merged = [m for m in members.values() if len(m) > 1]
    assert merged == []
    for a, b in SIBLINGS:
        assert deduped.clusters[a["record_id"]] != deduped.clusters[b["record_id"]]


def test_dedupe_saves_its_model_next_to_the_output(deduped: Deduped) -> None:
    model = deduped.out.with_name("clusters.csv.model.json")
    document = json.loads(model.read_text(encoding="utf-8"))
    assert document["format"] == "snigi-enrolment-control-model/1"
    assert f"modèle {document['version']}" in deduped.err


def test_dedupe_without_id_column_numbers_the_rows(deduped: Deduped, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", deduped.rows, [h for h in HEADER if h != "record_id"])
    out = tmp_path / "clusters.csv"
    status, err = run(
        "dedupe", path, "--out", out, "--model", deduped.out.with_name("clusters.csv.model.json")
    )
    assert status == 0, err
    clusters = clusters_of(out)
    assert list(clusters) == [str(i) for i in range(1, len(deduped.rows) + 1)]
    index = {r["record_id"]: str(i) for i, r in enumerate(deduped.rows, start=1)}
    for group in deduped.groups:
        assert len({clusters[index[r]] for r in group}) == 1, group


def test_dedupe_empty_id_option_ignores_the_id_column(deduped: Deduped, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", deduped.rows)
    out = tmp_path / "clusters.csv"
    status, err = run(
        "dedupe",
        path,
        "--out",
        out,
        "--id",
        "",
        "--model",
        deduped.out.with_name("clusters.csv.model.json"),
    )
    assert status == 0, err
    assert list(clusters_of(out)) == [str(i) for i in range(1, len(deduped.rows) + 1)]


# --------------------------------------------------------------------------- refused input


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The output path, alone in its folder (so that any leftover is seen)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder / "result.csv"


def test_unknown_column_names_it_and_lists_the_file_columns(lists: Lists, out: Path) -> None:
    status, err = run("link", lists.left, lists.right, "--out", out, "--first-name", "PRENOM_X")
    assert_refused(status, err, out, "PRENOM_X", "left.csv", ", ".join(HEADER))


def test_unknown_extra_column(lists: Lists, out: Path) -> None:
    status, err = run("dedupe", lists.left, "--out", out, "--extra", "telephone")
    assert_refused(status, err, out, "telephone", ", ".join(HEADER))


def test_unknown_column_of_the_right_list(lists: Lists, out: Path, tmp_path: Path) -> None:
    right = write_csv(
        tmp_path / "right.csv", lists.right_rows, names={"first_name": "prenom_usuel"}
    )
    status, err = run("link", lists.left, right, "--out", out, "--first-name", "first_name")
    assert_refused(status, err, out, "first_name", "right.csv", "prenom_usuel")


@pytest.mark.parametrize("which", ["left", "right"])
def test_missing_file(lists: Lists, out: Path, tmp_path: Path, which: str) -> None:
    missing = tmp_path / "absent.csv"
    args = [missing, lists.right] if which == "left" else [lists.left, missing]
    status, err = run("link", *args, "--out", out)
    assert_refused(status, err, out, str(missing))


def test_missing_file_dedupe(out: Path, tmp_path: Path) -> None:
    status, err = run("dedupe", tmp_path / "absent.xml", "--out", out)
    assert_refused(status, err, out, "absent.xml")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("garbage.csv", bytes(range(256)) * 8, "UTF-8"),
        ("latin1.csv", "record_id,first_name\n1,Aïcha\n".encode("latin-1"), "UTF-8"),
        ("fake.parquet", b"record_id,first_name\n1,AICHA\n", "illisible"),
        ("broken.xml", b"<liste><personne><nom>ALAOUI</nom></personne>", "illisible"),
        ("entity.xml", b'<!DOCTYPE l [<!ENTITY x "y">]><l><p><nom>&x;</nom></p></l>', "DTD"),
        ("empty.csv", b"", "vide"),
        ("blank.csv", b"  \n\n", "vide"),
        ("empty.xml", b"<liste></liste>", "aucun enregistrement"),
    ],
)
def test_unreadable_file(out: Path, tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    status, err = run("dedupe", path, "--out", out)
    assert_refused(status, err, out, name, needle)


def test_a_folder_is_not_a_list(out: Path, tmp_path: Path) -> None:
    folder = tmp_path / "list.csv"
    folder.mkdir()
    status, err = run("dedupe", folder, "--out", out)
    assert_refused(status, err, out, "list.csv")


@pytest.mark.parametrize("which", ["left", "right"])
def test_duplicate_record_ids(lists: Lists, out: Path, tmp_path: Path, which: str) -> None:
    rows = lists.left_rows if which == "left" else lists.right_rows
    doubled = write_csv(tmp_path / f"{which}-doubled.csv", [*rows, rows[3]])
    args = [doubled, lists.right] if which == "left" else [lists.left, doubled]
    status, err = run("link", *args, "--out", out)
    assert_refused(status, err, out, rows[3]["record_id"], "record_id", "double")


def test_duplicate_record_ids_dedupe(lists: Lists, out: Path, tmp_path: Path) -> None:
    rows = lists.left_rows
    doubled = write_csv(tmp_path / "list.csv", [*rows, rows[0], rows[1], rows[1]])
    status, err = run("dedupe", doubled, "--out", out)
    assert_refused(status, err, out, f"{rows[1]['record_id']} (3 fois)", "2 identifiant")


def test_empty_record_id(lists: Lists, out: Path, tmp_path: Path) -> None:
    rows = [dict(r) for r in lists.left_rows]
    rows[4]["record_id"] = ""
    path = write_csv(tmp_path / "list.csv", rows)
    status, err = run("dedupe", path, "--out", out)
    assert_refused(status, err, out, "sans identifiant", "ligne 6")


@pytest.mark.parametrize("threshold", ["0", "1.5", "-0.1", "nan", "1.0000001"])
def test_threshold_outside_zero_one(lists: Lists, out: Path, threshold: str) -> None:
    status, err = run("link", lists.left, lists.right, "--out", out, "--threshold", threshold)
    assert_refused(status, err, out, "--threshold")


def test_out_in_a_missing_folder(lists: Lists, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "pairs.csv"
    status, err = run("link", lists.left, lists.right, "--out", out)
    assert status == 2
    assert "nowhere" in err
    assert not out.parent.exists()


def test_out_is_a_folder(lists: Lists, out: Path) -> None:
    status, err = run("dedupe", lists.left, "--out", out.parent)
    assert status == 2
    assert str(out.parent) in err
    assert list(out.parent.iterdir()) == []


def test_extra_column_given_twice(lists: Lists, out: Path) -> None:
    status, err = run("dedupe", lists.left, "--out", out, "--extra", "sex", "--extra", "sex")
    assert_refused(status, err, out, "--extra")


@pytest.mark.parametrize(
    "args",
    [["--engine", "hadoop"], ["--threshold", "high"], ["--unknown-option"], []],
    ids=["engine", "threshold", "option", "no-out"],
)
def test_bad_command_line(lists: Lists, out: Path, capsys, args: list[str]) -> None:
    argv = ["snigi", "dedupe", str(lists.left), *args]
    if args:
        argv += ["--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage: snigi dedupe" in capsys.readouterr().err
    assert not out.exists()


def test_refused_run_keeps_an_existing_output(lists: Lists, out: Path, tmp_path: Path) -> None:
    out.write_text("left_id,right_id,match_probability\nA,B,1.0\n", encoding="utf-8")
    status, err = run("link", lists.left, tmp_path / "absent.csv", "--out", out)
    assert status == 2
    assert out.read_text(encoding="utf-8") == "left_id,right_id,match_probability\nA,B,1.0\n"


# --------------------------------------------------------------------------- known failures


def test_threshold_one_is_accepted(baseline: Baseline, lists: Lists, out: Path) -> None:
    status, err = run(
        "link", lists.left, lists.right, "--out", out, "--model", baseline.model,
        "--threshold", "1",
    )  # fmt: skip
    assert status == 0, err
    pairs = pairs_of(out)
    assert_one_to_one(pairs)
    assert all(p == 1.0 for p in pairs.values())


def test_list_with_header_only(lists: Lists, out: Path, tmp_path: Path) -> None:
    right = write_csv(tmp_path / "right.csv", [])
    status, err = run("link", lists.left, right, "--out", out)
    if status == 0:
        assert pairs_of(out) == {}
    else:
        assert_refused(status, err, out, "right.csv")


def test_link_when_one_list_has_no_cnie(lists: Lists, out: Path, tmp_path: Path) -> None:
    right = write_csv(tmp_path / "right.csv", [{**r, "cnie": ""} for r in lists.right_rows])
    status, err = run("link", lists.left, right, "--out", out)
    assert status == 0, err
    pairs = pairs_of(out)
    assert {(a["record_id"], b["record_id"]) for a, b in SAME.values()} <= set(pairs)


def test_dedupe_when_no_cnie_is_repeated(out: Path, tmp_path: Path) -> None:
    rows = population(40, seed=41, prefix="P")
    copies = [{**r, "record_id": "D" + r["record_id"], "cnie": ""} for r in rows[:8]]
    path = write_csv(tmp_path / "list.csv", rows + copies)
    status, err = run("dedupe", path, "--out", out)
    assert status == 0, err
    assert len(clusters_of(out)) == len(rows) + len(copies)


def test_link_lists_without_sex_column(lists: Lists, out: Path, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "sex"]
    left = write_csv(tmp_path / "left.csv", lists.left_rows, header)
    right = write_csv(tmp_path / "right.csv", lists.right_rows, header)
    status, err = run("link", left, right, "--out", out)
    assert status == 0, err
    pairs = pairs_of(out)
    assert {(a["record_id"], b["record_id"]) for a, b in SAME.values()} <= set(pairs)


class _TrainedLinker:
    """What ``model.save`` reads of a Splink linker: its model as Splink's JSON."""

    def __init__(self, splink: dict[str, object]) -> None:
        self.misc = SimpleNamespace(save_model_to_json=lambda: splink)


def test_same_parameters_give_the_same_model_version(tmp_path: Path) -> None:
    from snigi.enrolment_control import model
    from snigi.enrolment_control.prepare import Mapping

    parameters = {
        "link_type": "dedupe_only",
        "probability_two_random_records_match": 0.01,
        "comparisons": [{"output_column_name": "x", "comparison_levels": [{"m_probability": 0.9}]}],
    }
    mapping = Mapping(first_name="prenom", last_name="nom")
    versions = [
        model.save(
            _TrainedLinker({**parameters, "linker_uid": uid}), tmp_path / f"{uid}.json", mapping, {}
        )
        for uid in ("jjcf3i7s", "wxqobfsy")
    ]
    assert versions[0] == versions[1]


# --------------------------------------------------------------------------- the snigi command


def test_python_m_snigi_link_does_not_start_django(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    out = tmp_path / "pairs.csv"
    argv = ["snigi", "link", "absent-left.csv", "absent-right.csv", "--out", str(out)]
    code = (
        "import sys, runpy\n"
        f"sys.argv = {argv!r}\n"
        "try:\n"
        "    runpy.run_module('snigi', run_name='__main__')\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, 'django' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.stdout.split() == ["2", "False"], done.stderr
    assert "fichier introuvable" in done.stderr
    assert "absent-left.csv" in done.stderr
    assert not out.exists()


# --------------------------------------------------------------------------- Spark


def _f1(found: set[tuple[str, str]], reference: set[tuple[str, str]]) -> float:
    if not found and not reference:
        return 1.0
    common = len(found & reference)
    return 2 * common / (len(found) + len(reference))


def _need_spark() -> None:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("no Java runtime")


def test_spark_engine_small_list(tmp_path: Path) -> None:
    _need_spark()
    base = population(120, seed=51, prefix="L")
    copies = [{**r, "record_id": "R" + r["record_id"][1:]} for r in base[:80]]
    for i, row in enumerate(copies):
        if i % 4 == 0:
            row["first_name"] = row["first_name"].lower()
        if i % 5 == 0:
            row["cnie"] = ""
    others = population(20, seed=52, prefix="X", start=7000)
    left = write_csv(tmp_path / "left.csv", base)
    right = write_csv(tmp_path / "right.csv", copies + others)
    out_duck, out_spark = tmp_path / "duckdb.csv", tmp_path / "spark.csv"
    status, err = run("link", left, right, "--out", out_duck)
    assert status == 0, err
    status, err = run("link", left, right, "--out", out_spark, "--engine", "spark")
    assert status == 0, err
    duck, spark = set(pairs_of(out_duck)), set(pairs_of(out_spark))
    assert_one_to_one(pairs_of(out_spark))
    truth = {(r["record_id"], "R" + r["record_id"][1:]) for r in base[:80]}
    assert len(duck & truth) >= 0.95 * len(truth)
    assert _f1(spark, duck) >= 0.95, spark ^ duck
    assert json.loads(out_spark.with_name("spark.csv.model.json").read_text("utf-8"))["version"]


def test_spark_engine_with_a_saved_model(baseline: Baseline, lists: Lists, out: Path) -> None:
    _need_spark()
    status, err = run(
        "link", lists.left, lists.right, "--out", out, "--model", baseline.model,
        "--engine", "spark",
    )  # fmt: skip
    assert status == 0, err
    assert _f1(set(pairs_of(out)), set(baseline.pairs)) >= 0.95
