"""Customers: instant filter, sortable columns, one page at a time from the database."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Input, Select, Static

from core.i18n import _
from core.models import CustomerClass, Region, User
from core.services import lists
from tui.base import BaseScreen
from tui.format import cell, label, widen_to_read
from tui.widgets.paged_table import PagedTable, Source

COLUMNS = [
    ("code", "Code"),
    ("name", "Name"),
    ("region", "Region"),
    ("owner", "Owner"),
    ("class", "Class"),
    ("last_follow_up", "Last visit"),
]
# Column widths on a narrow (80-column) terminal, so every column stays on screen;
# wider terminals size columns to their content. The class column is widened to the
# longest class in the reader's language ("Most promising", not "Most pro"), the name
# giving way.
NARROW_WIDTHS = {"code": 8, "name": 20, "region": 12, "owner": 10, "class": 8, "last_follow_up": 10}


def narrow_widths() -> dict[str, int]:
    return widen_to_read(
        NARROW_WIDTHS, "class", [label(c) for c in CustomerClass], {"region": 10, "name": 12}
    )


class CustomersScreen(BaseScreen):
    TITLE_EN = "Customers"
    # The list has the keys from the start: with the filter focused first (Textual's
    # default), a key typed while the screen is still being built went into the filter.
    AUTO_FOCUS = "PagedTable"
    MAIN_WIDGET = "PagedTable"  # Escape in a filter comes back to the list
    DEFAULT_CSS = """
    CustomersScreen #filters { height: 1; margin: 0 0 0 0; }
    CustomersScreen #filter-text { width: 1fr; min-width: 16; }
    CustomersScreen Select { width: 18; }
    CustomersScreen #status { height: 1; padding: 0 1; color: $text-muted; }
    CustomersScreen PagedTable { height: 1fr; }
    """
    NEEDS = {"new": "customer.create", "edit": "customer.update"}
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="customers.filter"),
        Binding("n", "new", "New", id="customers.new"),
        Binding("e", "edit", "Edit", id="customers.edit"),
        Binding("s", "sort", "Sort", id="customers.sort"),
        Binding("r", "reverse", "Reverse", id="customers.reverse", show=False),
        Binding("f5", "refresh", "Refresh", id="customers.refresh", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flt = lists.CustomerFilter()
        self.sort = "name"
        self.descending = False

    def body(self) -> ComposeResult:
        with Horizontal(id="filters"):
            yield Input(placeholder=_("/ name or code…"), id="filter-text", compact=True)
            yield Select(
                [(label(c), c.value) for c in CustomerClass],
                prompt=_("Class"),
                id="filter-class",
                compact=True,
            )
            yield Select([], prompt=_("Region"), id="filter-region", compact=True)
            yield Select([], prompt=_("Owner"), id="filter-owner", compact=True)
        yield Static("", id="status")
        yield PagedTable(id="customers")

    def on_mount(self) -> None:
        table = self.query_one(PagedTable)
        widths = narrow_widths() if self.app.size.width < 100 else {}
        for key, title in COLUMNS:
            table.add_column(_(title), key=key, width=widths.get(key))
        table.focus()
        self._requery()
        self.set_timer(0.3, self._fill_choices)  # after the first page: not on its path

    def on_screen_resume(self) -> None:
        # Others may have changed customers: read the page again, after the screen is
        # drawn with the rows it kept (a query thread started now would slow the frame).
        if self.query_one(PagedTable).source is not None:
            self.call_after_refresh(self.query_one(PagedTable).reload)

    def _fill_choices(self) -> None:
        if self.is_attached:  # not closed before its timer fired
            self.read_then(
                lambda: (self._regions(), self._owners()), self._show_choices, group="choices"
            )

    def _show_choices(self, found: tuple[list[tuple[str, int]], list[tuple[str, int]]]) -> None:
        try:
            region = self.query_one("#filter-region", Select)
            owner = self.query_one("#filter-owner", Select)
        except NoMatches:
            return
        region.set_options(found[0])
        owner.set_options(found[1])

    def _regions(self) -> list[tuple[str, int]]:
        with self.ctx.reading() as session:
            return [
                (n, i)
                for i, n in session.execute(sa.select(Region.id, Region.name).order_by(Region.name))
            ]

    def _owners(self) -> list[tuple[str, int]]:
        with self.ctx.reading() as session:
            return [
                (n, i)
                for i, n in session.execute(
                    sa.select(User.id, User.display_name)
                    .where(User.active.is_(True))
                    .order_by(User.display_name)
                    .limit(1000)
                )
            ]

    # -- the query ---------------------------------------------------------------------

    def _requery(self) -> None:
        ctx, flt, sort, desc = self.ctx, self.flt, self.sort, self.descending

        def fetch(offset: int, limit: int, total: int | None) -> list[Any]:
            rows = lists.customer_page(ctx, flt, offset, limit, sort, desc, total)
            return [
                (
                    r.id,
                    [
                        r.code,
                        r.name,
                        r.region,
                        r.owner,
                        label(r.customer_class),
                        cell(r.last_follow_up),
                    ],
                )
                for r in rows
            ]

        self.query_one(PagedTable).set_source(
            Source(lambda: lists.count_customers(ctx, flt), fetch)
        )

    @on(Input.Changed, "#filter-text")
    def _text_changed(self, event: Input.Changed) -> None:
        self._set_filter(text=event.value)

    @on(Input.Submitted, "#filter-text")
    def _text_done(self) -> None:
        self.query_one(PagedTable).focus()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        field = {
            "filter-class": "customer_class",
            "filter-region": "region_id",
            "filter-owner": "owner_id",
        }[event.select.id or ""]
        self._set_filter(**{field: value})

    def _set_filter(self, **changes: Any) -> None:
        values = {**self.flt.__dict__, **changes}
        new = lists.CustomerFilter(**values)
        if new != self.flt:
            self.flt = new
            self._requery()

    @on(PagedTable.PageShown)
    def _page_shown(self, event: PagedTable.PageShown) -> None:
        arrow = "↓" if self.descending else "↑"
        title = _(dict(COLUMNS)[self.sort])
        text = event.where(_("No customer matches"))
        self.query_one("#status", Static).update(f"{text}  ·  {_('sorted by')} {title} {arrow}")

    @on(PagedTable.Opened)
    def _open(self, event: PagedTable.Opened) -> None:
        from tui.screens.customer_page import CustomerPage

        self.app.push_screen(CustomerPage(int(event.key)))

    @on(PagedTable.HeaderSelected)
    def _header(self, event: PagedTable.HeaderSelected) -> None:
        key = event.column_key.value or "name"
        if key not in lists.CUSTOMER_SORTS:
            self.notify(_("This column cannot be sorted"), timeout=2)
            return
        self.descending = not self.descending if key == self.sort else False
        self.sort = key
        self._requery()

    # -- actions -----------------------------------------------------------------------

    def action_focus_filter(self) -> None:
        self.query_one("#filter-text", Input).focus()

    def action_sort(self) -> None:
        keys = [k for k, _t in COLUMNS if k in lists.CUSTOMER_SORTS]
        self.sort = keys[(keys.index(self.sort) + 1) % len(keys)]
        self.descending = False
        self._requery()

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self._requery()

    def action_refresh(self) -> None:
        self.query_one(PagedTable).reload()

    def action_new(self) -> None:
        from tui.screens.customer_form import CustomerForm

        self.app.push_screen(CustomerForm(None), lambda _saved: self.action_refresh())

    def action_edit(self) -> None:
        from tui.screens.customer_form import CustomerForm

        table = self.query_one(PagedTable)
        if table.row_count:
            key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
            self.app.push_screen(CustomerForm(int(key or 0)), lambda _saved: self.action_refresh())
