"""Home: this month's target vs actual, sales to date, pipeline, follow-ups, stalled
deals. Every figure is a row: Enter opens the records behind it."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, OptionList
from textual.widgets.data_table import ColumnKey
from textual.widgets.option_list import Option

from core.i18n import _
from tui.base import BaseScreen, Freshness
from tui.format import money, number

if TYPE_CHECKING:  # the services load after the first frame (the app opens them)
    from core.dashboard_figures import Dashboard

WIDE = 130  # columns from which the pipeline by stage is shown beside the figures
# Seconds the figures are trusted when coming back to Home with nothing written since
# (the date moves on, and a write outside the services leaves no audit entry).

FIGURE_TITLES = [
    ("target", "Target this month"),
    ("actual", "Actual this month"),
    ("completion", "Completion"),
    ("mtd", "Sales MTD"),
    ("qtd", "Sales QTD"),
    ("ytd", "Sales YTD"),
    ("pipeline", "Open pipeline"),
    ("weighted", "Weighted pipeline"),
    ("due_today", "Follow-ups due today"),
    ("overdue", "Follow-ups overdue"),
    ("stalled", "Stalled deals"),
]


class HomeScreen(BaseScreen):
    TITLE_EN = "Home"
    KEPT = True  # at the bottom of the stack for the app's life
    DEFAULT_CSS = """
    HomeScreen #home { height: 1fr; }
    HomeScreen #nav { width: 26; height: 1fr; border: round $primary; }
    HomeScreen #figures-box { width: 1fr; height: 1fr; border: round $primary; }
    HomeScreen #figures { height: 1fr; }
    HomeScreen #stages-box { width: 1fr; height: 1fr; border: round $primary; display: none; }
    HomeScreen #stages-box.-wide { display: block; }
    HomeScreen #stages { height: 1fr; }
    HomeScreen .hint { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "noop", "", id="back", show=False),
        Binding("f5", "refresh", "Refresh", id="home.refresh"),
        Binding("q", "app.quit", "Quit", id="home.quit"),
    ]
    _resumed = False

    def __init__(self) -> None:
        super().__init__()
        self.freshness = Freshness()  # of the figures shown

    def body(self) -> ComposeResult:
        with Horizontal(id="home"):
            nav = OptionList(id="nav")
            nav.border_title = _("Go to")
            yield nav
            with Vertical(id="figures-box") as box:
                box.border_title = _("This month")
                table: DataTable[Any] = DataTable(
                    id="figures", cursor_type="row", show_header=False
                )
                yield table
                yield Label(_("Enter on a figure shows the records behind it."), classes="hint")
            # a wide terminal (160 columns) left most of Home empty: the open pipeline
            # by stage fills the room beside the figures
            with Vertical(id="stages-box") as stages_box:
                stages_box.border_title = _("Open pipeline by stage")
                stages: DataTable[Any] = DataTable(id="stages", cursor_type="none")
                stages.can_focus = False
                yield stages

    def on_mount(self) -> None:
        nav = self.query_one("#nav", OptionList)
        nav.add_options(self._nav_options())
        table = self.query_one("#figures", DataTable)
        table.add_column(_("Figure"), key="title")
        table.add_column(_("Value"), key="value")
        for fid, title in FIGURE_TITLES:
            table.add_row(_(title), Text("…", justify="right"), key=fid)
        stages = self.query_one("#stages", DataTable)
        stages.add_column(_("Stage"), key="stage")
        stages.add_column(_("Deals"), key="deals")
        stages.add_column(_("Amount"), key="amount")
        self._fit_to_width()
        nav.highlighted = 0
        nav.focus()
        if self.app.load_dashboard and self.app.ready:  # type: ignore[attr-defined]
            # after the first frame: the screen is usable while the figures are computed
            self.set_timer(0.05, self.action_refresh)

    def on_resize(self) -> None:
        self._fit_to_width()

    def _fit_to_width(self) -> None:
        width = self.size.width or self.app.size.width
        self.query_one("#stages-box").set_class(width >= WIDE, "-wide")

    def _nav_options(self) -> list[Option]:
        return [
            Option(f"{key or ' '}  {title}", id=sid)
            for sid, key, title in self.app.sections()  # type: ignore[attr-defined]
            if sid != "home"
        ]

    def context_ready(self, board: Dashboard | None = None) -> None:
        """The database is open: the figures are shown (``board``, read by the opening
        thread) or read, the sections that depend on the user join the navigation (the
        plugins' views when they are read, see ``sections_changed``)."""
        if board is not None:
            self.show(board)
        elif self._reads_own_figures():
            self.action_refresh()
        self.sections_changed()

    def _reads_own_figures(self) -> bool:
        """False when the figures come from a child process (tui.figures_ahead)."""
        app: Any = self.app
        return bool(app.load_dashboard) and not app.figures_read.is_set()

    def sections_changed(self) -> None:
        """The navigation shows the sections offered now (the highlight stays put)."""
        nav = self.query_one("#nav", OptionList)
        index = nav.highlighted
        current = nav.get_option_at_index(index).id if index is not None else None
        options = self._nav_options()
        if [o.id for o in options] != [
            nav.get_option_at_index(i).id for i in range(nav.option_count)
        ]:
            nav.clear_options()
            nav.add_options(options)
            ids = [o.id for o in options]
            nav.highlighted = ids.index(current) if current in ids else 0

    def on_screen_resume(self) -> None:
        if not self._resumed:  # shown the first time: on_mount reads the figures (reading
            self._resumed = True  # them twice kept a core busy for nothing at start-up)
            return
        if self.app.load_dashboard and self.app.ready:  # type: ignore[attr-defined]
            # coming back: the figures are read again only if something was written
            # since (in any session) or they are older than Freshness.FRESH_FOR
            self._compute(only_if_changed=True)

    def action_noop(self) -> None:
        """Escape on Home: nothing to go back to."""

    def action_refresh(self) -> None:
        self._compute()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False)
    def _compute(self, only_if_changed: bool = False) -> None:
        from core.services import dashboard
        from core.services.base import data_version

        started = time.monotonic()
        version = data_version(self.ctx)
        if only_if_changed and self.freshness.holds(version):
            return
        board = dashboard.compute(self.ctx)
        self.app.call_from_thread(self._read, board, version, started)

    def _read(self, board: Dashboard, version: int, started: float) -> None:
        self.freshness.read(version, started)
        self.show(board)

    def show(self, board: Dashboard, titles: list[str] | None = None) -> None:
        """Draw ``board``; ``titles``: its stage rows' titles, when read with it (figures
        read ahead by another process come before this process has the funnels)."""
        completion = (
            Text(f"{board.completion} %", justify="right")
            if board.completion is not None
            else Text("—", justify="right")
        )
        values = {
            "target": money(board.target),
            "actual": money(board.mtd),
            "completion": completion,
            "mtd": money(board.mtd),
            "qtd": money(board.qtd),
            "ytd": money(board.ytd),
            "pipeline": Text.assemble(
                money(board.pipeline), f" ({board.open_deals})", justify="right"
            ),
            "weighted": money(board.weighted),
            "due_today": number(board.due_today),
            "overdue": number(board.overdue),
            "stalled": number(board.stalled),
        }
        table = self.query_one("#figures", DataTable)
        for fid, value in values.items():
            if fid == "overdue" and board.overdue:
                value.stylize("bold red")
            if table.get_cell(fid, "value") != value:  # an unchanged figure is not redrawn
                table.update_cell(fid, "value", value)
        _fit_column(table, "value", [v.cell_len for v in values.values()])
        self._show_stages(board, titles)
        self.app.figures_shown.set()  # type: ignore[attr-defined]

    def _show_stages(self, board: Dashboard, titles: list[str] | None) -> None:
        from core.dashboard_figures import stage_titles

        if titles is None:
            titles = stage_titles(self.ctx.plugins.funnels, board)
        table = self.query_one("#stages", DataTable)
        table.clear()
        rows: list[tuple[Text, Text, Text]] = [
            (Text(title), number(deals), money(amount))
            for title, (_f, _s, deals, amount) in zip(titles, board.stages, strict=True)
        ]
        if board.stages:
            rows.append(
                (Text(_("Total"), style="bold"), number(board.open_deals), money(board.pipeline))
            )
        table.add_rows(rows)
        for index, key in enumerate(("stage", "deals", "amount")):
            _fit_column(table, key, [row[index].cell_len for row in rows])

    @on(OptionList.OptionSelected, "#nav")
    def _go(self, event: OptionList.OptionSelected) -> None:
        self.app.action_section(event.option.id or "home")  # type: ignore[attr-defined]

    @on(DataTable.RowSelected, "#figures")
    def _drill(self, event: DataTable.RowSelected) -> None:
        if not self.app.ready:  # type: ignore[attr-defined]
            return  # the figures are not read yet ("…")
        figure = event.row_key.value or ""
        if figure == "completion":
            figure = "actual"
        from tui.screens.records import RecordsScreen

        title = dict(FIGURE_TITLES).get(figure, figure)
        self.app.push_screen(RecordsScreen(_(title), figure))


def _fit_column(table: DataTable[Any], key: str, widths: list[int]) -> None:
    """Size a column to its cells now. DataTable widens a column only in a later idle
    step, and a picture (or a slow terminal) could catch the figures cut ("60,00")."""
    column = table.columns[ColumnKey(key)]
    width = max([*widths, column.label.cell_len])
    if column.auto_width or column.width != width:
        column.auto_width, column.width = False, width
        table.refresh(layout=True)
