"""Reading the lists and building the normalised records table, in DuckDB (Django-free).

``open_list`` loads a CSV, Parquet or XML file as an all-text table; ``prepare`` builds the
``records`` table that the matcher reads: one row per input row, its id and source, and the
normalised forms of each mapped column (see ``snigi.enrolment_control.normalise``). Names and
birth dates go through Python once per *distinct* value, joined back in SQL.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from snigi.enrolment_control.normalise import (
    id_sql,
    name_forms,
    parse_birth_date,
    sex_sql,
    text_sql,
)

Progress = Callable[[str], None]

# Header names recognised when an option is not given (compared in lower case).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("record_id", "unique_id", "id", "identifiant"),
    "id_number": ("cnie", "id_number", "national_id", "cin", "nin"),
    "first_name": ("first_name", "prenom", "prénom", "firstname", "given_name", "forename"),
    "last_name": ("last_name", "nom", "surname", "family_name", "lastname"),
    "birth_date": ("birth_date", "date_naissance", "date_of_birth", "dob", "birthdate"),
    "sex": ("sex", "sexe", "gender", "genre"),
    "commune": ("commune", "commune_code", "city", "ville"),
}


class InputError(ValueError):
    """A list cannot be read or does not have the columns asked for."""


@dataclass(frozen=True)
class Mapping:
    """Which input column holds each field (None: not compared)."""

    id: str | None = None
    id_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    commune: str | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)

    @property
    def compared(self) -> list[str]:
        return [
            f.name for f in fields(self) if f.name not in ("id", "extra") and getattr(self, f.name)
        ]

    def resolve(self, columns: Sequence[str], label: str, explicit: set[str]) -> Mapping:
        """This mapping checked against a file's header; fields not given explicitly take the
        default header names when the file has one."""
        lower = {c.lower(): c for c in columns}
        values: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            wanted = getattr(self, f.name)
            if f.name in explicit:
                if wanted and wanted not in columns:
                    raise InputError(_unknown(wanted, label, columns))
                values[f.name] = wanted or None
            else:
                values[f.name] = next(
                    (lower[h] for h in DEFAULT_HEADERS[f.name] if h in lower), None
                )
        for column in self.extra:
            if column not in columns:
                raise InputError(_unknown(column, label, columns))
        return Mapping(**values, extra=self.extra)


def _unknown(column: str, label: str, columns: Sequence[str]) -> str:
    return (
        f"colonne inconnue « {column} » dans {label} ; colonnes du fichier : {', '.join(columns)}"
    )


def _xml_to_parquet(path: Path, out: Path) -> None:
    """Stream an XML list (a root holding one element per record; each field a child element
    or an attribute) into Parquet, in batches."""
    import xml.etree.ElementTree as ET  # noqa: S405 - parser hardened below (no entities)

    import pyarrow.parquet as pq

    columns: list[str] = []
    batch: list[dict[str, str]] = []
    writer: pq.ParquetWriter | None = None
    depth = 0

    def flush() -> None:
        nonlocal writer
        if not batch:
            return
        schema = pa.schema([(c, pa.string()) for c in columns])
        table = pa.table({c: [r.get(c) for r in batch] for c in columns}, schema=schema)
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
        batch.clear()

    parser = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
            if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
                raise InputError(f"{path.name} : les DTD et entités XML ne sont pas acceptées.")
            chunk = head
            while chunk:
                parser.feed(chunk)
                for event, elem in parser.read_events():
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            root = elem
                        continue
                    depth -= 1
                    if depth != 1:
                        continue
                    row = dict(elem.attrib)
                    for child in elem:
                        row[child.tag] = (child.text or "").strip()
                    if not columns:
                        columns = list(row)
                    elif set(row) - set(columns):
                        if writer is not None:
                            raise InputError(
                                f"{path.name} : un enregistrement a des champs que les premiers "
                                f"n'avaient pas ({', '.join(sorted(set(row) - set(columns)))})."
                            )
                        columns += [c for c in row if c not in columns]
                    batch.append(row)
                    elem.clear()
                    if root is not None:
                        root.clear()  # processed records leave the tree
                    if len(batch) >= 100_000:
                        flush()
                chunk = fh.read(1 << 20)
        parser.close()
        flush()
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise InputError(f"{path.name} : aucun enregistrement.")


def _work_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """Where the run keeps its files: next to the connection's database (a temp dir when the
    database is in memory)."""
    files = [r[2] for r in con.execute("PRAGMA database_list").fetchall() if r[2]]
    if files:
        return Path(files[0]).parent
    return Path(tempfile.mkdtemp(prefix="snigi-list-"))


def open_list(con: duckdb.DuckDBPyConnection, path: str | Path, name: str) -> list[str]:
    """Load the list at ``path`` as ``name`` (every column as text: a table for CSV, read once;
    a view for Parquet); its columns."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"fichier introuvable : {path}")
    suffix = path.suffix.lower()
    work = _work_dir(con)
    # DuckDB reads a path as a glob pattern: the file goes in under a plain name.
    safe = work / f"{name}{suffix or '.csv'}"
    safe.unlink(missing_ok=True)
    safe.symlink_to(path.resolve())
    quoted = str(safe).replace("'", "''")
    try:
        if suffix in (".parquet", ".pq"):
            cols = con.execute(f"DESCRIBE SELECT * FROM read_parquet('{quoted}')").fetchall()
            select = ", ".join(f"CAST({_ident(c[0])} AS VARCHAR) AS {_ident(c[0])}" for c in cols)
            con.execute(
                f"CREATE OR REPLACE VIEW {name} AS SELECT {select} FROM read_parquet('{quoted}')"
            )
        elif suffix == ".xml":
            tmp = work / f"{name}-xml.parquet"
            _xml_to_parquet(path, tmp)
            return open_list(con, tmp, name)
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                sample = fh.read(65536)
            if not sample.strip():
                raise InputError(f"{path.name} : le fichier est vide.")
            try:
                first = sample.splitlines()[0]
                delimiter = csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
            except csv.Error:
                delimiter = ","
            con.execute(
                f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv('{quoted}', "
                f"all_varchar = true, header = true, delim = '{delimiter}', quote = '\"', "
                f"escape = '\"', strict_mode = false, null_padding = true)"
            )
        columns = [r[0] for r in con.execute(f"DESCRIBE {name}").fetchall()]
        con.execute(f"SELECT count(*) FROM {name}").fetchall()
    except InputError:
        raise
    except UnicodeDecodeError:
        raise InputError(f"{path.name} : le fichier n'est pas en UTF-8.") from None
    except (duckdb.Error, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path.name} : fichier illisible ({first}).") from None
    except Exception as exc:  # noqa: BLE001 - the XML parser's errors
        raise InputError(f"{path.name} : fichier illisible ({exc}).") from None
    if ROW in columns:
        raise InputError(f"{path.name} : la colonne « {ROW} » est réservée.")
    return columns


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _names_table(con: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, Mapping]]) -> None:
    selects = [
        f"SELECT {_ident(col)} AS raw FROM {view}"
        for view, m in sources
        for col in (m.first_name, m.last_name)
        if col
    ]
    raws = (
        [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT raw FROM ({' UNION ALL '.join(selects)}) WHERE raw IS NOT NULL"
            ).fetchall()
        ]
        if selects
        else []
    )
    out: dict[str, list[Any]] = {k: [] for k in ("raw", "clean", "root", "sound", "skel")}
    for raw in raws:
        forms = name_forms(raw)
        if forms is None:
            continue
        out["raw"].append(raw)
        out["clean"].append(forms.clean)
        out["root"].append(forms.root)
        out["sound"].append(forms.sound)
        out["skel"].append(forms.skeleton)
    con.register("_names_arrow", pa.table(out, schema=pa.schema([(k, pa.string()) for k in out])))
    con.execute("CREATE OR REPLACE TEMP TABLE name_forms AS SELECT * FROM _names_arrow")
    con.unregister("_names_arrow")


def _dates_table(con: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, Mapping]]) -> int:
    selects = [f"SELECT {_ident(m.birth_date)} AS raw FROM {v}" for v, m in sources if m.birth_date]
    raws = (
        [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT raw FROM ({' UNION ALL '.join(selects)}) "
                "WHERE nullif(trim(raw), '') IS NOT NULL"
            ).fetchall()
        ]
        if selects
        else []
    )
    out: dict[str, list[Any]] = {k: [] for k in ("raw", "digits", "y", "m", "d")}
    unreadable = 0
    for raw in raws:
        date = parse_birth_date(raw)
        if date is None:
            unreadable += 1
            continue
        out["raw"].append(raw)
        out["digits"].append(None if date.partial else date.digits)
        out["y"].append(date.year)
        out["m"].append(date.month)
        out["d"].append(date.day)
    schema = pa.schema(
        [
            ("raw", pa.string()),
            ("digits", pa.string()),
            ("y", pa.int16()),
            ("m", pa.int8()),
            ("d", pa.int8()),
        ]
    )
    con.register("_dates_arrow", pa.table(out, schema=schema))
    con.execute("CREATE OR REPLACE TEMP TABLE date_forms AS SELECT * FROM _dates_arrow")
    con.unregister("_dates_arrow")
    return unreadable


NAME_FORMS = ("clean", "root", "sound", "skel")
ROW = "__snigi_row__"  # the row number's column: an input column of that name is refused


def _select(view: str, source: str, m: Mapping, n_extra: int) -> str:
    def col(name: str | None) -> str:
        return f"src.{_ident(name)}" if name else "NULL"

    rid = f"CAST({col(m.id)} AS VARCHAR)" if m.id else f"CAST(src.{ROW} AS VARCHAR)"
    parts = [
        f"{rid} AS unique_id",
        f"'{source}' AS source_dataset",
        f"src.{ROW} AS row_number",
        f"{id_sql(col(m.id_number))} AS idn",
        *[f"fn.{f} AS fn_{f}" for f in NAME_FORMS],
        *[f"ln.{f} AS ln_{f}" for f in NAME_FORMS],
        "dt.digits AS dob",
        "dt.y AS dob_y",
        "dt.m AS dob_m",
        "dt.d AS dob_d",
        f"{sex_sql(col(m.sex))} AS sex",
        f"{text_sql(col(m.commune))} AS commune",
        *[f"{text_sql(col(c))} AS x{i}" for i, c in enumerate(m.extra)],
        *[f"NULL::VARCHAR AS x{i}" for i in range(len(m.extra), n_extra)],
    ]
    joins = [
        f"LEFT JOIN name_forms fn ON fn.raw = {col(m.first_name)}",
        f"LEFT JOIN name_forms ln ON ln.raw = {col(m.last_name)}",
        f"LEFT JOIN date_forms dt ON dt.raw = {col(m.birth_date)}",
    ]
    return (
        f"SELECT {', '.join(parts)} FROM "
        f"(SELECT *, row_number() OVER () AS {ROW} FROM {view}) src {' '.join(joins)}"
    )


@dataclass
class Prepared:
    rows: dict[str, int]
    unreadable_dates: int
    n_extra: int


def prepare(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[tuple[str, str, Mapping]],
    progress: Progress | None = None,
    files: dict[str, str] | None = None,
) -> Prepared:
    """Build the ``records`` table from ``(view, source label, mapping)`` triples; ``files``
    names each source's file in error messages."""
    files = files or {}
    label = {s: files.get(s, s) for _, s, _ in sources}
    say = progress or (lambda _: None)
    pairs = [(v, m) for v, _, m in sources]
    say("noms")
    _names_table(con, pairs)
    say("dates")
    unreadable = _dates_table(con, pairs)
    n_extra = max(len(m.extra) for _, _, m in sources)
    say("normalisation")
    union = " UNION ALL ".join(_select(v, s, m, n_extra) for v, s, m in sources)
    con.execute(f"CREATE OR REPLACE TABLE records AS {union}")
    rows = dict(con.execute("SELECT source_dataset, count(*) FROM records GROUP BY 1").fetchall())
    for _view, source, _m in sources:
        if not rows.get(source):
            raise InputError(f"{label[source]} : la liste ne contient aucun enregistrement.")
    for _view, source, m in sources:
        if not m.id:
            continue
        empty = con.execute(
            "SELECT min(row_number), count(*) FROM records "
            "WHERE source_dataset = $1 AND nullif(trim(unique_id), '') IS NULL",
            [source],
        ).fetchall()[0]
        if empty and empty[1]:
            raise InputError(
                f"{label[source]} : {empty[1]} ligne(s) sans identifiant dans la colonne "
                f"« {m.id} » "
                f"(première : ligne {empty[0] + 1} du fichier)."
            )
        dup = con.execute(
            "SELECT unique_id, count(*) FROM records WHERE source_dataset = $1 "
            "GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT 3",
            [source],
        ).fetchall()
        if dup:
            n = con.execute(
                "SELECT count(*) FROM (SELECT unique_id FROM records WHERE source_dataset = $1 "
                "GROUP BY 1 HAVING count(*) > 1)",
                [source],
            ).fetchall()[0]
            examples = ", ".join(f"{d[0]} ({d[1]} fois)" for d in dup)
            raise InputError(
                f"{label[source]} : {n[0] if n else len(dup)} identifiant(s) en double dans "
                f"la colonne "
                f"« {m.id} », par exemple {examples}."
            )
    if unreadable:  # per record, not per distinct value
        unreadable = _count_unreadable(con, sources)
    return Prepared(rows=rows, unreadable_dates=unreadable, n_extra=n_extra)


def _count_unreadable(
    con: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, str, Mapping]]
) -> int:
    total = 0
    for view, _, m in sources:
        if m.birth_date:
            b = _ident(m.birth_date)
            total += int(
                con.execute(
                    f"SELECT count(*) FROM {view} WHERE nullif(trim({b}), '') IS NOT NULL "
                    f"AND {b} NOT IN (SELECT raw FROM date_forms)"
                ).fetchall()[0][0]
            )
    return total
