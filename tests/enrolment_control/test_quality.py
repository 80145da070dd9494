"""Match quality of ``link`` and ``dedupe`` on synthetic Moroccan lists with known truth.

Small lists (a few thousand records) so that the suite stays fast; the benchmark measures the
large ones. The thresholds leave room for sampling noise at this size, well above what plain
Splink reaches on the same data (about 0.93 F1 in the benchmark).
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from snigi.enrolment_control.engine import Options, dedupe, link
from snigi.enrolment_control.prepare import Mapping
from snigi.enrolment_control.synthetic import Noise, write_dedupe_list, write_link_lists


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _f1(truth: set[tuple[str, str]], found: set[tuple[str, str]]) -> tuple[float, float, float]:
    tp = len(truth & found)
    precision = tp / len(found) if found else 0.0
    recall = tp / len(truth)
    return precision, recall, 2 * precision * recall / (precision + recall or 1)


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("quality")
    write_link_lists(
        d / "left.csv",
        d / "right.parquet",
        d / "truth.csv",
        left=6000,
        right=5000,
        overlap=0.5,
        seed=11,
    )
    return d


def test_link_finds_the_true_pairs_one_to_one(lists: Path) -> None:
    out = lists / "pairs.csv"
    result = link(lists / "left.csv", lists / "right.parquet", out, Mapping())
    rows = _rows(out)
    found = {(r[0], r[1]) for r in rows}
    truth = {(r[0], r[1]) for r in _rows(lists / "truth.csv")}
    precision, recall, f1 = _f1(truth, found)
    assert len({r[0] for r in rows}) == len(rows) == len({r[1] for r in rows})
    assert all(0.3 <= float(r[2]) <= 1.0 for r in rows)
    assert precision >= 0.99, precision
    assert recall >= 0.97, recall
    assert f1 >= 0.98, f1
    assert result.exact_pairs < len(truth)  # the probabilistic stage found the rest
    assert result.written == len(rows)


def test_a_saved_model_gives_the_same_pairs(lists: Path) -> None:
    first, second = lists / "a.csv", lists / "b.csv"
    model = lists / "model.json"
    trained = link(
        lists / "left.csv", lists / "right.parquet", first, Mapping(), Options(save_model=model)
    )
    reused = link(
        lists / "left.csv", lists / "right.parquet", second, Mapping(), Options(model=model)
    )
    assert reused.model_version == trained.model_version
    assert _rows(first) == _rows(second)


def test_clean_copies_are_all_found(tmp_path: Path) -> None:
    write_link_lists(
        tmp_path / "l.csv",
        tmp_path / "r.csv",
        tmp_path / "t.csv",
        left=3000,
        right=3000,
        overlap=0.4,
        seed=5,
        noise=Noise.none(),
    )
    link(tmp_path / "l.csv", tmp_path / "r.csv", tmp_path / "p.csv", Mapping())
    truth = {(r[0], r[1]) for r in _rows(tmp_path / "t.csv")}
    _, recall, f1 = _f1(truth, {(r[0], r[1]) for r in _rows(tmp_path / "p.csv")})
    assert recall >= 0.995, recall
    assert f1 >= 0.995, f1


def test_dedupe_clusters_the_copies_of_each_person(tmp_path: Path) -> None:
    write_dedupe_list(tmp_path / "d.csv", tmp_path / "t.csv", records=8000, seed=3)
    dedupe(tmp_path / "d.csv", tmp_path / "c.csv", Mapping(), Options(threshold=0.9))
    clusters = _rows(tmp_path / "c.csv")
    records = _rows(tmp_path / "d.csv")
    assert sorted(r[0] for r in clusters) == sorted(r[0] for r in records)

    def pairs(rows: list[list[str]]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for record, group in rows:
            groups[group].append(record)
        return {
            tuple(sorted(p))  # type: ignore[misc]
            for members in groups.values()
            for p in itertools.combinations(members, 2)
        }

    precision, recall, f1 = _f1(pairs(_rows(tmp_path / "t.csv")), pairs(clusters))
    assert precision >= 0.97, precision
    assert recall >= 0.96, recall
    assert f1 >= 0.97, f1


def test_a_model_trained_on_a_sample_finds_the_pairs_as_well(
    lists: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past TRAIN_SAMPLE_RECORDS the model learns from a quarter of each list: the saved model
    says so, and the pairs found are as good."""
    import json

    from snigi.enrolment_control import engine

    monkeypatch.setattr(engine, "TRAIN_SAMPLE_RECORDS", 2000)
    out = lists / "sampled.csv"
    link(lists / "left.csv", lists / "right.parquet", out, Mapping())
    model = json.loads((lists / "sampled.csv.model.json").read_text(encoding="utf-8"))
    assert 0.2 * 11000 < model["trained_on_records"] < 0.3 * 11000
    found = {(r[0], r[1]) for r in _rows(out)}
    truth = {(r[0], r[1]) for r in _rows(lists / "truth.csv")}
    precision, recall, f1 = _f1(truth, found)
    assert precision >= 0.99, precision
    assert recall >= 0.97, recall
    assert f1 >= 0.98, f1
