"""Cancelling a contract (``x`` on its page) asks first, in business words, after the
reason is typed: one key and a reason typed ahead never cancel by accident."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from contracts_helpers import draft

from core.context import Context
from core.i18n import set_lang
from plugins.contracts import services


@pytest.fixture
def rep_ctx(team: dict[str, Any]) -> Iterator[Context]:
    set_lang("en")
    yield team["rep"]
    set_lang(None)


async def cancel_twice(ctx: Any) -> None:
    from tui_helpers import settle

    from tui.app import SalesdeskApp
    from tui.screens.dialogs import ConfirmDialog

    app = SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        number = page.detail.contract.number
        await pilot.press("x", *"customer withdrew", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert number in question and "customer withdrew" in question
        await pilot.press("enter")  # Cancel has the focus: nothing happens
        await settle(pilot)
        assert app.screen is page and page.detail.contract.stage != "cancelled"
        await pilot.press("x", *"customer withdrew", "enter")
        await settle(pilot)
        await pilot.press("right", "enter")
        await settle(pilot)
        assert page.detail.contract.stage == "cancelled"


@pytest.mark.salesdesk_sqlite_only
def test_cancel_contract_asks_first(rep_ctx: Context, team: dict[str, Any]) -> None:
    contract = draft(team)
    asyncio.run(cancel_twice(rep_ctx))
    assert services.contract_detail(team["rep"], contract.id).contract.stage == "cancelled"


async def new_contract_for_a_deal(ctx: Any, deal_id: int) -> None:
    from tui_helpers import settle

    from tui.app import SalesdeskApp
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    app = SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        form = app.screen.query_one(FormFields)
        assert "opportunity_id" in {spec.name for spec in form.specs}
        values = form.values()
        values.update(
            {
                "title": "From the deal",
                "opportunity_id": deal_id,
                "amount": "150000",
                "parties": "Acme Trading (buyer)",
                "terms": "30 days net",
                "start_date": "2026-04-01",
            }
        )
        form.set_values(values)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)


@pytest.mark.salesdesk_sqlite_only
def test_a_new_contract_links_to_its_deal(rep_ctx: Context, team: dict[str, Any]) -> None:
    asyncio.run(new_contract_for_a_deal(rep_ctx, team["deal"].id))
    (row,) = [r for r in services.contract_rows(team["rep"]) if r.title == "From the deal"]
    contract = services.contract_detail(team["rep"], row.id).contract
    assert (contract.opportunity_id, contract.customer_id) == (team["deal"].id, team["customer"].id)


async def typed_milestones(ctx: Any, customer_id: int) -> None:
    from tui_helpers import settle

    from tui.app import SalesdeskApp
    from tui.screens.dialogs import FormDialog
    from tui.widgets.form import FormFields

    app = SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen.query_one(FormFields)
        names = {spec.name for spec in form.specs}
        assert {"m1_due", "m1_amount", "m1_condition", "m2_due"} <= names
        assert "milestones" not in names  # no free text to get the format of wrong
        values = form.values()
        values.update(
            {
                "title": "Typed milestones",
                "customer_id": customer_id,
                "amount": "120,000",
                "parties": "Acme Trading (buyer)",
                "start_date": "2026-04-01",
                "m1_due": "2026-04-31",
                "m1_amount": "20,000",
                "m1_condition": "on order",
                "m2_due": "2026-06-30",
                "m2_amount": "100000",
                "m2_condition": "on delivery",
            }
        )
        form.set_values(values)
        await pilot.press("ctrl+s")  # no 31 April: said under that date
        await settle(pilot)
        assert isinstance(app.screen, FormDialog)
        assert str(form.query_one("#err-m1_due").render())
        form.widget_for("m1_due").value = "2026-04-30"
        form.widget_for("m2_amount").value = "90000"  # 110,000 of 120,000
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "adding up" in str(form.query_one("#err-m1_amount").render())
        form.widget_for("m2_amount").value = "100,000"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, FormDialog)


@pytest.mark.salesdesk_sqlite_only
def test_milestones_are_typed_fields(rep_ctx: Context, team: dict[str, Any]) -> None:
    from decimal import Decimal

    asyncio.run(typed_milestones(rep_ctx, team["customer"].id))
    (row,) = [r for r in services.contract_rows(team["rep"]) if r.title == "Typed milestones"]
    detail = services.contract_detail(team["rep"], row.id)
    assert [(str(m.due_date), m.amount, m.condition) for m in detail.milestones] == [
        ("2026-04-30", Decimal("20000.00"), "on order"),
        ("2026-06-30", Decimal("100000.00"), "on delivery"),
    ]


async def submit_and_cancel_watching_the_ui_thread(ctx: Any, monkeypatch: Any) -> list[bool]:
    """The page's stage move (t) and cancel (x) with every contract write recorded:
    whether it ran on the UI thread."""
    import threading

    from tui_helpers import settle

    from tui.app import SalesdeskApp
    from tui.screens.dialogs import ConfirmDialog

    on_ui: list[bool] = []
    for name in ("transition", "cancel"):
        write = getattr(services, name)

        def watched(*args: Any, _write: Any = write, **kwargs: Any) -> Any:
            on_ui.append(threading.current_thread() is threading.main_thread())
            return _write(*args, **kwargs)

        monkeypatch.setattr(services, name, watched)
    app = SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        page = app.screen
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("enter")  # the first stage allowed: drafting
        await settle(pilot)
        assert page.detail.contract.stage == "drafting"
        await pilot.press("x", *"customer withdrew", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("right", "enter")
        await settle(pilot)
        assert page.detail.contract.stage == "cancelled"
    return on_ui


@pytest.mark.salesdesk_sqlite_only
def test_contract_writes_run_off_the_ui_thread(
    rep_ctx: Context, team: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage move and a cancel ran their service call (and its SQL) on the UI thread: keys
    waited for the database. They run in a thread worker now, as a form's save does."""
    draft(team)
    on_ui = asyncio.run(submit_and_cancel_watching_the_ui_thread(rep_ctx, monkeypatch))
    assert on_ui == [False, False]
