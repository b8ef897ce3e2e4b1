"""Opportunities: a list, a pipeline board with one column per stage of the funnel, and
one deal's page with its stage history. ] and [ move a deal; w wins, l loses it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, DataTable, Static

from core.errors import ValidationFailed
from core.i18n import _, bracketed, labelled, pick
from core.services import lists
from core.services import opportunities as service
from core.services.base import data_version
from tui.base import BaseScreen, Freshness, localize_bindings
from tui.format import cell, label, money
from tui.widgets.paged_table import PagedTable, Source, first_rows, read_ahead

# Seconds the deals shown are trusted when coming back with nothing written since.
# (key, title, width on a narrow terminal: every column stays on screen, and an amount
# up to 99,999,999.99 reads whole: 11 cells showed 3,000,000.00 as "3,000,000.0")
LIST_COLUMNS = [
    ("title", "Deal", 13),
    ("customer", "Customer", 12),
    ("stage", "Stage", 11),
    ("amount", "Amount", 13),
    ("close", "Close", 10),
    ("owner", "Owner", 7),
]

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


class StageColumn(DataTable[Any]):
    """A board column: one stage's cards, as many as it has room for; PgDn / PgUp show
    the stage's next or previous ones (the list's keys, so the footer stays the same when
    the board and the list take turns)."""

    BINDINGS = [
        Binding("pagedown", "next_page", "Next page", id="table.next_page"),
        Binding("pageup", "prev_page", "Prev page", id="table.prev_page", show=False),
    ]

    def __init__(self, stage_id: str) -> None:
        super().__init__(
            name=f"stage-{stage_id}", classes="stage", cursor_type="row", show_header=False
        )
        localize_bindings(self)
        self.stage_id = stage_id
        self.first_card = 0  # the stage's cards shown start here (soonest to close first)

    def action_next_page(self) -> None:
        self.screen.page_cards(self, 1)  # type: ignore[attr-defined]

    def action_prev_page(self) -> None:
        self.screen.page_cards(self, -1)  # type: ignore[attr-defined]


class OpportunitiesScreen(DealActions, BaseScreen):
    """The list reads one page of the funnel's open deals at a time (``PagedTable``, as
    Customers); the board reads each stage's count and amount, and only the cards its
    columns have room for, soonest to close first."""

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
        self.columns: list[StageColumn] = []  # the board's, left to right
        self.stage_totals: dict[str, Any] = {}  # stage -> (open deals, amount), as shown
        self.freshness = Freshness()  # of the deals shown
        # the default funnel's first page is read from now on, while the screen is
        # composed and mounted (read from the mount, it came after the first frame)
        self._ahead: Any = None
        if focus_id is None:
            self.funnel_id = self.ctx.plugins.funnels.default_id
            self._ahead = read_ahead(self._fetcher(self.funnel_id), first_rows(self.app))

    def body(self) -> ComposeResult:
        yield Static("", id="status")
        with ContentSwitcher(initial="list"):
            yield PagedTable(id="list")
            yield Horizontal(id="board")

    def on_mount(self) -> None:
        table = self.query_one("#list", PagedTable)
        narrow = self.app.size.width < 100
        for key, title, width in LIST_COLUMNS:
            table.add_column(_(title), key=key, width=width if narrow else None)
        self.query_one("#status", Static).update(_("Loading…"))
        if self.focus_id is None:
            self.funnel_id = self.ctx.plugins.funnels.default_id
            self._requery()
        else:
            ctx, focus_id = self.ctx, self.focus_id

            def place() -> tuple[str, int]:
                funnel = self._funnel_of(focus_id) or ctx.plugins.funnels.default_id
                return funnel, lists.opportunity_position(ctx, funnel, focus_id) or 0

            self.read_then(place, lambda found: self._requery(*found), group="deals")
        if self.board:
            self.board = False
            self.action_toggle_board()
        else:
            table.focus()

    def on_screen_resume(self) -> None:
        # Others may have moved deals: read the page (and the board) again if anything
        # was written since they were read (or they are old), after the screen is drawn
        # with what it kept.
        if self.query_one("#list", PagedTable).source is not None:
            self.call_after_refresh(self._check_fresh)

    @work(thread=True, exclusive=True, group="deals-fresh", exit_on_error=False)
    def _check_fresh(self) -> None:
        if not self.freshness.holds(data_version(self.ctx)):
            self.app.call_from_thread(self.after_change)  # its page read notes the version

    @property
    def funnel(self) -> Any:
        return self.ctx.plugins.funnels.get(self.funnel_id) or self.ctx.plugins.funnels.default

    def _funnel_of(self, deal_id: int | None) -> str:
        """The funnel of the deal to show first (the list shows one funnel at a time)."""
        if deal_id is None:
            return ""
        found = lists.opportunity_rows(self.ctx, ids=[deal_id], status=None)
        return found[0].funnel if found and self.ctx.plugins.funnels.get(found[0].funnel) else ""

    def _requery(self, funnel_id: str = "", first_row: int = 0) -> None:
        """The funnel's open deals, one page at a time (from ``first_row``)."""
        if funnel_id:
            self.funnel_id = funnel_id
        ctx, funnel = self.ctx, self.funnel.id
        ahead, self._ahead = self._ahead, None  # read for the first showing only
        default = self.ctx.plugins.funnels.default_id
        fetch = ahead if ahead is not None and funnel == default else self._fetcher(funnel)
        self.query_one("#list", PagedTable).set_source(
            Source(lambda: lists.count_opportunities(ctx, funnel), fetch), first_row
        )
        if self.board:
            self._load_board()

    def _fetcher(self, funnel: str) -> Any:
        """A page of the funnel's open deals, as the list's rows (read in a worker)."""
        ctx = self.ctx

        def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
            # the data version first: a write during the read makes the next return read
            self.freshness.read(data_version(ctx), time.monotonic())
            return [
                (
                    row.id,
                    [
                        row.title,
                        row.customer,
                        self._stage_title(row) + (" !" if stalled(ctx, row) else ""),
                        money(row.amount),
                        cell(row.expected_close),
                        row.owner,
                    ],
                )
                for row in lists.opportunity_page(ctx, funnel, offset, limit, total)
            ]

        return fetch

    @on(PagedTable.PageShown)
    def _page_shown(self, event: PagedTable.PageShown) -> None:
        where = event.where("")
        self.query_one("#status", Static).update(
            "  ·  ".join(
                part
                for part in (
                    _("{n} open deals").format(n=event.total) if event.total is not None else "",
                    where,
                    _("! = stalled"),
                    labelled(_("Funnel"), pick(self.funnel.title_en, self.funnel.title_zh)),
                )
                if part
            )
        )
        if self.focus_id is not None and event.shown:
            table = self.query_one("#list", PagedTable)
            keys = [
                table.coordinate_to_cell_key((i, 0)).row_key.value for i in range(table.row_count)
            ]
            if str(self.focus_id) in keys:
                table.move_cursor(row=keys.index(str(self.focus_id)), scroll=False)
                self.focus_id = None

    def _stage_title(self, row: lists.OpportunityRow) -> str:
        funnel = self.ctx.plugins.funnels.get(row.funnel)
        stage = funnel.stage(row.stage) if funnel else None
        return pick(stage.title_en, stage.title_zh) if stage else label(row.stage)

    # -- the board -----------------------------------------------------------------------

    def _cards_per_column(self) -> int:
        """The cards (two lines each) a column has room for."""
        board = self.query_one("#board", Horizontal)
        height = board.size.height or max(0, self.app.size.height - 4)
        return max(3, (height - 2) // 2)

    def _load_board(self) -> None:
        """Each open stage's count and amount, and the cards its column shows, read in a
        worker; the columns are there (titled) at once."""
        self._board_columns()
        ctx, funnel, per_column = self.ctx, self.funnel, self._cards_per_column()
        asked = {c.stage_id: c.first_card for c in self.columns}

        def fetch() -> tuple[str, dict[str, Any], dict[str, Any]]:
            totals = lists.stage_totals(ctx, funnel.id)
            cards: dict[str, Any] = {}
            for stage in funnel.open_stages:
                count = totals.get(stage.id, (0, 0))[0]
                # a page past the stage's end (its deals moved on) shows its last one
                first = min(asked.get(stage.id, 0), max(0, (count - 1) // per_column * per_column))
                rows = (
                    lists.opportunity_page(ctx, funnel.id, first, per_column, stage=stage.id)
                    if count
                    else []
                )
                cards[stage.id] = (first, [(row, stalled(ctx, row)) for row in rows])
            return funnel.id, totals, cards

        self.read_then(fetch, lambda found: self._fill_board(*found), group="board")

    def _board_columns(self) -> None:
        """One column per open stage of the funnel (kept while the funnel is the same)."""
        names = [f"stage-{stage.id}" for stage in self.funnel.open_stages]
        if [c.name for c in self.columns] == names:
            return
        board = self.query_one("#board", Horizontal)
        focused = self.focused.name if self.focused in self.columns else None
        # The old columns go once this handler returns, the new ones are mounted now: so
        # the columns are told apart by name, not by id (ids must be unique meanwhile).
        board.remove_children()
        self.columns = []
        for stage in self.funnel.open_stages:
            table = StageColumn(stage.id)
            table.border_title = pick(stage.title_en, stage.title_zh)
            self.columns.append(table)
        board.mount_all(self.columns)
        if self.board and self.columns:
            target = next((t for t in self.columns if t.name == focused), self.columns[0])
            target.focus()

    def page_cards(self, column: StageColumn, step: int) -> None:
        """The stage's next (1) or previous (-1) columnful of cards."""
        per_column = self._cards_per_column()
        first = column.first_card + step * per_column
        if first < 0 or first >= self.stage_totals.get(column.stage_id, (0, 0))[0]:
            return
        column.first_card = first
        self._load_board()

    def _fill_board(self, funnel_id: str, totals: dict[str, Any], cards: dict[str, Any]) -> None:
        if funnel_id != self.funnel.id:
            return  # read for a funnel no longer shown
        self.stage_totals = totals
        self._board_columns()
        board = self.query_one("#board", Horizontal)
        width = max(8, (board.size.width or self.size.width) // max(1, len(self.columns)) - 4)
        for stage, table in zip(self.funnel.open_stages, self.columns, strict=True):
            deals, total = totals.get(stage.id, (0, 0))
            table.border_title = bracketed(pick(stage.title_en, stage.title_zh), deals)
            table.border_subtitle = f"{total:,.0f}"
            table.first_card, stage_cards = cards.get(stage.id, (0, []))
            rows = []
            for row, late in stage_cards:
                card = Text(f"{'! ' if late else ''}{row.title}", no_wrap=True, overflow="ellipsis")
                card.truncate(width, overflow="ellipsis")
                second = Text(f"{row.amount:,.0f} {row.customer}", style="dim")
                second.truncate(width, overflow="ellipsis")
                rows.append((str(row.id), Text("\n").join([card, second])))
            shown = [(str(k.value), None) for k in table.rows]
            if [k for k, _c in shown] == [k for k, _c in rows] and table.columns:
                for key, content in rows:  # the same deals: only their texts may differ
                    if table.get_cell(key, "deal") != content:
                        table.update_cell(key, "deal", content)
                continue
            cursor = table.cursor_row
            table.clear(columns=True)
            table.add_column("deal", width=width, key="deal")
            for key, content in rows:
                table.add_row(content, key=key, height=2)
            if table.row_count:
                table.move_cursor(row=min(cursor, table.row_count - 1))

    def selected_deal(self) -> int | None:
        table = self.focused if isinstance(self.focused, DataTable) else None
        if table is None or not table.row_count:
            return None
        return int(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or 0)

    def after_change(self) -> None:
        self.query_one("#list", PagedTable).reload()
        if self.board:
            self._load_board()

    def action_toggle_board(self) -> None:
        self.board = not self.board
        switcher = self.query_one(ContentSwitcher)
        switcher.current = "board" if self.board else "list"
        if self.board:
            self._load_board()
            if self.columns:
                self.columns[0].focus()
        else:
            self.query_one("#list", PagedTable).focus()

    def action_next_funnel(self) -> None:
        ids = list(self.ctx.plugins.funnels.funnels)
        self._requery(ids[(ids.index(self.funnel.id) + 1) % len(ids)])

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
    def _open_card(self, event: DataTable.RowSelected) -> None:
        self._open(int(event.row_key.value or 0))

    @on(PagedTable.Opened)
    def _open_row(self, event: PagedTable.Opened) -> None:
        self._open(int(event.key or 0))

    def _open(self, deal_id: int) -> None:
        self.app.push_screen(OpportunityDetail(deal_id))


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
            f"[b]{escape(opp.title)}[/b]  ·  "
            f"{labelled(_('Stage'), bracketed(stage_name, f'{float(prob):.0%}'))}  ·  "
            f"{labelled(_('Amount'), f'{opp.amount:,.2f}')}  ·  "
            f"{labelled(_('Expected close'), opp.expected_close or '—')}"
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
