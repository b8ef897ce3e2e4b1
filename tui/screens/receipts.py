"""Receipts (收款): money customers paid, listed per customer and entered by keyboard.

For every company, not only the manufacturing plugin's: with imported sales they feed
the customer sales-and-collection form and the receivables ageing. Entering one goes
through ``core.services.receipts`` (``receipt.record``, finance); it asks first, since a
recorded receipt is not edited or deleted afterwards. Reads run in a worker.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import SalesdeskError
from core.i18n import _, pick, plural
from tui.base import BaseScreen, report_error
from tui.format import cell, fit_columns


def method_text(method: str) -> str:
    from core.services.receipts import METHODS

    return pick(*METHODS[method]) if method in METHODS else "—"


def receipt_fields(customer_code: str, today: Any) -> tuple[list[Any], dict[str, Any]]:
    """The form of one receipt and what it starts with (today, by bank transfer)."""
    from core.services.receipts import METHODS
    from tui.widgets.form import FieldSpec

    specs = [
        FieldSpec("customer_code", "Customer code"),
        FieldSpec("date", "Date", placeholder="YYYY-MM-DD"),
        FieldSpec("amount", "Amount"),
        FieldSpec(
            "method",
            "Payment method",
            choices=[(pick(*names), key) for key, names in METHODS.items()],
        ),
        FieldSpec(
            "reference", "Document paid", placeholder="Invoice or sales document number (optional)"
        ),
        FieldSpec("note", "Note"),
    ]
    return specs, {"customer_code": customer_code, "date": today.isoformat(), "method": "transfer"}


class ReceiptsScreen(BaseScreen):
    TITLE_EN = "Receipts"
    DEFAULT_CSS = """
    ReceiptsScreen #receipts-title { height: auto; padding: 0 1; color: $text-muted; }
    ReceiptsScreen #receipts { height: 1fr; }
    """
    BINDINGS = [
        Binding("n", "new", "New receipt", id="receipts.new"),
        Binding("f", "customer", "Customer", id="receipts.customer"),
        Binding("f5", "reload", "Refresh", id="receipts.reload"),
    ]

    def __init__(self, customer_code: str = "") -> None:
        super().__init__()
        self.customer_code = customer_code

    def body(self) -> ComposeResult:
        yield Static("", id="receipts-title")
        yield DataTable(id="receipts", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one("#receipts", DataTable).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":
            from core.services.receipts import PERMISSION

            return self.ctx.grant.has(PERMISSION)  # finance; hidden from the others
        return True

    # -- listing ---------------------------------------------------------------------------

    def action_reload(self) -> None:
        self._load(self.customer_code)

    @work(thread=True, exclusive=True, group="receipts", exit_on_error=False)
    def _load(self, code: str) -> None:
        from core.services.receipts import list_receipts

        try:
            customer = self._customer(code) if code else None
            rows = list_receipts(self.ctx, customer[0] if customer else None)
        except Exception as exc:  # shown on the screen; the worker itself never fails
            self.app.call_from_thread(report_error, self.app, exc)
            return
        self.app.call_from_thread(self._show, customer, rows)

    def _customer(self, code: str) -> tuple[int, str]:
        from core.services.receipts import customer_by_code

        found = customer_by_code(self.ctx, code)
        if found is None:
            raise SalesdeskError(_("No customer you can see has the code {code}").format(code=code))
        return found

    def _show(self, customer: tuple[int, str] | None, rows: list[Any]) -> None:
        table = self.query_one("#receipts", DataTable)
        table.clear(columns=True)
        headers = [
            _("Date"),
            _("Customer"),
            _("Name"),
            _("Amount"),
            _("Payment method"),
            _("Document paid"),
            _("Note"),
            _("Source"),
        ]
        cells = [
            (
                cell(r.date),
                r.customer_code,
                r.customer_name,
                cell(r.amount),
                method_text(r.method),
                r.reference or "—",
                r.note or "",
                _("Imported") if r.imported else _("Entered"),
            )
            for r in rows
        ]
        fit_columns(table, headers, cells)
        for r, row in zip(rows, cells, strict=True):
            table.add_row(*row, key=str(r.id))
        total = sum((r.amount for r in rows), Decimal("0"))
        who = customer[1] if customer else _("All customers")
        self.query_one("#receipts-title", Static).update(
            plural(
                len(rows),
                "{who}: {n} receipt, {total} received",
                "{who}: {n} receipts, {total} received",
            ).format(who=who, n=len(rows), total=f"{total:,.2f}")
        )

    def action_customer(self) -> None:
        from tui.screens.dialogs import PromptDialog

        def chosen(code: str | None) -> None:
            if code is not None:
                self.customer_code = code.strip()
                self.action_reload()

        self.app.push_screen(
            PromptDialog(
                _("Receipts of one customer"),
                _("Customer code (blank: every customer)"),
                self.customer_code,
            ),
            chosen,
        )

    # -- entering --------------------------------------------------------------------------

    def action_new(self) -> None:
        from core.services.receipts import prepare_receipt
        from tui.screens.dialogs import FormDialog

        specs, initial = receipt_fields(self.customer_code, self.ctx.today())
        self.app.push_screen(
            FormDialog(
                _("New receipt"), specs, initial, lambda values: prepare_receipt(self.ctx, values)
            ),
            self._confirm,
        )

    def _confirm(self, draft: Any) -> None:
        """A recorded receipt is not edited or deleted: say what will be recorded."""
        from tui.screens.dialogs import confirm

        if draft is None:
            return
        question = _(
            "Record {amount} received from {customer} on {day}? A recorded "
            "receipt is not edited or deleted afterwards."
        ).format(amount=f"{draft.amount:,.2f}", customer=draft.customer, day=draft.day.isoformat())
        rows = [
            (_("Payment method"), method_text(draft.method)),
            (_("Document paid"), draft.reference or "—"),
            (_("Note"), draft.note or "—"),
        ]
        confirm(
            self.app,
            _("Record receipt"),
            question,
            _("Record receipt"),
            lambda: self._record(draft),
            columns=[_("Field"), _("Value")],
            rows=rows,
        )

    @work(thread=True, exclusive=True, group="receipts-write", exit_on_error=False)
    def _record(self, draft: Any) -> None:
        from core.services.receipts import record_draft

        try:
            record_draft(self.ctx, draft)
        except Exception as exc:  # a refusal (permission, customer gone) is shown
            self.app.call_from_thread(report_error, self.app, exc)
            return
        self.app.call_from_thread(self._recorded, draft)

    def _recorded(self, draft: Any) -> None:
        self.app.notify(
            _("Receipt of {amount} from {customer} recorded.").format(
                amount=f"{draft.amount:,.2f}", customer=draft.customer
            )
        )
        self.action_reload()
