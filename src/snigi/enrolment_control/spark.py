"""The Spark engine: the same Splink settings run on Splink's Spark backend.

Reading, normalisation, the exact pass and block keys stay in DuckDB on this node (they are
linear and cheap); the normalised records go to Spark as Parquet, Spark trains (or loads) the
model and scores the pairs, and the predictions come back as Parquet for the one-to-one or
clustering step. ``SNIGI_SPARK_MASTER`` points at a cluster (default: ``local[threads]``); the
work files are then on this node's disk, so a cluster needs the work directory (``--work-dir``)
on storage every executor reads (not checked here).

Needs ``pip install 'snigi[spark]'`` (pyspark) and a Java runtime (Debian's default-jre).
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from snigi.enrolment_control.prepare import InputError, Mapping

if TYPE_CHECKING:
    from snigi.enrolment_control.engine import Options, _Clock


def available() -> str | None:
    """None when the Spark engine can run here, else the reason it cannot."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark n'est pas installé (pip install 'snigi[spark]')"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "Java n'est pas installé (apt-get install default-jre-headless)"
    return None


def _session(options: Options, work: Path) -> Any:
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    threads = options.threads or os.cpu_count() or 2
    memory = (options.memory_limit or "4GB").upper().replace("GB", "g").replace("MB", "m")
    builder = (
        SparkSession.builder.appName("snigi-enrolment-control")
        .master(os.environ.get("SNIGI_SPARK_MASTER", f"local[{threads}]"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(max(4, threads * 4)))
        .config("spark.default.parallelism", str(max(4, threads * 4)))
        .config("spark.local.dir", str(work / "spark-local"))
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", "-Dlog4j2.rootLogger.level=error")
        .config("spark.sql.session.timeZone", "UTC")
    )
    spark = builder.getOrCreate()
    try:
        spark.sparkContext.setLogLevel("ERROR")
        spark.sparkContext.setCheckpointDir(str(work / "spark-checkpoints"))
    except Exception:
        spark.stop()
        raise
    return spark


def spark_predict(
    con: duckdb.DuckDBPyConnection,
    settings: Any,
    mapping: Mapping,
    options: Options,
    sources: list[str],
    out: Path,
    clock: _Clock,
    n: int,
    version: str,
) -> tuple[str, str, Path | None]:
    """Train or load on Spark and predict; the predictions as a table of ``con``."""
    from splink import Linker
    from splink.backends.spark import SparkAPI

    from snigi.enrolment_control.engine import _model, predict_floor, splink_threshold

    reason = available()
    if reason:
        raise InputError(f"moteur Spark indisponible : {reason}.")
    database = con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    work = Path(database).parent / "spark"
    work.mkdir(parents=True, exist_ok=True)
    for s in sources:
        con.execute(
            f"COPY (SELECT * FROM records WHERE source_dataset = '{s}') "
            f"TO '{work / (s + '.parquet')}' (FORMAT parquet)"
        )
    spark = _session(options, work)
    try:
        db = SparkAPI(spark_session=spark, break_lineage_method="parquet")
        frames = [
            db.register(spark.read.parquet(str(work / f"{s}.parquet")), table_name=f"in_{s}")
            for s in sources
        ]
        linker = Linker(
            frames if len(frames) > 1 else frames[0],
            settings,
            log_level=logging.INFO if options.verbose else logging.ERROR,
        )
        version, path = _model(linker, mapping, options, n, out, version)
        clock.step("prédiction")
        predictions = linker.inference.predict(
            threshold_match_probability=splink_threshold(predict_floor(options))
        )
        target = work / "predictions.parquet"
        frame = predictions.as_spark_dataframe()
        wanted = [
            "unique_id_l",
            "unique_id_r",
            "source_dataset_l",
            "source_dataset_r",
            "match_probability",
        ]
        frame.select(*[c for c in wanted if c in frame.columns]).write.mode("overwrite").parquet(
            str(target)
        )
    finally:
        spark.stop()
    con.execute(
        "CREATE OR REPLACE TABLE spark_predictions AS "
        f"SELECT * FROM read_parquet('{target}/*.parquet')"
    )
    return "spark_predictions", version, path
