"""Opportunities: a list, a pipeline board with one column per stage of the funnel, and
one deal's page with its stage history. ] and [ move a deal; w wins, l loses it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, DataTable, Static

from core.errors import ValidationFailed
from core.i18n import _, pick
from core.services import lists
from core.services import opportunities as service
from tui.base import BaseScreen, add_rows_in_steps
from tui.format import cell, fit_columns, label, money

DEAL_BINDINGS = [
    Binding("right_square_bracket", "step(1)", "Next stage", id="deal.next_stage"),
    Binding("left_square_bracket", "step(-1)", "Prev stage", id="deal.prev_stage"),
    Binding("w", "won", "Won", id="deal.won"),
    Binding("l", "lost", "Lost", id="deal.lost"),
    Binding("h", "history", "History", id="deal.history"),
]


class DealActions:
    """Stage moves shared by the list, the board and the deal page."""

    NEEDS = {"step": "opportunity.write", "won": "opportunity.write", "lost": "opportunity.write"}

    def selected_deal(self) -> int | None:
        raise NotImplementedError

    def after_change(self) -> None:
        raise NotImplementedError

    def _run(self, fn: Any, *args: Any, **kwargs: Any) -> None:
        """The stage move in a thread worker (one at a time: a key pressed again while
        it runs does nothing), then the message and the screen read again."""
        deal = self.selected_deal()
        if deal is None:
            return

        def moved(saved: Any) -> None:
            name = self.ctx.plugins.funnels.stage_title(saved.funnel, saved.stage)  # type: ignore[attr-defined]
            self.app.notify(_("{deal}: now {stage}").format(deal=saved.title, stage=name))  # type: ignore[attr-defined]
            self.after_change()

        def refused(exc: ValidationFailed) -> None:
            self.app.notify(  # type: ignore[attr-defined]
                "; ".join(p.expected_text() for p in exc.problems),
                title=_("Not done"),
                severity="warning",
            )

        self.write_then(  # type: ignore[attr-defined]
            lambda: fn(self.ctx, deal, *args, **kwargs),  # type: ignore[attr-defined]
            moved,
            refused=refused,
        )

    def action_step(self, step: int) -> None:
        self._run(service.step_stage, step)

    def action_won(self) -> None:
        self._ask(_("Won: reason (optional)"), lambda reason: self._run(service.win, reason=reason))

    def action_lost(self) -> None:
        self._ask(_("Lost: why was the deal lost?"), lambda reason: self._run(service.lose, reason))

    def _ask(self, prompt: str, then: Any) -> None:
        from tui.screens.dialogs import PromptDialog

        if self.selected_deal() is None:
            return
        self.app.push_screen(
            PromptDialog(_("Close the deal"), prompt),  # type: ignore[attr-defined]
            lambda reason: then(reason) if reason is not None else None,
        )

    def action_history(self) -> None:
        from tui.screens.dialogs import TableDialog

        deal = self.selected_deal()
        if deal is None:
            return
        ctx = self.ctx  # type: ignore[attr-defined]
        self.read_then(  # type: ignore[attr-defined]
            lambda: stage_rows(ctx, deal, service.stage_history(ctx, deal)),
            lambda rows: self.app.push_screen(  # type: ignore[attr-defined]
                TableDialog(_("Stage history"), [_("When"), _("From"), _("To")], rows)
            ),
            group="history",
        )


def stage_rows(ctx: Any, deal_id: int, history: list[Any]) -> list[tuple[Any, str, str]]:
    """(when, from, to) of a deal's stage changes, the stages by their titles."""
    funnel = service.get_opportunity(ctx, deal_id).funnel if history else ""
    title = ctx.plugins.funnels.stage_title
    return [
        (
            cell(h.changed_at),
            title(funnel, h.from_stage) if h.from_stage else "—",
            title(funnel, h.to_stage),
        )
        for h in history
    ]


def stalled(ctx: Any, row: lists.OpportunityRow) -> bool:
    funnel = ctx.plugins.funnels.get(row.funnel)
    stage = funnel.stage(row.stage) if funnel else None
    if stage is None or not stage.max_days:
        return False
    entered = row.stage_entered_at
    if entered.tzinfo is None:
        entered = entered.replace(tzinfo=dt.UTC)
    return ctx.now() - entered > dt.timedelta(days=stage.max_days)


class OpportunitiesScreen(DealActions, BaseScreen):
    TITLE_EN = "Opportunities"
    DEFAULT_CSS = """
    OpportunitiesScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    OpportunitiesScreen ContentSwitcher { height: 1fr; }
    OpportunitiesScreen #list { height: 1fr; }
    OpportunitiesScreen #board { height: 1fr; }
    OpportunitiesScreen .stage { width: 1fr; height: 1fr; border: round $primary;
        overflow-x: hidden; scrollbar-size-horizontal: 0; }
    OpportunitiesScreen .stage:focus { border: round $accent; }
    """
    BINDINGS = [
        Binding("b", "toggle_board", "Board/list", id="deals.board"),
        Binding("f", "next_funnel", "Funnel", id="deals.funnel", show=False),
        *DEAL_BINDINGS,
    ]

    def __init__(self, focus_id: int | None = None, board: bool = False) -> None:
        super().__init__()
        self.focus_id = focus_id
        self.board = board
        self.funnel_id = ""
        self.rows: list[lists.OpportunityRow] = []  # read in a worker (load)
        self._shown: tuple[Any, ...] | None = None  # what the table shows (_show)
        self.columns: list[DataTable[Any]] = []  # the board's, left to right

    def body(self) -> ComposeResult:
        yield Static("", id="status")
        with ContentSwitcher(initial="list"):
            yield DataTable(id="list", cursor_type="row", zebra_stripes=True)
            yield Horizontal(id="board")

    def on_mount(self) -> None:
        if self.focus_id is None:
            self.funnel_id = self.ctx.plugins.funnels.default_id
        self.query_one("#status", Static).update(_("Loading…"))
        self.load()
        if self.board:
            self.board = False
            self.action_toggle_board()
        else:
            self.query_one("#list", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.funnel_id:
            self.load()

    @property
    def funnel(self) -> Any:
        return self.ctx.plugins.funnels.get(self.funnel_id) or self.ctx.plugins.funnels.default

    def _funnel_of(self, deal_id: int | None) -> str:
        """The funnel of the deal to show first (the list shows one funnel at a time)."""
        if deal_id is None:
            return ""
        found = lists.opportunity_rows(self.ctx, ids=[deal_id], status=None)
        return found[0].funnel if found and self.ctx.plugins.funnels.get(found[0].funnel) else ""

    def load(self) -> None:
        """Read the funnel's open deals in a worker; the list (and board) show them."""
        funnel_id, focus_id = self.funnel_id, self.focus_id

        def fetch() -> tuple[str, list[lists.OpportunityRow], list[tuple[Any, ...]]]:
            chosen = funnel_id or self._funnel_of(focus_id) or self.ctx.plugins.funnels.default_id
            funnel = self.ctx.plugins.funnels.get(chosen) or self.ctx.plugins.funnels.default
            rows = lists.opportunity_rows(self.ctx, funnel=funnel.id)
            cells = [
                (
                    row.title,
                    row.customer,
                    self._stage_title(row) + (" !" if stalled(self.ctx, row) else ""),
                    money(row.amount),
                    cell(row.expected_close),
                    row.owner,
                )
                for row in rows
            ]
            return funnel.id, rows, cells

        self.read_then(fetch, lambda found: self._show(*found), group="deals")

    def _show(
        self, funnel_id: str, rows: list[lists.OpportunityRow], cells: list[tuple[Any, ...]]
    ) -> None:
        self.funnel_id, self.rows = funnel_id, rows
        table = self.query_one("#list", DataTable)
        shown = (funnel_id, [r.id for r in rows], cells)
        if self.focus_id is None and shown == self._shown and table.row_count == len(rows):
            # the same deals as when the screen was left (the usual case when it comes
            # back): rebuilding the table (and board) would redraw every cell for nothing
            return
        self._shown = shown
        keep = table.cursor_row
        table.clear(columns=True)
        fit_columns(
            table,
            [_("Deal"), _("Customer"), _("Stage"), _("Amount"), _("Close"), _("Owner")],
            cells,
            widest=20,
        )
        ids = [r.id for r in rows]
        if self.focus_id is not None:
            if self.focus_id in ids:
                keep = ids.index(self.focus_id)
            self.focus_id = None
        add_rows_in_steps(table, cells, [str(i) for i in ids], first=max(60, keep + 1))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#status", Static).update(
            _("{n} open deals").format(n=len(rows))
            + "  ·  "
            + _("! = stalled")
            + "  ·  "
            + _("Funnel")
            + ": "
            + pick(self.funnel.title_en, self.funnel.title_zh)
        )
        if self.board:
            self._fill_board()

    def _stage_title(self, row: lists.OpportunityRow) -> str:
        funnel = self.ctx.plugins.funnels.get(row.funnel)
        stage = funnel.stage(row.stage) if funnel else None
        return pick(stage.title_en, stage.title_zh) if stage else label(row.stage)

    def _fill_board(self) -> None:
        board = self.query_one("#board", Horizontal)
        focused = self.focused.name if self.focused else None
        cursor = self.focused.cursor_row if isinstance(self.focused, DataTable) else 0
        # The old columns go once this handler returns, the new ones are mounted now: so
        # the columns are told apart by name, not by id (ids must be unique meanwhile).
        board.remove_children()
        tables = []
        for stage in self.funnel.open_stages:
            table: DataTable[Any] = DataTable(
                name=f"stage-{stage.id}", classes="stage", cursor_type="row", show_header=False
            )
            deals = [r for r in self.rows if r.stage == stage.id]
            total = sum((r.amount for r in deals), start=0)
            table.border_title = f"{pick(stage.title_en, stage.title_zh)} ({len(deals)})"
            table.border_subtitle = f"{total:,.0f}"
            tables.append((table, deals))
        self.columns = [t for t, _d in tables]
        board.mount_all(self.columns)
        width = max(8, (board.size.width or self.size.width) // max(1, len(tables)) - 4)
        for table, deals in tables:
            table.add_column("deal", width=width)
            for row in deals:
                flag = "! " if stalled(self.ctx, row) else ""
                card = Text(f"{flag}{row.title}", no_wrap=True, overflow="ellipsis")
                card.truncate(width, overflow="ellipsis")
                second = Text(f"{row.amount:,.0f} {row.customer}", style="dim")
                second.truncate(width, overflow="ellipsis")
                table.add_row(Text("\n").join([card, second]), key=str(row.id), height=2)
        target = next(
            (t for t, _d in tables if t.name == focused), tables[0][0] if tables else None
        )
        if target is not None:
            target.focus()
            if target.row_count:
                target.move_cursor(row=min(cursor, target.row_count - 1))

    def selected_deal(self) -> int | None:
        table = self.focused if isinstance(self.focused, DataTable) else None
        if table is None or not table.row_count:
            return None
        return int(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or 0)

    def after_change(self) -> None:
        self.load()

    def action_toggle_board(self) -> None:
        self.board = not self.board
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "board" if self.board else "list"
        if self.board:
            self._fill_board()
        else:
            self.query_one("#list", DataTable).focus()

    def action_next_funnel(self) -> None:
        ids = list(self.ctx.plugins.funnels.funnels)
        self.funnel_id = ids[(ids.index(self.funnel.id) + 1) % len(ids)]
        self.load()

    def on_key(self, event: Any) -> None:
        """Left/Right move between the board's stage columns."""
        if not self.board or event.key not in ("left", "right"):
            return
        columns: list[Any] = self.columns
        if self.focused in columns:
            index = columns.index(self.focused) + (1 if event.key == "right" else -1)
            if 0 <= index < len(columns):
                columns[index].focus()
            event.stop()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(
            OpportunityDetail(int(event.row_key.value or 0)), lambda _r: self.load()
        )


class OpportunityDetail(DealActions, BaseScreen):
    TITLE_EN = "Opportunity"
    DEFAULT_CSS = """
    OpportunityDetail #deal { height: auto; padding: 0 1; }
    OpportunityDetail DataTable { height: 1fr; }
    """
    BINDINGS = DEAL_BINDINGS

    def __init__(self, opportunity_id: int) -> None:
        super().__init__()
        self.opportunity_id = opportunity_id

    def body(self) -> ComposeResult:
        yield Static(_("Loading…"), id="deal")
        yield Static(_("Stage history"), classes="hint")
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        self.after_change()
        self.query_one(DataTable).focus()

    def selected_deal(self) -> int | None:
        return self.opportunity_id

    def after_change(self) -> None:
        deal = self.opportunity_id
        self.read_then(
            lambda: (
                service.get_opportunity(self.ctx, deal),
                service.stage_history(self.ctx, deal),
            ),
            lambda found: self._show(*found),
            group="deal",
        )

    def _show(self, opp: Any, history: list[Any]) -> None:
        stage_name = self.ctx.plugins.funnels.stage_title(opp.funnel, opp.stage)
        prob = service.probability(self.ctx, opp)
        self.query_one("#deal", Static).update(
            f"[b]{escape(opp.title)}[/b]  ·  {_('Stage')}: {stage_name} ({float(prob):.0%})  ·  "
            f"{_('Amount')}: {opp.amount:,.2f}  ·  {_('Close')}: {opp.expected_close or '—'}"
            f"  ·  {label(opp.status)}" + (f"  ·  {opp.close_reason}" if opp.close_reason else "")
        )
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns(_("When"), _("From"), _("To"))
        title = self.ctx.plugins.funnels.stage_title  # stages by their titles, not codes
        for change in history:
            table.add_row(
                cell(change.changed_at),
                title(opp.funnel, change.from_stage) if change.from_stage else "—",
                title(opp.funnel, change.to_stage),
            )
