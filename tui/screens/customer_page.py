"""One customer: contacts, opportunities, visits, sales by month and the audit trail."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from core.i18n import _, labelled
from core.services import customers as customer_service
from core.services import opportunities as opp_service
from core.services.overview import CustomerOverview, customer_overview
from tui.base import BaseScreen, report_error
from tui.format import cell, fit_columns, label
from tui.widgets.form import FieldSpec

TABS = [
    ("contacts", "Contacts"),
    ("opportunities", "Opportunities"),
    ("visits", "Visits"),
    ("sales", "Sales"),
    ("audit", "Audit trail"),
]


def contact_specs() -> list[FieldSpec]:
    return [
        FieldSpec("name", "Name"),
        FieldSpec("title", "Title"),
        FieldSpec("phone", "Phone"),
        FieldSpec("email", "Email"),
        FieldSpec("is_primary", "Primary", choices=[(_("yes"), "yes"), (_("no"), "no")]),
    ]


class CustomerPage(BaseScreen):
    TITLE_EN = "Customer"
    DEFAULT_CSS = """
    CustomerPage #summary { height: auto; padding: 0 1; }
    CustomerPage TabbedContent { height: 1fr; }
    CustomerPage DataTable { height: 1fr; }
    """
    NEEDS = {
        "edit": "customer.update",
        "add_contact": "contact.write",
        "add_deal": "opportunity.write",
        "reassign": "customer.assign",
    }
    BINDINGS = [
        Binding("e", "edit", "Edit", id="customer.edit"),
        Binding("c", "add_contact", "Contact+", id="customer.contact"),
        Binding("o", "add_deal", "Deal+", id="customer.deal"),
        Binding("a", "reassign", "Reassign", id="customer.reassign"),
        Binding("left_square_bracket", "tab(-1)", "Prev tab", id="customer.prev_tab", show=False),
        Binding("right_square_bracket", "tab(1)", "Next tab", id="customer.next_tab"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.data: CustomerOverview | None = None

    def body(self) -> ComposeResult:
        yield Static(_("Loading…"), id="summary")
        with TabbedContent():
            for tab_id, title in TABS:
                with TabPane(_(title), id=f"tab-{tab_id}"):
                    yield DataTable(id=f"t-{tab_id}", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.refresh_data()
        self.query_one("#t-contacts", DataTable).focus()

    def refresh_data(self) -> None:
        customer_id = self.customer_id
        self.read_then(
            lambda: customer_overview(self.ctx, customer_id), self._show, group="overview"
        )

    def _show(self, data: CustomerOverview) -> None:
        self.data = data
        c = data.customer
        # the name and notes are the user's text: never read as markup
        summary = Text(c.name, style="bold")
        summary.append(
            f"  {c.code}  ·  {labelled(_('Region'), data.region or '—')}  ·  "
            f"{labelled(_('Owner'), data.owner or _('lead pool'))}  ·  "
            f"{label(c.customer_class)}  ·  "
            + labelled(_("Credit"), f"{c.credit_rating or '—'} {c.credit_limit:,.2f}")
            + (f"\n{c.notes}" if c.notes else "")
        )
        self.query_one("#summary", Static).update(summary)
        self._fill(
            "contacts",
            ["Name", "Title", "Phone", "Email", "Primary"],
            [(x.name, x.title, x.phone, x.email, x.is_primary) for x in data.contacts],
            [x.id or 0 for x in data.contacts],
        )
        self._fill(
            "opportunities",
            ["Deal", "Stage", "Amount", "Close", "Status"],
            [(o.title, o.stage, o.amount, o.expected_close, o.status) for o in data.opportunities],
            [o.id for o in data.opportunities],
        )
        self._fill(
            "visits",
            ["Date", "Purpose", "Result", "Next visit"],
            [(a.date, a.purpose, a.result, a.next_visit) for a in data.activities],
        )
        self._fill("sales", ["Month", "Amount", "Lines"], data.sales_by_month)
        if data.audit is None:
            self._fill("audit", ["Note"], [(_("You may not read the audit trail."),)])
        else:
            self._fill(
                "audit",
                ["When", "Who", "Action", "Field", "Old", "New"],
                [
                    (e.at, e.actor_login, e.action, e.field, e.old_value or "", e.new_value or "")
                    for e in data.audit
                ],
            )

    def _fill(
        self,
        tab: str,
        columns: list[str],
        rows: list[tuple[Any, ...]],
        keys: list[int] | None = None,
    ) -> None:
        table = self.query_one(f"#t-{tab}", DataTable)
        table.clear(columns=True)
        cells = [tuple(Text(v) if isinstance(v, str) else cell(v) for v in row) for row in rows]
        fit_columns(table, [_(c) for c in columns], cells)
        for index, row_cells in enumerate(cells):
            table.add_row(*row_cells, key=str(keys[index]) if keys else str(index))

    def action_tab(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        ids = [f"tab-{t}" for t, _x in TABS]
        tabs.active = ids[(ids.index(tabs.active or ids[0]) + step) % len(ids)]
        self.query_one(f"#t-{tabs.active.removeprefix('tab-')}", DataTable).focus()

    @on(DataTable.RowSelected, "#t-opportunities")
    def _open_deal(self, event: DataTable.RowSelected) -> None:
        from tui.screens.opportunities import OpportunityDetail

        self.app.push_screen(
            OpportunityDetail(int(event.row_key.value or 0)), lambda _r: self.refresh_data()
        )

    @on(DataTable.RowSelected, "#t-contacts")
    def _open_contact(self, event: DataTable.RowSelected) -> None:
        """Enter on a contact edits it (name, title, phone, email, primary)."""
        from tui.screens.dialogs import FormDialog

        contact_id = int(event.row_key.value or 0)
        contact = next(
            (x for x in (self.data.contacts if self.data else []) if x.id == contact_id), None
        )
        if contact is None:
            return
        values = {
            "name": contact.name,
            "title": contact.title,
            "phone": contact.phone,
            "email": contact.email,
            "is_primary": "yes" if contact.is_primary else "no",
        }

        def submit(v: dict[str, Any]) -> Any:
            return customer_service.update_contact(
                self.ctx,
                contact_id,
                {**v, "is_primary": v.get("is_primary") == "yes"},
                contact.version,
            )

        self.app.push_screen(
            FormDialog(_("Contact"), contact_specs(), values, submit),
            lambda _r: self.refresh_data(),
        )

    def action_reassign(self) -> None:
        """Give the customer to another rep (or back to the lead pool): choose, then
        confirm; its open deals and follow-ups go along (core ownership rules)."""
        from core.services import users

        if self.data is None or not self.ctx.grant.has("customer.assign"):
            return
        c = self.data.customer
        self.read_then(
            lambda: [u for u in users.list_users(self.ctx) if u.id != c.owner_id],
            lambda people: self._ask_owner(c, people),
            group="people",
            hold_keys=True,
        )

    def _ask_owner(self, c: Any, people: list[Any]) -> None:
        from tui.screens.dialogs import FormDialog

        choices = [(u.display_name or u.login, u.id) for u in people]
        choices.append((_("lead pool"), 0))
        names = dict((v, n) for n, v in choices)
        specs = [FieldSpec("owner", "New owner", choices=choices)]
        self.app.push_screen(
            FormDialog(
                _("Reassign {customer}").format(customer=c.name),
                specs,
                {},
                lambda v: v.get("owner"),
            ),
            lambda owner: (
                self._confirm_reassign(owner, names.get(owner, "")) if owner is not None else None
            ),
        )

    def _confirm_reassign(self, owner: int, name: str) -> None:
        from tui.screens.dialogs import confirm

        if self.data is None:
            return
        c = self.data.customer
        question = (
            _(
                "Give {customer} to {owner}? Its open deals and planned visits go "
                "to {owner} too; what was done stays with whoever did it."
            )
            if owner
            else _(
                "Return {customer} to the lead pool? {current} no longer owns it; "
                "its open deals stay with them until someone takes it."
            )
        )
        confirm(
            self.app,
            _("Reassign {customer}").format(customer=c.name),
            question.format(customer=c.name, owner=name, current=self.data.owner or "—"),
            _("Reassign"),
            lambda: self._reassign(owner or None, c.version),
        )

    def _reassign(self, owner_id: int | None, version: int) -> None:
        from core.errors import ValidationFailed

        def refused(exc: ValidationFailed) -> None:
            self.app.notify(
                "; ".join(p.expected_text() for p in exc.problems),
                title=_("Not done"),
                severity="error",
                timeout=8,
            )

        def failed(exc: BaseException) -> None:
            report_error(self.app, exc)
            self.refresh_data()

        def done(_result: Any) -> None:
            self.app.notify(_("Reassigned"))
            self.refresh_data()

        self.write_then(
            lambda: customer_service.assign_customer(self.ctx, self.customer_id, owner_id, version),
            done,
            refused=refused,
            failed=failed,
        )

    def action_edit(self) -> None:
        from tui.screens.customer_form import CustomerForm

        self.app.push_screen(CustomerForm(self.customer_id), lambda _r: self.refresh_data())

    def action_add_contact(self) -> None:
        from tui.screens.dialogs import FormDialog

        first = not (self.data and self.data.contacts)
        self.app.push_screen(
            FormDialog(
                _("New contact"),
                contact_specs(),
                {"is_primary": "yes" if first else "no"},
                lambda v: customer_service.add_contact(
                    self.ctx, self.customer_id, {**v, "is_primary": v.get("is_primary") == "yes"}
                ),
            ),
            lambda _r: self.refresh_data(),
        )

    def action_add_deal(self) -> None:
        from core.services import masterdata

        self.read_then(
            lambda: masterdata.list_products(self.ctx),
            self._deal_form,
            group="products",
            hold_keys=True,
        )

    def _deal_form(self, products: list[Any]) -> None:
        from core.i18n import pick
        from tui.screens.dialogs import FormDialog

        funnels = self.ctx.plugins.funnels
        specs = [
            FieldSpec("title", "Deal"),
            FieldSpec("amount", "Amount"),
            FieldSpec("expected_close", "Expected close", placeholder="YYYY-MM-DD"),
            FieldSpec(
                "funnel",
                "Funnel",
                choices=[(pick(f.title_en, f.title_zh), f.id) for f in funnels.funnels.values()],
            ),
            FieldSpec(
                "product_id", "Product", choices=[(f"{p.code} {p.name}", p.id) for p in products]
            ),
        ]

        def submit(values: dict[str, Any]) -> Any:
            data = {k: v for k, v in values.items() if v not in (None, "")}
            if isinstance(data.get("amount"), str):  # "1,200" as a person writes it
                data["amount"] = data["amount"].replace(",", "").strip()
            return opp_service.create_opportunity(
                self.ctx, {**data, "customer_id": self.customer_id}
            )

        self.app.push_screen(
            FormDialog(_("New opportunity"), specs, {"funnel": funnels.default_id}, submit),
            lambda _r: self.refresh_data(),
        )
