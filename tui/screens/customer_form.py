"""Create or edit a customer. Validation errors appear next to their fields; a conflict
with another user's change asks whether to reload or keep what you typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from core.errors import Conflict, FieldProblem
from core.i18n import _
from core.models import CustomerClass, CustomerSize, CustomerStatus, Region
from core.schemas import CREDIT_RATINGS
from core.services import customers as service
from core.vocabulary import industry_code, industry_title, source_code, source_title
from tui.base import BaseScreen, ask_to_discard, report_error
from tui.format import label
from tui.screens.dialogs import ConflictDialog
from tui.widgets.form import FieldSpec, FormFields


def _specs(
    regions: list[tuple[str, int]], creating: bool, owners: list[tuple[str, int]] | None = None
) -> list[FieldSpec]:
    """The fields; ``owners`` (a new customer, for those who may name its owner) adds the
    owner. Phone and address come right after the name: they are what a user has at hand
    (the same ones print on invoices)."""
    owner = [FieldSpec("owner_id", "Owner", choices=owners)] if owners is not None else []
    return [
        FieldSpec("name", "Name"),
        FieldSpec("billing_phone", "Phone"),
        FieldSpec("billing_address", "Address"),
        FieldSpec(
            "code", "Code", placeholder="Leave empty for the next number", read_only=not creating
        ),
        *owner,
        FieldSpec("industry", "Industry"),
        FieldSpec("region_id", "Region", choices=regions),
        FieldSpec("size", "Size", choices=[(label(s), s.value) for s in CustomerSize]),
        FieldSpec("source", "Source"),
        FieldSpec("customer_class", "Class", choices=[(label(c), c.value) for c in CustomerClass]),
        FieldSpec(
            "credit_rating", "Credit rating", choices=[(r or "—", r) for r in CREDIT_RATINGS]
        ),
        FieldSpec("credit_limit", "Credit limit"),
        FieldSpec("status", "Status", choices=[(label(s), s.value) for s in CustomerStatus]),
        FieldSpec("notes", "Notes"),
        # invoicing (开票信息)
        FieldSpec("credit_code", "Unified social credit code", placeholder="18 characters"),
        FieldSpec("invoice_title", "Invoice title"),
        FieldSpec("bank_name", "Bank"),
        FieldSpec("bank_account", "Bank account"),
    ]


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    """A customer's values as the form shows them: industry and source by their titles,
    the credit limit with thousands separators (both read back when saved)."""
    shown = dict(values)
    shown["industry"] = industry_title(values.get("industry"))
    shown["source"] = source_title(values.get("source"))
    limit = values.get("credit_limit")
    if isinstance(limit, Decimal | int | str) and str(limit).replace(".", "", 1).isdigit():
        shown["credit_limit"] = f"{Decimal(str(limit)):,.2f}"
    return shown


POOL = 0  # the owner choice "lead pool" (a Select needs a value)
NEW_VALUES = {
    "size": "small",
    "customer_class": "potential",
    "status": "active",
    "credit_rating": "",
    "credit_limit": "0",
    "owner_id": POOL,
}


class CustomerForm(BaseScreen):
    """``customer_id`` None creates a new customer."""

    GUARDS_INPUT = True
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "back", "Cancel", id="back"),
    ]

    def __init__(self, customer_id: int | None) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.version: int | None = None
        self.original: dict[str, Any] = {}
        self.TITLE_EN = "New customer" if customer_id is None else "Edit customer"

    def body(self) -> ComposeResult:
        # the fields come once their choices (and the customer) are read: see on_mount
        yield Static(
            _("Ctrl+S saves, Escape cancels. Tab moves between fields."),
            id="form-hint",
            classes="hint",
        )
        yield Static(_("Loading…"), id="form-loading", classes="hint")

    def on_mount(self) -> None:
        """The regions, the owners and the customer are read in a worker; keys typed
        meanwhile (``n`` and the name, typed in one go) wait for the fields."""

        def read() -> Any:
            try:
                return self._read()
            except Exception as exc:  # said on the form: not a blank screen
                return exc

        self.read_then(read, self._show_fields, group="form", hold_keys=True)

    def _read(self) -> tuple[list[tuple[str, int]], dict[str, Any], int | None, Any]:
        with self.ctx.reading() as session:
            regions = [
                (n, i)
                for i, n in session.execute(sa.select(Region.id, Region.name).order_by(Region.name))
            ]
        if self.customer_id is not None:
            original, version = self._load()
        else:
            original, version = dict(NEW_VALUES), None
        return regions, original, version, self._owners()

    async def _show_fields(self, found: Any) -> None:
        loading = self.query_one("#form-loading", Static)
        if isinstance(found, BaseException):
            report_error(self.app, found)
            loading.update(_("The customer could not be read. Escape goes back."))
            return
        regions, self.original, self.version, owners = found
        form = FormFields(_specs(regions, self.customer_id is None, owners), _shown(self.original))
        await self.mount(form, after=loading)
        await loading.remove()
        form.widget_for("name").focus()
        refusal = self._refusal()
        if refusal:  # said before anything is typed, not after Ctrl+S
            form.show_message(refusal)

    def _owners(self) -> list[tuple[str, int]] | None:
        """Who a new customer may go to, for a user who may assign (a rep owns what they
        create): the active users they see, or the lead pool."""
        from core.services import users

        if self.customer_id is not None or not self.ctx.grant.has("customer.assign"):
            return None
        people = users.list_users(self.ctx)
        return [(_("lead pool"), POOL)] + [(u.display_name or u.login, u.id or 0) for u in people]

    def _refusal(self) -> str:
        """Why this user could not save the form, or ""."""
        grant = self.ctx.grant
        if self.customer_id is None:
            return (
                ""
                if grant.has("customer.create")
                else _("You may not save this form: your role may not create customers.")
            )
        if grant.has("customer.update"):
            return ""
        if grant.has("customer.credit"):
            return _("Your role may change only the credit rating and the credit limit here.")
        return _("You may not save this form: your role may not edit customers.")

    def _load(self) -> tuple[dict[str, Any], int]:
        """The customer's values and version (read in a worker)."""
        row = service.get_customer(self.ctx, self.customer_id)  # type: ignore[arg-type]
        values = row.model_dump()
        values["credit_limit"] = str(values["credit_limit"])
        return values, row.version

    def _typed(self) -> tuple[dict[str, Any], list[FieldProblem]]:
        values = self.query_one(FormFields).values()
        problems: list[FieldProblem] = []
        raw = (values.get("credit_limit") or "0").replace(",", "").strip()
        try:
            values["credit_limit"] = Decimal(raw)
        except InvalidOperation:
            problems.append(FieldProblem("credit_limit", raw, "a number such as 50000.00"))
        values["credit_rating"] = values.get("credit_rating") or ""
        values["industry"] = industry_code(values.get("industry"))
        values["source"] = source_code(values.get("source"))
        return values, problems

    def action_save(self, keep_mine: bool = False) -> None:
        """The save runs in a thread worker; the form stays as typed until it succeeds
        (a refusal is shown under the fields, a conflict asks). Ctrl+S again meanwhile
        does nothing."""
        if self.writing() or not self.query(FormFields):  # not read yet: nothing typed
            return
        form = self.query_one(FormFields)
        values, problems = self._typed()
        if problems:
            form.show_problems(problems)
            return
        if self.customer_id is None:
            if values.get("owner_id") == POOL:
                values["owner_id"] = None
            values = {
                k: v for k, v in values.items() if v not in (None, "") or k == "credit_rating"
            }
            ctx = self.ctx

            def work() -> Any:
                return service.create_customer(ctx, values)
        else:
            changes, customer_id, version = self._changes(values), self.customer_id, self.version

            def work() -> Any:
                return service.update_customer(self.ctx, customer_id, changes, version)

        self._write(work)

    _close_when_saved = False

    def _write(self, work: Any) -> None:
        def refused(exc: Any) -> None:
            self._not_saved()
            self.query_one(FormFields).show_problems(exc.problems)

        self.write_then(work, self._saved, refused=refused, failed=self._failed)

    def _saved(self, saved: Any) -> None:
        self.app.notify(_("Saved {name}").format(name=saved.name))
        self.dismiss(saved.id)

    def _not_saved(self) -> None:
        # an Escape pressed during the save is not carried out over a refusal
        leaving, self._close_when_saved = self._close_when_saved, False
        if leaving:
            self.query_one("#form-hint", Static).update(
                _("Not saved. Escape again closes without saving.")
            )

    def _failed(self, exc: BaseException) -> None:
        self._not_saved()
        if isinstance(exc, Conflict):
            self.app.push_screen(ConflictDialog(exc), self._resolve)
        else:
            report_error(self.app, exc)

    def _changes(self, values: dict[str, Any]) -> dict[str, Any]:
        changes = {}
        for name, value in values.items():
            if name == "code":
                continue
            before = self.original.get(name)
            if name == "credit_limit":
                before = Decimal(str(before or 0))
            if value != before and not (value in ("", None) and before in ("", None)):
                changes[name] = value
        return changes

    def _resolve(self, choice: str | None) -> None:
        """After a conflict: reload theirs, or keep what was typed and save over it."""
        if choice == "reload":

            def reloaded(found: tuple[dict[str, Any], int]) -> None:
                self.original, self.version = found
                self.query_one(FormFields).set_values(_shown(self.original))
                self.query_one(FormFields).clear_problems()
                self.app.notify(_("Reloaded; your changes were discarded"))

            self.read_then(self._load, reloaded, group="reload")
        elif choice == "keep":
            values, _problems = self._typed()
            mine = self._changes(values)  # only what this user changed, over theirs
            customer_id = self.customer_id

            def work() -> Any:
                current = service.get_customer(self.ctx, customer_id)  # type: ignore[arg-type]
                return service.update_customer(self.ctx, customer_id, mine, current.version)

            self._write(work)
        # None: stay in the form with everything still typed

    def action_back(self) -> None:
        """Escape while the save runs (see FormDialog.action_dismiss_none): not asked to
        discard what is being saved, nor closed under it; closed once it is saved."""
        if self.writing():
            self._close_when_saved = True
            self.query_one("#form-hint", Static).update(
                _("Saving… the form closes once it is saved.")
            )
            return
        ask_to_discard(self.app, [self], lambda: self.dismiss(None))
