"""Reading import files: CSV (UTF-8 with or without BOM, GBK/GB18030 fallback) and
spreadsheets (xlsx, xlsm, xls, ods through python-calamine).

Rows come out as ``(row_number, cells)`` where ``row_number`` is the row the user sees
in the file (the header is row 1) and every cell is a ``str``, so the validators have one
input type; blank rows may come through (empty or all blank) and validators skip them.
CSV is streamed; a spreadsheet is read by calamine, which is fast but holds the sheet
(the format caps a sheet at about a million rows anyway).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from core.errors import SalesdeskError
from core.i18n import _

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
SNIFF_BYTES = 1 << 20
csv.field_size_limit(1 << 20)  # a 1 MiB cell is already absurd; the default 128 KiB is too


class UnreadableFile(SalesdeskError):
    pass


@dataclass(frozen=True)
class FileFacts:
    """What is known before parsing: the sha256 of the bytes and a row estimate."""

    checksum: str
    approx_rows: int | None


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    total: int | None  # data rows, when known (exact for spreadsheets, estimated for CSV)
    encoding: str = ""
    reader: Any = None  # the csv reader, whose line_num says where a read failed

    def line(self) -> int:
        """The last line of the file read completely (CSV)."""
        return 1 + (self.reader.line_num if self.reader is not None else 0)


def file_facts(path: Path) -> FileFacts:
    """Hash the file (the "never import the same file twice" key) and count its lines."""
    digest = hashlib.sha256()
    lines = 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
                lines += chunk.count(b"\n")
    except OSError as exc:
        raise UnreadableFile(f"cannot read {path}: {exc.strerror or exc}") from exc
    approx = None if is_spreadsheet(path) else max(lines - 1, 0)
    return FileFacts(digest.hexdigest(), approx)


def is_spreadsheet(path: Path) -> bool:
    return path.suffix.lower() in SPREADSHEET_SUFFIXES


@contextmanager
def open_table(path: Path, approx_rows: int | None = None) -> Iterator[Table]:
    """Open ``path`` and yield its header and a stream of data rows."""
    if is_spreadsheet(path):
        yield _spreadsheet_table(path)
        return
    encoding = sniff_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        table = _csv_table(fh, approx_rows, encoding)
        try:
            yield table
        except UnicodeDecodeError as exc:  # the sniffed start was fine, a later part not
            raise UnreadableFile(_(
                "{file} changes from {encoding} to another text encoding after line {line}; "
                "save the whole file as CSV UTF-8"
            ).format(file=path.name, encoding=exc.encoding, line=table.line())) from exc
        except csv.Error as exc:
            template = (_("{file}, line {line}: a cell holds more than 1 MiB of text")
                        if "field limit" in str(exc) else _("{file}, line {line}: {reason}"))
            raise UnreadableFile(template.format(file=path.name, line=table.line() + 1,
                                                 reason=exc)) from exc


def sniff_encoding(path: Path) -> str:
    """UTF-8 (BOM or not) when the start decodes as UTF-8, else GB18030 (a superset of
    GBK, what Chinese Excel writes for "CSV"), else refuse with one clear sentence."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(f"{path.name} is neither UTF-8 nor GBK text; save it as CSV UTF-8")


def _csv_table(fh: IO[str], approx_rows: int | None, encoding: str) -> Table:
    first = fh.readline()
    delimiter = max((",", ";", "\t"), key=first.count)
    if not first.strip():
        return Table([], iter(()), 0, encoding)
    header = next(csv.reader([first], delimiter=delimiter))
    reader = csv.reader(fh, delimiter=delimiter)
    # Blank lines come through as empty rows (keeping the numbering right); the
    # validators skip them, which saves a generator step per row on big files.
    return Table(header, enumerate(reader, start=2), approx_rows, encoding, reader)


def _spreadsheet_table(path: Path) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own types for corrupt files
        raise UnreadableFile(f"cannot read {path.name} as a spreadsheet: {exc}") from exc
    first_row = (sheet.start or (0, 0))[0] + 1
    rows = sheet.iter_rows()
    header = [cell_text(c) for c in next(rows, [])]
    total = max(sheet.height - 1, 0)
    return Table(header, _spreadsheet_rows(rows, first_row + 1), total, "xlsx")


def _spreadsheet_rows(rows: Iterator[list[Any]], first: int) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(rows, start=first):
        texts = [cell_text(c) for c in cells]
        if any(texts):
            yield number, texts


def cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a CSV would hold (dates ISO, whole floats as ints)."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
