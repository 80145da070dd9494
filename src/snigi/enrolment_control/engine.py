"""Linking two lists one-to-one and deduplicating one list (Django-free).

The run, for ``link`` and ``dedupe`` alike:

1. read the lists and normalise them (``prepare.py``) into DuckDB;
2. the exact pass: records sharing an identity number, unique within their list and
   corroborated by the birth year or a name, are settled; their other block keys are NULL so
   that the probabilistic rules only search the rest;
3. block keys, capped in frequency (``Options.block_cap``);
4. the Splink model (``model.py``): trained without labels, or loaded from a saved model;
   saved and versioned;
5. predictions at the threshold, on DuckDB or on Spark (same settings);
6. ``link``: one-to-one by mutual best match; ``dedupe``: connected components.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, cast

import duckdb

from snigi.enrolment_control import model as mdl
from snigi.enrolment_control.prepare import InputError, Mapping, open_list, prepare

__all__ = ["InputError", "Options", "Result", "dedupe", "link", "STEPS"]

PREDICT_CHUNK_RECORDS = 4_000_000
# Past this many records the model is trained on a random sample of each list (the same
# fraction of each), at least a quarter of it: training costs less, the model is the same in
# expectation (benchmarks/README.md).
TRAIN_SAMPLE_RECORDS = 500_000
TRAIN_MIN_FRACTION = 0.25

# One-to-one linking keeps mutual best pairs only, which is evidence the pairwise probability
# does not hold: its threshold can be lower than that of clustering, where links chain.
LINK_THRESHOLD = 0.3
DEDUPE_THRESHOLD = 0.9

STEPS = (
    "lecture",
    "normalisation",
    "passe exacte",
    "clés de blocage",
    "modèle",
    "prédiction",
    "résolution",
    "écriture",
)


@dataclass
class Options:
    engine: str = "duckdb"  # or "spark"
    threshold: float | None = None  # default: LINK_THRESHOLD or DEDUPE_THRESHOLD
    model: Path | None = None  # a saved model to reuse (no training)
    save_model: Path | None = None
    block_cap: int = 400  # a block key shared by more records than this blocks nothing
    memory_limit: str | None = None  # DuckDB's, e.g. "6GB"; default: 40 % of the RAM
    threads: int | None = None
    work_dir: Path | None = None  # DuckDB's database and spill files (default: a temp dir)
    explicit: set[str] = field(default_factory=set)  # mapping fields given on the command line
    verbose: bool = False  # Splink's training and prediction log on stderr
    review_floor: float | None = None  # dedupe: pairs scored from here are written to pairs_out
    pairs_out: Path | None = None  # dedupe: id_l,id_r,match_probability of those pairs


@dataclass
class Result:
    rows: dict[str, int]
    written: int
    exact_pairs: int
    predicted_pairs: int
    model_version: str
    model_path: Path | None
    unreadable_dates: int
    seconds: dict[str, float]


def _memory_limit() -> str:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "4GB"
    return f"{max(1, int(total * 0.4 / 2**30))}GB"


@contextmanager
def _connection(options: Options) -> Iterator[duckdb.DuckDBPyConnection]:
    work = Path(tempfile.mkdtemp(prefix="snigi-link-", dir=options.work_dir))
    con = duckdb.connect(str(work / "run.duckdb"))
    try:
        con.execute(f"SET memory_limit = '{options.memory_limit or _memory_limit()}'")
        con.execute(f"SET temp_directory = '{work / 'spill'}'")
        if options.threads:
            con.execute(f"SET threads = {int(options.threads)}")
        yield con
    finally:
        con.close()
        shutil.rmtree(work, ignore_errors=True)


class _Clock:
    def __init__(self, progress: Callable[[str], None] | None) -> None:
        self.progress = progress or (lambda _: None)
        self.seconds: dict[str, float] = {}
        self._step: str | None = None
        self._t = time.perf_counter()

    def step(self, name: str) -> None:
        now = time.perf_counter()
        if self._step:
            self.seconds[self._step] = round(now - self._t, 3)
        self._step, self._t = name, now
        self.progress(name)

    def done(self) -> dict[str, float]:
        self.step("")
        return self.seconds


def splink_threshold(threshold: float) -> float:
    """Splink turns a probability of 1 into an infinite weight: ask for a hair below, the exact
    threshold is applied afterwards."""
    return min(threshold, 1 - 1e-9)


def predict_floor(options: Options) -> float:
    """The lowest probability a run needs: its threshold, or the review band's floor."""
    assert options.threshold is not None  # noqa: S101 - set by link() and dedupe()
    if options.review_floor is None:
        return options.threshold
    return min(options.threshold, options.review_floor)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _corroborated(a: str, b: str) -> str:
    """SQL: two records sharing an identity number are the same person beyond doubt: both names
    agree by skeleton (in either order) and the birth years do not differ."""
    same = f"{a}.fn_skel = {b}.fn_skel AND {a}.ln_skel = {b}.ln_skel"
    swapped = f"{a}.fn_skel = {b}.ln_skel AND {a}.ln_skel = {b}.fn_skel"
    return (
        f"({a}.dob_y IS NULL OR {b}.dob_y IS NULL OR {a}.dob_y = {b}.dob_y) "
        f"AND (({same}) OR ({swapped}))"
    )


# An identity number held by more records than this is a placeholder (0, 00000000, NEANT...):
# it settles nothing and blocks nothing.
ID_CAP = 8


def _exact_pass(con: duckdb.DuckDBPyConnection, linking: bool) -> int:
    """Mark settled records (table ``settled``); the exact pairs in table ``exact``
    (``row_l``, ``row_r``); their number. Settled records are only compared through their
    identity number afterwards, and their pair is kept whatever the model says."""
    if linking:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE exact AS
            WITH single AS (
                SELECT * FROM records WHERE idn IS NOT NULL AND idn IN (
                    SELECT idn FROM records WHERE idn IS NOT NULL GROUP BY idn
                    HAVING count(*) FILTER (WHERE source_dataset = 'left') = 1
                       AND count(*) FILTER (WHERE source_dataset = 'right') = 1))
            SELECT l.row_number AS row_l, r.row_number AS row_r
            FROM single l JOIN single r ON l.idn = r.idn
            WHERE l.source_dataset = 'left' AND r.source_dataset = 'right'
              AND {_corroborated("l", "r")}""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE settled AS
            SELECT 'left' AS source_dataset, row_l AS row_number FROM exact
            UNION ALL SELECT 'right', row_r FROM exact""")
    else:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE exact AS
            WITH grp AS (
                SELECT *, min(row_number) OVER (PARTITION BY idn) AS head
                FROM records WHERE idn IS NOT NULL AND idn IN (
                    SELECT idn FROM records WHERE idn IS NOT NULL GROUP BY idn
                    HAVING count(*) BETWEEN 2 AND {ID_CAP}))
            SELECT o.row_number AS row_l, h.row_number AS row_r
            FROM grp o JOIN grp h ON h.row_number = o.head
            WHERE o.row_number <> o.head AND {_corroborated("o", "h")}""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE settled AS
            SELECT source_dataset, row_number FROM records
            WHERE row_number IN (SELECT row_l FROM exact)""")
    return _count(con, "SELECT count(*) FROM exact")


def _block_keys(con: duckdb.DuckDBPyConnection, cap: int, mapping: Mapping) -> None:
    """Add the block keys to ``records``: 64-bit hashes, NULL for settled records and for values
    shared by more than ``cap`` records."""
    keys = {k: mdl.BLOCK_KEYS[k] for k in mdl.block_keys(mapping)}
    # hash(NULL) is a number: a key with a missing part must stay NULL.
    raw = ", ".join(
        f"CASE WHEN s.row_number IS NULL AND ({expr}) IS NOT NULL THEN hash({expr}) END AS {name}"
        for name, expr in keys.items()
    )
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE keyed AS
        SELECT r.*, {raw + "," if raw else ""}
               CASE WHEN count(*) OVER (PARTITION BY r.idn) <= {ID_CAP} THEN r.idn END AS b_idn
        FROM records r
        LEFT JOIN settled s USING (source_dataset, row_number)""")
    joins, capped = [], []
    for name in keys:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE freq_{name} AS
            SELECT {name} AS v FROM keyed WHERE {name} IS NOT NULL
            GROUP BY 1 HAVING count(*) > {int(cap) // mdl.LOOSE_KEYS.get(name, 1)}""")
        joins.append(f"LEFT JOIN freq_{name} ON freq_{name}.v = k.{name}")
        capped.append(f"CASE WHEN freq_{name}.v IS NULL THEN k.{name} END AS {name}")
    if keys:
        con.execute(f"""
            CREATE OR REPLACE TABLE records AS
            SELECT k.* EXCLUDE ({", ".join(keys)}), {", ".join(capped)}
            FROM keyed k {" ".join(joins)}""")
    else:
        con.execute("CREATE OR REPLACE TABLE records AS SELECT * FROM keyed")
    con.execute("DROP TABLE keyed")
    for name in keys:
        con.execute(f"DROP TABLE freq_{name}")


def _one_to_one(con: duckdb.DuckDBPyConnection, predictions: str, threshold: float) -> None:
    """``links(left_id, right_id, p)``: mutual best pairs at or above ``threshold``, repeated
    until no pair is left (each record in at most one link). The exact pairs are candidates
    whatever their score (at the threshold when the model scored them lower)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cand AS
        SELECT CASE WHEN source_dataset_l = 'left' THEN unique_id_l ELSE unique_id_r END AS l,
               CASE WHEN source_dataset_l = 'left' THEN unique_id_r ELSE unique_id_l END AS r,
               match_probability AS p
        FROM {predictions} WHERE match_probability >= {float(threshold)}""")
    con.execute(f"""
        INSERT INTO cand
        SELECT l.unique_id, r.unique_id, {float(threshold)} FROM exact e
        JOIN records l ON l.source_dataset = 'left' AND l.row_number = e.row_l
        JOIN records r ON r.source_dataset = 'right' AND r.row_number = e.row_r
        WHERE NOT EXISTS (SELECT 1 FROM cand c WHERE c.l = l.unique_id AND c.r = r.unique_id)""")
    con.execute("CREATE OR REPLACE TEMP TABLE links (left_id VARCHAR, right_id VARCHAR, p DOUBLE)")
    while True:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE best AS
            SELECT l, r, p FROM (
                SELECT *, row_number() OVER (PARTITION BY l ORDER BY p DESC, r) AS bl,
                          row_number() OVER (PARTITION BY r ORDER BY p DESC, l) AS br
                FROM cand) WHERE bl = 1 AND br = 1""")
        if not _count(con, "SELECT count(*) FROM best"):
            break
        con.execute("INSERT INTO links SELECT l, r, p FROM best")
        con.execute("""
            DELETE FROM cand WHERE l IN (SELECT l FROM best) OR r IN (SELECT r FROM best)""")


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _model(
    linker: Any, mapping: Mapping, options: Options, n: int, out: Path, version: str
) -> tuple[str, Path | None]:
    if options.model:
        return version, options.model
    mdl.train(linker, mapping, n)
    path = options.save_model or out.with_name(out.name + ".model.json")
    meta = {
        "engine": options.engine,
        "trained_on_records": n,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    return mdl.save(linker, path, mapping, meta), path


def train_fraction(n: int) -> float:
    """The share of the records the model is trained on: all up to ``TRAIN_SAMPLE_RECORDS``,
    then that many, never under ``TRAIN_MIN_FRACTION``."""
    if n <= TRAIN_SAMPLE_RECORDS:
        return 1.0
    return max(TRAIN_SAMPLE_RECORDS / n, TRAIN_MIN_FRACTION)


def _frames(con: duckdb.DuckDBPyConnection, db: Any, sources: list[str], prefix: str, where: str):  # noqa: ANN202
    return [
        db.register(
            con.sql(f"SELECT * FROM records WHERE source_dataset = '{s}' AND {where}"),
            table_name=f"{prefix}_{s}",
        )
        for s in sources
    ]


def _splink_run(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    options: Options,
    link_type: str,
    sources: list[str],
    out: Path,
    clock: _Clock,
) -> tuple[str, str, Path | None]:
    """Train or load the model, predict; the name of the predictions table in ``con``."""
    from splink import DuckDBAPI, Linker

    clock.step("modèle")
    settings: Any = mdl.settings(link_type, mapping, options.engine)
    version = ""
    if options.model:
        settings, version = mdl.load(options.model, mapping, link_type, options.engine)
    n = _count(con, "SELECT count(*) FROM records")
    if options.engine == "spark":
        from snigi.enrolment_control.spark import spark_predict

        return spark_predict(con, settings, mapping, options, sources, out, clock, n, version)
    db = DuckDBAPI(connection=con)
    level = logging.INFO if options.verbose else logging.ERROR
    fraction = train_fraction(n)
    if options.model is None and fraction < 1:
        # Trained on a sample of each list (the same fraction of each keeps the prior, u and m
        # unbiased); the learnt parameters are then loaded into the linker of the whole lists.
        sample = _frames(
            con, db, sources, "tr", f"hash(unique_id) % 1000000 < {fraction * 1e6:.0f}"
        )
        trainer = Linker(sample if len(sample) > 1 else sample[0], settings, log_level=level)
        trained = round(n * fraction)
        version, path = _model(trainer, mapping, options, trained, out, version)
        path = cast(Path, path)  # trained, hence saved
        settings, version = mdl.load(path, mapping, link_type, options.engine)
        options = replace(options, model=path)
    frames = _frames(con, db, sources, "in", "true")
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, log_level=level)
    version, path = _model(linker, mapping, options, n, out, version)
    clock.step("prédiction")
    # Past a few million records the scoring is done in slices of the left side, so that
    # DuckDB's working set stays within its memory limit.
    chunks = max(1, -(-n // PREDICT_CHUNK_RECORDS))
    predictions = linker.inference.predict(
        threshold_match_probability=splink_threshold(predict_floor(options)),
        num_chunks_left=chunks if chunks > 1 else None,
        num_chunks_right=1 if chunks > 1 else None,
    )
    return predictions.physical_name, version, path


def _match(
    con: duckdb.DuckDBPyConnection,
    mapping: Mapping,
    options: Options,
    link_type: str,
    sources: list[str],
    out: Path,
    clock: _Clock,
) -> tuple[int, str, str, Path | None, int]:
    """Steps 2 to 5 of both commands: the exact pass, the block keys, the model and the
    predictions; the exact pairs' count, the predictions table, the model's version and path,
    the number of predictions."""
    clock.step("passe exacte")
    exact = _exact_pass(con, linking=link_type == "link_only")
    clock.step("clés de blocage")
    _block_keys(con, options.block_cap, mapping)
    table, version, path = _splink_run(con, mapping, options, link_type, sources, out, clock)
    clock.step("résolution")
    return exact, table, version, path, _count(con, f"SELECT count(*) FROM {table}")


def link(
    left: str | Path,
    right: str | Path,
    out: str | Path,
    mapping: Mapping,
    options: Options | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Link two lists one-to-one; write ``left_id,right_id,match_probability`` to ``out``."""
    options = replace(options or Options())
    if options.threshold is None:
        options.threshold = LINK_THRESHOLD
    out = Path(out)
    clock = _Clock(progress)
    with _connection(options) as con:
        clock.step("lecture")
        cols_l = open_list(con, left, "in_left_raw")
        cols_r = open_list(con, right, "in_right_raw")
        m_l = mapping.resolve(cols_l, Path(left).name, options.explicit)
        m_r = mapping.resolve(cols_r, Path(right).name, options.explicit)
        if m_l.compared != m_r.compared:
            raise InputError(
                f"les deux listes n'ont pas les mêmes champs : {', '.join(m_l.compared)} "
                f"contre {', '.join(m_r.compared)}."
            )
        clock.step("normalisation")
        prepared = prepare(
            con,
            [("in_left_raw", "left", m_l), ("in_right_raw", "right", m_r)],
            files={"left": Path(left).name, "right": Path(right).name},
        )
        exact, table, version, path, predicted = _match(
            con, m_l, options, "link_only", ["left", "right"], out, clock
        )
        _one_to_one(con, table, options.threshold)
        clock.step("écriture")
        con.execute(
            f"COPY (SELECT left_id, right_id, round(p, 6) AS match_probability FROM links "
            f"ORDER BY left_id, right_id) TO '{_quote(out)}' (HEADER, DELIMITER ',')"
        )
        written = _count(con, "SELECT count(*) FROM links")
    return Result(
        prepared.rows,
        written,
        exact,
        predicted,
        version,
        path,
        prepared.unreadable_dates,
        clock.done(),
    )


def dedupe(
    path: str | Path,
    out: str | Path,
    mapping: Mapping,
    options: Options | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Cluster the records of one list; write ``record_id,cluster_id`` (every record) to ``out``."""
    from splink import DuckDBAPI
    from splink.clustering import cluster_pairwise_predictions_at_threshold

    options = replace(options or Options())
    if options.threshold is None:
        options.threshold = DEDUPE_THRESHOLD
    out = Path(out)
    clock = _Clock(progress)
    with _connection(options) as con:
        clock.step("lecture")
        cols = open_list(con, path, "in_list_raw")
        m = mapping.resolve(cols, Path(path).name, options.explicit)
        clock.step("normalisation")
        prepared = prepare(con, [("in_list_raw", "list", m)], files={"list": Path(path).name})
        exact, table, version, model_path, predicted = _match(
            con, m, options, "dedupe_only", ["list"], out, clock
        )
        db = DuckDBAPI(connection=con)
        edges = (
            f"SELECT unique_id_l, unique_id_r, match_probability FROM {table} "
            f"WHERE match_probability >= {float(options.threshold)} UNION ALL "
            "SELECT o.unique_id, h.unique_id, 1.0 FROM exact e "
            "JOIN records o ON o.row_number = e.row_l JOIN records h ON h.row_number = e.row_r"
        )
        clusters = cluster_pairwise_predictions_at_threshold(
            con.sql("SELECT unique_id, row_number FROM records"),
            con.sql(edges),
            db,
            node_id_column_name="unique_id",
            threshold_match_probability=splink_threshold(options.threshold),
        )
        clock.step("écriture")
        if options.pairs_out is not None:
            con.execute(
                f"COPY (SELECT unique_id_l AS id_l, unique_id_r AS id_r, match_probability "
                f"FROM {table} WHERE match_probability >= {predict_floor(options)} UNION "
                "SELECT o.unique_id, h.unique_id, 1.0 FROM exact e JOIN records o "
                "ON o.row_number = e.row_l JOIN records h ON h.row_number = e.row_r) "
                f"TO '{_quote(options.pairs_out)}' (HEADER, DELIMITER ',')"
            )
        con.execute(
            f"COPY (SELECT r.unique_id AS record_id, c.cluster_id FROM records r "
            f"JOIN {clusters.physical_name} c USING (unique_id) ORDER BY r.row_number) "
            f"TO '{_quote(out)}' (HEADER, DELIMITER ',')"
        )
        written = prepared.rows.get("list", 0)
    return Result(
        prepared.rows,
        written,
        exact,
        predicted,
        version,
        model_path,
        prepared.unreadable_dates,
        clock.done(),
    )
