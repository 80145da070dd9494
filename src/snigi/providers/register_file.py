"""Reading a register file for the bulk import: the encoding (UTF-8 with or without BOM, or
given), the delimiter sniffed among ``,`` ``;`` and tab, headers matched ignoring case, accents
and separators or through a column mapping, and the spellings of the values (kinds, sectors,
statuses, dates) that registers use."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from snigi.providers.models import Kind

FIELDS = (
    "inpe", "kind", "category", "sector", "name", "name_ar", "specialty", "cnie", "order_number",
    "authorisation_number", "medical_director_inpe", "commune", "address_line", "legal_status",
    "email", "phone", "status", "status_since", "attributed_on", "convention", "convention_since",
)  # fmt: skip
REQUIRED_COLUMNS = ("kind", "category", "sector", "name", "commune")


class ImportFileError(Exception):
    """The file cannot be imported at all (unreadable, missing column…): one French line."""


def _fold(text: str) -> str:
    """Case-, accent- and separator-insensitive key of a header or a choice."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", "").strip())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return re.sub(r"[\s_\-.]+", "_", bare).strip("_")


KINDS = {"professional": Kind.PROFESSIONAL, "professionnel": Kind.PROFESSIONAL,
         "professionnelle": Kind.PROFESSIONAL, "establishment": Kind.ESTABLISHMENT,
         "etablissement": Kind.ESTABLISHMENT}  # fmt: skip
SECTORS = {"public": "public", "publique": "public", "private": "private", "prive": "private",
           "privee": "private"}  # fmt: skip
STATUSES = {"active": "active", "actif": "active", "ceased": "ceased", "cessation": "ceased",
            "deceased": "deceased", "decede": "deceased", "removed": "removed",
            "radie": "removed"}  # fmt: skip
CONVENTIONS = {"adherent": "adherent", "non_adherent": "non_adherent"}
DATE_FORMATS = ((re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"), (re.compile(r"\d{8}"), "%Y%m%d"),
                (re.compile(r"\d{1,2}/\d{1,2}/\d{4}"), "%d/%m/%Y"))  # fmt: skip


# --- Reading the file -------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterRow:
    line: int  # where the record starts in the file (the header is line 1)
    values: dict[str, str]  # field -> cell, for the fields whose column is present
    problems: tuple[str, ...] = ()


class RegisterFile:
    """A register CSV, read as a stream of ``RegisterRow``. Opening it reads the header only:
    an unknown encoding, an empty file or a missing required column raise ``ImportFileError``
    before any row is read; an undecodable line raises it when reached, with its number.
    ``fields`` and ``required``: the INPE register's by default; other lists (a fund's list of
    beneficiaries) give theirs."""

    def __init__(
        self,
        path: str | Path,
        *,
        encoding: str = "",
        columns: Mapping[str, str] | None = None,
        fields: tuple[str, ...] = FIELDS,
        required: tuple[str, ...] = REQUIRED_COLUMNS,
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._handle: io.BufferedReader = self.path.open("rb")
        self._hash = hashlib.sha256()
        self._lines_read = 0
        try:
            start = self._handle.peek(4)[:4]
            utf16 = start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            self.encoding = encoding or ("utf-16" if utf16 else "utf-8-sig")
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                raise ImportFileError(f"Encodage inconnu : {self.encoding}.") from None
            self._text = self._decoded_lines()
            header = next(self._text, "")
            if not header.strip():
                raise ImportFileError(f"{self.name} : fichier vide, sans ligne d'en-tête.")
            self.delimiter = _sniff_delimiter(header)
            lines = itertools.chain([header], self._text)
            self._reader = csv.reader(lines, delimiter=self.delimiter)
            self.headers = [cell.replace("\ufeff", "").strip() for cell in next(self._reader)]
            self.fields, self.ignored_columns = _map_columns(
                self.headers, columns or {}, fields, required
            )
        except BaseException:
            self._handle.close()
            raise

    def __enter__(self) -> RegisterFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes read so far: of the whole file once it has been read."""
        return self._hash.hexdigest()

    def line_estimate(self) -> int:
        """About how many data rows the file holds (its line count less the header), for a
        progress bar; multi-line quoted cells make it an overestimate."""
        count, last = 0, b"\n"
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                count, last = count + chunk.count(b"\n"), chunk[-1:]
        return max(count - (last == b"\n"), 0)

    def _decoded_lines(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        pending = ""
        for raw in itertools.chain(self._handle, [b""]):
            self._hash.update(raw)
            try:
                pending += decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                encoding = "UTF-8" if self.encoding == "utf-8-sig" else self.encoding
                raise ImportFileError(
                    f"{self.name}, ligne {self._lines_read + 1} : octets illisibles en {encoding} "
                    f"({exc.object[exc.start : exc.start + 4]!r}) ; indiquez l'encodage du "
                    "fichier (--encoding cp1252, latin-1…)."
                ) from None
            *complete, pending = pending.split("\n")
            for text in complete:
                self._lines_read += 1
                yield text + "\n"
        if pending:
            self._lines_read += 1
            yield pending

    def __iter__(self) -> Iterator[RegisterRow]:
        width = len(self.headers)
        while True:
            line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    f"{self.name}, ligne {line} : CSV illisible ({exc})."
                ) from None
            if not any(cell.strip() for cell in cells):
                continue
            problems: tuple[str, ...] = ()
            if len(cells) > width:  # fewer is fine: some tools drop trailing empty cells
                problems = (f"{len(cells)} cellules pour {width} colonnes (séparateur dans une "
                            "valeur non entre guillemets ?).",)  # fmt: skip
            values = {name: cells[i] if i < len(cells) else "" for name, i in self.fields.items()}
            yield RegisterRow(line, values, problems)


def _sniff_delimiter(header: str) -> str:
    """The most frequent of ``,`` ``;`` and tab outside quotes in the header line."""
    counts = dict.fromkeys(";\t,", 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(counts, key=lambda d: counts[d])  # ties: ";" then tab then ","


def _map_columns(
    headers: list[str],
    columns: Mapping[str, str],
    fields: tuple[str, ...] = FIELDS,
    required: tuple[str, ...] = REQUIRED_COLUMNS,
) -> tuple[dict[str, int], list[str]]:
    unknown = sorted(set(columns) - set(fields))
    if unknown:
        raise ImportFileError(
            f"Champ inconnu dans --column : {', '.join(unknown)} (champs : {', '.join(fields)})."
        )
    positions: dict[str, list[int]] = {}
    for i, header in enumerate(headers):
        positions.setdefault(_fold(header), []).append(i)
    found_at: dict[str, int] = {}
    missing = []
    for name in fields:
        wanted = _fold(columns.get(name, name))
        found = positions.get(wanted, [])
        if len(found) > 1:
            raise ImportFileError(
                f"Colonne « {columns.get(name, name)} » en double dans l'en-tête."
            )
        if found:
            found_at[name] = found[0]
        elif name in columns:
            raise ImportFileError(
                f"Colonne « {columns[name]} » (pour {name}) absente ; en-têtes lus : "
                f"{', '.join(headers)}."
            )
        elif name in required:
            missing.append(name)
    if missing:
        raise ImportFileError(
            f"Colonnes obligatoires absentes : {', '.join(missing)} ; en-têtes lus : "
            f"{', '.join(headers)}. Nommez-les avec --column CHAMP=EN-TÊTE."
        )
    used = set(found_at.values())
    return found_at, [header for i, header in enumerate(headers) if i not in used]


# --- The report -------------------------------------------------------------------------------
