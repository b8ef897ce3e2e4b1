"""The target allocation screen: the allocations, one of them as an editable table.

Keys: ``n``/``p`` next and previous allocation, ``+``/``-`` adjust the selected key by
5 % (the others are rebalanced at once so the total holds; the totals line shows it),
``0`` clears the key's adjustment, ``a`` approve, ``r`` start a new revision.
The only module of the plugin that imports Textual.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.i18n import translator
from plugins.forecast.services import targets as svc
from tui.base import BaseScreen
from tui.views import ViewSpec

_ = translator(__file__)  # this plugin's words first

STEP = Decimal(5)


class AllocationScreen(BaseScreen):
    TITLE_EN = "Target allocation"
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("plus,equals_sign", "adjust(5)", "+5%", id="forecast.plus"),
        Binding("minus", "adjust(-5)", "-5%", id="forecast.minus"),
        Binding("0", "clear", "Clear adjustment", show=False, id="forecast.clear"),
        Binding("n", "move(1)", "Next allocation", id="forecast.next"),
        Binding("p", "move(-1)", "Previous allocation", show=False, id="forecast.prev"),
        Binding("a", "approve", "Approve", id="forecast.approve"),
        Binding("r", "revise", "Revise", id="forecast.revise"),
    ]
    DEFAULT_CSS = """
    AllocationScreen #alloc-head { height: auto; padding: 0 1; }
    AllocationScreen #alloc-lines { height: 1fr; }
    AllocationScreen #alloc-total { height: 1; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.allocations: list[Any] = []
        self.index = 0
        self.view: svc.AllocationView | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="alloc-head")
        yield DataTable(id="alloc-lines", cursor_type="row", zebra_stripes=True)
        yield Static("", id="alloc-total")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Code"), _("Name"), _("Basis"), _("Share"), _("Adjustment"),
                          _("Target"))
        self.reload()

    # -- data ----------------------------------------------------------------------

    def reload(self, keep_row: bool = True) -> None:
        found = self.guard(svc.list_allocations, self.ctx)
        self.allocations = found or []
        if not self.allocations:
            self.query_one("#alloc-head", Static).update(
                _("No allocations yet: draft one with 'salesdesk targets allocate'."))
            return
        self.index = max(0, min(self.index, len(self.allocations) - 1))
        self.view = self.guard(svc.get_allocation, self.ctx, self.allocations[self.index].id)
        self.show(keep_row)

    def show(self, keep_row: bool) -> None:
        if self.view is None:
            return
        a = self.view.allocation
        table = self.query_one(DataTable)
        row = table.cursor_row if keep_row else 0
        table.clear()
        for ln in self.view.lines:
            figures = (f"{ln.basis_amount:,.2f}", f"{ln.share * 100:.2f}%",
                       f"{ln.adjustment_pct:+.1f}%", f"{ln.amount:,.2f}")
            table.add_row(ln.code, ln.label, *(Text(f, justify="right") for f in figures),
                          key=str(ln.key_id))
        table.move_cursor(row=min(row, max(0, len(self.view.lines) - 1)))
        head = _("{n}/{count}: {kind} from {start} by {dimension}, revision {revision}, "
                 "{status}; basis {basis} to {as_of}").format(
            n=self.index + 1, count=len(self.allocations), kind=_(a.period_kind),
            start=a.period_start, dimension=_(a.dimension), revision=a.revision,
            status=_(a.status), basis=a.basis.upper(), as_of=a.basis_as_of)
        self.query_one("#alloc-head", Static).update(head)
        total = sum((ln.amount for ln in self.view.lines), Decimal(0))
        self.query_one("#alloc-total", Static).update(
            _("Total {total} of target {target}").format(total=f"{total:,.2f}",
                                                        target=f"{a.total:,.2f}"))

    def _selected_key(self) -> int | None:
        if self.view is None or not self.view.lines:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.view.lines[row].key_id

    # -- actions -------------------------------------------------------------------

    def action_adjust(self, step: int) -> None:
        key = self._selected_key()
        if key is None or self.view is None:
            return
        a = self.view.allocation
        view = self.guard(svc.adjust_by, self.ctx, a.id, key, Decimal(step), a.version)
        if view is not None:
            self.view = self.guard(svc.get_allocation, self.ctx, a.id)
            self.show(keep_row=True)

    def action_clear(self) -> None:
        key = self._selected_key()
        if key is None or self.view is None:
            return
        a = self.view.allocation
        if self.guard(svc.set_adjustments, self.ctx, a.id, {key: Decimal(0)}, a.version):
            self.view = self.guard(svc.get_allocation, self.ctx, a.id)
            self.show(keep_row=True)

    def action_move(self, step: int) -> None:
        if self.allocations:
            self.index = (self.index + step) % len(self.allocations)
            self.reload(keep_row=False)

    def action_approve(self) -> None:
        if self.view is None:
            return
        a = self.view.allocation
        if self.guard(svc.approve_allocation, self.ctx, a.id, a.version) is not None:
            self.app.notify(_("Approved: these are now the official targets."))
            self.reload()

    def action_revise(self) -> None:
        if self.view is None:
            return
        view = self.guard(svc.revise_allocation, self.ctx, self.view.allocation.id)
        if view is not None:
            self.index = 0
            self.reload(keep_row=False)

    def guard(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Like the base guard, but a refused edit (validation, conflict) is shown too."""
        from core.errors import Conflict, ValidationFailed

        try:
            return super().guard(fn, *args, **kwargs)
        except (ValidationFailed, Conflict) as exc:
            self.app.notify(str(exc), title=_("Not done"), severity="error", timeout=8)
            if isinstance(exc, Conflict):
                self.reload()
            return None


VIEWS = (ViewSpec("targets", "Target allocation", "指标分摊", lambda ctx: AllocationScreen()),)
