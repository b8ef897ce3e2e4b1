"""Receipts (收款) in the TUI (key j, #17.6): finance records one by keyboard after a
confirmation, with method and the document it pays; the list shows every customer's or
one customer's; typing is guarded; a rep may read but not record; and the Import screen
takes receipts files as ``salesdesk import receipts`` does."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import AuditEntry, Receipt


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


def receipts(ctx: Any) -> list[Receipt]:
    with ctx.db.read_session() as session:
        return list(session.scalars(sa.select(Receipt).order_by(Receipt.id)))


def cells(table: Any) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_receipts(pilot: Any) -> Any:
    from tui.screens.receipts import ReceiptsScreen

    await pilot.press("j")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReceiptsScreen)
    return pilot.app.screen


async def type_receipt(pilot: Any, values: dict[str, str]) -> Any:
    from tui.screens.dialogs import FormDialog

    await pilot.press("n")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, FormDialog)
    for name, value in values.items():
        form.query_one(f"#f-{name}").value = value
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)
    return form


@aio
async def test_finance_records_a_receipt_after_confirming(tui_world: dict[str, Any]) -> None:
    from tui.screens.dialogs import ConfirmDialog

    world = tui_world["world"]
    finance = world.user("qian", "finance")
    app = app_for(finance)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_receipts(pilot)
        form = await type_receipt(pilot, {"customer_code": "C00001", "amount": "12.345"})
        assert pilot.app.screen is form  # refused by field, nothing asked yet
        assert "2 decimals" in str(form.query_one("#err-amount").render())
        form.query_one("#f-amount").value = "1234.50"
        form.query_one("#f-method").value = "bill"
        form.query_one("#f-reference").value = "INV-0042"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        question = str(pilot.app.screen.query_one("#confirm-question").render())
        assert "1,234.50" in question and "C00001" in question and "2026-03-16" in question
        await pilot.press("enter")  # Cancel has the focus: nothing recorded
        await settle(pilot)
        assert pilot.app.screen is screen and receipts(finance) == []

        await type_receipt(
            pilot,
            {
                "customer_code": "C00001",
                "amount": "1234.50",
                "method": "bill",
                "reference": "INV-0042",
            },
        )
        await pilot.press("right", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        (row,) = cells(screen.query_one("#receipts"))
    (saved,) = receipts(finance)
    assert (saved.amount, saved.method, saved.reference, saved.customer_id) == (
        Decimal("1234.50"),
        "bill",
        "INV-0042",
        tui_world["customers"][0].id,
    )
    assert str(saved.date) == "2026-03-16"
    assert row[1] == "C00001" and row[3] == "1,234.50" and row[4] == "Acceptance bill"
    with finance.reading() as session:
        audited = session.scalars(
            sa.select(AuditEntry.entity_id).where(
                AuditEntry.entity == "sales_receipt", AuditEntry.action == "create"
            )
        ).all()
    assert set(audited) == {str(saved.id)}


@aio
async def test_receipts_of_one_customer_and_unsaved_typing_asks(tui_world: dict[str, Any]) -> None:
    from core.services.receipts import record_receipt
    from tui.screens.dialogs import ConfirmDialog, FormDialog, PromptDialog

    world, customers = tui_world["world"], tui_world["customers"]
    finance = world.user("qian", "finance")
    day = finance.today()
    record_receipt(finance, customers[0].id, day, "100.00", method="transfer")
    record_receipt(finance, customers[1].id, day, "250.00", method="cash")
    app = app_for(finance)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_receipts(pilot)
        assert len(cells(screen.query_one("#receipts"))) == 2
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PromptDialog)
        pilot.app.screen.query_one("#prompt-input").value = customers[1].code
        await pilot.press("enter")
        await settle(pilot)
        (row,) = cells(screen.query_one("#receipts"))
        assert (row[1], row[3], row[4]) == (customers[1].code, "250.00", "Cash")
        title = str(screen.query_one("#receipts-title").render())
        assert "1 receipt, 250.00 received" in title
        await pilot.press("n")  # starts with the shown customer
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, FormDialog)
        assert form.query_one("#f-customer_code").value == customers[1].code
        form.query_one("#f-amount").value = "99"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)  # discard what was typed?
        await pilot.press("right", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
    assert len(receipts(finance)) == 2


@aio
async def test_a_rep_reads_their_customers_receipts_but_records_none(
    tui_world: dict[str, Any],
) -> None:
    from core.services.receipts import record_receipt

    world, customers, rep = tui_world["world"], tui_world["customers"], tui_world["rep"]
    finance = world.user("qian", "finance")
    for customer in customers[:2]:  # the first is the rep's, the second is not
        record_receipt(finance, customer.id, finance.today(), "100.00")
    app = app_for(rep)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_receipts(pilot)
        assert [r[1] for r in cells(screen.query_one("#receipts"))] == [customers[0].code]
        await pilot.press("n")
        await settle(pilot)
        assert pilot.app.screen is screen  # no form: recording is finance's
    assert len(receipts(finance)) == 2


@aio
async def test_receipts_import_from_the_import_screen(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    from tui.screens.imports import ImportScreen

    world, customers = tui_world["world"], tui_world["customers"]
    finance = world.user("qian", "finance")
    good = tmp_path / "receipts.csv"
    good.write_text(
        "date,customer_code,amount,reference,method\n"
        f"2026-03-10,{customers[0].code},500.00,INV-1,承兑汇票\n"
        f"2026-03-11,{customers[1].code},70.25,,transfer\n",
        encoding="utf-8",
    )
    app = app_for(finance)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("i")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportScreen)
        kinds = [v for _t, v in screen.query_one("#import-kind")._options]
        assert "receipts" in kinds
        screen.query_one("#import-kind").value = "receipts"
        screen.query_one("#import-path").value = str(good)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "2 rows imported" in str(screen.query_one("#import-status").render())
    saved = receipts(finance)
    assert [(r.amount, r.method) for r in saved] == [
        (Decimal("500.00"), "bill"),
        (Decimal("70.25"), "transfer"),
    ]
    assert all(r.batch_id for r in saved)


@aio
async def test_receipts_typed_and_imported_reach_the_collection_form(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    """A company that only imports its sales: what finance records on this screen and
    imports on the Import screen is what the collection form (客户销售收款状况分析表)
    counts as received."""
    from core.reports import run_report

    world, customer = tui_world["world"], tui_world["customers"][0]
    finance = world.user("qian", "finance")
    good = tmp_path / "receipts.csv"
    good.write_text(
        f"date,customer_code,amount\n2026-03-02,{customer.code},300.00\n", encoding="utf-8"
    )
    app = app_for(finance)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_receipts(pilot)
        await type_receipt(
            pilot, {"customer_code": customer.code, "amount": "200.00", "date": "2026-03-05"}
        )
        await pilot.press("right", "enter")
        await settle(pilot)
        await pilot.press("escape", "i")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#import-kind").value = "receipts"
        screen.query_one("#import-path").value = str(good)
        await pilot.press("ctrl+r")
        await settle(pilot)
    result = run_report(
        finance, "mfg_collection_status", {"start": "2026-03-01", "end": "2026-03-16"}
    )
    table = result.tables[0]
    ids = [c.id for c in table.columns]
    rows = {row[ids.index("customer_code")]: row for row in table.rows}
    assert rows[customer.code][ids.index("received")] == Decimal("500.00")


@aio
async def test_receipts_speak_chinese(tui_world: dict[str, Any]) -> None:
    from core.i18n import set_lang
    from tui.screens.dialogs import ConfirmDialog

    set_lang("zh_CN")
    finance = tui_world["world"].user("qian", "finance")
    async with app_for(finance).run_test(size=(80, 24)) as pilot:
        screen = await open_receipts(pilot)
        await type_receipt(pilot, {"customer_code": "C00001", "amount": "88.00"})
        assert isinstance(pilot.app.screen, ConfirmDialog)
        question = str(pilot.app.screen.query_one("#confirm-question").render())
        assert question.startswith("登记") and "88.00" in question
        await pilot.press("right", "enter")
        await settle(pilot)
        table = screen.query_one("#receipts")
        headers = [str(c.label) for c in table.ordered_columns]
        assert headers == ["日期", "客户", "名称", "金额", "收款方式", "所付单据", "说明", "来源"]
        (row,) = cells(table)
        assert row[4] == "银行转账" and row[-1] == "手工登记"
        assert str(screen.query_one("#receipts-title").render()).startswith("全部客户")
