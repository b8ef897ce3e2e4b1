"""A write-only openpyxl worksheet whose rows are written as ready-made XML.

openpyxl's write-only mode builds a cell object and an XML element for every value,
which makes a 1,000,000-row export about twice as slow as xlsxwriter. Here openpyxl
still owns everything but the rows (workbook, styles, column widths, frozen panes,
autofilter, charts and their drawings, the zip), while each row is formatted straight to
text with style ids that openpyxl registered. The sheet's XML goes to a scratch file the
caller names (beside the export, so a cancelled export leaves nothing in /tmp).

Relies on two openpyxl internals, pinned by tests that read the files back:
``WorksheetWriter.get_stream`` (the generator feeding the sheet XML) and the
``WriteOnlyWorksheet`` closing protocol.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.xml.constants import SHEET_MAIN_NS
from openpyxl.xml.functions import tostring

from core.exports import FORMULA_TRIGGERS

EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
FIRST_SERIAL_DATE = dt.date(1900, 3, 1)  # Excel's serials are off by one before this
MAX_CELL_TEXT = 32767
# Characters XML 1.0 cannot carry, plus the ones that need escaping.
_NEEDS_CARE = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TRIGGERS = frozenset(FORMULA_TRIGGERS)
_CR = {"\r": "&#13;"}  # a literal CR would be read back as a line feed


class _TextStream:
    """The part of et_xmlfile's writer that ``WorksheetWriter`` uses, over a text file,
    plus ``raw`` for rows that are already XML."""

    def __init__(self, fh: TextIO) -> None:
        self.raw = fh.write

    @contextmanager
    def element(
        self, tag: str, attrib: dict | None = None, nsmap: Any = None, **extra: Any
    ) -> Iterator[None]:
        attrs = {**(attrib or {}), **extra}
        self.raw(f"<{tag}" + "".join(f" {k}={quoteattr(str(v))}" for k, v in attrs.items()) + ">")
        yield
        self.raw(f"</{tag}>")

    def write(self, item: Any) -> None:
        self.raw(escape(item) if isinstance(item, str) else tostring(item, encoding="unicode"))


class _StreamWriter(WorksheetWriter):
    def get_stream(self) -> Any:
        with open(self.out, "w", encoding="utf-8", buffering=1 << 20) as fh:
            fh.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
            stream = _TextStream(fh)
            with stream.element("worksheet", xmlns=SHEET_MAIN_NS):
                try:
                    while True:
                        item = yield
                        if item is True:
                            yield stream
                        elif item is not None:
                            stream.write(item)
                except GeneratorExit:
                    pass

    def cleanup(self) -> None:
        os.remove(self.out)


class StreamingSheet(WriteOnlyWorksheet):
    """Set widths, freeze panes and filters first; then ``write_rows``; charts any time
    before the workbook is saved."""

    def __init__(self, parent: Any, title: str, scratch: str | os.PathLike[str]) -> None:
        super().__init__(parent, title)
        self._scratch = os.fspath(scratch)
        self._stream: _TextStream | None = None

    def _get_writer(self) -> None:
        if self._writer is None:
            self._writer = _StreamWriter(self, out=self._scratch)
            self._writer.write_top()

    def write_rows(self, xml: str) -> None:
        if self._stream is None:
            self._get_writer()
            self._stream = self._writer.xf.send(True)
            self._stream.raw("<sheetData>")
        self._stream.raw(xml)

    def close(self) -> None:
        self.write_rows("</sheetData>")
        self._writer.xf.send(None)
        self._writer.write_tail()
        self._writer.close()
        self._WriteOnlyWorksheet__saved = True  # what WriteOnlyWorksheet.close() records

    def discard(self) -> None:
        """Close and delete the scratch file (after a cancel or failure)."""
        if self._writer is not None:
            self._writer.close()
            if os.path.exists(self._scratch):
                os.remove(self._scratch)


@dataclass(frozen=True)
class CellStyles:
    """Style ids for one column, by the type of value a cell holds."""

    number: int = 0
    text: int = 0
    quoted: int = 0  # text that looks like a formula: kept as text with quotePrefix
    date: int = 0
    datetime: int = 0


class RowWriter:
    """Formats rows of one table as ``<row>`` XML; one instance per column style set."""

    def __init__(self, styles: Sequence[CellStyles]) -> None:
        self._styles = list(styles)
        self._cols = [
            (
                get_column_letter(i),
                f'" s="{s.number}"><v>',
                f'" s="{s.text}" t="inlineStr"><is><t>',
                f'" s="{s.quoted}" t="inlineStr"><is><t>',
                f'" s="{s.date}"><v>',
            )
            for i, s in enumerate(self._styles, 1)
        ]

    def row(self, r: int, values: Sequence[Any]) -> str:
        """The hot path: plain str, int, Decimal, float and date inline, the rest by
        ``cell``."""
        rs = str(r)
        parts = [f'<row r="{rs}">']
        add = parts.append
        for i, v in enumerate(values):
            if v is None:
                continue
            t = type(v)
            col, num, text, quoted, date = self._cols[i]
            if t is str:
                if (
                    v
                    and v[0] > " "
                    and v[-1] > " "
                    and len(v) <= MAX_CELL_TEXT
                    and not _NEEDS_CARE.search(v)
                ):
                    add(f'<c r="{col}{rs}{quoted if v[0] in _TRIGGERS else text}{v}</t></is></c>')
                    continue
            elif t is int or (t is Decimal and v.is_finite()) or (t is float and math.isfinite(v)):
                add(f'<c r="{col}{rs}{num}{v}</v></c>')
                continue
            elif t is dt.date and v >= FIRST_SERIAL_DATE:
                add(f'<c r="{col}{rs}{date}{v.toordinal() - EXCEL_EPOCH}</v></c>')
                continue
            add(self.cell(i, r, v))
        add("</row>")
        return "".join(parts)

    def cell(self, i: int, r: int, v: Any) -> str:
        """One cell of column ``i`` in row ``r`` for any value (empty text when none)."""
        col, style = self._cols[i][0], self._styles[i]
        ref = f"{col}{r}"
        if v is None:
            return ""
        if isinstance(v, bool):
            return f'<c r="{ref}" t="b"><v>{int(v)}</v></c>'
        if isinstance(v, int | float | Decimal):
            number = int(v) if isinstance(v, int) else v if isinstance(v, Decimal) else float(v)
            if isinstance(number, float) and not math.isfinite(number):
                return ""
            if isinstance(number, Decimal) and not number.is_finite():
                return ""
            return f'<c r="{ref}" s="{style.number}"><v>{number}</v></c>'
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None:
                v = v.astimezone(dt.UTC).replace(tzinfo=None)
            if v.date() >= FIRST_SERIAL_DATE:
                seconds = v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
                serial = v.toordinal() - EXCEL_EPOCH + seconds / 86400
                return f'<c r="{ref}" s="{style.datetime}"><v>{serial!r}</v></c>'
            v = v.isoformat(sep=" ")
        elif isinstance(v, dt.date):
            if v >= FIRST_SERIAL_DATE:
                return f'<c r="{ref}" s="{style.date}"><v>{v.toordinal() - EXCEL_EPOCH}</v></c>'
            v = v.isoformat()  # before 1900-03-01 Excel cannot hold it as a date
        text = _ILLEGAL.sub("", str(v))[:MAX_CELL_TEXT]
        if not text:
            return ""
        styled = style.quoted if text[0] in _TRIGGERS else style.text
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (
            f'<c r="{ref}" s="{styled}" t="inlineStr"><is><t{space}>{escape(text, _CR)}'
            "</t></is></c>"
        )

    def formula_row(
        self, r: int, values: Sequence[Any], formulas: dict[int, str], cached: dict[int, Any]
    ) -> str:
        """A row where column index -> ``SUM(...)`` is a formula, with its cached value
        when known (for readers that do not recalculate)."""
        cells = []
        for i, v in enumerate(values):
            if i not in formulas:
                cells.append(self.cell(i, r, v))
                continue
            value = cached.get(i)
            known = isinstance(value, int | Decimal | float) and not isinstance(value, bool)
            cells.append(
                f'<c r="{self._cols[i][0]}{r}" s="{self._styles[i].number}">'
                f"<f>{escape(formulas[i])}</f>" + (f"<v>{value}</v>" if known else "") + "</c>"
            )
        return f'<row r="{r}">' + "".join(cells) + "</row>"
