"""Forms have what users expect (issue 22, item 7): a new customer has an owner, a phone
and an address; a new deal a funnel and a product; the first contact is the primary."""

from __future__ import annotations

from typing import Any

import pytest
from tui_helpers import aio, settle

from core.i18n import _


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard")


@aio
async def test_new_customer_has_owner_phone_and_address(tui_world: dict[str, Any]) -> None:
    from core.services import customers
    from tui.screens.customer_form import CustomerForm
    from tui.widgets.form import FormFields

    manager, rep2 = tui_world["manager"], tui_world["rep2"]
    app = app_for(manager)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CustomerForm)
        form = app.screen.query_one(FormFields)
        names = [spec.name for spec in form.specs]
        assert {"owner_id", "billing_phone", "billing_address"} <= set(names)
        assert names.index("billing_phone") < 4  # near the name, not below the bank data
        form.widget_for("name").value = "Owner Test Ltd"
        form.widget_for("owner_id").value = rep2.actor.id
        form.widget_for("billing_phone").value = "021 6666 0000"
        form.widget_for("billing_address").value = "1 Bund Road, Shanghai"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, CustomerForm)
    with manager.reading() as session:
        import sqlalchemy as sa

        from core.models import Customer

        row = session.scalars(sa.select(Customer).where(Customer.name == "Owner Test Ltd")).one()
    assert (row.owner_id, row.billing_phone, row.billing_address) == (
        rep2.actor.id,
        "021 6666 0000",
        "1 Bund Road, Shanghai",
    )
    assert customers.get_customer(manager, row.id).owner_id == rep2.actor.id


def test_the_first_contact_is_the_primary(tui_world: dict[str, Any]) -> None:
    from core.services import customers

    rep, cust = tui_world["rep"], tui_world["customers"][0]
    first = customers.add_contact(rep, cust.id, {"name": "First"})
    second = customers.add_contact(rep, cust.id, {"name": "Second"})
    assert first.is_primary and not second.is_primary
    third = customers.add_contact(rep, cust.id, {"name": "Third", "is_primary": True})
    primaries = [c.name for c in customers.list_contacts(rep, cust.id) if c.is_primary]
    assert third.is_primary and primaries == ["Third"]  # one primary contact at a time


@aio
async def test_new_deal_has_a_funnel_and_a_product(tui_world: dict[str, Any]) -> None:
    import sqlalchemy as sa

    from core.models import Opportunity, Product
    from tui.screens.customer_page import CustomerPage
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    rep, cust = tui_world["rep"], tui_world["customers"][0]
    with rep.reading() as session:
        product_id = session.scalar(sa.select(Product.id).where(Product.code == "P0001"))
    funnels = list(rep.plugins.funnels.funnels)
    app = app_for(rep)
    async with app.run_test(size=(100, 30)) as pilot:
        app.open_customer(cust.id)
        await settle(pilot)
        assert isinstance(app.screen, CustomerPage)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        form = app.screen.query_one(FormFields)
        assert {"funnel", "product_id"} <= {spec.name for spec in form.specs}
        form.widget_for("title").value = "Flanges 2026"
        form.widget_for("amount").value = "1,200"
        form.widget_for("funnel").value = funnels[-1]
        form.widget_for("product_id").value = product_id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CustomerPage)
    with rep.reading() as session:
        deal = session.scalars(
            sa.select(Opportunity).where(Opportunity.title == "Flanges 2026")
        ).one()
    assert (deal.funnel, deal.product_id, str(deal.amount)) == (funnels[-1], product_id, "1200.00")


@aio
async def test_a_form_whose_fields_are_gone_fits_no_placeholder() -> None:
    """A form fits its placeholders after a refresh; Reports replaces its parameter form
    as the report under the cursor changes, and a form removed meanwhile, its fields
    gone, stopped the app looking for them."""
    from textual.app import App, ComposeResult

    from tui.widgets.form import FieldSpec, FormFields

    specs = [FieldSpec("as_of", "As of", placeholder="YYYY-MM-DD")]

    class OneForm(App[None]):
        def compose(self) -> ComposeResult:
            yield FormFields(specs, {})

    app = OneForm()
    async with app.run_test(size=(80, 20)) as pilot:
        form = app.query_one(FormFields)
        await form.remove_children()
        form._fit_placeholders()  # raised NoMatches
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_a_forms_lines_are_as_tall_as_their_words(lang: str) -> None:
    """The fields are laid out in a grid (labels, fields), three widgets a field, no row
    container (they were most of opening a form). Each field keeps its line; a problem
    under its field and the form's message, across the columns, take as many lines as
    their words wrapped to the width they are drawn in: no more (Textual's grid measured
    them at the labels' width: a one-line hint took two), no fewer."""
    from rich.cells import cell_len
    from textual.app import App, ComposeResult
    from textual.widgets import Input, Label, Select

    from core.errors import field_title
    from core.i18n import labelled, set_lang
    from tui.widgets.form import FieldSpec, FormFields

    specs = [
        FieldSpec("title", "Title"),
        FieldSpec("kind", "Kind", choices=[("Visit", "visit"), ("Call", "call")]),
        FieldSpec("start", "Start date", placeholder="YYYY-MM-DD"),
        FieldSpec("end", "End date"),
    ]

    class OneForm(App[None]):
        def compose(self) -> ComposeResult:
            yield FormFields(specs, {"kind": "call"})

    class Said:
        def __init__(self, field: str, text: str) -> None:
            self.field, self.text = field, text

        def expected_text(self) -> str:
            return self.text

    set_lang(lang)
    try:
        app = OneForm()
        async with app.run_test(size=(60, 24)) as pilot:
            await settle(pilot)
            form = app.query_one(FormFields)
            line = type(form.query_one("#err-title"))  # a field's line for a problem
            kinds = [type(child) for child in form.children][1:]  # after the message
            assert kinds == [Label, Input, line, Label, Select, line] + [Label, Input, line] * 2
            label_width = form.query_one(Label).outer_size.width
            width = form.content_size.width
            room = width - label_width  # a problem's line, under its field
            said = _("expected {what}").format(what="")
            loose = labelled(field_title("nowhere"), said)
            form.show_problems(
                [
                    Said("title", "x" * (room - cell_len(said))),  # just one line
                    Said("kind", "y" * room),  # one line and a bit: two
                    Said("nowhere", "z" * (width - cell_len(loose))),  # the message: one
                ]
            )
            await settle(pilot)
            lines = {
                name: form.query_one(f"#err-{name}").region.height
                for name in ("title", "kind", "start")
            }
            assert lines == {"title": 1, "kind": 2, "start": 1}, lines
            message = form.query_one("#form-message")
            assert message.region.height == 1 and message.region.x == form.content_region.x
            rows = [form.widget_for(s.name).region.y for s in specs]
            top = message.region.bottom
            assert rows == [top, top + 2, top + 5, top + 7], rows  # a field, its line(s)
            labels = [label.region.y for label in form.query(Label)]
            assert labels == rows
            problem = form.query_one("#err-title")
            assert problem.region.x == form.content_region.x + label_width
    finally:
        set_lang("en")
