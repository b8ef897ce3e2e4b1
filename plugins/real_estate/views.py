"""Screens of the real-estate plugin (the only module importing textual): the sales
control board of a building, the price table, sign-offs and the call register."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import Conflict, ValidationFailed
from core.i18n import plural, translator
from plugins.real_estate.services import calls, control, masterdata, payments, prices, queries
from plugins.real_estate.services.common import may_read_finance
from tui.base import BaseScreen, report_error
from tui.format import fit_columns, money
from tui.screens.dialogs import FormDialog, PromptDialog, confirm
from tui.widgets.form import FieldSpec

_ = translator(__file__)  # this plugin's words first

STATUS_STYLE = {
    "available": "black on green",
    "held": "white on grey37",
    "reserved": "black on yellow",
    "subscribed": "black on dark_orange",
    "signed": "white on red",
    "sold": "white on blue",
}
# the status as a mark too: with NO_COLOR (or colour-blind eyes) the colours above are
# near-identical greys, the marks are not
STATUS_MARK = {
    "available": "○",
    "held": "◌",
    "reserved": "◔",
    "subscribed": "◑",
    "signed": "◕",
    "sold": "●",
}
STATUS_TITLES = {
    "available": "Available",
    "held": "Held",
    "reserved": "Reserved",
    "subscribed": "Subscribed",
    "signed": "Signed",
    "sold": "Sold",
}


SOURCE_TITLES = calls.SOURCE_TITLES


def status_title(status: str) -> str:
    return _(STATUS_TITLES.get(status, status))


def legend_text(label: str, counts: list[tuple[str, int]], width: int) -> Text:
    """The building, then each status with its mark and count, on as many lines as
    ``width`` needs: an entry is never split, and none is cut at the edge (at 80
    columns "Sold" was cut off the single line)."""
    from rich.cells import cell_len

    legend = Text(label)
    used = width  # start a new line before the first entry
    for status, n in counts:
        entry = f" {STATUS_MARK[status]} {status_title(status)} {n} "
        size = cell_len(entry)
        if used + 1 + size > width:
            legend.append("\n")
            used = 0
        elif used:
            legend.append(" ")
            used += 1
        legend.append(entry, style=STATUS_STYLE[status])
        used += size
    return legend


def unit_cell(unit_no: str, status: str) -> Text:
    """A unit on the board: its number and its status's mark, in its status's colours."""
    return Text(f" {unit_no} {STATUS_MARK.get(status, '?')} ", style=STATUS_STYLE.get(status, ""))


def source_title(source: str) -> str:
    """Where a caller heard of the project, as the register reads it (TV, 电视)."""
    return _(SOURCE_TITLES.get(source, source))


class EstateScreen(BaseScreen):
    """Shared: the chosen building (b cycles) and service calls that report, not crash.
    The database is read and written in thread workers (``read_then``, ``write_then``):
    ``refresh_data`` reads what ``fetch`` returns, then ``show`` draws it."""

    building_id: int | None = None
    LOADING_AT = ""  # the Static that says "Loading…" while the screen reads

    def __init__(self) -> None:
        super().__init__()
        self.known_buildings: list[tuple[int, str]] = []

    def buildings(self) -> list[tuple[int, str]]:
        """The buildings as last read (in the worker, with the screen's data)."""
        return self.known_buildings

    def read_buildings(self) -> int | None:
        """In the worker: the buildings, and the building to show (the first at first)."""
        self.known_buildings = queries.buildings(self.ctx)
        ids = [bid for bid, _n in self.known_buildings]
        if self.building_id in ids or not ids:
            return self.building_id
        return ids[0]

    def building_label(self) -> str:
        return next(
            (name for bid, name in self.buildings() if bid == self.building_id),
            _("no building yet"),
        )

    def action_next_building(self) -> None:
        found = [bid for bid, _n in self.buildings()]
        if found:
            index = found.index(self.building_id) + 1 if self.building_id in found else 0
            self.building_id = found[index % len(found)]
            self.refresh_data()

    def refresh_data(self) -> None:
        if self.LOADING_AT and not self.buildings():  # nothing shown yet: say it is coming
            self.query_one(self.LOADING_AT, Static).update(_("Loading…"))
        self.read_then(self.fetch, self.show, group="estate")

    def fetch(self) -> Any:
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def dialog(
        self,
        title: str,
        specs: list[FieldSpec],
        values: dict[str, Any],
        submit: Callable[[dict[str, Any]], Any],
        then: Callable[[Any], None],
    ) -> None:
        """A form dialog whose save goes through ``submit``. A stale write (someone changed
        the unit meanwhile) closes it with the message and reloads the screen."""

        def safe(typed: dict[str, Any]) -> Any:  # runs in the dialog's worker
            try:
                return submit(typed)
            except Conflict as exc:
                return exc

        def closed(result: Any) -> None:
            if isinstance(result, Conflict):
                self.app.notify(str(result), title=_("Not done"), severity="error", timeout=8)
                self.refresh_data()
            elif result:
                then(result)
            else:
                self.refresh_data()

        self.app.push_screen(FormDialog(title, specs, values, safe), closed)

    def run_step(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: str = "",
        then: Callable[[Any], object] | None = None,
        **kwargs: Any,
    ) -> None:
        """Run a service call in a thread worker; a refusal is a message, success
        refreshes the screen (and ``then`` gets what the call returned). One step at a
        time: a key pressed again while it runs does nothing."""

        def finished(result: Any) -> None:
            if result is not None or done:
                if done:
                    self.app.notify(done)
                if then is not None:
                    then(result)
                self.refresh_data()

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, (ValidationFailed, Conflict)):
                report_error(self.app, exc)
                return
            self.app.notify(str(exc), title=_("Not done"), severity="error", timeout=8)
            if isinstance(exc, Conflict):
                self.refresh_data()  # show what the other person did

        self.write_then(lambda: fn(self.ctx, *args, **kwargs), finished, failed=failed)


# -- sales control board --------------------------------------------------------------------


class SalesControlBoard(EstateScreen):
    """Floors x units of one building, coloured by status; act on the unit under the
    cursor."""

    TITLE_EN = "Sales control"
    DEFAULT_CSS = """
    SalesControlBoard #board { height: 1fr; }
    SalesControlBoard #unit-detail { height: 3; padding: 0 1; }
    SalesControlBoard #legend { height: auto; max-height: 4; padding: 0 1; }
    """
    BINDINGS = [
        Binding("b", "next_building", "Next building", id="re.building"),
        Binding("r", "reserve", "Reserve", id="re.reserve"),
        Binding("u", "subscribe", "Subscribe", id="re.subscribe"),
        Binding("s", "sign", "Sign", id="re.sign"),
        Binding("o", "complete", "Sold", id="re.sold"),
        Binding("x", "cancel_deal", "Cancel deal", id="re.cancel"),
        Binding("h", "hold", "Hold/release", id="re.hold"),
        Binding("p", "pay", "Payment", id="re.pay"),
        Binding("a", "settle", "Settle area", id="re.settle"),
        Binding("m", "move_in", "Move in", id="re.move_in"),
        Binding("l", "plan", "Payment plan", id="re.plan"),
        Binding("i", "history", "History", id="re.history"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[int, int], queries.BoardUnit] = {}

    def body(self) -> ComposeResult:
        yield Static("", id="legend")
        yield DataTable(id="board", cursor_type="cell", zebra_stripes=False)
        yield Static("", id="unit-detail")

    LOADING_AT = "#legend"

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#board", DataTable).focus()

    def fetch(self) -> tuple[int | None, list[queries.BoardUnit]]:
        building_id = self.read_buildings()
        return building_id, queries.board(self.ctx, building_id) if building_id else []

    def show(self, data: tuple[int | None, list[queries.BoardUnit]]) -> None:
        self.building_id, units = data
        table = self.query_one("#board", DataTable)
        where = table.cursor_coordinate
        table.clear(columns=True)
        self.cells = {}
        floors: dict[int, list[queries.BoardUnit]] = {}
        for unit in units:
            floors.setdefault(unit.floor, []).append(unit)
        width = max((len(v) for v in floors.values()), default=0)
        rows: list[tuple[Any, ...]] = []
        for row, (floor, row_units) in enumerate(sorted(floors.items(), reverse=True)):
            cells: list[Any] = [Text(f"{floor}F", justify="right")]
            for col, unit in enumerate(row_units, start=1):
                self.cells[(row, col)] = unit
                cells.append(unit_cell(unit.unit_no, unit.status))
            rows.append(tuple(cells + [""] * (width + 1 - len(cells))))
        fit_columns(table, [_("Floor")] + [str(i + 1) for i in range(width)], rows)
        for (floor, _u), cells in zip(sorted(floors.items(), reverse=True), rows, strict=True):
            table.add_row(*cells, key=f"f{floor}")
        if units:
            table.move_cursor(
                row=min(where.row, len(floors) - 1), column=max(1, min(where.column, width))
            )
        self._legend(units)
        self.show_detail()

    def _legend(self, units: list[queries.BoardUnit]) -> None:
        self._legend_units = units
        counts = [(s, sum(1 for u in units if u.status == s)) for s in STATUS_STYLE]
        width = max(20, self.size.width or self.app.size.width) - 2  # the padding
        self.query_one("#legend", Static).update(legend_text(self.building_label(), counts, width))

    def on_resize(self) -> None:
        if hasattr(self, "_legend_units"):
            self._legend(self._legend_units)

    def selected(self) -> queries.BoardUnit | None:
        coord = self.query_one("#board", DataTable).cursor_coordinate
        return self.cells.get((coord.row, coord.column))

    def on_data_table_cell_highlighted(self, _event: Any) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        unit = self.selected()
        detail = self.query_one("#unit-detail", Static)
        if unit is None:
            detail.update(_("No unit here. b: next building"))
            return
        text = _(
            "Unit {unit}  {status}  {layout} {orientation}  {area} m2  {price}/m2  total {total}"
        ).format(
            unit=unit.unit_no,
            status=status_title(unit.status),
            layout=unit.layout,
            orientation=unit.orientation,
            area=unit.building_area,
            price=f"{unit.unit_price:,.2f}",
            total=f"{unit.total_price:,.2f}",
        )
        detail.update(text)
        if unit.deal_id is not None and may_read_finance(self.ctx):
            deal_id = unit.deal_id

            def balance(owed: Any) -> None:
                if self.selected() is unit:  # the cursor has not moved on meanwhile
                    detail.update(
                        text
                        + "\n"
                        + _("Buyer {buyer}  due {due}  received {paid}  outstanding {owed}").format(
                            buyer=unit.buyer,
                            due=f"{owed.due:,.2f}",
                            paid=f"{owed.paid:,.2f}",
                            owed=f"{owed.outstanding:,.2f}",
                        )
                    )

            self.read_then(lambda: queries.deal_balance(self.ctx, deal_id), balance, group="detail")

    # -- actions --------------------------------------------------------------------------

    def action_reserve(self) -> None:
        unit = self.selected()
        if unit is None:
            return
        specs = [
            FieldSpec("buyer_name", "Buyer"),
            FieldSpec("buyer_phone", "Phone"),
            FieldSpec("subscribe", "Subscribe now", choices=[(_("no"), "no"), (_("yes"), "yes")]),
        ]

        def submit(values: dict[str, Any]) -> Any:
            return control.reserve(
                self.ctx,
                unit.id,
                values["buyer_name"],
                values["buyer_phone"],
                version=unit.version,
                subscribe=values.get("subscribe") == "yes",
            )

        self.dialog(
            _("Reserve unit {unit}").format(unit=unit.unit_no),
            specs,
            {"subscribe": "no"},
            submit,
            lambda deal: self._done(_("Unit {unit} reserved").format(unit=unit.unit_no)),
        )

    def _done(self, message: str) -> None:
        self.app.notify(message)
        self.refresh_data()

    def _unit_step(self, fn: Callable[..., Any], message: str, **kwargs: Any) -> None:
        unit = self.selected()
        if unit is not None:
            self.run_step(
                fn, unit.id, version=unit.version, done=message.format(unit=unit.unit_no), **kwargs
            )

    def action_subscribe(self) -> None:
        self._unit_step(control.subscribe, _("Unit {unit} subscribed"))

    def action_sign(self) -> None:
        unit = self.selected()
        if unit is None:
            return
        confirm(
            self.app,
            _("Sign unit {unit}").format(unit=unit.unit_no),
            _(
                "Sign the purchase contract for unit {unit} with {buyer}, {total} in all? "
                "Once signed, only cancelling the deal undoes it."
            ).format(unit=unit.unit_no, buyer=unit.buyer or "—", total=f"{unit.total_price:,.2f}"),
            _("Sign"),
            lambda: self._unit_step(control.sign, _("Unit {unit} signed")),
        )

    def action_complete(self) -> None:
        unit = self.selected()
        if unit is None:
            return
        confirm(
            self.app,
            _("Unit {unit} sold").format(unit=unit.unit_no),
            _(
                "Record unit {unit} as sold to {buyer}, {total} in all? The sale is then "
                "closed; only cancelling the deal undoes it."
            ).format(unit=unit.unit_no, buyer=unit.buyer or "—", total=f"{unit.total_price:,.2f}"),
            _("Sold"),
            lambda: self._unit_step(control.complete_sale, _("Unit {unit} sold")),
        )

    def action_hold(self) -> None:
        unit = self.selected()
        if unit is None:
            return
        if unit.status == "held":
            self._unit_step(control.release, _("Unit {unit} released"))
        else:
            self._unit_step(control.hold, _("Unit {unit} held"))

    def action_cancel_deal(self) -> None:
        unit = self.selected()
        if unit is None or unit.deal_id is None:
            return
        self.app.push_screen(
            PromptDialog(_("Cancel the deal"), _("Why is the deal cancelled?")),
            lambda reason: (
                self._unit_step(control.cancel, _("Deal on unit {unit} cancelled"), reason=reason)
                if reason is not None
                else None
            ),
        )

    def action_pay(self) -> None:
        unit = self.selected()
        if unit is None or unit.deal_id is None:
            self.app.notify(_("Choose a unit with a deal"), severity="warning")
            return
        kinds = [(_(k.replace("_", " ").capitalize()), k) for k in payments.PAYMENT_KINDS]
        specs = [
            FieldSpec("kind", "Kind", choices=kinds),
            FieldSpec("amount", "Amount"),
            FieldSpec("paid_on", "Paid on", placeholder="YYYY-MM-DD"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            return payments.record_payment(
                self.ctx,
                unit.deal_id,
                values["kind"] or "",
                values["amount"],
                values["paid_on"] or None,
            )

        self.dialog(
            _("Payment for unit {unit}").format(unit=unit.unit_no),
            specs,
            {"kind": "deposit"},
            submit,
            lambda paid: self._done(_("Received {amount}").format(amount=f"{paid.amount:,.2f}")),
        )

    def action_plan(self) -> None:
        unit = self.selected()
        if unit is None or unit.deal_id is None:
            self.app.notify(_("Choose a unit with a deal"), severity="warning")
            return
        specs = [
            FieldSpec("deposit", "Deposit"),
            FieldSpec("down_payment", "Down payment"),
            FieldSpec("start", "Deposit due", placeholder="YYYY-MM-DD"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            return payments.standard_plan(
                self.ctx,
                unit.deal_id,
                values["deposit"] or "0",
                values["down_payment"] or "0",
                values["start"],
            )

        self.dialog(
            _("Payment plan for unit {unit}").format(unit=unit.unit_no),
            specs,
            {"deposit": "50000"},
            submit,
            lambda plan: self._done(
                plural(
                    len(plan),
                    "Payment plan saved: {count} instalment",
                    "Payment plan saved: {count} instalments",
                    _,
                ).format(count=len(plan))
            ),
        )

    def action_history(self) -> None:
        from tui.screens.dialogs import TableDialog

        unit = self.selected()
        if unit is None:
            return

        def show(changes: list[Any]) -> None:
            rows = [
                (
                    f"{c.at:%Y-%m-%d %H:%M}",
                    status_title(c.from_status),
                    status_title(c.to_status),
                    c.reason,
                )
                for c in changes
            ]
            self.app.push_screen(
                TableDialog(
                    _("Sales changes of unit {unit}").format(unit=unit.unit_no),
                    [_("When"), _("From"), _("To"), _("Reason")],
                    rows,
                )
            )

        self.read_then(lambda: control.history(self.ctx, unit.id), show, group="history")

    def action_settle(self) -> None:
        unit = self.selected()
        if unit is None or unit.deal_id is None:
            self.app.notify(_("Choose a unit with a deal"), severity="warning")
            return
        specs = [FieldSpec("measured_area", "Measured area")]

        def submit(values: dict[str, Any]) -> Any:
            return payments.settle(self.ctx, unit.deal_id, values["measured_area"])

        self.dialog(
            _("Settle the area of unit {unit}").format(unit=unit.unit_no),
            specs,
            {},
            submit,
            lambda row: self._done(
                _("Area settled: {amount} (negative: refund)").format(amount=f"{row.amount:,.2f}")
            ),
        )

    def action_move_in(self) -> None:
        unit = self.selected()
        if unit is not None and unit.deal_id is not None:
            self.run_step(
                payments.move_in,
                unit.deal_id,
                done=_("Unit {unit} moved in").format(unit=unit.unit_no),
            )


# -- price table --------------------------------------------------------------------------


class PriceTableScreen(EstateScreen):
    """The price calculation table of a building: draft factors, live totals, what-if,
    submit a price list for sign-off."""

    TITLE_EN = "Price table"
    DEFAULT_CSS = """
    PriceTableScreen #prices { height: 2fr; }
    PriceTableScreen #factors { height: 1fr; }
    PriceTableScreen #totals { height: 3; padding: 0 1; }
    """
    BINDINGS = [
        Binding("b", "next_building", "Next building", id="re.price_building"),
        Binding("e", "base_price", "Base price", id="re.base_price"),
        Binding("f", "factor", "Factor", id="re.factor"),
        Binding("w", "what_if", "What-if", id="re.what_if"),
        Binding("c", "custom", "Adjust unit", id="re.custom"),
        Binding("p", "submit", "Submit price list", id="re.submit_prices"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.trial: Decimal | None = None

    def body(self) -> ComposeResult:
        yield Static("", id="totals")
        yield DataTable(id="prices", cursor_type="row")
        yield DataTable(id="factors", cursor_type="row")

    LOADING_AT = "#totals"

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#prices", DataTable).focus()

    def fetch(self) -> tuple[int | None, Any, dict[str, queries.BoardUnit], list[Any]]:
        from sqlalchemy import select

        from plugins.real_estate.models import PriceFactor

        building_id = self.read_buildings()
        if building_id is None:
            return None, None, {}, []
        draft = prices.what_if(self.ctx, building_id, self.trial)
        shapes = {u.unit_no: u for u in queries.board(self.ctx, building_id)}
        with self.ctx.reading() as session:
            factors = list(
                session.scalars(
                    select(PriceFactor)
                    .where(PriceFactor.building_id == building_id)
                    .order_by(PriceFactor.kind, PriceFactor.key)
                ).all()
            )
        return building_id, draft, shapes, factors

    def show(self, data: tuple[int | None, Any, dict[str, queries.BoardUnit], list[Any]]) -> None:
        self.building_id, draft, shapes, factors = data
        table = self.query_one("#prices", DataTable)
        table.clear(columns=True)
        headers = [
            _("Unit"),
            _("Floor"),
            _("Orientation"),
            _("Layout"),
            _("Area"),
            _("Adj/m2"),
            _("Adj %"),
            _("Unit price"),
            _("Total price"),
            _("Published"),
        ]
        if self.building_id is None:
            fit_columns(table, headers, [])
            self.query_one("#totals", Static).update(_("No building yet"))
            return
        rows = []
        for line in draft.lines:
            unit = shapes[line.unit_no]
            rows.append(
                (
                    line.unit_no,
                    str(unit.floor),
                    unit.orientation,
                    unit.layout,
                    money(line.building_area),
                    money(line.amount),
                    Text(f"{line.percent * 100:.2f}%", justify="right"),
                    money(line.unit_price),
                    money(line.total_price),
                    money(unit.total_price),
                )
            )
        fit_columns(table, headers, rows)
        for row in rows:
            table.add_row(*row, key=row[0])
        head = _("What-if (not saved)") if self.trial is not None else _("Draft")
        self.query_one("#totals", Static).update(
            f"{self.building_label()}  {head}\n"
            + _(
                "Base {base}/m2  units {units}  area {area} m2\n"
                "Saleable value {value}  average {average}/m2"
            ).format(
                base=f"{draft.base_price:,.2f}",
                units=draft.unit_count,
                area=f"{draft.total_area:,.2f}",
                value=f"{draft.total_value:,.2f}",
                average=f"{draft.average_price:,.2f}",
            )
        )
        self._factors(factors)

    def _factors(self, factors: list[Any]) -> None:
        table = self.query_one("#factors", DataTable)
        table.clear(columns=True)
        rows = [
            (
                _(f.kind.capitalize()),
                f.key,
                money(f.amount),
                Text(f"{f.percent * 100:.2f}%", justify="right"),
            )
            for f in factors
        ]
        fit_columns(table, [_("Factor"), _("Matches"), _("Adj/m2"), _("Adj %")], rows)
        for row in rows:
            table.add_row(*row)

    def action_base_price(self) -> None:
        if self.building_id is None:
            return
        self.app.push_screen(
            PromptDialog(_("Base price"), _("Base price per m2 of building area")),
            lambda value: self._save_base(value) if value else None,
        )

    def _save_base(self, value: str) -> None:
        self.trial = None
        self.run_step(
            prices.set_base_price, self.building_id, value, done=_("Base price saved (draft)")
        )

    def action_factor(self) -> None:
        if self.building_id is not None:
            self._factor_dialog({"kind": "floor"})

    def _factor_dialog(self, values: dict[str, Any]) -> None:
        kinds = [(_(k.capitalize()), k) for k in ("floor", "orientation", "view", "layout", "unit")]
        specs = [
            FieldSpec("kind", "Factor", choices=kinds),
            FieldSpec("key", "Matches"),
            FieldSpec("amount", "Adj/m2", placeholder="e.g. 200"),
            FieldSpec("percent", "Adj %", placeholder="e.g. 0.03 for 3%"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            prices.set_factor(
                self.ctx,
                self.building_id,
                values["kind"] or "",
                values["key"],
                values["amount"] or "0",
                values["percent"] or "0",
            )
            return True

        self.dialog(_("Price factor"), specs, values, submit, lambda _ok: self.refresh_data())

    def action_custom(self) -> None:
        """Edit the grid in place: a custom adjustment of the unit under the cursor."""
        table = self.query_one("#prices", DataTable)
        if self.building_id is None or not table.row_count:
            return
        unit_no = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        self._factor_dialog({"kind": "unit", "key": unit_no})

    def action_what_if(self) -> None:
        if self.building_id is None:
            return
        self.app.push_screen(
            PromptDialog(_("What-if"), _("Try a base price (empty: back to the draft)")), self._try
        )

    def _try(self, value: str | None) -> None:
        if value is None:
            return
        try:
            self.trial = Decimal(value) if value.strip() else None
        except ArithmeticError:
            self.app.notify(_("Not a number"), severity="error")
            return
        self.refresh_data()

    def action_submit(self) -> None:
        if self.building_id is None:
            return
        self.run_step(
            prices.submit_price_list,
            self.building_id,
            then=lambda plist: self.app.notify(
                _("Price list {number} submitted for sign-off").format(number=plist.number)
            ),
        )


# -- sign-offs ------------------------------------------------------------------------------


class SignOffScreen(EstateScreen):
    """Changes and price lists waiting for a senior marketing manager."""

    TITLE_EN = "Sign-offs"
    BINDINGS = [
        Binding("a", "approve", "Approve", id="re.approve"),
        Binding("x", "reject", "Reject", id="re.reject"),
        Binding("i", "import_units", "Import units", id="re.import"),
    ]

    DEFAULT_CSS = """
    SignOffScreen #pending { height: 1fr; }
    SignOffScreen #decided { height: 1fr; }
    SignOffScreen .caption { height: 1; padding: 0 1; text-style: bold; }
    """

    def body(self) -> ComposeResult:
        yield Static(_("Waiting for sign-off"), classes="caption")
        yield DataTable(id="pending", cursor_type="row")
        yield Static(_("Decided (both people recorded)"), classes="caption")
        yield DataTable(id="decided", cursor_type="row")

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#pending", DataTable).focus()

    def fetch(self) -> tuple[dict[int, str], list[Any], list[Any], list[Any], list[Any]]:
        self.read_buildings()
        return (
            self._logins(),
            masterdata.pending_changes(self.ctx),
            prices.price_lists(self.ctx, status="pending"),
            masterdata.decided_changes(self.ctx),
            prices.price_lists(self.ctx),
        )

    def show(self, data: tuple[dict[int, str], list[Any], list[Any], list[Any], list[Any]]) -> None:
        users, changes, lists, decided, all_lists = data
        names = dict(self.buildings())
        pending: list[tuple[Any, ...]] = []
        keys: list[str] = []
        for change in changes:
            pending.append(
                (
                    _("Unit data"),
                    change.summary,
                    users.get(change.submitted_by, "?"),
                    f"{change.submitted_at:%Y-%m-%d %H:%M}",
                )
            )
            keys.append(f"change:{change.id}")
        for plist in lists:
            pending.append(
                (
                    _("Price list"),
                    self._list_summary(plist, names),
                    users.get(plist.submitted_by, "?"),
                    f"{plist.submitted_at:%Y-%m-%d %H:%M}",
                )
            )
            keys.append(f"list:{plist.id}")
        table = self.query_one("#pending", DataTable)
        table.clear(columns=True)
        fit_columns(
            table, [_("What"), _("Summary"), _("Submitted by"), _("Submitted")], pending, widest=60
        )
        for row, key in zip(pending, keys, strict=True):
            table.add_row(*row, key=key)
        self._decided(users, names, decided, all_lists)

    def _list_summary(self, plist: Any, names: dict[int, str]) -> str:
        return _("{building} no. {number}: {units} units, {value}, avg {average}/m2").format(
            building=names.get(plist.building_id, "?"),
            number=plist.number,
            units=plist.unit_count,
            value=f"{plist.total_value:,.2f}",
            average=f"{plist.average_price:,.2f}",
        )

    def _decided(
        self, users: dict[int, str], names: dict[int, str], decided: list[Any], lists: list[Any]
    ) -> None:
        items = [
            (c.decided_at, _("Unit data"), c.summary, c.status, c.submitted_by, c.decided_by)
            for c in decided
        ]
        items += [
            (
                p.decided_at,
                _("Price list"),
                self._list_summary(p, names),
                p.status,
                p.submitted_by,
                p.decided_by,
            )
            for p in lists
            if p.status != "pending"
        ]
        items.sort(key=lambda i: (i[0] is not None, i[0]), reverse=True)
        rows = [
            (
                what,
                summary,
                _(status.capitalize()),
                users.get(by, "?"),
                users.get(decider, "?"),
                f"{at:%Y-%m-%d %H:%M}" if at else "",
            )
            for at, what, summary, status, by, decider in items[:12]
        ]
        table = self.query_one("#decided", DataTable)
        table.clear(columns=True)
        fit_columns(
            table,
            [
                _("What"),
                _("Summary"),
                _("Status"),
                _("Submitted by"),
                _("Decided by"),
                _("Decided"),
            ],
            rows,
            widest=60,
        )
        for row in rows:
            table.add_row(*row)

    def _logins(self) -> dict[int, str]:
        import sqlalchemy as sa

        from core.models import User

        with self.ctx.reading() as session:
            return dict(session.execute(sa.select(User.id, User.login)).all())

    def _key(self) -> tuple[str, int] | None:
        table = self.query_one("#pending", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or ""
        kind, _sep, ident = key.partition(":")
        return kind, int(ident)

    def action_approve(self) -> None:
        """Sign off after seeing what changes: each unit's price, or the units' data."""
        picked = self._key()
        if picked is None:
            return
        kind, ident = picked
        if kind == "change":
            read, fn = self._unit_changes, masterdata.approve_change
        else:
            read, fn = self._price_changes, prices.approve_price_list

        def ask(asked: tuple[str, list[str], list[tuple[Any, ...]]]) -> None:
            question, columns, rows = asked
            confirm(
                self.app,
                _("Sign off"),
                question,
                _("Sign off"),
                lambda: self.run_step(fn, ident, done=_("Approved")),
                columns=columns,
                rows=rows,
            )

        self.read_then(lambda: read(ident), ask, group="sign-off")

    def _price_changes(self, list_id: int) -> tuple[str, list[str], list[tuple[Any, ...]]]:
        """The price list against the prices the units have now, unit by unit."""
        import sqlalchemy as sa

        from plugins.real_estate.models import PriceListLine, Unit

        plist = prices.get_price_list(self.ctx, list_id)
        with self.ctx.reading() as session:
            lines = session.execute(
                sa.select(
                    Unit.unit_no,
                    Unit.unit_price,
                    PriceListLine.unit_price,
                    Unit.total_price,
                    PriceListLine.total_price,
                )
                .join(Unit, Unit.id == PriceListLine.unit_id)
                .where(PriceListLine.price_list_id == list_id)
                .order_by(Unit.unit_no)
            ).all()
        changed = [line for line in lines if (line[1], line[3]) != (line[2], line[4])]
        before = sum((line[3] for line in lines), Decimal(0))
        building = dict(self.buildings()).get(plist.building_id, "?")
        question = _(
            "Publish price list no. {number} of {building}? {changed} of {units} "
            "units change price; their total value goes from {before} to {after}. "
            "Unit prices change at once."
        ).format(
            number=plist.number,
            building=building,
            changed=len(changed),
            units=len(lines),
            before=f"{before:,.2f}",
            after=f"{plist.total_value:,.2f}",
        )
        rows = [
            (
                no,
                money(old),
                money(new),
                money(old_total),
                money(new_total),
                f"{(new_total - old_total) / old_total:+.1%}" if old_total else "—",
            )
            for no, old, new, old_total, new_total in changed
        ]
        return (
            question,
            [
                _("Unit"),
                _("Price/m2 now"),
                _("New price/m2"),
                _("Total now"),
                _("New total"),
                _("Change"),
            ],
            rows,
        )

    def _unit_changes(self, change_id: int) -> tuple[str, list[str], list[tuple[Any, ...]]]:
        change = masterdata.get_change(self.ctx, change_id)
        units = (change.payload or {}).get("units", [])
        question = plural(
            len(units),
            "Apply {summary}: {count} unit created or changed as listed?",
            "Apply {summary}: {count} units created or changed as listed?",
            _,
        ).format(summary=change.summary or _("Unit data"), count=len(units))
        rows = [
            (
                u.get("building", ""),
                u.get("unit_no", ""),
                u.get("layout", ""),
                u.get("building_area", ""),
                money(Decimal(str(u.get("unit_price") or 0))),
            )
            for u in units
        ]
        return question, [_("Building"), _("Unit"), _("Layout"), _("Area m2"), _("Price/m2")], rows

    def action_import_units(self) -> None:
        self.app.push_screen(
            PromptDialog(_("Import units"), _("Path of the .xlsx workbook (one row per unit)")),
            lambda path: self._import(path) if path else None,
        )

    def _import(self, path: str) -> None:
        from core.served import user_path  # over SSH: only a file of the user's own folder

        self.run_step(
            lambda ctx, typed: masterdata.import_units(ctx, user_path(typed)),
            path.strip(),
            then=lambda change: self.app.notify(
                plural(
                    len(change.payload["units"]),
                    "Change {change}: {count} unit waiting for sign-off",
                    "Change {change}: {count} units waiting for sign-off",
                    _,
                ).format(change=change.id, count=len(change.payload["units"]))
            ),
        )

    def action_reject(self) -> None:
        picked = self._key()
        if picked is not None:
            fn = masterdata.reject_change if picked[0] == "change" else prices.reject_price_list
            self.run_step(fn, picked[1], done=_("Rejected"))


# -- call register --------------------------------------------------------------------------


class CallRegisterScreen(EstateScreen):
    """Inbound calls whose follow-up is due; log a new call, record a follow-up."""

    TITLE_EN = "Call register"
    BINDINGS = [
        Binding("n", "new_call", "New call", id="re.new_call"),
        Binding("f", "followed", "Followed up", id="re.followed"),
        Binding("v", "visited", "Visited", id="re.visited"),
    ]

    DEFAULT_CSS = """
    CallRegisterScreen #calls-caption { height: 1; padding: 0 1; }
    CallRegisterScreen #calls { height: 1fr; }
    """

    def body(self) -> ComposeResult:
        yield Static("", id="calls-caption")
        yield DataTable(id="calls", cursor_type="row")

    LOADING_AT = "#calls-caption"

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#calls", DataTable).focus()

    def fetch(self) -> list[Any]:
        self.read_buildings()
        return calls.due_follow_ups(self.ctx)

    def show(self, due: list[Any]) -> None:
        table = self.query_one("#calls", DataTable)
        table.clear(columns=True)
        rows = [
            (
                str(call.follow_up_on),
                call.caller_name,
                call.phone,
                source_title(call.source),
                call.grade,
                call.notes[:30],
            )
            for call in due
        ]
        # sized to the content: columns added bare keep the header's width (a date cut
        # to "202")
        fit_columns(
            table, [_("Due"), _("Caller"), _("Phone"), _("Source"), _("Grade"), _("Notes")], rows
        )
        for call, row in zip(due, rows, strict=True):
            table.add_row(*row, key=str(call.id))
        # only calls due today or earlier are listed: say so, or a new call seems lost
        caption = (
            _("Follow-ups due by {day}: {count}. A new call is listed on its follow-up day.")
            if due
            else _("No follow-up due by {day}. n logs a new call.")
        )
        self.query_one("#calls-caption", Static).update(
            caption.format(day=self.ctx.today(), count=len(due))
        )

    def _selected(self) -> int | None:
        table = self.query_one("#calls", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value or 0)

    def action_new_call(self) -> None:
        from plugins.real_estate.services.queries import projects

        self.read_then(lambda: projects(self.ctx), self._new_call, group="new-call", hold_keys=True)

    def _new_call(self, found: list[tuple[int, str]]) -> None:
        choices = [(name, pid) for pid, name in found]
        specs = [
            FieldSpec("project", "Project", choices=choices),
            FieldSpec("caller_name", "Caller"),
            FieldSpec("phone", "Phone"),
            FieldSpec("source", "Source", choices=[(source_title(s), s) for s in calls.SOURCES]),
            FieldSpec("grade", "Grade", choices=[("A", "A"), ("B", "B"), ("C", "C")]),
            FieldSpec("notes", "Notes"),
        ]

        def submit(values: dict[str, Any]) -> Any:
            return calls.log_call(self.ctx, values.pop("project") or 0, values)

        first = choices[0][1] if choices else None
        self.dialog(_("New call"), specs, {"project": first}, submit, self._done)

    def _done(self, call: Any) -> None:
        self.app.notify(_("Call logged; follow up by {day}").format(day=call.follow_up_on))
        self.refresh_data()

    def action_followed(self) -> None:
        call_id = self._selected()
        if call_id is not None:
            self.run_step(calls.follow_up, call_id, done=_("Follow-up recorded"))

    def action_visited(self) -> None:
        call_id = self._selected()
        if call_id is not None:
            self.run_step(calls.follow_up, call_id, visited=True, done=_("Visit recorded"))


def board_view(_ctx: Any) -> SalesControlBoard:
    return SalesControlBoard()


def price_view(_ctx: Any) -> PriceTableScreen:
    return PriceTableScreen()


def signoff_view(_ctx: Any) -> SignOffScreen:
    return SignOffScreen()


def calls_view(_ctx: Any) -> CallRegisterScreen:
    return CallRegisterScreen()


def views() -> list[Any]:
    from tui.views import ViewSpec

    return [
        ViewSpec("board", "Sales control board", "销控表", board_view),
        ViewSpec("prices", "Price table", "楼盘售价计算表", price_view),
        ViewSpec("signoffs", "Sign-offs", "资料与价格审批", signoff_view),
        ViewSpec("calls", "Call register", "来电登记", calls_view),
    ]
