"""Plain Splink with generic settings: the baseline of ``enrolment_control.py``.

    python benchmarks/plain_splink.py LEFT RIGHT OUT.csv [--memory-limit 6GB]

What a newcomer would write from Splink's tutorial, on the same files: names lower-cased and
trimmed, the ID upper-cased, dates read in the three formats of the lists, ``NameComparison`` on
the names, Damerau-Levenshtein on the ID and the date, exact sex and commune; blocking on the ID,
first name + date and last name + date; u by random sampling, EM on two blocks; pairs at or
above 0.9 written as ``left_id,right_id,match_probability`` (no one-to-one step).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import duckdb


def _read(con: duckdb.DuckDBPyConnection, path: str, name: str) -> None:
    reader = "read_parquet" if path.endswith(".parquet") else "read_csv"
    extra = "" if reader == "read_parquet" else ", all_varchar = true, header = true"
    dob = (
        "coalesce("
        + ", ".join(
            f"try_strptime(birth_date, '{fmt}')" for fmt in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y")
        )
        + ")"
    )
    con.execute(f"""
        CREATE TABLE list_{name} AS SELECT
            CAST(record_id AS VARCHAR) AS unique_id,
            '{name}' AS source_dataset,
            nullif(upper(trim(cnie)), '') AS p_id,
            nullif(lower(trim(first_name)), '') AS p_first,
            nullif(lower(trim(last_name)), '') AS p_last,
            strftime({dob}, '%Y-%m-%d') AS p_dob,
            CASE upper(trim(sex)) WHEN 'H' THEN 'M' ELSE nullif(upper(trim(sex)), '') END AS p_sex,
            nullif(trim(commune), '') AS p_commune
        FROM {reader}('{path}'{extra})""")


def main(argv: list[str] | None = None) -> int:
    from splink import DuckDBAPI, Linker, block_on

    from snigi.enrolment_control.model import plain_settings
    from snigi.enrolment_control.prepare import Mapping

    parser = argparse.ArgumentParser()
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("out")
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="plain-splink-")
    con = duckdb.connect(f"{work}/run.duckdb")
    con.execute(f"SET memory_limit = '{args.memory_limit}'")
    con.execute(f"SET temp_directory = '{work}/spill'")
    _read(con, args.left, "left")
    _read(con, args.right, "right")
    mapping = Mapping(
        id_number="cnie",
        first_name="first_name",
        last_name="last_name",
        birth_date="birth_date",
        sex="sex",
        commune="commune",
    )
    db = DuckDBAPI(connection=con)
    frames = [
        db.register(con.sql(f"SELECT * FROM list_{t}"), table_name=f"in_{t}")
        for t in ("left", "right")
    ]
    linker = Linker(frames, plain_settings("link_only", mapping), log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("p_id", "p_dob")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("p_id"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("p_first", "p_last")
    )
    predictions = linker.inference.predict(threshold_match_probability=args.threshold)
    con.execute(f"""
        COPY (SELECT CASE WHEN source_dataset_l = 'left' THEN unique_id_l ELSE unique_id_r END
                     AS left_id,
                     CASE WHEN source_dataset_l = 'left' THEN unique_id_r ELSE unique_id_l END
                     AS right_id,
                     round(match_probability, 6) AS match_probability
              FROM {predictions.physical_name})
        TO '{Path(args.out)}' (HEADER, DELIMITER ',')""")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
