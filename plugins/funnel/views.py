"""The funnel plugin's screens (the only module importing textual): the pipeline board
with its funnel chart, the due list, the lead pool (claim, assign by rules, reassign,
reclaim) and the handover wizard (preview, then hand over in one transaction)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from rich.cells import cell_len
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Select, Static

from core.i18n import bracketed, current_lang, labelled, pick, translator
from core.services.base import data_version
from core.vocabulary import industry_title, source_title
from plugins.funnel.services import analytics, due, handover, pool
from tui.base import BaseScreen, Freshness, read_now
from tui.format import cell, label, widen_to_read
from tui.views import ViewSpec
from tui.widgets.paged_table import PagedTable, Source, first_rows, read_ahead

_ = translator(__file__)  # this plugin's words first

BAR_WIDTH = 22
CARD_WIDTH = 30  # due items listed on screen; the report has them all
KIND_LABELS = {
    "stalled": "Stalled deal",
    "follow_up": "Follow-up due",
    "visit": "Visit overdue",
    "lead": "Idle lead",
}
ACTIONS = {"remind": "Remind", "manager": "Manager told", "reclaim": "Reclaim"}
EVENTS = {
    "import": "Import",
    "claim": "Claim",
    "assign": "Assign",
    "return": "Return",
    "reclaim": "Reclaim",
    "remind": "Remind",
    "escalate": "Escalate",
    "handover": "Handover",
}
HANDOVER_COLUMNS = ("Code", "Customer", "New owner", "About to close (contacts)")
SUBJECTS = {
    "idle lead: reminder": "Reminder sent",
    "idle lead: manager told": "Manager told",
    "idle lead: returns to the pool": "Back to the pool",
}


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal cells, so Chinese (two cells a character) lines up."""
    while cell_len(text) > width:
        text = text[:-1]
    return text + " " * (width - cell_len(text))


def _right(text: str, width: int) -> str:
    return " " * max(0, width - cell_len(text)) + text


def funnel_chart(stages: list[analytics.StageFigures]) -> str:
    """A text funnel: one bar per stage, as long as its share of the biggest amount."""
    top = max((s.amount for s in stages), default=Decimal(0)) or Decimal(1)
    lines = [
        f"{_pad('', 12 + 1 + BAR_WIDTH)} {_right(_('Amount'), 14)} "
        f"{_right(_('Deals'), 6)} {_right(_('Weighted'), 14)}"
    ]
    for s in stages:
        width = int(s.amount / top * BAR_WIDTH) if s.amount else 0
        bar = "█" * width or "▏"
        lines.append(
            f"{_pad(pick(s.title_en, s.title_zh), 12)} {_pad(bar, BAR_WIDTH)} "
            f"{s.amount:>14,.2f} {s.deals:>6} {s.weighted:>14,.2f}"
        )
    return "\n".join(lines)


def open_report(screen: BaseScreen, report_id: str, raw: dict[str, Any]) -> None:
    from core.reports import run_report
    from tui.screens.report_view import ReportView

    screen.read_then(  # the report runs in a worker, then opens
        lambda: run_report(screen.ctx, report_id, raw),
        lambda result: screen.app.push_screen(ReportView(report_id, raw, result)),
        group="open-report",
    )


def open_deal(screen: BaseScreen, deal_id: int) -> None:
    from tui.screens.opportunities import OpportunityDetail

    screen.app.push_screen(OpportunityDetail(deal_id))


def _current_key(table: DataTable) -> str | None:
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


class PipelineBoard(BaseScreen):
    """Open deals by stage (columns), the biggest first; the funnel chart above."""

    TITLE_EN = "Pipeline board"
    DEFAULT_CSS = """
    PipelineBoard #chart { height: auto; max-height: 9; padding: 0 1; }
    PipelineBoard DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("f", "next_funnel", "Next funnel", id="funnel.board.next"),
        Binding("r", "report", "Report", id="funnel.board.report"),
        Binding("f5", "refresh", "Refresh", id="funnel.board.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.funnel_id = ""
        self.cards: dict[tuple[int, int], int] = {}  # (row, column) -> deal id
        self._resumed = False  # shown before (see on_screen_resume)
        # the default funnel's board is read from now on, while the screen is composed
        # and mounted (read from the mount, it came after the first frames); or, read
        # while the user was on Home (read_board_ahead) and still fresh, taken from there
        self.funnel_id = self.ctx.plugins.funnels.default_id
        kept = getattr(self.app, "read_ahead", {}).pop(BOARD_VIEW, None)
        reader = self._reader(self.funnel_id)
        if isinstance(kept, BoardAhead):
            reader = partial(kept.or_read, self.ctx, self.funnel_id, reader)
        self._ahead: Any = read_now(reader)

    def body(self) -> ComposeResult:
        yield Static("", id="chart")
        yield DataTable(zebra_stripes=True, id="board")

    def on_mount(self) -> None:
        self.action_refresh()
        self.query_one(DataTable).focus()

    @on(DataTable.CellSelected, "#board")
    def _open_card(self, event: DataTable.CellSelected) -> None:
        """Enter on a card opens its deal (Escape comes back to the board)."""
        deal_id = self.cards.get((event.coordinate.row, event.coordinate.column))
        if deal_id is not None:
            open_deal(self, deal_id)

    def on_screen_resume(self) -> None:
        # coming back: read the board again. Not when first shown: on_mount has just
        # started reading it (the two reads shared the CPU, the first one's was dropped)
        if self._resumed:
            self.action_refresh()
        self._resumed = True

    def action_next_funnel(self) -> None:
        ids = list(self.ctx.plugins.funnels.funnels)
        self.funnel_id = ids[(ids.index(self.funnel_id) + 1) % len(ids)]
        self.action_refresh()

    def action_report(self) -> None:
        open_report(self, "funnel.stages", {"funnel": self.funnel_id})

    def action_refresh(self) -> None:
        funnel = self.ctx.plugins.funnels.get(self.funnel_id)
        ahead, self._ahead = self._ahead, None  # read for the first showing only
        if ahead is not None:  # read already: in the first frame
            self.show_read(ahead, lambda found: self._show(funnel, *found))
        else:
            self.read_then(self._reader(self.funnel_id), lambda found: self._show(funnel, *found))

    def _reader(
        self, funnel_id: str
    ) -> Callable[[], tuple[list[analytics.StageFigures], dict[str, list[analytics.BoardCard]]]]:
        ctx = self.ctx
        funnel = ctx.plugins.funnels.get(funnel_id)
        return lambda: (analytics.funnel_stages(ctx, funnel), analytics.board(ctx, funnel))

    def _show(
        self,
        funnel: Any,
        stages: list[analytics.StageFigures],
        cards: dict[str, list[analytics.BoardCard]],
    ) -> None:
        self.query_one("#chart", Static).update(
            f"[b]{pick(funnel.title_en, funnel.title_zh)}[/b]  {_('(f: next funnel)')}\n"
            + funnel_chart(stages)
        )
        table = self.query_one(DataTable)
        table.clear(columns=True)
        columns = [[self._card(c) for c in cards.get(s.stage_id, [])] for s in stages]
        for s, texts in zip(stages, columns, strict=True):
            header = bracketed(f"{pick(s.title_en, s.title_zh)} {s.probability:.0%}", s.deals)
            width = min(CARD_WIDTH, max([cell_len(header), *map(cell_len, texts)]))
            table.add_column(header, key=s.stage_id, width=width)
        for i in range(max(map(len, columns), default=0)):
            table.add_row(*[texts[i] if i < len(texts) else "" for texts in columns])
        self.cards = {
            (row, col): card.deal_id
            for col, s in enumerate(stages)
            for row, card in enumerate(cards.get(s.stage_id, []))
        }

    @staticmethod
    def _card(card: analytics.BoardCard) -> str:
        mark = "⚠ " if card.stalled else ""
        return f"{mark}{card.title[:18]} {card.amount:,.0f} {card.owner}"


BOARD_VIEW = "funnel.board"


@dataclass(frozen=True)
class BoardAhead:
    """The default funnel's board (its chart's figures and its cards), read while the
    user is on Home: the stages' sums and each stage's biggest deals ranked over every
    open deal (30-40 ms of SQLite on large, which the screen's first frame waited for)."""

    reader: int
    day: dt.date
    funnel: str
    fresh: Freshness
    stages: list[analytics.StageFigures]
    cards: dict[str, list[analytics.BoardCard]]

    def or_read(self, ctx: Any, funnel_id: str, read: Callable[[], Any]) -> Any:
        """What the board shows first: this, if the same reader, day and funnel and
        nothing written since (in any session) for less than ``Freshness.FRESH_FOR``
        (one indexed read, the data version); else ``read()``."""
        now = (ctx.actor.id, ctx.today(), funnel_id)
        if (self.reader, self.day, self.funnel) == now and self.fresh.holds(data_version(ctx)):
            return self.stages, self.cards
        return read()


def read_board_ahead(ctx: Any, rows: int) -> BoardAhead:
    """The default funnel's board (``ViewSpec.read_ahead``: the app reads it in its
    warm-up thread, in a local session)."""
    fresh = Freshness()
    # the data version first: a write during the reads makes them stale
    fresh.read(data_version(ctx), time.monotonic())
    funnel = ctx.plugins.funnels.default
    stages, cards = analytics.funnel_stages(ctx, funnel), analytics.board(ctx, funnel)
    return BoardAhead(ctx.actor.id, ctx.today(), funnel.id, fresh, stages, cards)


class DueListScreen(BaseScreen):
    """Stalled deals, follow-ups due, visits past their interval, idle leads: one page at
    a time from the database, most overdue first (tens of thousands on a big company)."""

    TITLE_EN = "Due list"
    AUTO_FOCUS = "PagedTable"
    DEFAULT_CSS = """
    DueListScreen PagedTable { height: 1fr; }
    DueListScreen #hint { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("m", "mine", "Mine / team", id="funnel.due.mine"),
        Binding("r", "report", "Report", id="funnel.due.report"),
        Binding("f5", "refresh", "Refresh", id="funnel.due.refresh", show=False),
    ]
    COLUMNS = [
        ("kind", "Kind"),
        ("customer", "Customer"),
        ("owner", "Owner"),
        ("manager", "Manager"),
        ("subject", "What"),
        ("due", "Due"),
        ("days", "Days over"),
    ]
    # on a narrow (80-column) terminal every column stays on screen; wider terminals
    # size the columns to the page shown
    NARROW_WIDTHS = {
        "kind": 10,
        "customer": 14,
        "owner": 8,
        "manager": 8,
        "subject": 10,
        "due": 10,
        "days": 4,
    }

    def __init__(self) -> None:
        super().__init__()
        self.mine = False
        self._resumed = False
        # the first page is read from now on (about 0.15 s of SQL on a big company),
        # while the screen is composed and mounted, not from its mount; or, read while
        # the user was on Home (read_due_ahead) and still fresh, taken from there
        kept = getattr(self.app, "read_ahead", {}).pop(DUE_VIEW, None)
        self._kept: DueAhead | None = kept if isinstance(kept, DueAhead) else None
        self._ahead: Any = read_ahead(self._first_page(self.ctx), first_rows(self.app))

    def body(self) -> ComposeResult:
        yield Static("", id="hint")
        yield PagedTable(id="due")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        widths = {}
        if self.app.size.width < 100:  # the kind and what is due read whole
            kinds = [_(text) for text in KIND_LABELS.values()]
            widths = widen_to_read(self.NARROW_WIDTHS, "kind", kinds, {"customer": 10})
            widths = widen_to_read(
                widths, "subject", self._subject_words(), {"manager": 6, "customer": 9, "owner": 6}
            )
        for key, title in self.COLUMNS:
            table.add_column(_(title), key=key, width=widths.get(key))
        table.focus()
        self.query_one("#hint", Static).update(_("Loading…"))
        self._requery()

    def _subject_words(self) -> list[str]:
        """Every word the What column may show: an idle lead's step, a customer's class
        (a visit overdue), a stage's title (a stalled deal)."""
        from core.models import CustomerClass

        stages = [
            pick(stage.title_en, stage.title_zh)
            for funnel in self.ctx.plugins.funnels.funnels.values()
            for stage in funnel.open_stages
        ]
        return [_(text) for text in SUBJECTS.values()] + [label(c) for c in CustomerClass] + stages

    def on_screen_resume(self) -> None:
        if not self._resumed:  # shown the first time: on_mount reads the first page
            self._resumed = True
            return
        table = self.query_one(PagedTable)
        if table.source is not None:  # others may have acted on an item meanwhile
            self.call_after_refresh(table.reload)

    def action_mine(self) -> None:
        self.mine = not self.mine
        self._requery()

    def action_refresh(self) -> None:
        self.query_one(PagedTable).reload()

    @on(PagedTable.Opened)
    def _open_row(self, event: PagedTable.Opened) -> None:
        """Enter opens the stalled deal, or the customer to follow up, visit or work."""
        kind, record_id = str(event.key).split(":")[:2]
        if kind == "stalled":
            open_deal(self, int(record_id))
        elif int(record_id):
            self.app.open_customer(int(record_id))

    def action_report(self) -> None:
        open_report(self, "funnel.due", {"owner": self.ctx.actor.login} if self.mine else {})

    def _requery(self) -> None:
        ctx, owner = self.ctx, (self.ctx.actor.login if self.mine else None)
        ahead, self._ahead = self._ahead, None  # read for the first showing only
        fetch = ahead if ahead is not None and owner is None else _due_fetcher(ctx, owner)
        first = fetch is ahead
        count = partial(self._first_count, ctx) if first else partial(due.count_due, ctx, owner)
        self.query_one(PagedTable).set_source(Source(count, fetch))

    def _first_page(self, ctx: Any) -> Any:
        """The first page, read in read_ahead's thread (``ctx`` taken on the UI thread):
        the one read while the user was on Home if it still holds, else read now."""

        def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
            kept = self._kept
            if kept is not None and (offset, total) == (0, None) and kept.holds(ctx, limit):
                return kept.page
            self._kept = None  # the count too is read again
            return _due_fetcher(ctx, None)(offset, limit, total)

        return fetch

    def _first_count(self, ctx: Any) -> int:
        """The count kept with the first page shown, else counted now."""
        kept, self._kept = self._kept, None
        return kept.total if kept is not None else due.count_due(ctx)

    @on(PagedTable.PageShown)
    def _page_shown(self, event: PagedTable.PageShown) -> None:
        where = event.where(_("Nothing is due"))
        self.query_one("#hint", Static).update(
            labelled(_("Mine") if self.mine else _("Everything you may see"), where)
            + "  ·  "
            + _("m switches mine / team; r opens the report (x exports it).")
        )


DUE_VIEW = "funnel.due"


def _due_fetcher(ctx: Any, owner: str | None) -> Any:
    """The rows of a page of the due list (everything the reader may see, or one
    owner's), read in a worker thread."""

    def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
        items = due.due_page(ctx, offset, limit, owner)
        names = _people(ctx, sorted({i.owner for i in items} | {i.manager for i in items}))
        return [
            (
                f"{i.kind}:{i.record_id}:{offset + n}",
                [
                    _(KIND_LABELS[i.kind]),
                    i.customer,
                    names.get(i.owner, i.owner),
                    names.get(i.manager, i.manager),
                    _due_subject(ctx, i),
                    cell(i.due),
                    cell(i.days_over),
                ],
            )
            for n, i in enumerate(items)
        ]

    return fetch


def _due_subject(ctx: Any, item: Any) -> str:
    """What is due, in words: a stalled deal's stage by its title, never its id."""
    if item.subject in SUBJECTS:
        return _(SUBJECTS[item.subject])
    if item.kind == "stalled":
        for funnel in ctx.plugins.funnels.funnels.values():
            stage = funnel.stage(item.subject)
            if stage is not None:
                return pick(stage.title_en, stage.title_zh)
    return label(item.subject)


@dataclass(frozen=True)
class DueAhead:
    """The due list's first page (everything the reader may see) and its count, read
    while the user is on Home: its first page orders every due item (0.15 s of SQLite
    on large), which no index makes cheap."""

    reader: int
    day: dt.date
    lang: str
    rows: int  # the page's length asked for (the terminal's height then)
    fresh: Freshness
    page: list[Any]
    total: int

    def holds(self, ctx: Any, rows: int) -> bool:
        """Whether the screen may show it: the same reader, day, language and page
        length, and nothing written since (in any session) for less than
        ``Freshness.FRESH_FOR``. One indexed read (the data version)."""
        now = (ctx.actor.id, ctx.today(), current_lang(), rows)
        return (self.reader, self.day, self.lang, self.rows) == now and self.fresh.holds(
            data_version(ctx)
        )


def read_due_ahead(ctx: Any, rows: int) -> DueAhead:
    """The due list's first page of ``rows`` rows and its count (``ViewSpec.read_ahead``:
    the app reads it in its warm-up thread, in a local session)."""
    fresh = Freshness()
    # the data version first: a write during the reads makes them stale
    fresh.read(data_version(ctx), time.monotonic())
    day, lang = ctx.today(), current_lang()
    page = _due_fetcher(ctx, None)(0, rows, None)
    return DueAhead(ctx.actor.id, day, lang, rows, fresh, page, due.count_due(ctx))


class LeadPoolScreen(BaseScreen):
    """Leads waiting in the pool; claim, assign by the rules, reassign, reclaim. One
    page at a time from the database (about 12,000 leads on a big company)."""

    AUTO_FOCUS = "PagedTable"

    TITLE_EN = "Lead pool"
    DEFAULT_CSS = """
    LeadPoolScreen PagedTable { height: 1fr; }
    LeadPoolScreen #hint { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("c", "claim", "Claim", id="funnel.pool.claim"),
        Binding("a", "assign", "Assign by rules", id="funnel.pool.assign"),
        Binding("t", "give", "Give to", id="funnel.pool.give"),
        Binding("p", "preview_reclaim", "Reclaim preview", id="funnel.pool.preview"),
        Binding("R", "reclaim", "Reclaim now", id="funnel.pool.reclaim"),
        Binding("l", "history", "History", id="funnel.pool.history"),
        Binding("f5", "refresh", "Refresh", id="funnel.pool.refresh", show=False),
    ]
    COLUMNS = [
        ("code", "Code"),
        ("name", "Customer"),
        ("industry", "Industry"),
        ("region", "Region"),
        ("size", "Size"),
        ("source", "Source"),
        ("since", "In pool since"),
    ]

    MANAGER_ACTIONS = ("assign", "give", "preview_reclaim", "reclaim")
    _resumed = False

    def body(self) -> ComposeResult:
        hint = (
            _(
                "c claims the lead, a assigns the pool by the rules, t gives the lead "
                "to a rep, p previews the reclaim ladder, R runs it."
            )
            if self._manages_pool()
            else _("c claims the lead under the cursor.")
        )
        yield Static(hint, id="hint")
        yield PagedTable(id="pool")

    def _manages_pool(self) -> bool:
        return self.ctx.grant.has("customer.assign")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # a rep is not shown keys that would only be refused
        if action in self.MANAGER_ACTIONS and not self._manages_pool():
            return False
        return super().check_action(action, parameters)

    # on a narrow (80-column) terminal every column stays on screen, the date whole
    # (it ran off the right edge: "2026-0"); wider terminals size them to the page
    NARROW_WIDTHS = {
        "code": 8,
        "name": 12,
        "industry": 8,
        "region": 8,
        "size": 6,
        "source": 9,
        "since": 10,
    }

    def on_mount(self) -> None:
        from rich.cells import cell_len

        table = self.query_one(PagedTable)
        narrow = self.app.size.width < 100
        for key, title in self.COLUMNS:
            width = self.NARROW_WIDTHS[key] if narrow else None
            if width and key == "since":  # the header whole too ("In pool since")
                width = max(width, cell_len(_(title)))
            table.add_column(_(title), key=key, width=width)
        table.focus()
        ctx = self.ctx

        def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
            return [
                (
                    lead.customer_id,
                    [
                        lead.code,
                        lead.name,
                        industry_title(lead.industry),
                        lead.region_name or lead.region,
                        label(lead.size),
                        source_title(lead.source),
                        cell(lead.pool_since.date() if lead.pool_since else None),
                    ],
                )
                for lead in pool.pool_leads(ctx, limit, offset)
            ]

        table.set_source(Source(lambda: pool.count_pool(ctx), fetch))

    def on_screen_resume(self) -> None:
        if not self._resumed:  # shown the first time: on_mount reads the first page
            self._resumed = True
            return
        table = self.query_one(PagedTable)
        if table.source is not None:
            self.call_after_refresh(table.reload)

    def action_refresh(self) -> None:
        self.query_one(PagedTable).reload()

    def _selected(self) -> int | None:
        key = _current_key(self.query_one(DataTable))
        return int(key) if key else None

    def _done(self, message: str) -> None:
        self.notify(message, timeout=3)
        self.action_refresh()

    def action_claim(self) -> None:
        from tui.screens.dialogs import confirm

        lead = self._selected()
        if lead is None:
            return
        table = self.query_one(DataTable)
        name = str(table.get_cell(str(lead), "name"))
        confirm(
            self.app,
            _("Claim the lead"),
            _(
                "Claim {customer}? It becomes your customer and leaves the pool; only "
                "a manager can give it to someone else."
            ).format(customer=name),
            _("Claim"),
            lambda: self._claim(lead),
        )

    def _claim(self, lead: int) -> None:
        self.write_then(lambda: pool.claim(self.ctx, lead), lambda _r: self._done(_("Claimed")))

    def _rep_names(self) -> dict[str, str]:
        """login -> the name people know the rep by (the previews show names). Database
        work: called in a worker."""
        return {login: name for name, login in people_choices(self.ctx)}

    def action_assign(self) -> None:
        """Preview who gets which lead by the rules; hand them over once confirmed."""
        self.read_then(
            lambda: (pool.auto_assign(self.ctx, dry_run=True), self._rep_names()),
            lambda found: self._ask_assign(*found),
            group="preview",
        )

    def _ask_assign(self, preview: list[Any], names: dict[str, str]) -> None:
        from tui.screens.dialogs import confirm

        moving = [a for a in preview if a.to]
        if not moving:
            self.notify(
                _("No lead in the pool matches a rule with a rep who can take it."),
                severity="warning",
            )
            return
        confirm(
            self.app,
            _("Assign the pool by the rules"),
            _(
                "Give {n} of the {total} leads in the pool to the reps below? Each becomes "
                "that rep's customer and leaves the pool."
            ).format(n=len(moving), total=len(preview)),
            _("Assign"),
            self._assign,
            columns=[_("Code"), _("Customer"), _("New owner")],
            rows=[(a.code, a.name, names.get(a.to or "", a.to or "")) for a in moving],
        )

    def _assign(self) -> None:
        def assigned(done: list[Any]) -> None:
            given = sum(1 for a in done if a.to)
            self._done(_("Assigned") + f": {given} / {len(done)}")

        self.write_then(lambda: pool.auto_assign(self.ctx), assigned)

    def action_give(self) -> None:
        """Give the lead under the cursor to a rep chosen by name (the people are read in
        a worker; the keys typed meanwhile go to the choice)."""
        lead = self._selected()
        if lead is None:
            return
        self.read_then(
            lambda: people_choices(self.ctx),
            lambda people: self._ask_give(lead, people),
            group="people",
            hold_keys=True,
        )

    def _ask_give(self, lead: int, people: list[tuple[str, str]]) -> None:
        from tui.screens.dialogs import FormDialog
        from tui.widgets.form import FieldSpec

        def give(values: dict[str, Any]) -> Any:
            return values.get("owner") or None

        def chosen(login: str | None) -> None:
            if login:
                self.write_then(
                    lambda: pool.reassign(self.ctx, [lead], login),
                    lambda _r: self._done(_("Assigned")),
                )

        name = str(self.query_one(DataTable).get_cell(str(lead), "name"))
        specs = [FieldSpec("owner", "New owner", choices=people)]
        title = _("Give {customer} to a rep").format(customer=name)
        self.app.push_screen(FormDialog(title, specs, {}, give), chosen)

    def action_preview_reclaim(self) -> None:
        from tui.screens.dialogs import TableDialog

        def show(actions: list[Any]) -> None:
            rows = [
                (_(ACTIONS[a.action]), a.code, a.name, a.owner, a.manager, a.idle_days)
                for a in actions
            ]
            self.app.push_screen(
                TableDialog(
                    _("Reclaim preview"),
                    [_("Step"), _("Code"), _("Customer"), _("Owner"), _("Manager"), _("Days idle")],
                    rows,
                )
            )

        self.read_then(lambda: pool.reclaim(self.ctx, dry_run=True), show, group="preview")

    def action_reclaim(self) -> None:
        """Show the ladder's steps due today; take them once confirmed."""
        self.read_then(
            lambda: pool.reclaim(self.ctx, dry_run=True), self._ask_reclaim, group="preview"
        )

    def _ask_reclaim(self, preview: list[Any]) -> None:
        from tui.screens.dialogs import confirm

        if not preview:
            self.notify(_("No lead is idle long enough: nothing to remind or reclaim."))
            return
        back = sum(1 for a in preview if a.action == "reclaim")
        confirm(
            self.app,
            _("Reclaim idle leads"),
            _(
                "Take the steps below now? {n} customer(s) go back to the pool and their "
                "owners lose them; the others' owners and managers are reminded."
            ).format(n=back),
            _("Reclaim now"),
            self._reclaim,
            columns=[_("Step"), _("Code"), _("Customer"), _("Owner"), _("Days idle")],
            rows=[(_(ACTIONS[a.action]), a.code, a.name, a.owner, a.idle_days) for a in preview],
        )

    def _reclaim(self) -> None:
        def reclaimed(actions: list[Any]) -> None:
            back = sum(1 for a in actions if a.action == "reclaim")
            self._done(_("Returned to the pool") + f": {back}")

        self.write_then(lambda: pool.reclaim(self.ctx), reclaimed)

    def action_history(self) -> None:
        from tui.screens.dialogs import TableDialog

        lead = self._selected()
        if not lead:
            return

        def show(events: list[Any]) -> None:
            rows = [(cell(e.at.date()), _(EVENTS.get(e.kind, e.kind)), e.reason) for e in events]
            self.app.push_screen(
                TableDialog(_("Lead history"), [_("Date"), _("Kind"), _("Reason")], rows)
            )

        self.read_then(lambda: pool.lead_history(self.ctx, lead), show, group="history")


class HandoverWizard(BaseScreen):
    """Leaving rep and successors -> preview (deals about to close with contacts) ->
    hand over everything in one transaction."""

    TITLE_EN = "Handover"
    DEFAULT_CSS = """
    HandoverWizard #people { height: auto; padding: 0 1; }
    HandoverWizard #people > Vertical { width: 1fr; height: auto; }
    HandoverWizard #leaving { width: 1fr; }
    HandoverWizard #successors { height: auto; max-height: 6; }
    HandoverWizard #summary { height: auto; padding: 0 1; }
    HandoverWizard DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("f2", "preview", "Preview", id="funnel.handover.preview", priority=True),
        Binding("ctrl+s", "confirm", "Hand over", id="funnel.handover.confirm", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.plan: handover.HandoverPlan | None = None
        self.moves: list[tuple[str, str, str, str]] = []
        self.who = ""
        # the people are read from now on, while the screen is composed: read from the
        # mount, they came a frame or two after it
        ctx = self.ctx
        self._people: Any = read_now(lambda: people_choices(ctx))

    def body(self) -> ComposeResult:
        from textual.containers import Vertical
        from textual.widgets import Label

        from tui.widgets.tickbox import TickList

        ahead, people = self._people, []
        if ahead.done() and ahead.exception() is None:
            people, self._people = ahead.result(), None  # read already: composed with them
        # people are chosen by name: nobody should have to know a colleague's login
        with Horizontal(id="people"):
            with Vertical():
                yield Label(_("Leaving rep"))
                yield Select[str](people, prompt=_("Choose…"), id="leaving")
            with Vertical():
                yield Label(_("New owners (Space ticks)"))
                yield TickList(*successor_choices(people), id="successors")
        yield Static(_("F2 previews what moves; Ctrl+S hands it over."), id="summary")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="closing")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for title in HANDOVER_COLUMNS:
            table.add_column(_(title))
        self.query_one("#leaving").focus()
        if self._people is not None:  # not read by the time it was composed
            self.read_then(self._people.result, self._fill_people, hold_keys=True)

    def _fill_people(self, people: list[tuple[str, str]]) -> None:
        from textual.widgets import SelectionList

        self.query_one("#leaving", Select).set_options(people)
        self.query_one("#successors", SelectionList).add_options(successor_choices(people))

    @on(Select.Changed, "#leaving")
    def _leaving_chosen(self, event: Select.Changed) -> None:
        """The leaving rep cannot be one of the new owners: untick and grey them out."""
        from textual.widgets import SelectionList

        successors = self.query_one("#successors", SelectionList)
        for index in range(successors.option_count):
            login = successors.get_option_at_index(index).value
            if login == event.value:
                successors.deselect(login).disable_option_at_index(index)
            else:
                successors.enable_option_at_index(index)

    def _inputs(self) -> tuple[str, list[str]]:
        from textual.widgets import SelectionList

        chosen = self.query_one("#leaving", Select).value
        leaving = chosen if isinstance(chosen, str) else ""
        successors = list(self.query_one("#successors", SelectionList).selected)
        return leaving, successors

    def action_preview(self) -> None:
        """The plan and its rows are read in a worker, then shown."""
        leaving, successors = self._inputs()
        self.plan = None
        self.query_one(DataTable).clear()
        self.query_one("#summary", Static).update(_("Loading…"))

        def read() -> tuple[handover.HandoverPlan, list[tuple[str, str, str, str]], str]:
            plan = handover.preview(self.ctx, leaving, successors)
            who = _people(self.ctx, [leaving]).get(leaving, leaving)
            return plan, self._moves(plan), who

        self.read_then(read, lambda found: self._previewed(*found), group="preview")

    def on_worker_state_changed(self, event: Any) -> None:
        from textual.worker import WorkerState

        # BaseScreen's handler reports the refusal: Textual calls each class's handler
        if event.state is WorkerState.ERROR and event.worker.group == "preview":
            self.query_one("#summary", Static).update(
                _("F2 previews what moves; Ctrl+S hands it over.")
            )

    def _previewed(
        self, p: handover.HandoverPlan, moves: list[tuple[str, str, str, str]], who: str
    ) -> None:
        self.plan, self.moves, self.who = p, moves, who
        table = self.query_one(DataTable)
        table.clear()
        self.query_one("#summary", Static).update(
            f"{labelled(_('Customers'), len(p.customers))}  ·  "
            f"{labelled(_('Open deals'), len(p.deals))}  ·  "
            f"{labelled(_('Open follow-ups'), len(p.follow_ups))}  ·  "
            f"{labelled(_('Target months'), len(p.targets))}\n"
            + _("Each customer and its new owner; deals about to close are handed over in person.")
        )
        for row in moves:
            table.add_row(*row)

    def _moves(self, plan: handover.HandoverPlan) -> list[tuple[str, str, str, str]]:
        """Each customer that moves, its new owner by name, and its deals about to close
        with their contacts (customers of the rep's deals only, too)."""
        names = _people(self.ctx, plan.successors)
        closing: dict[str, list[str]] = {}
        for _id, title, customer, _to, contacts in plan.closing:
            closing.setdefault(customer, []).append(
                bracketed(title, contacts) if contacts else title
            )
        rows = [
            (code, name, names.get(to, to), "; ".join(closing.pop(name, [])))
            for _cid, code, name, to in plan.customers
        ]
        rows += [
            ("", customer, names.get(to, to), "; ".join(closing.pop(customer, [])))
            for customer, to in dict((d[2], d[5]) for d in plan.deals).items()
            if customer in closing
        ]
        return rows

    def action_confirm(self) -> None:
        from tui.screens.dialogs import confirm

        leaving, successors = self._inputs()
        if self.plan is None or (self.plan.leaving, self.plan.successors) != (leaving, successors):
            self.notify(_("Preview first (F2)"), timeout=4)
            return
        p, who = self.plan, self.who
        confirm(
            self.app,
            _("Hand over {rep}'s customers").format(rep=who),
            _(
                "{customers} customers, {deals} open deals, {follow_ups} follow-ups and "
                "{targets} target months move from {rep} to these new owners. This "
                "cannot be undone from here."
            ).format(
                customers=len(p.customers),
                deals=len(p.deals),
                follow_ups=len(p.follow_ups),
                targets=len(p.targets),
                rep=who,
            ),
            _("Hand over"),
            lambda: self._hand_over(p),
            columns=[_(t) for t in HANDOVER_COLUMNS[:3]],
            rows=[row[:3] for row in self.moves],
        )

    def _hand_over(self, shown: handover.HandoverPlan) -> None:
        """Hand over what was confirmed (in a worker); if the book changed meanwhile,
        show it again."""

        def work() -> Any:
            now = handover.preview(self.ctx, shown.leaving, shown.successors)
            if now.customers != shown.customers or now.deals != shown.deals:
                return None
            return handover.hand_over(self.ctx, shown.leaving, shown.successors)

        self.write_then(work, self._handed_over)

    def _handed_over(self, record: Any) -> None:
        if record is None:
            self.notify(
                _(
                    "The rep's customers changed since the preview; check the new "
                    "preview and confirm again."
                ),
                severity="warning",
                timeout=8,
            )
            self.action_preview()
            return
        if record is not None:
            self.plan = None
            self.query_one("#summary", Static).update(
                labelled(
                    _("Handover done"), bracketed(f"#{record.id}", f"{self.ctx.today():%Y-%m-%d}")
                )
            )
            open_report(self, "funnel.handover", {"handover": record.id})


def people_choices(ctx: Any) -> list[tuple[str, str]]:
    """(name, login) of the people the reader may see, by name: what a choice of rep
    shows. Database work: called in a worker."""
    from core.services import users

    people = [(u.display_name or u.login, u.login) for u in users.list_users(ctx)]
    return sorted(people)


def successor_choices(people: list[tuple[str, str]]) -> list[Any]:
    """The handover's new owners to tick, each known by its login (to grey one out)."""
    from textual.widgets.selection_list import Selection

    return [Selection(name, login, id=login) for name, login in people]


def _people(ctx: Any, logins: list[str]) -> dict[str, str]:
    """Display names by login: people are shown by name, never by their login."""
    import sqlalchemy as sa

    from core.models import User

    with ctx.reading() as session:
        return dict(
            session.execute(
                sa.select(User.login, User.display_name).where(User.login.in_(logins))
            ).all()
        )


def view_specs() -> list[Any]:
    return [
        ViewSpec(
            BOARD_VIEW,
            "Pipeline board",
            "销售漏斗看板",
            lambda ctx: PipelineBoard(),
            key="b",
            read_ahead=read_board_ahead,
        ),
        ViewSpec(
            DUE_VIEW,
            "Due list",
            "待办清单",
            lambda ctx: DueListScreen(),
            key="u",
            read_ahead=read_due_ahead,
        ),
        ViewSpec("funnel.pool", "Lead pool", "线索池", lambda ctx: LeadPoolScreen(), key="l"),
        ViewSpec(
            "funnel.handover",
            "Handover",
            "离职交接",
            lambda ctx: HandoverWizard(),
            permission="customer.assign",
        ),
    ]
