"""The synthetic beneficiary lists: truth, shuffling, determinism, and the rate of each noise."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from snigi.demo.names import normalise
from snigi.enrolment_control.synthetic import (
    COLUMNS,
    SEGMENT,
    Noise,
    main,
    write_dedupe_list,
    write_link_lists,
)

ARABIC = re.compile("[\u0600-\u06ff]")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def link(tmp: Path, noise: Noise, *, left: int = 4000, right: int = 3000, seed: int = 5, **kw):
    paths = [tmp / "left.csv", tmp / "right.csv", tmp / "truth.csv"]
    info = write_link_lists(*paths, left=left, right=right, seed=seed, noise=noise, **kw)
    return read(paths[0]), read(paths[1]), read(paths[2]), info


def parse_date(text: str, fmt: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a rendered date; month and day 0 when only the year is given."""
    patterns = {
        "iso": r"(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)",
        "compact": r"(?P<y>\d{4})(?P<m>\d\d)(?P<d>\d\d)",
        "dmy": r"(?P<d>\d\d)/(?P<m>\d\d)/(?P<y>\d{4})",
    }
    if re.fullmatch(r"\d{4}", text):
        return int(text), 0, 0
    for m in (re.fullmatch(patterns[f], text) for f in (fmt, *patterns)):
        if m:
            return int(m["y"]), int(m["m"]), int(m["d"])
    return None


def is_valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def clean_person(row: dict[str, str], style: dict) -> tuple:
    """The person fields of a Noise.none() record, with the list's style factored out."""
    sex = {style["male"]: "M", "F": "F"}[row["sex"]]
    date = parse_date(row["birth_date"], style["date_format"])
    return (row["cnie"], row["first_name"], row["last_name"], date, sex, row["commune"])


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory):
    return link(tmp_path_factory.mktemp("clean"), Noise.none())


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory):
    return link(tmp_path_factory.mktemp("noisy"), Noise())


def aligned(tmp: Path, noise: Noise, clean) -> list[tuple[dict, dict]]:
    """Left rows with ``noise`` next to the same rows without noise (noise never moves rows)."""
    rows = link(tmp, noise)[0]
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in clean[0]]
    return list(zip(rows, clean[0], strict=True))


# --------------------------------------------------------------------------- structure


def test_link_lists_have_the_requested_shape(noisy) -> None:
    left, right, truth, info = noisy
    assert (len(left), len(right), info["true_pairs"]) == (4000, 3000, 1500)
    assert list(left[0]) == list(COLUMNS)
    assert list(right[0]) == list(COLUMNS)
    assert all(re.fullmatch(r"L\d{9}", r["record_id"]) for r in left)
    assert all(re.fullmatch(r"R\d{9}", r["record_id"]) for r in right)
    assert len({r["record_id"] for r in left}) == len(left)
    assert len(truth) == 1500
    left_ids, right_ids = {r["record_id"] for r in left}, {r["record_id"] for r in right}
    assert {t["left_id"] for t in truth} <= left_ids
    assert {t["right_id"] for t in truth} <= right_ids
    assert len({t["left_id"] for t in truth}) == len({t["right_id"] for t in truth}) == 1500


@pytest.mark.parametrize(
    ("left", "right", "overlap", "pairs"),
    [(1000, 3000, 0.3, 300), (500, 500, 1.0, 500), (800, 600, 0.0, 0)],
)
def test_overlap_is_a_share_of_the_smaller_list(tmp_path, left, right, overlap, pairs) -> None:
    rows_l, rows_r, truth, info = link(tmp_path, Noise(), left=left, right=right, overlap=overlap)
    assert (len(rows_l), len(rows_r), len(truth), info["true_pairs"]) == (left, right, pairs, pairs)


def test_no_person_twice_in_a_list(clean) -> None:
    # The fund number (household number + rank in the household) identifies a person in a list.
    left, right, _, info = clean
    for rows, style in ((left, info["left_style"]), (right, info["right_style"])):
        assert len({r["fund_number"] for r in rows}) == len(rows)
        assert len({clean_person(r, style) for r in rows}) == len(rows)


def test_households_stay_together_and_rows_are_shuffled(clean) -> None:
    left = clean[0]
    households = Counter(re.sub(r"\D\d+$|\d\d$", "", r["fund_number"]) for r in left)
    # Siblings, spouses, parents: most records share their household with another record...
    assert sum(n for n in households.values() if n > 1) > 0.5 * len(left)
    # ... but neighbouring rows are not households, and ids say nothing of the pairs.
    same = sum(a["last_name"] == b["last_name"] for a, b in zip(left, left[1:], strict=False))
    assert same < 0.05 * len(left)
    truth = clean[2]
    numbers = np.array([[int(t["left_id"][1:]), int(t["right_id"][1:])] for t in truth])
    assert abs(np.corrcoef(numbers.T)[0, 1]) < 0.1
    assert (numbers[:, 0] == numbers[:, 1]).sum() < 5


def test_styles_of_the_two_lists(noisy) -> None:
    left, right, _, info = noisy
    styles = info["left_style"], info["right_style"]
    assert styles[0]["date_format"] != styles[1]["date_format"]
    shapes = {"iso": r"\d{4}-\d\d-\d\d", "compact": r"\d{8}", "dmy": r"\d\d/\d\d/\d{4}"}
    for rows, style in zip((left, right), styles, strict=True):
        main = sum(bool(re.fullmatch(shapes[style["date_format"]], r["birth_date"])) for r in rows)
        assert 0.9 * len(rows) < main < len(rows)
        assert {r["sex"] for r in rows} == {style["male"], "F", ""}


# --------------------------------------------------------------------------- truth


def test_clean_copies_of_a_pair_are_identical(clean) -> None:
    left, right, truth, info = clean
    by_id = {r["record_id"]: r for r in left} | {r["record_id"]: r for r in right}
    for t in truth:
        a = clean_person(by_id[t["left_id"]], info["left_style"])
        b = clean_person(by_id[t["right_id"]], info["right_style"])
        assert a == b


def test_true_pairs_are_the_same_person_random_pairs_are_not(noisy) -> None:
    left, right, truth, info = noisy
    by_id = {r["record_id"]: r for r in left} | {r["record_id"]: r for r in right}

    def agreement(pairs: list[tuple[str, str]]) -> tuple[float, float]:
        years = sexes = 0
        for a, b in pairs:
            ra, rb = by_id[a], by_id[b]
            da = parse_date(ra["birth_date"], info["left_style"]["date_format"])
            db = parse_date(rb["birth_date"], info["right_style"]["date_format"])
            years += bool(da and db and da[0] == db[0])
            sa = {info["left_style"]["male"]: "M"}.get(ra["sex"], ra["sex"])
            sb = {info["right_style"]["male"]: "M"}.get(rb["sex"], rb["sex"])
            sexes += sa == sb
        return years / len(pairs), sexes / len(pairs)

    years, sexes = agreement([(t["left_id"], t["right_id"]) for t in truth])
    assert 0.9 < years < 1.0
    assert 0.95 < sexes < 1.0
    rng = np.random.default_rng(0)
    random_pairs = [
        (left[i]["record_id"], right[j]["record_id"])
        for i, j in zip(
            rng.integers(0, len(left), 2000), rng.integers(0, len(right), 2000), strict=True
        )
    ]
    years, sexes = agreement(random_pairs)
    assert years < 0.1
    assert sexes < 0.6


# --------------------------------------------------------------------------- reproducibility


def test_same_seed_same_files_other_seed_other_files(tmp_path) -> None:
    outputs = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        (tmp_path / name).mkdir()
        paths = [tmp_path / name / f for f in ("l.csv", "r.csv", "t.csv")]
        write_link_lists(*paths, left=1500, right=1500, seed=seed)
        outputs.append([p.read_bytes() for p in paths])
    assert outputs[0] == outputs[1]
    assert all(x != y for x, y in zip(outputs[0], outputs[2], strict=True))


def test_chunk_size_does_not_change_the_output(tmp_path) -> None:
    outputs = []
    for name, chunk in (("small", SEGMENT), ("big", 10 * SEGMENT)):
        (tmp_path / name).mkdir()
        paths = [tmp_path / name / f for f in ("l.csv", "r.csv", "t.csv", "d.csv", "dt.csv")]
        write_link_lists(*paths[:3], left=14_000, right=9_000, seed=3, chunk_size=chunk)
        write_dedupe_list(*paths[3:], records=14_000, seed=3, chunk_size=chunk)
        outputs.append([p.read_bytes() for p in paths])
    assert outputs[0] == outputs[1]


def test_csv_and_parquet_hold_the_same_rows(tmp_path) -> None:
    csv_paths = [tmp_path / f for f in ("l.csv", "r.csv", "t.csv")]
    pq_paths = [tmp_path / f for f in ("l.parquet", "r.parquet", "t.parquet")]
    write_link_lists(*csv_paths, left=2000, right=2000, seed=9)
    write_link_lists(*pq_paths, left=2000, right=2000, seed=9)
    for c, p in zip(csv_paths, pq_paths, strict=True):
        table = pq.read_table(p)
        assert all(str(t) == "string" for t in table.schema.types)
        rows = [{k: v or "" for k, v in r.items()} for r in table.to_pylist()]
        assert rows == read(c)
    with pytest.raises(ValueError, match="suffix"):
        write_link_lists(tmp_path / "l.txt", *csv_paths[1:], left=10, right=10)


# --------------------------------------------------------------------------- dedupe


def test_dedupe_truth_and_duplicate_rate(tmp_path) -> None:
    path, truth_path = tmp_path / "d.csv", tmp_path / "dt.csv"
    info = write_dedupe_list(path, truth_path, records=12_000, duplicate_rate=0.25, seed=4)
    rows, truth = read(path), read(truth_path)
    assert len(rows) == len(truth) == 12_000 == info["rows"]
    assert [t["record_id"] for t in truth] == [r["record_id"] for r in rows]
    assert all(re.fullmatch(r"D\d{9}", r["record_id"]) for r in rows)
    sizes = Counter(Counter(t["person_id"] for t in truth).values())
    assert set(sizes) <= {1, 2, 3, 4}
    assert sizes[2] > sizes[3] > sizes[4] > 0
    people = sum(sizes.values())
    assert people == info["people"]
    assert abs((people - sizes[1]) / people - 0.25) < 0.03
    # Copies of a person mostly agree on the birth year; neighbouring rows mostly do not.
    by_id = {r["record_id"]: r for r in rows}
    clusters: dict[str, list[int | None]] = {}
    for t in truth:
        date = parse_date(by_id[t["record_id"]]["birth_date"], info["style"]["date_format"])
        clusters.setdefault(t["person_id"], []).append(date and date[0])
    multi = [c for c in clusters.values() if len(c) > 1]
    assert sum(len(set(c)) == 1 for c in multi) > 0.85 * len(multi)
    neighbours = [t["person_id"] == u["person_id"] for t, u in zip(truth, truth[1:], strict=False)]
    assert sum(neighbours) < 0.01 * len(truth)


def test_dedupe_without_duplicates_and_clean(tmp_path) -> None:
    path, truth_path = tmp_path / "d.parquet", tmp_path / "dt.csv"
    write_dedupe_list(path, truth_path, records=3000, duplicate_rate=0.0, noise=Noise.none())
    truth = read(truth_path)
    assert len({t["person_id"] for t in truth}) == 3000
    assert pq.read_table(path).num_rows == 3000


# --------------------------------------------------------------------------- noise rates


def test_noise_presets() -> None:
    assert all(getattr(Noise.none(), f.name) == 0 for f in fields(Noise))
    default, heavy = Noise(), Noise.heavy()
    assert all(
        getattr(heavy, f.name) == pytest.approx(2 * getattr(default, f.name)) for f in fields(Noise)
    )
    with pytest.raises(ValueError, match="name_typo"):
        Noise(name_typo=1.5)


def only(**rates: float) -> Noise:
    return replace(Noise.none(), **rates)


def share(pairs: list[tuple[dict, dict]], hit, among=lambda noisy, clean: True) -> float:
    selected = [(a, b) for a, b in pairs if among(a, b)]
    return sum(bool(hit(a, b)) for a, b in selected) / len(selected)


def changed(field: str):
    return lambda a, b: a[field] != b[field]


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def test_default_noise_rates(tmp_path, clean) -> None:
    pairs = aligned(tmp_path, Noise(), clean)
    adult = lambda a, b: b["cnie"] != ""  # noqa: E731
    assert share(pairs, lambda a, b: a["cnie"] == "", adult) == pytest.approx(0.04, abs=0.015)
    cnie_other = share(pairs, lambda a, b: a["cnie"] not in ("", b["cnie"]), adult)
    assert cnie_other == pytest.approx(0.96 * (1 - 0.97 * 0.95), abs=0.02)
    assert share(pairs, lambda a, b: a["birth_date"] == "") == pytest.approx(0.01, abs=0.006)
    assert share(pairs, lambda a, b: a["sex"] == "") == pytest.approx(0.01, abs=0.006)
    assert share(pairs, lambda a, b: a["commune"] == "") == pytest.approx(0.03, abs=0.01)
    moved = share(pairs, lambda a, b: a["commune"] not in ("", b["commune"]))
    assert moved == pytest.approx(0.06 * 0.97, abs=0.015)
    for field in ("first_name", "last_name"):
        assert 0.15 < share(pairs, changed(field)) < 0.4
        case_only = lambda a, b, f=field: a[f] != b[f] and normalise(a[f]) == b[f]  # noqa: E731
        assert 0.02 < share(pairs, case_only) < 0.07


def swapped(a: dict, b: dict) -> bool:
    return (a["first_name"], a["last_name"]) == (b["last_name"], b["first_name"])


def in_arabic(a: dict, b: dict) -> bool:
    return bool(ARABIC.search(a["last_name"]) and ARABIC.search(a["first_name"]))


NAMES, DATE = ("first_name", "last_name"), ("birth_date",)
# noise -> (how a hit shows, share of hits that show, fields it may touch)
RATE_CASES = {
    "name_swap": (swapped, 1.0, NAMES),
    "first_name_missing": (lambda a, b: a["first_name"] == "", 1.0, NAMES),
    "name_arabic": (in_arabic, 1.0, NAMES),
    "name_typo": (changed("first_name"), 1.0, NAMES),
    "name_variant": (changed("last_name"), 0.97, NAMES),  # a few names have a single spelling
    "sex_wrong": (lambda a, b: a["sex"] not in ("", b["sex"]), 1.0, ("sex",)),
    "commune_missing": (lambda a, b: a["commune"] == "", 1.0, ("commune",)),
    "commune_moved": (lambda a, b: a["commune"] not in ("", b["commune"]), 1.0, ("commune",)),
    "date_missing": (lambda a, b: a["birth_date"] == "", 1.0, DATE),
    "date_other_format": (changed("birth_date"), 1.0, DATE),
    "cnie_missing": (lambda a, b: a["cnie"] == "" != b["cnie"], 0.7, ("cnie",)),  # adults only
}


@pytest.mark.parametrize("rate_name", sorted(RATE_CASES))
def test_each_noise_hits_at_its_rate(tmp_path, clean, rate_name: str) -> None:
    hit, visible, touched = RATE_CASES[rate_name]
    pairs = aligned(tmp_path, only(**{rate_name: 0.2}), clean)
    assert share(pairs, hit) == pytest.approx(0.2 * visible, abs=0.03)
    for a, b in pairs:  # and nothing else changed
        assert {k for k in a if a[k] != b[k]} <= set(touched)


def test_cnie_noise_only_touches_adults_and_stays_close(tmp_path, clean) -> None:
    pairs = aligned(tmp_path, only(cnie_typo=0.3, cnie_format=0.3), clean)
    adult = lambda a, b: b["cnie"] != ""  # noqa: E731
    assert all(a["cnie"] == "" for a, b in pairs if not adult(a, b))
    hit = share(pairs, changed("cnie"), adult)
    assert hit == pytest.approx(1 - 0.7 * 0.7, abs=0.04)
    for a, b in pairs:
        if a["cnie"] != b["cnie"]:
            assert levenshtein(re.sub(r"[ .-]", "", a["cnie"].upper()), b["cnie"]) <= 2


def test_cnie_of_a_relative(tmp_path, clean) -> None:
    pairs = aligned(tmp_path, only(cnie_relative=0.5), clean)
    own = {b["cnie"] for _, b in pairs if b["cnie"]}
    borrowed = [a["cnie"] for a, b in pairs if a["cnie"] != b["cnie"]]
    assert 0.1 * len(pairs) < len(borrowed) < 0.5 * len(pairs)
    # a valid number of someone else (the head, who is mostly in the same list)
    assert sum(c in own for c in borrowed) > 0.6 * len(borrowed)
    assert all(re.fullmatch(r"[A-Z]{1,2}\d{5,6}", c) for c in borrowed)


def test_name_typos_are_one_keyboard_slip(tmp_path, clean) -> None:
    pairs = aligned(tmp_path, only(name_typo=0.3), clean)
    edits = [levenshtein(a[f], b[f]) for a, b in pairs for f in ("first_name", "last_name")]
    assert set(edits) <= {0, 1, 2}
    assert sum(e > 0 for e in edits) / len(edits) == pytest.approx(0.3, abs=0.03)


def test_date_noise(tmp_path, clean) -> None:
    style = clean[3]["left_style"]
    fmt = style["date_format"]
    pairs = aligned(tmp_path, only(date_year_only=0.2), clean)
    year_only = [
        (parse_date(a["birth_date"], fmt), parse_date(b["birth_date"], fmt))
        for a, b in pairs
        if a != b
    ]
    assert len(year_only) / len(pairs) == pytest.approx(0.2, abs=0.03)
    assert all(x[0] == y[0] and x[1:] in ((0, 0), (1, 1)) for x, y in year_only)

    pairs = aligned(tmp_path, only(date_day_month_swap=0.5), clean)
    dates = [(parse_date(a["birth_date"], fmt), parse_date(b["birth_date"], fmt)) for a, b in pairs]
    swappable = [y for _, y in dates if y[2] <= 12 and y[1] != y[2]]
    swapped = [(x, y) for x, y in dates if x != y]
    assert all(x == (y[0], y[2], y[1]) and y[2] <= 12 for x, y in swapped)
    assert len(swapped) / len(swappable) == pytest.approx(0.5, abs=0.05)

    pairs = aligned(tmp_path, only(date_typo=0.3), clean)
    typos = [(a["birth_date"], b["birth_date"]) for a, b in pairs if a != b]
    assert len(typos) / len(pairs) == pytest.approx(0.3, abs=0.04)
    for x, y in typos:
        assert sum(c != d for c, d in zip(x, y, strict=True)) == 1
        assert is_valid(*parse_date(x, fmt))

    pairs = aligned(tmp_path, only(date_invalid=0.2), clean)
    invalid = [a["birth_date"] for a, b in pairs if a != b]
    assert len(invalid) / len(pairs) == pytest.approx(0.2, abs=0.03)
    assert not any(is_valid(*parse_date(x, fmt)) for x in invalid)


def test_particles_and_transliteration_keep_the_name_recognisable(tmp_path, clean) -> None:
    pairs = aligned(tmp_path, only(name_particle=0.5, name_transliteration=0.5), clean)
    last = [(a["last_name"], b["last_name"]) for a, b in pairs if a["last_name"] != b["last_name"]]
    assert len(last) > 0.4 * len(pairs)
    glued = sum(x.replace("-", "").replace(" ", "") == y.replace(" ", "") for x, y in last)
    assert glued > 0.02 * len(last)  # EL ALAOUI -> ELALAOUI / EL-ALAOUI, AIT ALI -> AITALI
    dropped = sum(y.endswith(" " + x) for x, y in last)  # EL ALAOUI -> ALAOUI
    assert dropped > 0.02 * len(last)
    assert all(levenshtein(x, y) <= 6 for x, y in last)


# --------------------------------------------------------------------------- command line


def test_command_line(tmp_path, capsys) -> None:
    paths = [str(tmp_path / f) for f in ("l.csv", "r.csv", "t.csv")]
    assert main(["link", *paths, "--left", "300", "--right", "200", "--noise", "heavy"]) == 0
    assert json.loads(capsys.readouterr().out)["true_pairs"] == 100
    assert len(read(Path(paths[2]))) == 100
    args = ["dedupe", str(tmp_path / "d.csv"), str(tmp_path / "dt.csv"), "--records", "400"]
    assert main([*args, "--duplicate-rate", "0.3", "--seed", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 400
