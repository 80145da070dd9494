"""Edge cases found in review: lists without identity numbers, placeholder numbers, awkward
column names and paths, year-only dates, bad run options."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from snigi.cli import main
from snigi.enrolment_control.engine import Options, dedupe, link
from snigi.enrolment_control.prepare import Mapping
from snigi.enrolment_control.synthetic import write_link_lists


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("edges")
    write_link_lists(d / "l.csv", d / "r.csv", d / "t.csv", left=1500, right=1500, seed=4)
    return d


def test_without_identity_numbers_the_names_are_trained(small: Path, tmp_path: Path) -> None:
    out, model = tmp_path / "p.csv", tmp_path / "m.json"
    options = Options(save_model=model, explicit={"id_number"})
    link(small / "l.csv", small / "r.csv", out, Mapping(id_number=None), options)
    document = json.loads(model.read_text(encoding="utf-8"))
    names = [c for c in document["parameters"]["comparisons"] if c["name"] == "last_name"][0]
    exact = names["levels"][1]  # exact root
    assert exact["m_probability"] > 10 * exact["u_probability"]
    truth = {(r[0], r[1]) for r in _rows(small / "t.csv")}
    found = {(r[0], r[1]) for r in _rows(out)}
    assert len(found & truth) >= 0.85 * len(truth)


def test_year_only_dates_without_numbers_do_not_crash(tmp_path: Path) -> None:
    rows = [
        ["D1", "MOHAMED", "ALAOUI", "1980"],
        ["D2", "MOHAMED", "EL ALAOUI", "1980"],
        ["D3", "FATIMA", "BENNANI", "1975"],
    ]
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["record_id", "first_name", "last_name", "birth_date"], *rows])
    out = tmp_path / "c.csv"
    dedupe(path, out, Mapping())
    assert sorted(r[0] for r in _rows(out)) == ["D1", "D2", "D3"]


def test_a_placeholder_number_does_not_join_everyone(tmp_path: Path) -> None:
    header = ["record_id", "cnie", "first_name", "last_name", "birth_date"]
    names = ["AHMED", "KARIM", "SAID", "YOUSSEF", "HAMZA", "OMAR", "ALI", "REDA", "ANAS", "ADIL"]
    rows = [[f"P{i}", "00000000", n, f"NOM{i}", f"19{60 + i}-01-0{1 + i % 9}"]
            for i, n in enumerate(names)]  # fmt: skip
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    out = tmp_path / "c.csv"
    result = dedupe(path, out, Mapping())
    assert result.exact_pairs == 0
    clusters = {r[1] for r in _rows(out)}
    assert len(clusters) == len(rows)


def test_awkward_column_names_and_paths(small: Path, tmp_path: Path) -> None:
    rows = _rows(small / "l.csv")[:300]
    table = pa.table({
        'nom "x"': [r[3] for r in rows],
        "id-fiche": [r[0] for r in rows],
        "prénom": [r[2] for r in rows],
        "fund-number": [r[7] for r in rows],
    })  # fmt: skip
    odd = tmp_path / "a*b [1].parquet"
    pq.write_table(table, odd)
    pq.write_table(table, tmp_path / "aXb [1].parquet")  # would match the glob
    out = tmp_path / "c.csv"
    status = main(["snigi", "dedupe", str(odd), "--out", str(out), "--id", "id-fiche",
                   "--last-name", 'nom "x"', "--first-name", "prénom",
                   "--extra", "fund-number"])  # fmt: skip
    assert status == 0
    assert len(_rows(out)) == 300


def test_a_column_named_like_the_row_number_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "d.csv"
    path.write_text("__snigi_row__,nom\n1,ALAOUI\n2,BENNANI\n", encoding="utf-8")
    assert main(["snigi", "dedupe", str(path), "--out", str(tmp_path / "c.csv")]) == 2
    assert "réservée" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--work-dir", "missing-dir", "--work-dir"),
        ("--memory-limit", "6Go", "--memory-limit"),
        ("--save-model", "missing-dir/m.json", "--save-model"),
    ],
)
def test_bad_run_options_are_refused_before_any_work(
    small: Path, tmp_path: Path, capsys, option: str, value: str, message: str
) -> None:
    out = tmp_path / "p.csv"
    status = main(["snigi", "link", str(small / "l.csv"), str(small / "r.csv"), "--out", str(out),
                   option, str(tmp_path / value) if "dir" in value else value])  # fmt: skip
    assert status == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
