"""The pdf exporter: a report laid out as a printed form on A4.

Each page is A4, portrait, or landscape when a table is too wide to stand upright (the
type gets smaller, down to a floor, when even landscape is too narrow; beyond that the
table prints in slices of columns, the leading name columns repeated in each). The first
page heads the form with the company, the report title, the parameters and the time it
was generated; every table repeats its column titles on each page and ends with its
totals; charts follow their table; the form closes with the 制表人 / 审核人 / 日期
(Prepared by / Checked by / Date) lines; every page is numbered "page n of N".

Text is set in reportlab's built-in ``STSong-Light`` CID font, so no font file is needed
to write Chinese (a viewer supplies the glyphs, as for any PDF that does not embed its
CJK font). Numbers are written as numbers: the formula guard is for spreadsheets only.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from core.exports import CancelFn, ProgressFn, Signoff, Ticker, check_cancel, total_rows
from core.i18n import labelled
from core.reports import NUMERIC_KINDS, ChartSpec, ReportResult, Table
from plugins.exporters.exporters import common

FONT = "STSong-Light"
BODY_SIZE, MIN_SIZE = 9.0, 6.0
SLICE_SIZE = 8.0  # the type of a table printed in slices of columns
MARGIN_MM = 12
CELL_PAD = 4.0  # points left and right of a cell's text
MAX_COL_SHARE = 0.35  # a column of long text wraps beyond this share of the page width
SAMPLE_ROWS = 300  # rows measured to size the columns
CHART_CATEGORIES = 24  # a chart shows at most this many bars or points
SERIES_COLOURS = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47")


class PdfExporter:
    id = "pdf"
    title_en = "PDF for printing (.pdf)"
    title_zh = "PDF 打印版（.pdf）"
    suffix = ".pdf"

    def write(
        self,
        result: ReportResult,
        path: Path,
        *,
        lang: str = "en",
        progress: ProgressFn | None = None,
        cancel: CancelFn | None = None,
        signoff: Signoff | None = None,
    ) -> Path:
        path = Path(path)
        ticker = Ticker(progress, cancel, total_rows(result))
        grids = [read_table(table, lang, ticker) for table in result.tables]
        ticker.tick()
        build_pdf(result, grids, path, lang, signoff, cancel)
        ticker.tick()
        return path


# ---------------------------------------------------------------------------------------
# Reading the tables
# ---------------------------------------------------------------------------------------


class Grid:
    """One table read once: header, display rows, totals row and the raw rows a chart
    needs, with the totals summed while reading where the report gave none."""

    def __init__(self, table: Table, lang: str) -> None:
        self.table = table
        self.header = [c.title(lang) for c in table.columns]
        self.numeric = [c.kind in NUMERIC_KINDS for c in table.columns]
        self.rows: list[list[str]] = []
        self.raw: list[tuple] = []
        self.totals: list[str] | None = None
        self.longest = ["" for _ in table.columns]  # measured with the sampled rows


def note_longest(longest: list[str], line: list[str]) -> None:
    for i, text in enumerate(line[: len(longest)]):
        if len(text) > len(longest[i]):
            longest[i] = text


def read_table(table: Table, lang: str, ticker: Ticker) -> Grid:
    grid = Grid(table, lang)
    kinds = [c.kind for c in table.columns]
    summed = {i: Decimal(0) for i, c in enumerate(table.columns) if c.total}
    for row in table.rows:
        line = [common.display(v, k) for v, k in zip(row, kinds, strict=False)]
        grid.rows.append(line)
        note_longest(grid.longest, line)
        if len(grid.raw) < CHART_CATEGORIES:
            grid.raw.append(row)
        for i in summed:
            if i < len(row) and isinstance(row[i], int | float | Decimal):
                summed[i] += Decimal(str(row[i])) if isinstance(row[i], float) else row[i]
        ticker.add()
    totals = common.totals_row(table, lang)
    if totals is not None:
        filled = [summed[i] if v is None and i in summed else v for i, v in enumerate(totals)]
        grid.totals = [common.display(v, k) for v, k in zip(filled, kinds, strict=False)]
    return grid


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------


def register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def natural_widths(grid: Grid, size: float) -> list[float]:
    """Each column's width (points) to hold its title and the widest sampled cell."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines = [
        grid.header,
        grid.longest,
        *grid.rows[:SAMPLE_ROWS],
        *([grid.totals] if grid.totals else []),
    ]
    widths = [0.0] * len(grid.header)
    for line in lines:
        for i, text in enumerate(line[: len(widths)]):
            widths[i] = max(widths[i], stringWidth(text, FONT, size))
    # a point of slack: text that fits exactly must not wrap on a rounding in the layout
    return [w + 2 * CELL_PAD + 1 for w in widths]


def page_size(grids: list[Grid]) -> tuple[float, float]:
    """A4 portrait, or landscape when some table does not fit upright."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm

    room = A4[0] - 2 * MARGIN_MM * mm
    wide = any(sum(fitted_widths(g, BODY_SIZE, room)) > room for g in grids)
    return landscape(A4) if wide else A4


def fitted_widths(grid: Grid, size: float, room: float) -> list[float]:
    """Natural widths, with long text columns capped (their text wraps)."""
    cap = max(room * MAX_COL_SHARE, 60.0)
    return [
        min(w, cap) if not num else w
        for w, num in zip(natural_widths(grid, size), grid.numeric, strict=False)
    ]


def type_size(grid: Grid, room: float) -> float:
    """The body size at which the table fits ``room``, never below MIN_SIZE."""
    size = BODY_SIZE
    while size > MIN_SIZE and sum(fitted_widths(grid, size, room)) > room:
        size -= 0.5
    return size


def styles(size: float) -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    return {
        "company": ParagraphStyle("company", fontName=FONT, fontSize=11, leading=14),
        "title": ParagraphStyle(
            "title", fontName=FONT, fontSize=16, leading=22, spaceBefore=2, spaceAfter=4
        ),
        "meta": ParagraphStyle(
            "meta", fontName=FONT, fontSize=8.5, leading=11, textColor="#444444"
        ),
        "h2": ParagraphStyle(
            "h2", fontName=FONT, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=size, leading=size * 1.25),
        "sign": ParagraphStyle("sign", fontName=FONT, fontSize=10.5, leading=14),
    }


def table_flowables(
    grid: Grid, room: float, lang: str, cancel: CancelFn | None = None
) -> list[Any]:
    """The table, in slices of columns side by side when even the smallest type is too
    wide for the page (the leading text columns repeat in every slice, as a printed
    spreadsheet does)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph, Spacer

    size = type_size(grid, room)
    widths = fitted_widths(grid, size, room)
    if sum(widths) > room:  # sliced anyway: print the slices in readable type
        size = SLICE_SIZE
        widths = fitted_widths(grid, size, room)
    st = styles(size)
    groups = column_groups(widths, grid.numeric, room)

    def fit(line: list[str], cols: list[int]) -> list[Any]:  # wider text wraps
        return [
            Paragraph(escape(line[i]), st["cell"])
            if not grid.numeric[i] and stringWidth(line[i], FONT, size) > widths[i] - 2 * CELL_PAD
            else line[i]
            for i in cols
        ]

    out: list[Any] = []
    for n, cols in enumerate(groups, start=1):
        if len(groups) > 1:
            out += [Spacer(1, 6)] if n > 1 else []
            out.append(Paragraph(escape(common.part_text(n, len(groups), lang)), st["meta"]))
        look = TableLook([widths[i] for i in cols], size, [grid.numeric[i] for i in cols], cancel)
        out.append(
            paged_table()(
                fit(grid.header, cols),
                [fit(r, cols) for r in grid.rows],
                fit(grid.totals, cols) if grid.totals else None,
                look,
            )
        )
    return out


def column_groups(widths: list[float], numeric: list[bool], room: float) -> list[list[int]]:
    """Column indexes of each slice; one slice holding all when they fit. Slices are
    evened out (not a full page and a last column alone)."""
    if sum(widths) <= room:
        return [list(range(len(widths)))]
    lead: list[int] = []
    for i, num in enumerate(numeric[:2]):
        if num or sum(widths[j] for j in lead) + widths[i] > room / 2:
            break
        lead.append(i)
    groups = fill(widths, lead, room)
    cap = room
    while cap > room / 2:  # narrow the slices while it takes no more of them
        narrower = fill(widths, lead, cap * 0.95)
        if len(narrower) > len(groups):
            break
        groups, cap = narrower, cap * 0.95
    return groups


def fill(widths: list[float], lead: list[int], cap: float) -> list[list[int]]:
    """Slices filled up to ``cap`` points, each starting with the ``lead`` columns."""
    groups: list[list[int]] = []
    current: list[int] = []
    for i in range(len(lead), len(widths)):
        used = sum(widths[j] for j in [*lead, *current])
        if current and used + widths[i] > cap:
            groups.append([*lead, *current])
            current = []
        current.append(i)
    if current:
        groups.append([*lead, *current])
    return groups


class TableLook:
    """How every page's slice of a table is drawn."""

    def __init__(
        self, widths: list[float], size: float, numeric: list[bool], cancel: CancelFn | None = None
    ) -> None:
        self.widths, self.size, self.numeric = widths, size, numeric
        self.cancel = cancel  # asked once a page: laying out thousands of pages takes time

    def table(self, data: list[list[Any]], with_totals: bool) -> Any:
        from reportlab.lib import colors
        from reportlab.platypus import Table as RlTable

        style = [
            ("FONT", (0, 0), (-1, -1), FONT, self.size),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#ddebf7")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
        style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i, n in enumerate(self.numeric) if n]
        if with_totals:
            style += [
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f2f2f2")),
                ("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black),
            ]
        return RlTable(data, colWidths=self.widths, repeatRows=1, style=style, hAlign="LEFT")


@functools.cache
def paged_table() -> type:
    """The PagedTable class (made on first use: reportlab loads only when printing)."""
    from reportlab.platypus import Flowable

    class PagedTable(Flowable):
        """A long table split page by page in linear time: each split lays out only a
        page's worth of rows (reportlab's own split re-measures every remaining row on each
        page, which takes minutes for tens of thousands of rows). The header repeats on every
        page; the totals row closes the last."""

        def __init__(
            self,
            header: list[Any],
            lines: list[list[Any]],
            totals: list[Any] | None,
            look: TableLook,
        ) -> None:
            super().__init__()
            self.header, self.lines, self.totals, self.look = header, lines, totals, look
            self.hAlign = "LEFT"
            self._slice: Any = None

        def _window(self, height: float) -> Any:
            """The header and at most the rows that could fit ``height`` (each row is at
            least a line of text tall), with the totals when they are within reach."""
            reach = int(height / self.look.size) + 2
            rows = self.lines[:reach]
            with_totals = self.totals is not None and len(self.lines) < reach
            data = [self.header, *rows, *([self.totals] if with_totals else [])]
            return self.look.table(data, with_totals)

        def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
            self._slice = self._window(avail_height)
            self.width, self.height = self._slice.wrap(avail_width, avail_height)
            return self.width, self.height

        def split(self, avail_width: float, avail_height: float) -> list[Any]:
            check_cancel(self.look.cancel)
            window = self._window(avail_height)
            window.wrap(avail_width, avail_height)
            parts = window.split(avail_width, avail_height)
            if len(parts) < 2:
                return parts
            placed = len(parts[0]._cellvalues) - 1  # rows of data on this page
            if placed > len(self.lines):  # the totals row fitted too: nothing is left
                return [parts[0]]
            if placed == len(self.lines):  # only the totals row moves on
                rest = type(self)(self.header, [], self.totals, self.look)
            else:
                rest = type(self)(self.header, self.lines[placed:], self.totals, self.look)
            return [parts[0], rest]

        def draw(self) -> None:
            self._slice.drawOn(self.canv, 0, 0)

    return PagedTable


def chart_flowable(spec: ChartSpec, grid: Grid, lang: str, room: float) -> Any | None:
    """A bar (or line) chart of the table's first rows; None when there is nothing to
    draw."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    table = grid.table
    try:
        cat = table.index(spec.category_column)
        cols = [table.index(c) for c in spec.value_columns]
    except KeyError:
        return None
    if not grid.raw or not cols:
        return None
    cats = [common.display(r[cat], table.columns[cat].kind)[:12] for r in grid.raw]
    series = [
        [float(r[i]) if isinstance(r[i], int | float | Decimal) else 0.0 for r in grid.raw]
        for i in cols
    ]
    kind = {"line": HorizontalLineChart, "funnel": HorizontalBarChart}.get(
        spec.kind, VerticalBarChart
    )
    width, height = min(room, 480.0), 210.0
    drawing = Drawing(width, height)
    chart = kind()
    chart.x, chart.y, chart.width, chart.height = 50, 40, width - 170, height - 70
    chart.data = series
    chart.categoryAxis.categoryNames = cats
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = FONT, 7
    if kind is VerticalBarChart:
        chart.categoryAxis.labels.angle, chart.categoryAxis.labels.boxAnchor = 30, "ne"
    if kind is HorizontalBarChart:  # a funnel reads from its first stage down
        chart.categoryAxis.reverseDirection = 1
    low = min(min(s) for s in series)
    chart.valueAxis.valueMin = min(0.0, low)
    for n in range(len(series)):
        colour = colors.HexColor(SERIES_COLOURS[n % len(SERIES_COLOURS)])
        target = chart.lines[n] if kind is HorizontalLineChart else chart.bars[n]
        target.strokeColor = colour
        if kind is not HorizontalLineChart:
            target.fillColor = colour
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y, legend.fontName, legend.fontSize = width - 110, height - 40, FONT, 8
    legend.colorNamePairs = [
        (colors.HexColor(SERIES_COLOURS[n % len(SERIES_COLOURS)]), table.columns[i].title(lang))
        for n, i in enumerate(cols)
    ]
    drawing.add(legend)
    title = spec.title_zh if common.is_zh(lang) and spec.title_zh else spec.title_en
    drawing.add(String(50, height - 14, title, fontName=FONT, fontSize=10))
    return drawing


def signoff_flowable(signoff: Signoff | None, lang: str, room: float) -> Any:
    from reportlab.platypus import Table as RlTable

    blank = "________________"
    prepared = signoff.prepared_by if signoff else blank
    day = signoff.date.isoformat() if signoff else blank
    cells = [
        labelled(common.label(key, lang), value, lang)
        for key, value in (("prepared_by", prepared), ("checked_by", blank), ("date", day))
    ]
    return RlTable(
        [cells],
        colWidths=[room / 3] * 3,
        hAlign="LEFT",
        style=[
            ("FONT", (0, 0), (-1, -1), FONT, 10.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 14),
        ],
    )


def story(
    result: ReportResult,
    grids: list[Grid],
    lang: str,
    signoff: Signoff | None,
    room: float,
    cancel: CancelFn | None = None,
) -> list[Any]:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    st = styles(BODY_SIZE)
    out: list[Any] = []
    if result.company_name:
        out.append(Paragraph(escape(result.company_name), st["company"]))
    out.append(Paragraph(escape(result.title(lang)), st["title"]))
    out += [
        Paragraph(escape(common.params_line(result, lang)), st["meta"]),
        Paragraph(escape(common.generated_line(result, lang)), st["meta"]),
        Spacer(1, 6),
    ]
    for grid in grids:
        if len(grids) > 1:
            out.append(Paragraph(escape(grid.table.title(lang)), st["h2"]))
        out += table_flowables(grid, room, lang, cancel)
        for spec in result.charts:
            if spec.table_id == grid.table.id:
                chart = chart_flowable(spec, grid, lang, room)
                if chart is not None:
                    out += [Spacer(1, 10), chart]
    out.append(KeepTogether([Spacer(1, 18), signoff_flowable(signoff, lang, room)]))
    return out


def build_pdf(
    result: ReportResult,
    grids: list[Grid],
    path: Path,
    lang: str,
    signoff: Signoff | None,
    cancel: CancelFn | None = None,
) -> None:
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    register_font()
    size = page_size(grids)
    doc = SimpleDocTemplate(
        str(path),
        pagesize=size,
        leftMargin=MARGIN_MM * mm,
        rightMargin=MARGIN_MM * mm,
        topMargin=MARGIN_MM * mm,
        bottomMargin=(MARGIN_MM + 6) * mm,
        title=result.title(lang),
        author=result.company_name,
        creator="salesdesk",
    )
    footer = "  |  ".join(t for t in (result.company_name, result.title(lang)) if t)
    doc.build(
        story(result, grids, lang, signoff, doc.width, cancel),
        canvasmaker=numbered_canvas(footer, lang),
    )


def numbered_canvas(footer: str, lang: str) -> Any:
    """A canvas class that writes "page n of N" on every page once N is known."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # reportlab calls it by this name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for n, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(n, len(self._pages))
                super().showPage()
            super().save()

        def _footer(self, page: int, pages: int) -> None:
            width = self._pagesize[0]
            self.setFont(FONT, 8)
            self.setFillColorRGB(0.35, 0.35, 0.35)
            self.drawString(MARGIN_MM * mm, 9 * mm, footer)
            self.drawRightString(
                width - MARGIN_MM * mm, 9 * mm, common.page_text(page, pages, lang)
            )

    return NumberedCanvas
