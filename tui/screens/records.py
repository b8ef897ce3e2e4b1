"""The records behind a dashboard figure; Enter opens the customer or the deal."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from core.i18n import _, plural
from core.services import dashboard
from tui.base import BaseScreen
from tui.format import cell, fit_columns


class RecordsScreen(BaseScreen):
    DEFAULT_CSS = """
    RecordsScreen DataTable { height: 1fr; }
    RecordsScreen #count { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, title: str, figure: str) -> None:
        super().__init__()
        self.TITLE_EN = title
        self.figure = figure
        self.drill: dashboard.Drill | None = None

    def body(self) -> ComposeResult:
        yield Static(_("Loading…"), id="count")
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._load()

    @work(thread=True, exclusive=True, group="records", exit_on_error=False)
    def _load(self) -> None:
        drill = dashboard.drill(self.ctx, self.figure)
        self.app.call_from_thread(self._show, drill)

    def _show(self, drill: dashboard.Drill) -> None:
        self.drill = drill
        table = self.query_one(DataTable)
        cells = [tuple(cell(v) for v in row) for row in drill.rows]
        fit_columns(table, [_(c) for c in drill.columns], cells)
        for index, row in enumerate(cells):
            table.add_row(*row, key=str(index))
        more = _(" (first {n})").format(n=len(drill.rows)) if len(drill.rows) >= 500 else ""
        self.query_one("#count", Static).update(
            plural(len(drill.rows), "{n} record", "{n} records").format(n=len(drill.rows))
            + more
            + "  ·  "
            + _("Enter opens the record")
        )

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if self.drill is None or not self.drill.rows:
            return
        key = self.drill.keys[int(event.row_key.value or 0)]
        if self.drill.kind == "opportunity":
            from tui.screens.opportunities import OpportunityDetail

            self.app.push_screen(OpportunityDetail(key))
        elif key:
            self.app.open_customer(key)  # type: ignore[attr-defined]
