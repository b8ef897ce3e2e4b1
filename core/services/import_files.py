"""Reading import files: CSV (UTF-8 with or without BOM, GBK/GB18030 fallback) and
spreadsheets (xlsx, xlsm, xls, ods through python-calamine).

Rows come out as ``(row_number, cells)`` where ``row_number`` is the row the user sees
in the file (the header is row 1) and every cell is a ``str``, so the validators have one
input type; blank rows may come through (empty or all blank) and validators skip them.
CSV is streamed; a spreadsheet is read by calamine, which is fast but holds the sheet
(the format caps a sheet at about a million rows anyway).

calamine allocates a sheet's whole rectangle at once, sized by the ``<dimension>`` the
file declares or by its farthest cell, so a 1.5 KB file naming cell XFD1048576 would ask
for 512 GiB and abort the process; a zip bomb would inflate to gigabytes. Every workbook
is therefore checked before calamine sees it (``check_workbook``): the members' sizes,
counted while inflating them rather than trusted from the zip directory, and each
sheet's declared and actual extent. Every importer reads spreadsheets through this
module (``open_table``, ``workbook_sheets``).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import zipfile
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from core.errors import SalesdeskError
from core.i18n import _, plural

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# What a workbook may hold: a million rows of 16 columns (calamine keeps about 32 bytes a
# cell, so about half a GiB), and as much XML as such a sheet takes.
MAX_CELLS = 16 * 1_048_576
MAX_INFLATED_BYTES = 1 << 30
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"')
_ROW = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
# A cell reference of two or three-plus letters (rows' r="..." are digits): a literal
# prefix, which the regex engine scans for quickly.
_WIDE_CELL = {width: re.compile(rb' r="([A-Z]{%d,})[0-9]' % width) for width in (2, 3)}
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
        raise UnreadableFile(
            _("Cannot read {file}: {reason}").format(file=path.name, reason=exc.strerror or exc)
        ) from exc
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
            raise UnreadableFile(
                _(
                    "{file} changes from {encoding} to another text encoding after line {line}; "
                    "save the whole file as CSV UTF-8"
                ).format(file=path.name, encoding=exc.encoding, line=table.line())
            ) from exc
        except csv.Error as exc:
            template = (
                _("{file}, line {line}: a cell holds more than 1 MiB of text")
                if "field limit" in str(exc)
                else _("{file}, line {line}: {reason}")
            )
            raise UnreadableFile(
                template.format(file=path.name, line=table.line() + 1, reason=exc)
            ) from exc


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
    raise UnreadableFile(
        _("{file} is neither UTF-8 nor GBK text; save it as CSV UTF-8.").format(file=path.name)
    )


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

    check_workbook(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own types for corrupt files
        raise not_a_spreadsheet(path, exc) from exc
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


def workbook_sheets(path: Path) -> Iterator[tuple[str, int, Iterator[list[Any]]]]:
    """Every sheet of a checked workbook: its name, the number of its first used row and
    its rows of raw cell values (``None`` for an empty cell; numbers as calamine gives
    them, floats; ``cell_text`` makes them the text a CSV would hold)."""
    from python_calamine import CalamineWorkbook

    check_workbook(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
    except Exception as exc:  # calamine raises its own types for corrupt files
        raise not_a_spreadsheet(path, exc) from exc
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except Exception as exc:
            raise UnreadableFile(
                _("Cannot read the sheet {sheet} of {file}: {reason}").format(
                    sheet=name, file=path.name, reason=exc
                )
            ) from exc
        first = (sheet.start or (0, 0))[0] + 1
        yield name, first, ([None if c == "" else c for c in row] for row in sheet.iter_rows())


def check_workbook(path: Path) -> None:
    """Refuse a workbook that would take more memory than any real one needs: more than
    ``MAX_INFLATED_BYTES`` inflated, or a sheet spanning more than ``MAX_CELLS`` cells
    (declared or actual). Zip-based formats only (xlsx, xlsm, xlsb, ods)."""
    try:
        if not zipfile.is_zipfile(path):
            return  # .xls (BIFF), or not a workbook at all: calamine names the problem
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(info.file_size for info in members)
            if declared > MAX_INFLATED_BYTES:
                raise _too_big(path, declared)
            budget = MAX_INFLATED_BYTES
            for info in members:
                budget -= _inflate(archive, info, path, budget)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise not_a_spreadsheet(path, exc) from exc


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: int) -> int:
    """Inflate one member, counting its bytes (the zip directory may lie); for a sheet,
    measure its extent on the way. Returns the bytes inflated."""
    is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
    extent = _Extent(path, info.filename) if is_sheet else None
    used = 0
    tail = b""
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            used += len(chunk)
            if used > budget:
                raise _too_big(path, MAX_INFLATED_BYTES - budget + used)
            if extent is not None:
                extent.feed(tail + chunk)
                tail = chunk[-200:]  # a tag cut between chunks is seen whole next time
    return used


class _Extent:
    """The rows x columns a sheet's XML spans, declared and actual, fed in chunks."""

    def __init__(self, path: Path, member: str) -> None:
        self.path, self.member = path, member
        self.rows = self.columns = 0
        self.first = True

    def feed(self, data: bytes) -> None:
        if self.first:
            self.first = False
            found = _DIMENSION.search(data)
            if found and found.group(3):
                rows = int(found.group(4)) - int(found.group(2) or 1) + 1
                columns = column_number(found.group(3)) - column_number(found.group(1)) + 1
                self._check(rows, columns, declared=True)
        window = max(0, len(data) - 16384)  # rows come in order: the chunk's last is enough
        last = deque(_ROW.finditer(data, window), maxlen=1) or (
            deque(_ROW.finditer(data), maxlen=1) if window else None
        )
        if last:
            self.rows = max(self.rows, int(last[0].group(1)))
        self.columns = max(self.columns, self._widest(data))
        self._check(self.rows, self.columns, declared=False)

    def _widest(self, data: bytes) -> int:
        # Most sheets use columns A-Z only: two cheap searches find out; only wider
        # sheets pay for reading every wide cell reference.
        if not _WIDE_CELL[2].search(data):
            return 26
        for width in (3, 2):
            if _WIDE_CELL[width].search(data):
                return max(column_number(m) for m in _WIDE_CELL[width].findall(data))
        return 26

    def _check(self, rows: int, columns: int, *, declared: bool) -> None:
        if rows * columns <= MAX_CELLS:
            return
        size = sheet_size(rows, columns)
        text = (
            _(
                "{file} declares a sheet of {size}, more than the {cells} cells salesdesk "
                "reads; delete the empty rows and columns or save it as CSV."
            )
            if declared
            else _(
                "{file} has a sheet reaching {size}, more than the {cells} cells salesdesk "
                "reads; delete the empty rows and columns or save it as CSV."
            )
        )
        raise UnreadableFile(text.format(file=self.path.name, size=size, cells=f"{MAX_CELLS:,}"))


def sheet_size(rows: int, columns: int) -> str:
    """ "1,048,576 rows x 16,384 columns" in the reader's words (a hostile file may
    declare a single row of a billion columns)."""
    tall = plural(rows, "{n} row", "{n} rows").format(n=f"{rows:,}")
    wide = plural(columns, "{n} column", "{n} columns").format(n=f"{columns:,}")
    return _("{rows} x {columns}").format(rows=tall, columns=wide)


def column_number(letters: bytes | str) -> int:
    """Spreadsheet column letters as a number (A = 1, XFD = 16384)."""
    number = 0
    for letter in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(letter) - 64
    return number


def _too_big(path: Path, size: int) -> UnreadableFile:
    return UnreadableFile(
        _(
            "{file} inflates to more than {limit} MiB ({size} MiB seen); salesdesk does not "
            "read a workbook that big. Save it as CSV or split it."
        ).format(file=path.name, limit=f"{MAX_INFLATED_BYTES >> 20:,}", size=f"{size >> 20:,}")
    )


def not_a_spreadsheet(path: Path, exc: Exception) -> UnreadableFile:
    """The refusal of a file calamine cannot read; its own words follow the sentence."""
    return UnreadableFile(
        _("Cannot read {file} as a spreadsheet: {reason}").format(file=path.name, reason=exc)
    )
