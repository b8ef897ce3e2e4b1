"""Terminal screens: tenders, and the order-to-cash documents (quotes, orders,
deliveries, invoices, receipts) with keys to create, convert, submit, reverse and
approve. The only module of the plugin that imports textual."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import FieldProblem, ValidationFailed
from core.i18n import bracketed, pick, plural, translator
from plugins.manufacturing.models import DocKind
from plugins.manufacturing.services import documents, posting, queries, tenders
from plugins.manufacturing.services.common import P_BILL, P_SELL, P_SHIP, P_TENDER
from tui.base import BaseScreen
from tui.format import cell, fit_columns
from tui.screens.dialogs import FormDialog
from tui.views import ViewSpec
from tui.widgets.form import FieldSpec, FormFields

_ = translator(__file__)  # this plugin's words first

# Labels with their own Chinese (pick), not through the shared catalog, where another
# plugin may translate the same English word for a different meaning.
KIND_TITLES = {
    DocKind.QUOTE: ("Quotes", "报价单"),
    DocKind.ORDER: ("Sales orders", "销售订单"),
    DocKind.DELIVERY: ("Deliveries", "发货单"),
    DocKind.INVOICE: ("Invoices", "销售发票"),
    DocKind.RECEIPT: ("Receipts", "收款单"),
}
NEXT = {
    DocKind.QUOTE: DocKind.ORDER,
    DocKind.ORDER: DocKind.DELIVERY,
    DocKind.DELIVERY: DocKind.INVOICE,
    DocKind.INVOICE: DocKind.RECEIPT,
}
STATUS = {
    "draft": ("Draft", "草稿"),
    "submitted": ("Submitted", "已提交"),
    "reversed": ("Reversed", "已冲销"),
    "reversal": ("Reversal", "冲销单"),
    "ordered": ("Ordered", "已下单"),
    "partly_ordered": ("Partly ordered", "部分下单"),
}
# Tender results in tender words (the shared catalog's Won/Lost are a deal's 成交/失败).
RESULTS = {
    "open": ("Open", "未决"),
    "won": ("Won", "中标"),
    "lost": ("Lost", "未中标"),
    "withdrawn": ("Withdrawn", "已放弃"),
}
# Invoice types as printed on the invoice; an issued invoice's reversal is red-letter.
INVOICE_TYPES = {
    "special": ("Special VAT invoice (专票)", "专票"),
    "ordinary": ("Ordinary invoice (普票)", "普票"),
}
RED_LETTER = ("Red-letter", "红字")
# The list's narrow column: the type in a word (the detail's title spells it out).
INVOICE_TYPES_SHORT = {"special": ("Special", "专票"), "ordinary": ("Ordinary", "普票")}
OPEN_TITLE = {
    DocKind.QUOTE: ("Not ordered", "未下单"),
    DocKind.ORDER: ("Not shipped", "未发货"),
    DocKind.DELIVERY: ("Not invoiced", "未开票"),
    DocKind.INVOICE: ("Not collected", "未收款"),
    DocKind.RECEIPT: ("Not applied", "未核销"),
}


def decimals(text: str, field: str) -> list[Decimal]:
    try:
        return [Decimal(part.strip()) for part in text.split(",") if part.strip()]
    except InvalidOperation:
        raise ValidationFailed(
            [FieldProblem(field, text, "numbers separated by commas")], _("Quantities")
        ) from None


def problem_lines(exc: ValidationFailed) -> str:
    """What the refusal needs, one line each, without the column names and raw values
    of ``str(problem)`` (which are for logs and the command line)."""
    return "\n".join(_("Needs {what}").format(what=p.expected_text()) for p in exc.problems)


class Selectable:
    """A DataTable whose row keys are record ids."""

    def selected_id(self) -> int | None:
        table = self.query_one("#rows", DataTable)  # type: ignore[attr-defined]
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value or 0)

    def fill(
        self,
        headers: list[str],
        rows: list[tuple[Any, ...]],
        keys: list[int],
        focus_id: int | None = None,
        keep: tuple[int, ...] = (),
    ) -> None:
        table = self.query_one("#rows", DataTable)  # type: ignore[attr-defined]
        table.clear(columns=True)
        fit_columns(table, headers, rows, keep=keep)
        for key, row in zip(keys, rows, strict=True):
            table.add_row(*row, key=str(key))
        if focus_id is not None and focus_id in keys:
            table.move_cursor(row=keys.index(focus_id))


def own_key_words(screen: Any) -> None:
    """Translate the screen's key descriptions with this plugin's catalog first: the
    shared one (used by the base screen) gives a deal's words, e.g. 成交 for Won."""
    english = {
        b.id: b.description for b in type(screen).BINDINGS if isinstance(b, Binding) and b.id
    }
    bindings = screen._bindings.key_to_bindings
    for key, items in bindings.items():
        bindings[key] = [
            replace(b, description=_(english[b.id])) if b.id in english else b for b in items
        ]


def result_text(result: str) -> str:
    return pick(*RESULTS.get(result, (result, result)))


def invoice_type_text(invoice_type: str, red_letter: bool = False, short: bool = False) -> str:
    """专票 / 普票, prefixed 红字 for the red-letter invoice that reverses one."""
    names = INVOICE_TYPES_SHORT if short else INVOICE_TYPES
    text = pick(*names.get(invoice_type, (invoice_type, invoice_type)))
    return f"{pick(*RED_LETTER)} {text}" if red_letter else text


def rate_text(rate: Decimal | None) -> str:
    from core.services.organisation import percent

    return "—" if rate is None else percent(rate)


def vat_headers() -> list[str]:
    """不含税金额 / 税额 / 价税合计, the three amounts of a Chinese VAT invoice."""
    return [pick("Net", "不含税金额"), pick("VAT", "税额"), pick("Gross", "价税合计")]


def vat_summary(net: Decimal, tax: Decimal) -> str:
    """One line: net, VAT and gross, as the foot of a VAT invoice."""
    net_h, tax_h, gross_h = vat_headers()
    return f"{net_h} {net:,.2f}  ·  {tax_h} {tax:,.2f}  ·  {gross_h} {net + tax:,.2f}"


class TendersScreen(Selectable, BaseScreen):
    TITLE_EN = "Tenders"
    DEFAULT_CSS = """
    TendersScreen #rows { height: 1fr; }
    TendersScreen #status { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("n", "new", "New tender", id="mfg.tender.new"),
        Binding("w", "decide('won')", "Won", id="mfg.tender.won"),
        Binding("l", "decide('lost')", "Lost", id="mfg.tender.lost"),
        Binding("p", "project", "Register project", id="mfg.tender.project"),
        Binding("u", "quote", "Quote", id="mfg.tender.quote"),
    ]

    def __init__(self) -> None:
        super().__init__()
        own_key_words(self)
        self.tenders: dict[int, Any] = {}

    def body(self) -> ComposeResult:
        yield Static("", id="status")
        yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#rows", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.load(self.selected_id())

    def load(self, focus_id: int | None = None) -> None:
        """Read the tenders in a thread worker, then show them ("Loading…" until then)."""
        if not self.tenders:
            self.query_one("#status", Static).update(_("Loading…"))
        self.read_then(
            lambda: queries.list_tenders(self.ctx),
            lambda found: self._show(found, focus_id),
            group="tenders",
        )

    def _show(self, found: list[Any], focus_id: int | None) -> None:
        headers = [
            _("Tender"),
            _("Title"),
            _("Customer"),
            _("Deadline"),
            _("Bid price"),
            _("Bid bond"),
            _("Result"),
            _("Reason"),
        ]
        rows = [
            (
                t.number,
                t.title,
                name,
                cell(t.deadline),
                cell(t.bid_price),
                cell(t.bid_bond),
                result_text(t.result),
                t.reason,
            )
            for t, name in found
        ]
        self.tenders = {t.id: t for t, _n in found}
        self.fill(headers, rows, [t.id for t, _n in found], focus_id)
        self.query_one("#status", Static).update(
            plural(len(rows), "{n} tender", "{n} tenders", _).format(n=len(rows))
            + "  ·  "
            + _("n new · w won · l lost · p register project · u quote")
        )

    def action_new(self) -> None:
        from plugins.manufacturing.forms import TenderForm, save_tender

        specs = [
            FieldSpec(name, f.description or name) for name, f in TenderForm.model_fields.items()
        ]

        def submit(values: dict[str, Any]) -> str:
            clean = {k: v for k, v in values.items() if v not in ("", None)}
            from core.services.base import validate

            return save_tender(self.ctx, validate(TenderForm, clean, _("Tender")))

        self.app.push_screen(FormDialog(_("New tender"), specs, {}, submit), self._saved)

    def _saved(self, message: str | None) -> None:
        if message:
            self.app.notify(message)
            # stay on the tender: the next key (u after p) is meant for the same one
            self.load(self.selected_id())

    def action_decide(self, result: str) -> None:
        from tui.screens.dialogs import PromptDialog

        tender_id = self.selected_id()
        if tender_id is None:
            return
        prompt = _("Why was the tender lost?") if result == "lost" else _("Note (optional)")

        def done(reason: str | None) -> None:
            if reason is None:
                return
            tender = self.tenders[tender_id]

            def decided(saved: Any) -> None:
                self.app.notify(
                    _("Tender {number}: {result}").format(
                        number=saved.number, result=result_text(saved.result)
                    )
                )
                self.load(tender_id)

            self.write_then(
                lambda: tenders.decide_tender(
                    self.ctx, tender_id, {"result": result, "reason": reason}, tender.version
                ),
                decided,
                refused=lambda exc: self.app.notify(
                    problem_lines(exc), title=_("Not done"), severity="warning"
                ),
            )

        self.app.push_screen(PromptDialog(_("Tender result"), prompt), done)

    def action_project(self) -> None:
        tender_id = self.selected_id()
        if tender_id is None:
            return
        tender = self.tenders[tender_id]
        specs = [
            FieldSpec("contact", "Contact"),
            FieldSpec("phone", "Phone"),
            FieldSpec("specs", "Specifications"),
            FieldSpec("quantity", "Quantity"),
        ]

        def submit(values: dict[str, Any]) -> str:
            data = {k: v for k, v in values.items() if v not in ("", None)}
            project = tenders.register_project(
                self.ctx, {**data, "customer_id": tender.customer_id, "tender_id": tender.id}
            )
            return _("Project {number} registered").format(number=project.number)

        def ask(found: tuple[list[FieldSpec], dict[str, Any]]) -> None:
            offices, initial = found
            self.app.push_screen(
                FormDialog(_("Project registration"), specs + offices, initial, submit),
                self._saved,
            )

        # the project takes a quote number: its office choices are read in a worker
        self.read_then(
            lambda: office_fields(self.ctx, "quote"), ask, group="offices", hold_keys=True
        )

    def action_quote(self) -> None:
        tender_id = self.selected_id()
        if tender_id is not None:
            tender = self.tenders[tender_id]
            fixed: dict[str, Any] = {"customer_id": tender.customer_id, "tender_id": tender.id}

            def quote(project: Any) -> None:
                if project is not None:  # 项目编号 = 报价号码: the quote carries its number
                    fixed.update(project_id=project.id, office=project.office)
                open_line_form(self, DocKind.QUOTE, fixed)

            self.read_then(
                lambda: queries.tender_project(self.ctx, tender.id), quote, group="quote"
            )


def office_fields(ctx: Any, series: str) -> tuple[list[FieldSpec], dict[str, Any]]:
    """An Office choice when ``series`` numbers per office (else nothing to ask), with the
    company's default office chosen: without it such a number cannot be given."""
    offices, default = queries.numbering_offices(ctx, series)
    if not offices:
        return [], {}
    # no company default: the first office, so the required choice is never left blank
    return (
        [FieldSpec("office", "Office", choices=[(o, o) for o in offices])],
        {"office": default if default in offices else offices[0]},
    )


LINES = 3  # line rows on a new quote or order form; empty rows are left out


def line_specs() -> list[FieldSpec]:
    """Product code, quantity and unit price of each line (the first one required)."""
    specs = []
    for n in range(1, LINES + 1):
        tail = "" if n == 1 else f"_{n}"
        specs += [
            FieldSpec(f"product_code{tail}", _("Product code {n}").format(n=n)),
            FieldSpec(f"quantity{tail}", _("Quantity {n}").format(n=n)),
            FieldSpec(f"unit_price{tail}", _("Unit price {n}").format(n=n)),
        ]
    return specs


def typed_lines(ctx: Any, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines filled in, first always (its problems are shown under its fields)."""
    lines = []
    for n in range(1, LINES + 1):
        tail = "" if n == 1 else f"_{n}"
        code = (values.get(f"product_code{tail}") or "").strip()
        if n > 1 and not code:
            continue
        lines.append(
            {
                "product_id": queries.product_id_for(ctx, code),
                "quantity": (values.get(f"quantity{tail}") or "").replace(",", ""),
                "unit_price": (values.get(f"unit_price{tail}") or "").replace(",", ""),
            }
        )
    return lines


def line_vat_preview(ctx: Any, rates: dict[str, Decimal | None], values: dict[str, Any]) -> str:
    """What a typed line comes to: the product's VAT rate, net, VAT and gross, rounded
    per line as the document will round it (empty until product, quantity and price
    are readable)."""
    from core.invoicing import vat_line

    code = (values.get("product_code") or "").strip()
    try:
        quantity = Decimal(str(values.get("quantity") or "").strip())
        price = Decimal(str(values.get("unit_price") or "").strip())
    except InvalidOperation:
        return ""
    if not code or not quantity.is_finite() or not price.is_finite():
        return ""
    if code not in rates:
        rates[code] = queries.product_vat_rate(ctx, code)
    rate = rates[code]
    if rate is None:
        return _("No product with code {code}").format(code=code)
    net, tax, _gross = vat_line(documents.line_amount(quantity, price), rate)
    return f"{pick('VAT rate', '税率')} {rate_text(rate)}  ·  {vat_summary(net, tax)}"


class LineFormDialog(FormDialog):
    """A FormDialog for one document line that shows the line's VAT as it is typed."""

    DEFAULT_CSS = (
        FormDialog.DEFAULT_CSS.replace("FormDialog", "LineFormDialog")
        + """
    LineFormDialog #vat-preview { height: 1; padding: 0 1; color: $accent; }
    """
    )

    def on_mount(self) -> None:
        self.rates: dict[str, Decimal | None] = {}
        form = self.query_one(FormFields)
        form.parent.mount(Static("", id="vat-preview"), after=form)  # type: ignore[union-attr]

    def on_input_changed(self) -> None:
        values = self.query_one(FormFields).values()
        code = (values.get("product_code") or "").strip()
        if code and code not in self.rates:  # the product's rate is read in a worker
            ctx = self.app.ctx

            def read() -> Decimal | None:
                return queries.product_vat_rate(ctx, code)

            def known(rate: Decimal | None) -> None:
                self.rates[code] = rate
                self.on_input_changed()

            self.read_then(read, known, group="vat-rate")
            return
        self.query_one("#vat-preview", Static).update(
            line_vat_preview(self.app.ctx, self.rates, values)
        )


def open_line_form(screen: Any, kind: str, fixed: dict[str, Any]) -> None:
    """A quote or order of up to LINES lines: product code, quantity, unit price (and
    customer code when the customer is not known from the context). The first line's
    VAT rate (the product's), net, VAT and gross show as they are typed."""
    specs = [] if "customer_id" in fixed else [FieldSpec("customer_code", "Customer code")]
    specs += line_specs()
    if kind == DocKind.ORDER:
        specs.append(FieldSpec("promised_date", "Promised date", placeholder="YYYY-MM-DD"))

    def submit(values: dict[str, Any]) -> str:
        ctx = screen.ctx
        customer_id = fixed.get("customer_id") or queries.customer_id_for(
            ctx, values.get("customer_code") or ""
        )
        data = {**fixed, "customer_id": customer_id, "lines": typed_lines(ctx, values)}
        if values.get("promised_date"):
            data["promised_date"] = values["promised_date"]
        if "office" not in fixed and "office" in values:
            data["office"] = values.get("office") or ""
        create = documents.create_quote if kind == DocKind.QUOTE else documents.create_order
        doc = create(ctx, data)
        return saved_text(doc)

    title = _("New quote") if kind == DocKind.QUOTE else _("New sales order")

    def ask(found: tuple[list[FieldSpec], dict[str, Any]]) -> None:
        offices, initial = found
        screen.app.push_screen(
            LineFormDialog(title, specs + offices, initial, submit), screen._saved
        )

    if "office" in fixed:
        ask(([], {}))
    else:  # the office choices are read in a worker
        screen.read_then(
            lambda: office_fields(screen.ctx, kind), ask, group="offices", hold_keys=True
        )


def saved_text(doc: Any) -> str:
    """ "Q26-00001 saved as draft" with its net, VAT and gross."""
    return (
        _("{number} saved as draft").format(number=doc.number)
        + "  ·  "
        + vat_summary(doc.amount, doc.tax)
    )


def quantity_dialog(
    screen: Any,
    title: str,
    rows: list[tuple[str, Decimal]],
    save: Callable[[list[Decimal]], Any],
    then: Callable[[Any], None],
) -> None:
    """One typed quantity field per line (labelled by its product), offered at ``rows``'
    quantities: a quantity that is not a number is shown under its line, not refused as
    a whole line of text."""
    from tui.screens.dialogs import FormDialog

    specs = [FieldSpec(f"q{i}", label) for i, (label, _q) in enumerate(rows)]
    values = {f"q{i}": f"{q.normalize():f}" for i, (_label, q) in enumerate(rows)}

    def submit(typed: dict[str, Any]) -> Any:
        quantities, problems = [], []
        for i in range(len(rows)):
            raw = str(typed.get(f"q{i}") or "0").replace(",", "").strip()
            try:
                quantity = Decimal(raw)
                if not quantity.is_finite() or quantity < 0:
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(FieldProblem(f"q{i}", raw, _("a quantity such as 4 or 2.5")))
                continue
            quantities.append(quantity)
        if problems:
            raise ValidationFailed(problems, "quantities")
        return save(quantities)

    screen.app.push_screen(FormDialog(title, specs, values, submit), then)


class DocumentsScreen(Selectable, BaseScreen):
    """One kind of document at a time; keys switch the kind."""

    TITLE_EN = "Order to cash"
    DEFAULT_CSS = """
    DocumentsScreen #rows { height: 1fr; }
    DocumentsScreen #status { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("u", "kind('quote')", "Quotes", id="mfg.docs.quotes"),
        Binding("o", "kind('order')", "Sales orders", id="mfg.docs.orders"),
        Binding("d", "kind('delivery')", "Deliveries", id="mfg.docs.deliveries"),
        Binding("i", "kind('invoice')", "Invoices", id="mfg.docs.invoices"),
        Binding("r", "kind('receipt')", "Receipts", id="mfg.docs.receipts"),
        Binding("n", "new", "New", id="mfg.docs.new"),
        Binding("s", "submit", "Submit", id="mfg.docs.submit"),
        Binding("c", "convert", "Convert", id="mfg.docs.convert"),
        Binding("x", "reverse", "Reversal", id="mfg.docs.reverse"),
        Binding("a", "approve", "Approve credit", id="mfg.docs.approve"),
        Binding("e", "edit", "Edit quantities", id="mfg.docs.edit"),
        Binding("space", "mark", "Mark", id="mfg.docs.mark"),
    ]

    def __init__(self, kind: str = DocKind.QUOTE) -> None:
        super().__init__()
        self.kind = kind
        self.marked: set[int] = set()
        self.rows: dict[int, queries.DocRow] = {}
        self.shown_kind = ""

    def body(self) -> ComposeResult:
        yield Static("", id="status")
        yield DataTable(id="rows", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#rows", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.load(self.selected_id())

    def load(self, focus_id: int | None = None) -> None:
        """Read this kind's documents in a thread worker, then show them; "Loading…"
        until then when the list shows another kind (or nothing yet)."""
        kind = self.kind
        if self.shown_kind != kind:
            self.query_one("#status", Static).update(
                pick(*KIND_TITLES[DocKind(kind)]) + "  ·  " + _("Loading…")
            )
        self.read_then(
            lambda: queries.list_documents(self.ctx, kind),
            lambda found: self._show(found, focus_id, kind),
            group="documents",
        )

    def _show(self, found: list[queries.DocRow], focus_id: int | None, kind: str) -> None:
        self.shown_kind = kind
        self.rows = {r.id: r for r in found}
        self.marked &= set(self.rows)
        self.fill(*self.table_of(found), [r.id for r in found], focus_id, keep=(1,))
        self.query_one("#status", Static).update(
            bracketed(pick(*KIND_TITLES[DocKind(self.kind)]), len(found))
            + "  ·  "
            + _("u/o/d/i/r kind · n new · s submit · c convert · x reverse · space mark")
        )

    def table_of(self, found: list[queries.DocRow]) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Headers and rows: a receipt shows what was received; the other documents
        their net, VAT and gross (价税合计), an invoice also its type (专票/普票, 红字).
        At 80 columns only the gross: with net and VAT the open value ran off the right
        edge and the number was cut ("SO2600"); Enter shows every line's three."""
        invoices = self.kind == DocKind.INVOICE
        narrow = self.app.size.width < 100
        headers = ["", pick("Number", "单号"), _("Date"), _("Customer"), _("Status")]
        if invoices:
            headers.append(pick("Type", "发票类型"))
        if self.kind == DocKind.RECEIPT:
            headers.append(_("Amount"))
        else:
            headers += vat_headers()[2:] if narrow else vat_headers()
        headers.append(pick(*OPEN_TITLE[DocKind(self.kind)]))
        rows = []
        for r in found:
            row: list[Any] = [
                "*" if r.id in self.marked else "",
                r.number,
                cell(r.doc_date),
                r.customer,
                self.status_text(r),
            ]
            if invoices:
                row.append(invoice_type_text(r.invoice_type, r.red_letter, short=True))
            if self.kind == DocKind.RECEIPT:
                row.append(cell(r.amount))
            else:
                row += [cell(r.gross)] if narrow else [cell(r.amount), cell(r.tax), cell(r.gross)]
            rows.append((*row, cell(r.open)))
        return headers, rows

    @staticmethod
    def status_text(row: queries.DocRow) -> str:
        if row.red_letter:  # an invoice is corrected by a red-letter invoice, not edited
            return pick("Red-letter invoice", "红字发票")
        return pick(*STATUS.get(row.status, (row.status, row.status)))

    def action_kind(self, kind: str) -> None:
        self.kind, self.marked = kind, set()
        self.load()

    def action_mark(self) -> None:
        doc_id = self.selected_id()
        if doc_id is not None:
            self.marked ^= {doc_id}
            table = self.query_one("#rows", DataTable)
            row = table.cursor_row
            self._show(list(self.rows.values()), doc_id, self.kind)  # no need to read again
            table.move_cursor(row=min(row + 1, table.row_count - 1))

    def _saved(self, message: str | None) -> None:
        if message:
            self.app.notify(message)
            self.load()

    def _run(self, then: Callable[[Any], object], fn: Any, *args: Any, **kwargs: Any) -> None:
        """``fn(ctx, *args)`` in a thread worker, then ``then`` with what it returned; a
        refusal is a message. One at a time: a key pressed again meanwhile does nothing."""
        self.write_then(
            lambda: fn(self.ctx, *args, **kwargs),
            then,
            refused=lambda exc: self.app.notify(
                problem_lines(exc), title=_("Not done"), severity="warning", timeout=8
            ),
        )

    def action_new(self) -> None:
        if self.kind in (DocKind.QUOTE, DocKind.ORDER):
            open_line_form(self, self.kind, {})
        elif self.kind == DocKind.RECEIPT:
            self._new_receipt()
        else:
            self.app.notify(
                _(
                    "Deliveries and invoices are made from orders and deliveries: "
                    "select them and press c"
                ),
                severity="information",
            )

    def _new_receipt(self) -> None:
        self.read_then(
            lambda: office_fields(self.ctx, DocKind.RECEIPT),
            self._receipt_form,
            group="offices",
            hold_keys=True,
        )

    def _receipt_form(self, found: tuple[list[FieldSpec], dict[str, Any]]) -> None:
        offices, initial = found
        specs = [
            FieldSpec("customer_code", "Customer code"),
            FieldSpec("amount", "Amount"),
            *offices,
        ]

        def submit(values: dict[str, Any]) -> str:
            doc = documents.create_receipt(
                self.ctx,
                {
                    "customer_id": queries.customer_id_for(self.ctx, values["customer_code"] or ""),
                    "amount": values["amount"],
                    "office": values.get("office") or "",
                },
            )
            return _("{number} saved as draft").format(number=doc.number)

        self.app.push_screen(FormDialog(_("New receipt"), specs, initial, submit), self._saved)

    def action_submit(self) -> None:
        doc_id = self.selected_id()
        if doc_id is None:
            return

        def submitted(saved: Any) -> None:
            self.app.notify(_("{number} submitted").format(number=saved.number))
            self.load(doc_id)

        self._run(submitted, posting.submit, doc_id, self.rows[doc_id].version)

    def action_edit(self) -> None:
        doc_id = self.selected_id()
        if doc_id is None:
            return
        version = self.rows[doc_id].version

        def save(quantities: list[Decimal]) -> Any:  # in the dialog's worker
            return documents.set_quantities(self.ctx, doc_id, quantities, version)

        def saved(doc: Any) -> None:
            if doc is not None:
                self.app.notify(_("{number} saved as draft").format(number=doc.number))
                self.load(doc_id)

        def ask(lines: list[Any]) -> None:
            rows = [(f"{code} {name}", q) for _i, code, name, q, _p, _a, _d in lines]
            quantity_dialog(self, _("Edit quantities (0 drops a line)"), rows, save, saved)

        self.read_then(
            lambda: queries.document_lines(self.ctx, doc_id), ask, group="lines", hold_keys=True
        )

    def action_approve(self) -> None:
        from tui.screens.dialogs import confirm

        doc_id = self.selected_id()
        if doc_id is None or self.kind != DocKind.ORDER:
            return
        row = self.rows[doc_id]
        confirm(
            self.app,
            _("Approve credit"),
            _(
                "Approve credit for sales order {number}: {customer}, {amount}? The order "
                "may then go ahead past the customer's credit limit or overdue debts, on "
                "your approval."
            ).format(number=row.number, customer=row.customer, amount=f"{row.amount:,.2f}"),
            _("Approve credit"),
            lambda: self._approve(doc_id, row.version),
        )

    def _approve(self, doc_id: int, version: int) -> None:
        def approved(saved: Any) -> None:
            self.app.notify(_("{number}: credit approved").format(number=saved.number))
            self.load(doc_id)

        self._run(approved, posting.approve_credit, doc_id, version)

    def action_reverse(self) -> None:
        from tui.screens.dialogs import PromptDialog

        doc_id = self.selected_id()
        if doc_id is None:
            return

        def done(reason: str | None) -> None:
            if reason is None:
                return
            number = self.rows[doc_id].number

            def reversed_(saved: Any) -> None:
                self.app.notify(
                    _("{number} reversed by {mirror}").format(number=number, mirror=saved.number)
                )
                self.load(doc_id)

            self._run(reversed_, posting.reverse, doc_id, self.rows[doc_id].version, reason)

        if self.kind == DocKind.INVOICE:  # an issued invoice is corrected, never edited
            title, prompt = (
                _("Red-letter invoice"),
                _(
                    "Reason for the red-letter invoice: it reverses {number} in full "
                    "(net, VAT and type), and cannot be undone"
                ).format(number=self.rows[doc_id].number),
            )
        else:
            title, prompt = _("Reversal"), _("Reason for the reversal")
        self.app.push_screen(PromptDialog(title, prompt), done)

    def action_convert(self) -> None:
        from tui.screens.dialogs import PromptDialog

        ids = sorted(self.marked) or ([self.selected_id()] if self.selected_id() else [])
        if not ids or self.kind not in NEXT:
            return
        if self.kind == DocKind.ORDER:

            def read() -> list[Any]:
                return [
                    line
                    for doc_id in sorted(ids)
                    for line in queries.document_lines(self.ctx, doc_id)
                ]

            def ask(lines: list[Any]) -> None:
                rows = [
                    (
                        f"{code} {name} · " + _("open {q}").format(q=f"{(q - done).normalize():f}"),
                        q - done,
                    )
                    for _i, code, name, q, _p, _a, done in lines
                    if q - done > 0
                ]
                quantity_dialog(
                    self,
                    _("Delivery: quantities to ship"),
                    rows,
                    lambda quantities: queries.convert(self.ctx, ids, quantities=quantities),
                    self._converted,
                )

            self.read_then(read, ask, group="lines", hold_keys=True)
        elif self.kind == DocKind.INVOICE:
            owed = self.rows[ids[0]].open
            self.app.push_screen(
                PromptDialog(_("Receipt"), _("Amount received"), "" if owed is None else str(owed)),
                lambda text: self._convert(ids, text),
            )
        elif self.kind == DocKind.DELIVERY:
            self._ask_invoice_type(ids)
        else:
            self._convert(ids, "")

    def _ask_invoice_type(self, ids: list[int]) -> None:
        """Deliveries -> invoice: the type (专票/普票) is chosen, with the net, VAT and
        gross the invoice will carry."""
        self.read_then(
            lambda: queries.uninvoiced(self.ctx, ids),
            lambda totals: self._invoice_form(ids, totals),
            group="lines",
            hold_keys=True,
        )

    def _invoice_form(self, ids: list[int], totals: tuple[Decimal, Decimal]) -> None:
        specs = [
            FieldSpec(
                "invoice_type",
                "Invoice type",
                choices=[
                    (pick(*INVOICE_TYPES["ordinary"]), "ordinary"),
                    (pick(*INVOICE_TYPES["special"]), "special"),
                ],
            )
        ]

        def submit(values: dict[str, Any]) -> Any:
            return queries.convert(
                self.ctx, ids, invoice_type=values.get("invoice_type") or "ordinary"
            )

        dialog = FormDialog(
            _("New invoice") + "  ·  " + vat_summary(*totals),
            specs,
            {"invoice_type": "ordinary"},
            submit,
        )
        self.app.push_screen(dialog, self._made)

    def _made(self, made: Any) -> None:
        if made:
            self.app.notify(saved_text(made))
            self.kind, self.marked = NEXT[DocKind(self.kind)], set()
            self.load(made.id)

    def _convert(self, ids: list[int], text: str | None) -> None:
        if text is None:
            return
        try:
            values = decimals(text, "quantities") if text.strip() else None
        except ValidationFailed as exc:
            self.app.notify(problem_lines(exc), title=_("Not done"), severity="warning")
            return
        amount = values[0] if values and self.kind == DocKind.INVOICE else None
        quantities = values if self.kind == DocKind.ORDER else None
        self._run(self._converted, queries.convert, ids, quantities=quantities, amount=amount)

    def _converted(self, made: Any) -> None:
        if made is not None:
            self._made(made)

    @on(DataTable.RowSelected)
    def _lines(self, event: DataTable.RowSelected) -> None:
        from tui.screens.dialogs import TableDialog

        doc_id = int(event.row_key.value or 0)
        row = self.rows[doc_id]
        title = row.number
        if self.kind == DocKind.INVOICE:
            title += "  ·  " + invoice_type_text(row.invoice_type, row.red_letter)
        done = self.kind in (DocKind.QUOTE, DocKind.ORDER, DocKind.DELIVERY)

        def show(lines: list[queries.LineRow]) -> None:
            if self.app.size.width >= 100:
                self.app.push_screen(TableDialog(title, *line_table(lines, done)))
                return
            # the dialog's table: 96 % of the screen less its border and padding, and
            # room for a scrollbar
            note, heads, rows = narrow_line_table(lines, done, self.app.size.width * 96 // 100 - 6)
            self.app.push_screen(TableDialog(title + note, heads, rows))

        self.read_then(lambda: queries.document_vat_lines(self.ctx, doc_id), show, group="lines")


def line_table(
    lines: list[queries.LineRow], done: bool = True
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Each line with its VAT rate, net, VAT and gross, then the document's totals (the
    sums of the lines' figures: VAT is rounded per line, never on the total). ``done``:
    with the quantity ordered, shipped or billed from each line."""
    headers = [
        _("Product"),
        _("Name"),
        _("Quantity"),
        _("Unit price"),
        pick("VAT rate", "税率"),
        *vat_headers(),
    ]
    rows: list[tuple[Any, ...]] = [
        (
            ln.code,
            ellipsis(ln.name, 20),
            cell(ln.quantity),
            cell(ln.unit_price),
            rate_text(ln.tax_rate),
            cell(ln.amount),
            cell(ln.tax),
            cell(ln.gross),
        )
        for ln in lines
    ]
    net = sum((ln.amount for ln in lines), Decimal("0"))
    tax = sum((ln.tax for ln in lines), Decimal("0"))
    rows.append((pick("Total", "合计"), "", "", "", "", cell(net), cell(tax), cell(net + tax)))
    if not done:
        return headers, rows
    done_cells = [cell(ln.done) for ln in lines] + [""]
    return (
        [*headers, pick("Done", "已执行")],
        [(*row, d) for row, d in zip(rows, done_cells, strict=True)],
    )


def narrow_line_table(
    lines: list[queries.LineRow], done: bool, room: int
) -> tuple[str, list[str], list[tuple[Any, ...]]]:
    """``line_table`` for a narrow screen (``room`` cells for the table): at 80 columns
    its nine columns ran past the dialog's edge, VAT and gross off screen. The product's
    code and name share one column, cut to what is left; the unit price is left out (the
    net divided by the quantity); one VAT rate for every line goes to the title
    (returned first), rates that differ keep their column."""
    from rich.cells import cell_len

    headers, rows = line_table(lines, done)
    rates = {ln.tax_rate for ln in lines}
    keep = [2] + ([] if len(rates) == 1 else [4]) + list(range(5, len(headers)))
    note = f"  ·  {pick('VAT rate', '税率')} {rate_text(rates.pop())}" if len(rates) == 1 else ""
    widths = [
        max(cell_len(str(h)), *(cell_len(_plain(r[i])) for r in rows))
        for i, h in enumerate(headers)
    ]
    left = room - sum(widths[i] + 2 for i in keep) - 2
    names = [f"{ln.code} {ln.name}" for ln in lines] + [str(rows[-1][0])]
    width = max(left, cell_len(str(headers[0])), 6)
    narrow = [
        (ellipsis(name, width), *(row[i] for i in keep))
        for name, row in zip(names, rows, strict=True)
    ]
    return note, [headers[0], *(headers[i] for i in keep)], narrow


def _plain(value: Any) -> str:
    return value.plain if hasattr(value, "plain") else str(value)


def ellipsis(text: str, cells: int) -> str:
    """``text`` cut to ``cells`` terminal cells (CJK counts two), marked with …."""
    from rich.cells import cell_len, set_cell_size

    return text if cell_len(text) <= cells else set_cell_size(text, cells - 1) + "…"


class ProductionScreen(BaseScreen):
    """What to produce this week against stock, and the open order lines by promise."""

    TITLE_EN = "Production plan"
    DEFAULT_CSS = """
    ProductionScreen DataTable { height: 1fr; }
    ProductionScreen .caption { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [Binding("g", "receive", "Production finished", id="mfg.production.receive")]

    def body(self) -> ComposeResult:
        yield Static("", id="plan-caption", classes="caption")
        yield DataTable(id="plan", cursor_type="row", zebra_stripes=True)
        yield Static("", id="lines-caption", classes="caption")
        yield DataTable(id="lines", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#plan", DataTable).focus()

    def load(self) -> None:
        """The report is run and its cells made in a thread worker; then drawn."""
        if not self.query_one("#plan", DataTable).row_count:
            self.query_one("#plan-caption", Static).update(_("Loading…"))
        self.read_then(self._read, self._show, group="plan")

    def _read(self) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
        from core.reports import run_report

        backlog, plan = run_report(self.ctx, "mfg_order_backlog", {}).tables
        return [
            (
                f"{pick(table.title_en, table.title_zh)}",
                [pick(c.title_en, c.title_zh) for c in table.columns],
                [tuple(cell(v) for v in row) for row in table.materialize()],
            )
            for table in (plan, backlog)
        ]

    def _show(self, tables: list[tuple[str, list[str], list[tuple[Any, ...]]]]) -> None:
        for (title, headers, rows), widget, caption in zip(
            tables, ("#plan", "#lines"), ("#plan-caption", "#lines-caption"), strict=True
        ):
            grid = self.query_one(widget, DataTable)
            grid.clear(columns=True)
            fit_columns(grid, headers, rows)
            for row in rows:
                grid.add_row(*row)
            self.query_one(caption, Static).update(bracketed(title, len(rows)))

    def action_receive(self) -> None:
        specs = [FieldSpec("product_code", "Product code"), FieldSpec("quantity", "Quantity")]

        def submit(values: dict[str, Any]) -> str:
            quantity = decimals(values.get("quantity") or "", "quantity")
            if len(quantity) != 1:
                raise ValidationFailed(
                    [FieldProblem("quantity", values.get("quantity"), "one number")], _("Quantity")
                )
            code = values.get("product_code") or ""
            stock = tenders.receive_stock(
                self.ctx, queries.product_id_for(self.ctx, code), quantity[0]
            )
            return _("{code}: {quantity} on hand").format(code=code, quantity=stock.on_hand)

        def done(message: str | None) -> None:
            if message:
                self.app.notify(message)
                self.load()

        self.app.push_screen(FormDialog(_("Production finished"), specs, {}, submit), done)


def all_views() -> list[ViewSpec]:
    return [
        ViewSpec(
            "mfg_tenders", "Tenders", "工程投标", lambda ctx: TendersScreen(), permission=P_TENDER
        ),
        ViewSpec(
            "mfg_documents",
            "Order to cash",
            "订单到收款",
            lambda ctx: DocumentsScreen(
                DocKind.QUOTE
                if ctx.grant.has(P_SELL)
                else DocKind.DELIVERY
                if ctx.grant.has(P_SHIP)
                else DocKind.INVOICE
                if ctx.grant.has(P_BILL)
                else DocKind.ORDER
            ),
        ),
        ViewSpec("mfg_production", "Production plan", "生产安排", lambda ctx: ProductionScreen()),
    ]
