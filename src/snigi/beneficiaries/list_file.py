"""Reading a fund's list of insured people and dependants: CSV or XML, streamed.

CSV: ``providers.register_file.RegisterFile`` with this list's fields (UTF-8 with or without
BOM or the given encoding, delimiter sniffed among ``,`` ``;`` and tab, headers matched
ignoring case, accents and separators, or named with ``--column FIELD=HEADER``).

XML: one element per row under the root element, whose child elements carry the same field
names (matched as the CSV headers are), read with ``ElementTree.iterparse`` and cleared as it
goes. A document type declaration is refused before the parser sees it: with no DTD there are
no entities to expand (no "billion laughs", no external entity). The encoding is the XML
declaration's (UTF-8 without one) unless ``--encoding`` overrides it.

The format is told by the content: a file whose first character is ``<`` is XML.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE refused before parsing, see above
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol, Self

from snigi.providers.register_file import ImportFileError, RegisterFile, _fold, _map_columns

FIELDS = (
    "fund", "regime", "fund_number", "quality", "relationship", "cnie", "last_name",
    "first_name", "last_name_ar", "first_name_ar", "sex", "birth_date", "commune", "start",
    "end", "end_reason", "category", "disabled", "student_until",
)  # fmt: skip
REQUIRED_COLUMNS = (
    "fund", "regime", "fund_number", "quality", "relationship", "cnie", "last_name",
    "first_name", "sex", "birth_date", "commune", "start",
)  # fmt: skip
XML_REQUIRED = tuple(f for f in REQUIRED_COLUMNS if f not in ("cnie", "relationship"))  # may be
# left out when empty (a child's CNIE, an insured's relationship)
BLOCK = 1 << 20
PROLOG_LIMIT = 1 << 20  # the XML declaration, comments and DTD come before the first element

__all__ = ["FIELDS", "REQUIRED_COLUMNS", "ImportFileError", "ListFile", "ListRow", "open_list"]


class ListRow(NamedTuple):
    """A row as read (``RegisterRow``'s fields, lighter: a list runs to a million rows)."""

    line: int  # where the record starts (CSV: the header is line 1; XML: the record's number)
    values: dict[str, str]  # field -> text, for the fields the file has
    problems: tuple[str, ...] = ()


class ListFile(Protocol):
    """What the import reads: rows, and for the report the file's name and SHA-256."""

    name: str
    unit: str  # what ``ListRow.line`` counts: "ligne" (CSV) or "enregistrement" (XML)

    @property
    def ignored_columns(self) -> list[str]: ...

    @property
    def sha256(self) -> str: ...

    def line_estimate(self) -> int: ...

    def __iter__(self) -> Iterator[ListRow]: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


class CsvList(RegisterFile):
    """``RegisterFile`` with this list's fields, read a megabyte at a time (a list runs to a
    million rows: decoding line by line would cost more than checking them)."""

    unit = "ligne"

    def __init__(
        self, path: str | Path, *, encoding: str = "", columns: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(
            path, encoding=encoding, columns=columns, fields=FIELDS, required=REQUIRED_COLUMNS
        )

    def __enter__(self) -> CsvList:
        return self

    def _decoded_lines(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[str]]:
        decoder = codecs.getincrementaldecoder(self.encoding)("strict")
        pending = ""
        while True:
            raw = self._handle.read(BLOCK)
            self._hash.update(raw)
            try:
                text = pending + decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as exc:
                line = self._lines_read + exc.object.count(b"\n", 0, exc.start) + 1
                encoding = "UTF-8" if self.encoding == "utf-8-sig" else self.encoding
                raise ImportFileError(
                    f"{self.name}, ligne {line} : octets illisibles en {encoding} "
                    f"({exc.object[exc.start : exc.start + 4]!r}) ; indiquez l'encodage du "
                    "fichier (--encoding cp1252, latin-1…)."
                ) from None
            lines = text.split("\n")
            pending = lines.pop()
            self._lines_read += len(lines)
            yield [line + "\n" for line in lines]
            if not raw:
                break
        if pending:
            self._lines_read += 1
            yield [pending]

    def __iter__(self) -> Iterator[ListRow]:  # type: ignore[override]
        width = len(self.headers)
        names = tuple(self.fields)
        positions = list(self.fields.values())
        reader = self._reader
        line = reader.line_num + 1
        try:
            for cells in reader:
                if len(cells) != width or not cells[0]:
                    if not "".join(cells).strip():
                        line = reader.line_num + 1
                        continue
                    problems: tuple[str, ...] = ()
                    if len(cells) > width:
                        problems = (f"{len(cells)} cellules pour {width} colonnes (séparateur "
                                    "dans une valeur non entre guillemets ?).",)  # fmt: skip
                    else:  # fewer is fine: some tools drop trailing empty cells
                        cells += [""] * (width - len(cells))
                    yield ListRow(line, dict(zip(names, map(cells.__getitem__, positions),
                                                 strict=True)), problems)  # fmt: skip
                else:
                    yield ListRow(line, dict(zip(names, map(cells.__getitem__, positions),
                                                 strict=True)))  # fmt: skip
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ImportFileError(f"{self.name}, ligne {line} : CSV illisible ({exc}).") from None


def open_list(
    path: str | Path, *, encoding: str = "", columns: Mapping[str, str] | None = None
) -> ListFile:
    """The list at ``path``, CSV or XML; ``ImportFileError`` when it cannot be one."""
    with Path(path).open("rb") as handle:
        head = handle.read(512)
    if head.startswith((b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")):
        raise ImportFileError(
            f"{Path(path).name} n'est pas un fichier CSV ou XML (classeur, archive ou PDF ?) : "
            "enregistrez la liste au format CSV (UTF-8)."
        )
    if _text_start(head).lstrip().startswith("<"):
        return XmlList(path, encoding=encoding, columns=columns)
    return CsvList(path, encoding=encoding, columns=columns)


def _text_start(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="replace")
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1")  # the markup is ASCII


class _Hashing:
    """A binary reader that hashes what it hands on, starting with the bytes already read."""

    def __init__(self, handle: BinaryIO, head: bytes) -> None:
        self._handle, self._head = handle, head
        self.hash = hashlib.sha256(head)

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = self._head, b""
            return data
        data = self._handle.read(size)
        self.hash.update(data)
        return data


def _refuse_doctype(name: str, head: bytes) -> None:
    """Walk the prolog (declaration, comments, processing instructions) up to the first
    element: a ``<!DOCTYPE`` (or any other ``<!`` declaration) there is refused."""
    text, at = _text_start(head), 0
    while True:
        while at < len(text) and text[at] in " \t\r\n\ufeff":
            at += 1
        if text.startswith("<?", at):
            end, skip = text.find("?>", at), 2
        elif text.startswith("<!--", at):
            end, skip = text.find("-->", at), 3
        elif text.startswith("<!", at):
            raise ImportFileError(
                f"{name} : déclaration de type de document (DOCTYPE, entités) refusée dans un "
                "fichier XML importé ; retirez-la."
            )
        elif text.startswith("<", at) and at + 1 < len(text):
            return
        else:
            raise ImportFileError(f"{name} : en-tête XML illisible ou trop long.")
        if end < 0:
            raise ImportFileError(f"{name} : en-tête XML illisible ou trop long.")
        at = end + skip


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


class XmlList:
    """An XML list, read as a stream of ``ListRow`` whose ``line`` is the record's number.
    Opening it reads up to the end of the first record: its fields must include the required
    ones but ``cnie`` and ``relationship``, which an empty value may leave out (a later record
    lacking a field has it empty, and is refused if it is required)."""

    unit = "enregistrement"

    def __init__(
        self, path: str | Path, *, encoding: str = "", columns: Mapping[str, str] | None = None
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        handle = self.path.open("rb")
        try:
            head = handle.read(PROLOG_LIMIT)
            _refuse_doctype(self.name, head)
            self._source = _Hashing(handle, head)
            self._handle = handle
            try:
                codecs.lookup(encoding or "utf-8")
            except LookupError:
                raise ImportFileError(f"Encodage inconnu : {encoding}.") from None
            parser = ET.XMLParser(encoding=encoding) if encoding else None  # noqa: S314
            self._events = ET.iterparse(self._source, ("start", "end"), parser)  # noqa: S314
            self._first = self._read_first(columns or {})
        except BaseException:
            handle.close()
            raise

    def __enter__(self) -> XmlList:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes read so far: of the whole file once it has been read."""
        return self._source.hash.hexdigest()

    def _next(self) -> tuple[str, ET.Element] | None:
        try:
            return next(self._events)
        except StopIteration:
            return None
        except ET.ParseError as exc:
            line, column = exc.position
            raise ImportFileError(
                f"{self.name}, ligne {line}, colonne {column} : XML illisible ({exc.msg}) ; un "
                'fichier qui n\'est pas en UTF-8 le déclare (<?xml version="1.0" '
                'encoding="windows-1252"?>) ou s\'importe avec --encoding.'
            ) from None

    def _read_first(self, columns: Mapping[str, str]) -> list[tuple[str, str]] | None:
        first = self._next()
        if first is None:
            raise ImportFileError(f"{self.name} : document XML vide.")
        self._root = first[1]
        self._row_tag = ""
        record = self._record()
        if record is None:
            raise ImportFileError(f"{self.name} : aucun enregistrement sous <{self._root.tag}>.")
        tags = [tag for tag, _ in record]
        _, ignored = _map_columns(tags, columns, FIELDS, XML_REQUIRED)  # checks the names
        self._field_of = {_fold(columns.get(name, name)): name for name in FIELDS}
        self._ignored = set(ignored)
        return record

    def _record(self) -> list[tuple[str, str]] | None:
        """The next record's (element name, text) pairs, or None at the end of the root."""
        cells: list[tuple[str, str]] = []
        depth = 1
        while (event := self._next()) is not None:
            kind, element = event
            depth += 1 if kind == "start" else -1
            if kind == "start" and depth == 2 and not self._row_tag:
                self._row_tag = _local(element.tag)
            elif kind == "end" and depth == 2:
                cells.append((_local(element.tag), element.text or ""))
            elif kind == "end" and depth == 1:
                self._root.clear()  # the record is read: free it
                return cells
            elif depth == 0:
                return None
        return None

    @property
    def ignored_columns(self) -> list[str]:
        return sorted(self._ignored)

    def line_estimate(self) -> int:
        """About how many records the file holds (opening tags of the first record's name)."""
        if not self._row_tag:
            return 0
        pattern = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(self._row_tag.encode()) + rb"[\s/>]")
        count = 0
        with self.path.open("rb") as handle:
            while chunk := handle.read(1 << 20):  # a tag cut between two chunks is missed
                count += len(pattern.findall(chunk))
        return count

    def __iter__(self) -> Iterator[ListRow]:
        number, record = 0, self._first
        self._first = None
        while record is not None:
            number += 1
            yield self._row(number, record)
            record = self._record()

    def _row(self, number: int, record: list[tuple[str, str]]) -> ListRow:
        values: dict[str, str] = {}
        problems = []
        for tag, text in record:
            name = self._field_of.get(_fold(tag))
            if name is None:
                self._ignored.add(tag)
            elif name in values:
                problems.append(f"Élément <{tag}> en double dans l'enregistrement.")
            else:
                values[name] = text
        return ListRow(number, values, tuple(problems))
