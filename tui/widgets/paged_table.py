"""A table that shows one page of a big result, read from the database on demand.

The screen gives it ``count()`` and ``fetch(offset, limit)``; the table asks for exactly
the rows that fit on screen. Queries run in a thread worker (exclusive, so a newer key
cancels an older query) and the page is drawn when it arrives: typing never waits on SQL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from rich.text import Text
from textual import work
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import get_current_worker

from core.i18n import _
from tui.base import localize_bindings, read_now

Row = tuple[Any, Sequence[Any]]  # (key, cells)
Fetch = Callable[[int, int, "int | None"], list[Row]]
FIRST_PAGE = 20  # rows a table shows before it is laid out (the first read fits the terminal)


def first_rows(app: Any) -> int:
    """How many rows a new table reads for its first page (``set_source`` before the
    table is laid out)."""
    return max(FIRST_PAGE, app.size.height)


def read_ahead(fetch: Fetch, rows: int) -> Fetch:
    """``fetch``, with its first page (``rows`` rows from the top, no total yet) read in a
    thread from now on (``tui.base.read_now``). A screen calls it when it is made: the
    query then runs while the screen is composed and mounted, instead of starting at its
    mount, and a page there by the table's ``set_source`` is in the screen's first frame."""
    first = read_now(lambda: fetch(0, rows, None))
    taken = False

    def first_then_fetch(offset: int, limit: int, total: int | None) -> list[Row]:
        nonlocal taken
        if not taken and (offset, limit, total) == (0, rows, None):
            taken = True  # one call at a time: the table's worker, or set_source
            return first.result()
        return fetch(offset, limit, total)

    def ready(offset: int, limit: int) -> list[Row] | None:
        """The first page if it is that page and read already (without waiting)."""
        if taken or (offset, limit) != (0, rows) or not first.done() or first.exception():
            return None
        return first_then_fetch(0, rows, None)

    first_then_fetch.ready = ready  # type: ignore[attr-defined]
    # tests wait on the page read ahead
    first_then_fetch.page = first  # type: ignore[attr-defined]
    return first_then_fetch


@dataclass
class Source:
    count: Callable[[], int]
    fetch: Callable[[int, int, int | None], list[Row]]  # (offset, limit, total) -> rows


class PagedTable(DataTable[Any]):
    BINDINGS = [
        Binding("pagedown", "next_page", "Next page", id="table.next_page"),
        Binding("pageup", "prev_page", "Prev page", id="table.prev_page", show=False),
        Binding("ctrl+end,end", "last_page", "Last page", id="table.last_page", show=False),
        Binding("ctrl+home,home", "first_page", "First page", id="table.first_page", show=False),
    ]

    class PageShown(Message):
        def __init__(
            self, table: PagedTable, offset: int, shown: int, total: int | None, elapsed: float
        ) -> None:
            super().__init__()
            self.table, self.first_row, self.shown = table, offset, shown
            self.total, self.elapsed = total, elapsed

        def where(self, nothing: str) -> str:
            """Which rows the page shows ("1–19 of 150", "1–19 of …" while counting), or
            ``nothing`` when there are none."""
            first, last = self.first_row + 1, self.first_row + self.shown
            if self.total is None:
                return _("{first}–{last} of …").format(first=first, last=last)
            if self.total:
                return _("{first}–{last} of {total}").format(
                    first=f"{first:,}", last=f"{last:,}", total=f"{self.total:,}"
                )
            return nothing

    class Opened(Message):
        def __init__(self, table: PagedTable, key: Any) -> None:
            super().__init__()
            self.table, self.key = table, key

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        localize_bindings(self)
        self.source: Source | None = None
        self.total: int | None = None
        self.first_row = 0
        self.page_size = FIRST_PAGE
        self.loads = 0  # pages drawn (tests and the benchmark wait on it)
        self._pending = False
        self._page: list[tuple[str, tuple[Any, ...]]] = []  # the rows in the table now
        self._asked = 0  # loads asked for; only the latest one's page is drawn
        self._shown = 0  # the latest load drawn
        self._refit = False  # cut the page on its way to the table's height when drawn

    # -- what the screen calls ----------------------------------------------------------

    def set_source(self, source: Source, first_row: int = 0) -> None:
        """A new query (new filter or sort): count once, then show the first page (or
        the page from ``first_row``: a record opened from elsewhere)."""
        self.source = source
        self.total = None
        self.first_row = 0
        if self.size.height:
            self._pending = False
            self._load(first_row, cursor=0, recount=True)
            return
        # Not laid out yet (just mounted, or built ahead while the user is elsewhere):
        # read as many rows as the terminal could show, so the first frame has them;
        # the first resize (layout done) then fits the page to the table's height.
        self._pending = True
        limit = max(self.page_size, self.app.size.height)
        ready = getattr(source.fetch, "ready", None)  # a page read ahead (read_ahead)
        rows = ready(first_row, limit) if ready is not None else None
        if rows is None:
            self._load(first_row, cursor=0, recount=True, limit=limit)
            return
        # there already: shown now, so the screen's first frame has it (through a
        # worker, it came after the first frame of an empty table); counted after
        self.page_size = limit
        self._asked += 1
        drawn = threading.Event()
        self._show(source, first_row, rows, None, 0, time.perf_counter(), drawn, self._asked)
        self._count_after(source, drawn)

    def reload(self) -> None:
        if self.source is not None:
            self._load(self.first_row, cursor=self.cursor_row, recount=True)

    # -- paging ----------------------------------------------------------------------

    def _fit(self) -> int:
        return max(5, self.size.height - 1) if self.size.height else self.page_size

    def action_next_page(self) -> None:
        if self.total is not None and self.first_row + self.page_size < self.total:
            self._load(self.first_row + self.page_size, cursor=0)

    def action_prev_page(self) -> None:
        if self.first_row > 0:
            self._load(max(0, self.first_row - self.page_size), cursor=0)

    def action_first_page(self) -> None:
        self._load(0, cursor=0)

    def action_last_page(self) -> None:
        if self.total is not None:
            size = self._fit()
            self._load(max(0, self.total - size), cursor=size - 1)

    def action_cursor_down(self) -> None:
        if (
            self.cursor_row >= self.row_count - 1
            and self.total is not None
            and self.first_row + self.row_count < self.total
        ):
            self._load(self.first_row + 1, cursor=self.row_count - 1)  # scroll one row on
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row <= 0 and self.first_row > 0:
            self._load(self.first_row - 1, cursor=0)
            return
        super().action_cursor_up()

    def action_select_cursor(self) -> None:
        if self.row_count:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
            self.post_message(self.Opened(self, key))

    def on_resize(self) -> None:
        if self.source is None:
            return
        if self._pending:
            self._pending = False
            if self._shown != self._asked:
                # the first page is on its way with as many rows as the terminal has:
                # cut it to fit when it comes (reading it again kept a new list's first
                # page waiting for two queries)
                self._refit = True
                return
            if len(self._page) >= self._fit():  # drawn already, with rows enough: cut it
                self._cut_to_fit()
                return
            self._load(self.first_row, cursor=self.cursor_row, recount=self.total is None)
        elif self._fit() != self.page_size:
            self._load(self.first_row, cursor=self.cursor_row)

    def _cut_to_fit(self) -> None:
        self.page_size = self._fit()
        cursor = min(self.cursor_row, self.page_size - 1)
        self._draw(self.first_row, self._page[: self.page_size])
        if self.row_count:
            self.move_cursor(row=max(0, cursor), scroll=False)

    # -- loading -----------------------------------------------------------------------

    def _load(
        self, offset: int, cursor: int, recount: bool = False, limit: int | None = None
    ) -> None:
        self.page_size = limit or self._fit()
        self._asked += 1
        self._query(offset, self.page_size, cursor, recount, time.perf_counter(), self._asked)

    @work(thread=True, exclusive=True, group="paged-table", exit_on_error=False)
    def _query(
        self, offset: int, limit: int, cursor: int, recount: bool, started: float, ticket: int
    ) -> None:
        source = self.source
        if source is None:
            return
        if recount or self.total is None:
            # A new query: draw its first page at once, count the matches after it is
            # on screen (counting first would hold the first page back).
            rows = source.fetch(offset, limit, None)
            drawn = threading.Event()
            self.app.call_from_thread(
                self._show, source, offset, rows, None, cursor, started, drawn, ticket
            )
            drawn.wait(1.0)
            if get_current_worker().is_cancelled:
                return
            total = source.count()
            self.app.call_from_thread(self._counted, source, total)
            return
        total = self.total
        offset = max(0, min(offset, max(0, total - limit)))
        rows = source.fetch(offset, limit, total)
        self.app.call_from_thread(
            self._show, source, offset, rows, total, cursor, started, None, ticket
        )

    @work(thread=True, exclusive=True, group="paged-table", exit_on_error=False)
    def _count_after(self, source: Source, drawn: threading.Event) -> None:
        """Count a new query's matches once its first page is on screen."""
        drawn.wait(1.0)
        if get_current_worker().is_cancelled:
            return
        total = source.count()
        self.app.call_from_thread(self._counted, source, total)

    def _show(
        self,
        source: Source,
        offset: int,
        rows: list[Row],
        total: int | None,
        cursor: int,
        started: float,
        drawn: threading.Event | None = None,
        ticket: int = 0,
    ) -> None:
        if drawn is not None:  # the count waits for the page to be on screen
            if self.screen.is_current:
                self.call_after_refresh(drawn.set)
            else:  # built ahead: no frame to wait for
                drawn.set()
        if source is not self.source or ticket != self._asked:
            return  # an older query finished after a newer one was asked for
        self._shown = ticket
        if self._refit and self.size.height:
            self._refit = False
            self.page_size = self._fit()
            rows = rows[: self.page_size]
        self.total = total
        self._draw(offset, [(str(key), tuple(cells)) for key, cells in rows])
        if rows:
            self.move_cursor(row=max(0, min(cursor, len(rows) - 1)), scroll=False)
        if self.size.height and not self.screen.is_current:
            self._draw_ahead()
        self.loads += 1
        self.post_message(
            self.PageShown(self, offset, len(rows), total, time.perf_counter() - started)
        )

    def _draw(self, offset: int, page: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Put ``page`` in the table, touching only what changed: a reload that finds
        the same rows (the usual case when a screen comes back) redraws nothing, and a
        page cut to the table's height only drops the rows below."""
        same_start = offset == self.first_row and self._page[: len(page)] == page
        self.first_row = offset
        if same_start and len(page) == len(self._page):
            return
        if same_start and page:
            for key, _cells in self._page[len(page) :]:
                self.remove_row(key)
        else:
            self.clear()
            for key, cells in page:
                self.add_row(*map(_plain, cells), key=key)
        self._page = page

    def _update_dimensions(self, new_rows: Any) -> None:
        widths = [column.content_width for column in self.columns.values()]
        super()._update_dimensions(new_rows)
        # DataTable keys its cell cache without the column widths: a frame drawn between
        # add_row and this measurement (a loaded machine) would keep every cell cut to
        # the old width until the next reload. Only a change of width costs a redraw.
        if widths != [column.content_width for column in self.columns.values()]:
            self._clear_caches()
            self.refresh()

    def _draw_ahead(self, tries: int = 0) -> None:
        """Off screen (a section built ahead): draw the visible rows now, into the
        table's caches, so the first showing does not pay for drawing each cell."""
        if not self.size.height or self.screen.is_current:
            return
        if getattr(self, "_require_update_dimensions", False) or getattr(
            self, "_updated_cells", None
        ):
            # DataTable measures column widths when idle; cells drawn before that
            # would be kept at the old widths
            if tries < 50:
                self.set_timer(0.02, partial(self._draw_ahead, tries + 1))
            return
        self.render_lines(Region(0, 0, self.size.width, self.size.height))

    def _counted(self, source: Source, total: int) -> None:
        if source is not self.source:
            return
        self.total = total
        self.post_message(self.PageShown(self, self.first_row, self.row_count, total, 0.0))


def _plain(value: Any) -> Any:
    """A text holding "[" as Text, so it is shown as typed: DataTable reads a str as
    markup (a customer named "X [/] Y" would fail to draw)."""
    if isinstance(value, str) and "[" in value:
        return Text(value, no_wrap=True, end="")
    return value
