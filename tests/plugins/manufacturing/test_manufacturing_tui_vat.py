"""VAT on the order-to-cash screens (#17.5): a line shows its rate, net (不含税金额), VAT
(税额) and gross (价税合计) while it is typed, in the list and in the detail, with the
document's totals; an invoice shows its type (专票/普票) and its red-letter reversal
(红字发票) is marked and nets it to zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from test_manufacturing_tui import aio, app_for, docs, settle, stock_up, tui_shop  # noqa: F401

from core.i18n import set_lang
from core.invoicing import credit_code_check
from plugins.manufacturing.models import DocKind, DocStatus

D = Decimal


def cells(table: Any) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def headers(table: Any) -> list[str]:
    return [str(c.label) for c in table.ordered_columns]


def by_header(table: Any, row: list[str]) -> dict[str, str]:
    return dict(zip(headers(table), row, strict=True))


def special_invoice(shop: dict[str, Any]) -> Any:
    """A submitted special VAT invoice (专票) of 3 x 33.33 at 13 %: net 99.99, VAT 13.00
    (12.9987 rounded on the line), gross 112.99."""
    from core.services import customers
    from plugins.manufacturing.services import documents, posting, queries

    ctx, world = shop["ctx"], shop["world"]
    code = "91310000MA1FL4XQ0"
    customers.update_customer(
        world.admin, shop["customer"].id, {"credit_code": code + credit_code_check(code)}, None
    )
    invoice = documents.create_invoice(
        ctx,
        {
            "customer_id": shop["customer"].id,
            "invoice_type": "special",
            "direct_lines": [
                {
                    "product_id": queries.product_id_for(ctx, "FL-100"),
                    "quantity": "3",
                    "unit_price": "33.33",
                }
            ],
        },
    )
    return posting.submit(ctx, invoice.id)


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_a_quote_line_shows_its_vat_while_typed_and_after(tui_shop: dict[str, Any]) -> None:  # noqa: F811
    from plugins.manufacturing.views import DocumentsScreen, LineFormDialog
    from tui.screens.dialogs import TableDialog

    ctx = tui_shop["ctx"]
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen) and app.screen.kind == DocKind.QUOTE
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LineFormDialog)
        for name, value in {
            "customer_code": "C00042",
            "product_code": "FL-100",
            "quantity": "3",
            "unit_price": "33.33",
        }.items():
            app.screen.query_one(f"#f-{name}").value = value
        await settle(pilot)
        preview = str(app.screen.query_one("#vat-preview").render())
        assert "13 %" in preview
        assert "Net 99.99" in preview and "VAT 13.00" in preview and "Gross 112.99" in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen)
        assert any("112.99" in n.message for n in app._notifications)
        (quote,) = docs(ctx, DocKind.QUOTE)
        assert (quote.amount, quote.tax) == (D("99.99"), D("13.00"))
        table = app.screen.query_one("#rows")
        row = by_header(table, cells(table)[0])
        assert (row["Net"], row["VAT"], row["Gross"]) == ("99.99", "13.00", "112.99")
        await pilot.press("enter")  # the lines, with rate and the document's totals
        await settle(pilot)
        assert isinstance(app.screen, TableDialog)
        assert headers(app.screen.query_one("DataTable"))[4:8] == [
            "VAT rate",
            "Net",
            "VAT",
            "Gross",
        ]
        line, total = cells(app.screen.query_one("DataTable"))
        assert line[4:8] == ["13 %", "99.99", "13.00", "112.99"]
        assert total[0] == "Total" and total[5:8] == ["99.99", "13.00", "112.99"]


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_invoice_type_chosen_on_conversion_and_shown(tui_shop: dict[str, Any]) -> None:  # noqa: F811
    """Deliveries -> invoice asks 专票 or 普票; a special invoice for a customer without a
    credit code is refused in words and the dialog stays open."""
    from plugins.manufacturing.services import documents, posting, queries

    ctx, customer = tui_shop["ctx"], tui_shop["customer"]
    stock_up(ctx)
    order = posting.submit(
        ctx,
        documents.create_order(
            ctx,
            {
                "customer_id": customer.id,
                "lines": [
                    {
                        "product_id": queries.product_id_for(ctx, "FL-100"),
                        "quantity": "3",
                        "unit_price": "33.33",
                    }
                ],
            },
        ).id,
    )
    posting.submit(ctx, queries.deliver_orders(ctx, [order.id]).id)
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        await pilot.press("d", "c")
        await settle(pilot)
        dialog = app.screen
        assert "Gross 112.99" in str(dialog.query_one(".title").render())
        dialog.query_one("#f-invoice_type").value = "special"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and docs(ctx, DocKind.INVOICE) == []
        assert "credit code" in str(dialog.query_one("#err-invoice_type").render())
        dialog.query_one("#f-invoice_type").value = "ordinary"
        await pilot.press("ctrl+s")
        await settle(pilot)
        (invoice,) = docs(ctx, DocKind.INVOICE)
        assert (invoice.invoice_type, invoice.tax) == ("ordinary", D("13.00"))
        table = app.screen.query_one("#rows")
        assert app.screen.kind == DocKind.INVOICE
        row = by_header(table, cells(table)[0])
        assert row["Type"] == "Ordinary" and row["Gross"] == "112.99"


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_red_letter_invoice_is_marked_and_nets_to_zero_in_chinese(
    tui_shop: dict[str, Any],  # noqa: F811
) -> None:
    from tui.screens.dialogs import PromptDialog, TableDialog

    ctx = tui_shop["ctx"]
    invoice = special_invoice(tui_shop)
    set_lang("zh_CN")
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        table = app.screen.query_one("#rows")
        assert {"不含税金额", "税额", "价税合计", "发票类型"} <= set(headers(table))
        assert by_header(table, cells(table)[0])["发票类型"] == "专票"  # the short name
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        assert str(app.screen.query_one(".title").render()) == "红字发票"
        app.screen.query_one("#prompt-input").value = "开票有误"
        await pilot.press("enter")
        await settle(pilot)
        rows = [by_header(table, r) for r in cells(table)]
        red, original = rows  # newest first
        assert (red["发票类型"], red["状态"]) == ("红字 专票", "红字发票")
        assert (red["不含税金额"], red["税额"], red["价税合计"]) == ("-99.99", "-13.00", "-112.99")
        assert original["单号"] == invoice.number and original["价税合计"] == "112.99"
        table.move_cursor(row=0)
        await pilot.press("enter")  # the red-letter invoice's lines, titled with its type
        await settle(pilot)
        assert isinstance(app.screen, TableDialog)
        assert "红字 专票" in str(app.screen.query_one(".title").render())
    red_doc = docs(ctx, DocKind.INVOICE)[1]
    assert (red_doc.status, red_doc.reverses_id) == (DocStatus.REVERSAL, invoice.id)


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_a_documents_lines_show_their_vat_whole_at_80_columns(
    tui_shop: dict[str, Any],  # noqa: F811
    lang: str,
) -> None:
    """Enter on an order at 80x24: every column, VAT and gross included, is on screen
    without scrolling sideways (the VAT and gross ran off the dialog's right edge)."""
    from plugins.manufacturing.services import documents, queries
    from tui.screens.dialogs import TableDialog

    ctx = tui_shop["ctx"]
    documents.create_order(
        ctx,
        {
            "customer_id": tui_shop["customer"].id,
            "lines": [
                {
                    "product_id": queries.product_id_for(ctx, "FL-100"),
                    "quantity": "1051",
                    "unit_price": "9800.00",
                }
            ],
        },
    )
    set_lang(lang)
    app = app_for(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TableDialog)
        table = app.screen.query_one("DataTable")
        heads = headers(table)
        assert {"VAT", "Gross"} <= set(heads) or {"税额", "价税合计"} <= set(heads)
        assert table.max_scroll_x == 0, heads
        assert table.region.right <= app.size.width
        line = cells(table)[0]
        assert "10,299,800.00" in line and "1,338,974.00" in line, line


@pytest.mark.salesdesk_sqlite_only
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@aio
async def test_the_key_hint_reads_whole_at_80_columns(
    tui_shop: dict[str, Any],  # noqa: F811
    lang: str,
) -> None:
    """The documents' key hint was one line: at 80 columns it ended at "c 生成下游单据 · x"
    ("x reverse · space mark" cut off)."""
    set_lang(lang)
    app = app_for(tui_shop["ctx"])
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        status = app.screen.query_one("#status")
        update = app.screen._compositor.render_full_update()
        lines = list(update.strips)[status.region.y : status.region.bottom]
        shown = "".join(seg.text for strip in lines for seg in strip).replace(" ", "")
        from plugins.manufacturing.views import _

        tail = _("u/o/d/i/r kind · n new · s submit · c convert · x reverse · space mark")
        assert tail.replace(" ", "")[-12:] in shown, shown
