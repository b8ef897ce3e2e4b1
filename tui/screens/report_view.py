"""One report's result: its tables (Enter on a figure drills to the rows behind it), its
chart (c), and export (x) in a worker with a progress bar and a cancel key (k)."""

from __future__ import annotations

import inspect
import math
import threading
import unicodedata
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
    TabbedContent,
    TabPane,
)
from textual.worker import get_current_worker

from core.i18n import _, current_lang, labelled, pick
from tui.base import BaseModal, BaseScreen
from tui.screens.dialogs import DIALOG_CSS
from tui.widgets.report_table import ReportTable, format_value


class CancelFlag(threading.Event):
    """Both an Event and a ``() -> bool``, so exporters may take either."""

    def __call__(self) -> bool:
        return self.is_set()


def exporters(ctx: Any) -> dict[str, Any]:
    try:
        from core.exports import exporter_registry
    except ImportError:
        return {}
    return dict(exporter_registry(ctx.plugins))


def _plain(value: Any) -> str:
    return value.plain if hasattr(value, "plain") else str(value if value is not None else "")


def param_line(ctx: Any, report_id: str, params: dict[str, Any]) -> str:
    """The parameters a result was run with, as the form labels them: "Campaign DEMO-PROMO
    · Buyers only no" (never the model's field names or Python's True/False)."""
    from core.reports import report_registry

    model = getattr(report_registry(ctx.plugins).get(report_id), "Params", None)
    fields = getattr(model, "model_fields", {})
    shown = []
    for name, value in params.items():
        if value in (None, "", []):
            continue
        info = fields.get(name)
        title = (info.title if info is not None else "") or name.replace("_", " ").capitalize()
        if isinstance(value, bool):
            value = _("yes") if value else _("no")
        elif isinstance(value, str):  # a choice in the reader's words (net is 不含税)
            from tui.screens.reports import choice_title

            value = choice_title(value)
        shown.append(f"{_(title)} {value}")
    return "  ·  ".join(shown)


def axis_ticks(values: list[float], steps: int = 4) -> tuple[list[float], list[str]]:
    """Round ticks from 0 (or the lowest value) to the highest, labelled as people read
    amounts: 1,500,000 in English, 150万 or 1.2亿 in Chinese."""
    if not values:
        return [], []
    low, high = min(0.0, min(values)), max(0.0, max(values))
    if high == low:
        return [], []
    raw = (high - low) / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = [first + i * step for i in range(math.ceil((high - first) / step) + 1)]
    return ticks, [amount_label(t) for t in ticks]


def amount_label(value: float) -> str:
    if current_lang() != "zh_CN" or abs(value) < 10_000:
        return f"{value:,.0f}" if value == int(value) or abs(value) >= 100 else f"{value:g}"
    if abs(value) >= 100_000_000:
        return f"{value / 100_000_000:,.4g}亿"
    return f"{value / 10_000:,.4g}万"


# plotext lays text out one cell per character; a Chinese character takes two, so every
# line with a Chinese legend, title or tick ran past the plot's width and wrapped.
ZERO_WIDTH_SPACE = "\u200b"


def plot_text(text: str) -> str:
    """``text`` for plotext: each wide character is followed by a zero-width space, so
    plotext counts the two cells it takes (the space is taken out again when drawn)."""
    return "".join(
        char + ZERO_WIDTH_SPACE if unicodedata.east_asian_width(char) in "WF" else char
        for char in text
    )


def cell_plot() -> Any:
    """A plotext widget whose drawing drops the spaces ``plot_text`` added."""
    from textual_plotext import PlotextPlot

    plot = PlotextPlot()
    build = plot.plt.build
    plot.plt.build = lambda: build().replace(ZERO_WIDTH_SPACE, "")
    return plot


class ReportView(BaseScreen):
    TITLE_EN = "Report"
    DEFAULT_CSS = """
    ReportView #result-head { height: auto; padding: 0 1; }
    ReportView ContentSwitcher { height: 1fr; }
    ReportView TabbedContent, ReportView ReportTable { height: 1fr; }
    ReportView #chart { height: 1fr; }
    ReportView #export-bar { height: 1; display: none; padding: 0 1; }
    ReportView #export-bar.-busy { display: block; }
    ReportView #export-bar ProgressBar { width: 1fr; }
    """
    BINDINGS = [
        Binding("x", "export", "Export", id="report.export"),
        Binding("c", "chart", "Chart", id="report.chart"),
        Binding("k", "cancel_export", "Cancel export", id="report.cancel"),
    ]

    def __init__(self, report_id: str, raw: dict[str, Any], result: Any) -> None:
        super().__init__()
        self.report_id, self.raw, self.result = report_id, raw, result
        self.TITLE_EN = "Report"
        self.cancel = CancelFlag()
        self.exporting = False

    def body(self) -> ComposeResult:
        r = self.result
        params = param_line(self.ctx, self.report_id, r.params)
        captions = "".join(f"{line}\n" for line in r.caption_lines(current_lang()))
        # parameters are what the user typed (names, codes): shown as typed, never markup
        head = Text(pick(r.title_en, r.title_zh), style="bold")
        head.append(f"  {params}\n" + captions + _("Enter on a figure shows the rows behind it."))
        yield Static(head, id="result-head")
        with ContentSwitcher(initial="tables"):
            with TabbedContent(id="tables"):
                for table in r.tables:
                    with TabPane(pick(table.title_en, table.title_zh), id=f"tab-{table.id}"):
                        yield ReportTable(table, id=f"rt-{table.id}")
            yield Vertical(id="chart")
        with Horizontal(id="export-bar"):
            yield Label(_("Exporting") + " ")
            yield ProgressBar(total=100, show_eta=False, id="export-progress")

    def on_mount(self) -> None:
        tables = list(self.query(ReportTable))
        if tables:
            tables[0].focus()
            head = self.query_one("#result-head", Static)
            shown = head.content  # type: ignore[attr-defined]
            head.update(
                Text.assemble(
                    shown if isinstance(shown, Text) else str(shown),
                    "  ·  " + "  ".join(t.note() for t in tables),
                )
            )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_export":
            return self.exporting
        if action == "chart":
            return bool(self.result.charts)
        return True

    # -- drill -------------------------------------------------------------------------

    @on(DataTable.CellSelected)
    def _drill(self, event: DataTable.CellSelected) -> None:
        table = event.data_table
        if not isinstance(table, ReportTable):
            return
        figure = table.figure_at(event.coordinate.row, event.coordinate.column)
        if figure is None:  # a name, a date, an explanation: the whole row, readable
            self._show_row(table, event.coordinate.row)
            return
        row, column_id = figure
        self._drill_rows(table.table.id, row, column_id)

    def _show_row(self, table: ReportTable, row_index: int) -> None:
        """Every column of one row, wrapped (the forecast's Why is cut at any width)."""
        from tui.screens.dialogs import TextDialog

        key = table.coordinate_to_cell_key((row_index, 0)).row_key.value
        if key is None or not key.isdigit():
            return  # the totals row
        row = table.rows_shown[int(key)]
        lang = current_lang()
        lines = [
            labelled(column.title(lang), _plain(format_value(column.kind, value)))
            for column, value in zip(table.table.columns, row, strict=False)
        ]
        self.app.push_screen(
            TextDialog(pick(table.table.title_en, table.table.title_zh), "\n".join(lines))
        )

    @work(thread=True, exclusive=True, group="report-drill", exit_on_error=False)
    def _drill_rows(self, table_id: str, row: Any, column_id: str) -> None:
        from core.reports import drill_report

        rows = drill_report(self.ctx, self.report_id, self.raw, table_id, row, column_id)
        self.app.call_from_thread(self.app.push_screen, DrillView(rows))

    # -- chart -------------------------------------------------------------------------

    def action_chart(self) -> None:
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "chart":
            switcher.current = "tables"
            return
        box = self.query_one("#chart", Vertical)
        if not box.children:
            box.mount_all([self._plot(spec) for spec in self.result.charts[:2]])
        switcher.current = "chart"

    def _plot(self, spec: Any) -> Any:
        plot = cell_plot()
        table = self.result.table(spec.table_id)
        rows = table.materialize()[:40]
        labels = [plot_text(str(table.value(r, spec.category_column))) for r in rows]
        plt = plot.plt
        everything: list[float] = []
        for column_id in spec.value_columns:
            values = [float(table.value(r, column_id) or 0) for r in rows]
            everything += values
            title = plot_text(table.columns[table.index(column_id)].title(current_lang()))
            if spec.kind == "line":
                plt.plot(values, label=title)
                plt.xticks(list(range(1, len(labels) + 1)), labels)
            else:
                plt.bar(
                    labels,
                    values,
                    label=title,
                    orientation="horizontal" if spec.kind == "funnel" else "vertical",
                )
        ticks, words = axis_ticks(everything)
        if ticks:  # plotext's own labels print 4474032.2
            (plt.xticks if spec.kind == "funnel" else plt.yticks)(
                ticks, [plot_text(w) for w in words]
            )
        plt.title(plot_text(pick(spec.title_en, spec.title_zh)))
        return plot

    # -- export ------------------------------------------------------------------------

    def action_export(self) -> None:
        """The exporters (the plugins' hook) are read in a worker; the keys typed after
        ``x`` wait for the export dialog."""
        if self.exporting:
            return
        self.read_then(
            lambda: exporters(self.ctx), self._ask_export, group="exporters", hold_keys=True
        )

    def _ask_export(self, found: dict[str, Any]) -> None:
        if not found:
            self.notify(_("No exporter is available"), severity="warning")
            return
        if self.exporting:
            return
        self.app.push_screen(ExportDialog(found, self.report_id), self._start_export)

    def _start_export(self, choice: tuple[str, str] | None) -> None:
        if not choice:
            return
        self.exporting = True
        self.cancel = CancelFlag()
        bar = self.query_one("#export-bar")
        bar.add_class("-busy")
        self.query_one("#export-progress", ProgressBar).update(total=100, progress=0)
        self.refresh_bindings()
        self._export(*choice)

    @work(thread=True, exclusive=True, group="report-export", exit_on_error=False)
    def _export(self, exporter_id: str, path: str) -> None:
        from core.reports import run_report

        worker = get_current_worker()
        result = run_report(self.ctx, self.report_id, self.raw)  # fresh rows: exports stream
        total = sum(t.row_count or 0 for t in result.tables) or None

        def progress(done: Any = None, all_rows: Any = None, *_a: Any, **_k: Any) -> None:
            if worker.is_cancelled:
                self.cancel.set()
            of = all_rows or total
            if isinstance(done, float) and done <= 1 and not of:
                pct = done * 100
            else:
                pct = (float(done or 0) / of * 100) if of else 0.0
            self.app.call_from_thread(self._progress, min(pct, 100.0))

        written = None
        try:
            from core.served import user_path  # over SSH: into the user's own folder

            written = self._write(exporter_id, result, user_path(path), progress)
        except Exception as exc:
            if not self.cancel.is_set():  # a cancel is reported by _done, not as an error
                raise exc from None
        finally:
            self.app.call_from_thread(self._done, written)

    def _write(self, exporter_id: str, result: Any, path: Path, progress: Any) -> Any:
        from core import exports

        kwargs = {"lang": current_lang(), "progress": progress, "cancel": self.cancel}
        export = getattr(exports, "export_report", None)
        if export is not None:
            accepted = inspect.signature(export).parameters
            use = {
                k: v
                for k, v in kwargs.items()
                if k in accepted or any(p.kind is p.VAR_KEYWORD for p in accepted.values())
            }
            return export(self.ctx, result, exporter_id, path, **use)
        return exporters(self.ctx)[exporter_id].write(result, path, **kwargs)

    def _progress(self, pct: float) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=pct)

    def _done(self, written: Any) -> None:
        self.exporting = False
        self.query_one("#export-bar").remove_class("-busy")
        self.refresh_bindings()
        if self.cancel.is_set():
            self.notify(_("Export cancelled"), severity="warning")
        elif written is not None:
            from core.served import shown_path

            self.notify(_("Exported to {path}").format(path=shown_path(Path(written))), timeout=8)

    def action_cancel_export(self) -> None:
        if self.exporting:
            self.cancel.set()
            self.notify(_("Cancelling…"), timeout=2)


class ExportDialog(BaseModal):
    """Pick an exporter and a path; Enter starts the export."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ExportDialog")

    def __init__(self, found: dict[str, Any], report_id: str) -> None:
        super().__init__()
        self.found = found
        self.report_id = report_id

    def compose(self) -> ComposeResult:
        first = next(iter(self.found.values()))
        with Vertical():
            yield Label(_("Export"), classes="title")
            yield Select(
                [(str(getattr(e, "title", k)), k) for k, e in self.found.items()],
                value=next(iter(self.found)),
                allow_blank=False,
                id="exporter",
            )
            yield Input(self._path(first), id="path")
            yield Static(_("Enter starts the export, Escape cancels."), classes="keys")

    def _path(self, exporter: Any) -> str:
        suffix = str(getattr(exporter, "suffix", "")).lstrip(".")
        stamp = self.ctx.today().strftime("%Y%m%d")
        from core.served import suggested_path

        return suggested_path(f"{self.report_id}-{stamp}.{suffix or 'out'}")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Select.Changed, "#exporter")
    def _exporter(self, event: Select.Changed) -> None:
        path = self.query_one("#path", Input)
        path.value = str(
            Path(path.value).with_suffix(
                "." + str(getattr(self.found[str(event.value)], "suffix", "out")).lstrip(".")
            )
        )

    @on(Input.Submitted, "#path")
    def _go(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            return
        self.dismiss((str(self.query_one("#exporter", Select).value), event.value.strip()))


class DrillView(BaseScreen):
    """The rows behind one figure."""

    TITLE_EN = "Rows behind the figure"
    DEFAULT_CSS = "DrillView ReportTable { height: 1fr; } DrillView #note { height: 1; }"

    def __init__(self, table: Any) -> None:
        super().__init__()
        self.table = table

    def body(self) -> ComposeResult:
        yield Static("", id="note")
        yield ReportTable(self.table)

    def on_mount(self) -> None:
        table = self.query_one(ReportTable)
        self.query_one("#note", Static).update(table.note())
        table.focus()
