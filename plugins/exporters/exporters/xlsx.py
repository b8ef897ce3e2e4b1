"""The xlsx exporter: one sheet per table, typed and formatted cells, a frozen header,
CJK-aware column widths, totals as SUM formulas and native charts.

Layout of a sheet: company, report title, parameters and generation time, a blank row,
the column header (frozen, with an autofilter), the data rows, the totals row. Rows are
streamed (openpyxl write-only mode, see ``xlsx_stream``) so a 1,000,000-row report needs
little memory; column widths come from the header and the first rows.
"""

from __future__ import annotations

import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.exports import CancelFn, ProgressFn, Ticker, total_rows
from core.reports import ChartSpec, ColumnKind, ReportResult, Table
from plugins.exporters.exporters import common

log = logging.getLogger("salesdesk.exporters.xlsx")

NUMBER_FORMATS = {
    ColumnKind.INTEGER: "#,##0",
    ColumnKind.MONEY: "#,##0.00",
    ColumnKind.QUANTITY: "#,##0.00",
    ColumnKind.PERCENT: "0.0%",
    ColumnKind.DATE: "yyyy-mm-dd",
}
DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
SAMPLE_ROWS = 200  # rows read ahead to size the columns
BATCH_ROWS = 500  # rows joined into one write
MIN_WIDTH, MAX_WIDTH = 8, 60
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


class XlsxExporter:
    id = "xlsx"
    title_en = "Excel workbook (.xlsx)"
    title_zh = "Excel 工作簿（.xlsx）"
    suffix = ".xlsx"

    def write(
        self,
        result: ReportResult,
        path: Path,
        *,
        lang: str = "en",
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
    ) -> Path:
        return write_workbook(result, Path(path), lang, progress, cancel)


# ---------------------------------------------------------------------------------------
# Workbook
# ---------------------------------------------------------------------------------------


def write_workbook(
    result: ReportResult,
    path: Path,
    lang: str = "en",
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Path:
    from openpyxl import Workbook

    from plugins.exporters.exporters.xlsx_stream import StreamingSheet

    wb = Workbook(write_only=True)
    ticker = Ticker(progress, cancel, total_rows(result))
    names: set[str] = set()
    sheets: list[Any] = []
    tables = result.tables or [Table("empty", result.title_en, result.title_zh, [], [])]
    try:
        for n, table in enumerate(tables):
            ws = StreamingSheet(
                wb,
                sheet_name(table.title(lang) or table.id, names),
                path.parent / f".{path.name}.sheet{n}.xml",
            )
            wb._add_sheet(ws)
            sheets.append(ws)
            styles = Styles(ws)
            placed = write_table(ws, result, table, lang, styles, ticker)
            for spec in result.charts:
                if spec.table_id == table.id:
                    add_chart(ws, spec, table, placed, lang)
            ws.close()
        ticker.tick()
        wb.save(path)
    except BaseException:
        for ws in sheets:
            ws.discard()
        raise
    return path


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, not quoted, at most 31 characters."""
    cleaned = " ".join(_BAD_SHEET_CHARS.sub(" ", title).split()).strip("'")
    base = cleaned[:31].rstrip() or "Sheet"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)].rstrip() + suffix
    taken.add(name.lower())
    return name


class Styles:
    """Style ids registered with the workbook, by number format and role."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._ids: dict[tuple[str, str, bool], int] = {}

    def id(self, number_format: str = "General", role: str = "body", quote: bool = False) -> int:
        key = (number_format, role, quote)
        if key not in self._ids:
            self._ids[key] = self._register(*key)
        return self._ids[key]

    def _register(self, number_format: str, role: str, quote: bool) -> int:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Border, Font, PatternFill, Side

        cell = WriteOnlyCell(self._ws)
        cell.number_format = number_format
        thin = Side(style="thin", color="808080")
        if role == "header":
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.border = Border(bottom=thin)
        elif role == "total":
            cell.font = Font(bold=True)
            cell.border = Border(top=thin)
        elif role == "company":
            cell.font = Font(bold=True, size=12)
        elif role == "title":
            cell.font = Font(bold=True, size=14)
        elif role == "note":
            cell.font = Font(italic=True, color="595959")
        cell.quotePrefix = quote
        return cell.style_id

    def column(self, kind: ColumnKind, role: str = "body") -> Any:
        from plugins.exporters.exporters.xlsx_stream import CellStyles

        return CellStyles(
            number=self.id(NUMBER_FORMATS.get(kind, "General"), role),
            text=self.id("General", role),
            quoted=self.id("General", role, quote=True),
            date=self.id(DATE_FORMAT, role),
            datetime=self.id(DATETIME_FORMAT, role),
        )


# ---------------------------------------------------------------------------------------
# One table on one sheet
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    """Where a table landed: its header row and first/last data rows (1-based)."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int  # first_row - 1 when the table is empty


def write_table(
    ws: Any, result: ReportResult, table: Table, lang: str, styles: Styles, ticker: Ticker
) -> Placed:
    from openpyxl.utils import get_column_letter

    from plugins.exporters.exporters.xlsx_stream import RowWriter

    lines = common.header_lines(result, table, lang)
    header_row = len(lines) + 2
    rows = iter(table.rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    titles = [c.title(lang) for c in table.columns]
    for i, width in enumerate(column_widths(table, titles, sample), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ncols = max(len(table.columns), 1)
    ws.freeze_panes = f"A{header_row + 1}"

    ws.write_rows(_header_block(lines, result, styles))
    header = RowWriter([styles.column(ColumnKind.TEXT, "header")] * ncols)
    ws.write_rows(header.row(header_row, titles))
    body = RowWriter([styles.column(c.kind) for c in table.columns])
    first = r = header_row + 1
    batch: list[str] = []
    for row in itertools.chain(sample, rows):
        if len(row) > ncols:
            raise ValueError(
                f"table '{table.id}': row {r - header_row} has {len(row)} "
                f"values for {ncols} columns"
            )
        batch.append(body.row(r, row))
        r += 1
        if len(batch) >= BATCH_ROWS:
            ws.write_rows("".join(batch))
            batch.clear()
            ticker.add(BATCH_ROWS)
    ws.write_rows("".join(batch))
    ticker.add(len(batch))
    last = r - 1
    if table.columns:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(ncols)}{max(last, header_row)}"
    _write_totals(ws, table, lang, styles, r, first, last)
    return Placed(ws.title, header_row, first, last)


def _header_block(lines: list[str], result: ReportResult, styles: Styles) -> str:
    from plugins.exporters.exporters.xlsx_stream import RowWriter

    roles = ["title", "note", "note", *(["note"] * len(result.captions))]
    if result.company_name:
        roles.insert(0, "company")
    xml = []
    for r, (text, role) in enumerate(zip(lines, roles, strict=True), 1):
        xml.append(RowWriter([styles.column(ColumnKind.TEXT, role)]).row(r, [text]))
    return "".join(xml)


def _write_totals(
    ws: Any, table: Table, lang: str, styles: Styles, r: int, first: int, last: int
) -> None:
    from openpyxl.utils import get_column_letter

    from plugins.exporters.exporters.xlsx_stream import RowWriter

    values = common.totals_row(table, lang)
    if values is None:
        return
    values = list(values)
    formulas: dict[int, str] = {}
    cached: dict[int, Any] = {}
    for i, column in enumerate(table.columns):
        if column.total and column.kind in NUMBER_FORMATS and column.kind != ColumnKind.DATE:
            if last < first:
                values[i] = 0  # no rows: a SUM over nothing would point at the header
                continue
            letter = get_column_letter(i + 1)
            formulas[i] = f"SUM({letter}{first}:{letter}{last})"
            cached[i] = values[i]
    writer = RowWriter([styles.column(c.kind, "total") for c in table.columns])
    ws.write_rows(writer.formula_row(r, values, formulas, cached))


def column_widths(table: Table, titles: list[str], sample: list[tuple]) -> list[float]:
    """Widths in characters that fit the header and the sampled rows; CJK counts 2."""
    widths = []
    for i, column in enumerate(table.columns):
        texts = [titles[i]] + [
            common.display(row[i], column.kind) for row in sample if i < len(row)
        ]
        longest = max(common.text_width(t) for t in texts)
        widths.append(float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)))
    return widths


# ---------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------


def add_chart(ws: Any, spec: ChartSpec, table: Table, placed: Placed, lang: str) -> None:
    """A native chart beside the table: one series per value column."""
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.utils import get_column_letter

    try:
        cat_col = table.index(spec.category_column) + 1
        value_cols = [table.index(c) + 1 for c in spec.value_columns]
    except KeyError as exc:
        log.warning("chart %s skipped: %s", spec.title_en, exc)
        return
    if placed.last_row < placed.first_row or not value_cols:
        return
    chart: Any = LineChart() if spec.kind == "line" else BarChart()
    if spec.kind in ("bar", "funnel"):
        chart.type = "bar"  # horizontal bars
    if spec.kind == "funnel":
        chart.y_axis.scaling.orientation = "minMax"
        chart.x_axis.scaling.orientation = "maxMin"  # first stage on top
    chart.title = spec.title_zh if common.is_zh(lang) and spec.title_zh else spec.title_en
    for col in value_cols:
        data = Reference(ws, min_col=col, min_row=placed.header_row, max_row=placed.last_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(
        Reference(ws, min_col=cat_col, min_row=placed.first_row, max_row=placed.last_row)
    )
    chart.width, chart.height = 18, 9
    anchor_col = get_column_letter(len(table.columns) + 2)
    ws.add_chart(chart, f"{anchor_col}{placed.header_row}")
