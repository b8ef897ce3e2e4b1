"""A new user's walk through the TUI: a tender won, its quote turned into an order, two
partial deliveries, one invoice for both, a receipt, and the collection-status report
exported."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.i18n import set_lang
from plugins.manufacturing.models import DocKind, DocStatus, Document, Tender


def aio(fn: Any) -> Any:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def settle(pilot: Any) -> None:
    from tui_helpers import settle as settled

    await settled(pilot)


@pytest.fixture
def tui_shop(salesdesk_world: Any) -> Iterator[dict[str, Any]]:

    set_lang("en")
    user = salesdesk_world.user("mei", ["mfg_sales_manager", "mfg_finance"], region="EAST")
    customer = salesdesk_world.customer(
        owner=user, region="EAST", code="C00042", name="上海精密锻造有限公司"
    )
    salesdesk_world.product(code="FL-100", name="Forged flange", price="120.00")
    yield {"ctx": user, "customer": customer, "world": salesdesk_world}
    set_lang(None)


def stock_up(ctx: Any, quantity: str = "100") -> None:
    """Book finished flanges: deliveries ship from stock."""
    from plugins.manufacturing.services import queries, tenders

    tenders.receive_stock(ctx, queries.product_id_for(ctx, "FL-100"), Decimal(quantity))


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="manufacturing")


async def fill(pilot: Any, values: dict[str, str]) -> None:
    for name, value in values.items():
        pilot.app.screen.query_one(f"#f-{name}").value = value
    await pilot.pause()
    await pilot.press("ctrl+s")
    await settle(pilot)


async def answer(pilot: Any, text: str | None) -> None:
    from tui.screens.dialogs import PromptDialog

    assert isinstance(pilot.app.screen, PromptDialog)
    if text is not None:
        pilot.app.screen.query_one("#prompt-input").value = text
    await pilot.press("enter")
    await settle(pilot)


async def quantities(pilot: Any, typed: list[str] | None) -> None:
    """Type a quantity per line in the quantity dialog (None: keep those offered)."""
    from tui.screens.dialogs import FormDialog

    await settle(pilot)
    assert isinstance(pilot.app.screen, FormDialog)
    for i, value in enumerate(typed or []):
        pilot.app.screen.query_one(f"#f-q{i}").value = value
    await pilot.press("ctrl+s")
    await settle(pilot)


def docs(ctx: Any, kind: str) -> list[Document]:
    with ctx.reading() as session:
        return list(
            session.scalars(sa.select(Document).where(Document.kind == kind).order_by(Document.id))
        )


@pytest.mark.salesdesk_sqlite_only  # the screens are the same on both
@aio
async def test_tender_to_cash_by_keyboard(tui_shop: dict[str, Any], tmp_path: Path) -> None:
    from plugins.manufacturing.views import DocumentsScreen, TendersScreen
    from tui.screens.report_view import ExportDialog, ReportView

    ctx = tui_shop["ctx"]
    stock_up(ctx)
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        sections = {sid for sid, _key, _title in app.sections()}
        assert {"view:manufacturing:mfg_tenders", "view:manufacturing:mfg_documents"} <= sections
        app.action_section("view:manufacturing:mfg_tenders")
        await settle(pilot)
        assert isinstance(app.screen, TendersScreen)

        await pilot.press("n")
        await fill(
            pilot,
            {
                "customer_code": "C00042",
                "title": "Bridge flanges",
                "deadline": "2026-03-10",
                "bid_bond": "5000",
                "bid_price": "1200",
                "competitors": "Acme Forge",
            },
        )
        await pilot.press("w")
        await answer(pilot, "")
        with ctx.reading() as session:
            tender = session.scalars(sa.select(Tender)).one()
        assert tender.result == "won"
        await pilot.press("u")
        await fill(pilot, {"product_code": "FL-100", "quantity": "10", "unit_price": "120"})
        (quote,) = docs(ctx, DocKind.QUOTE)
        assert quote.tender_id == tender.id and quote.status == DocStatus.DRAFT

        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen) and app.screen.kind == DocKind.QUOTE
        await pilot.press("s")  # submit the quote
        await pilot.press("c")  # -> draft order
        await settle(pilot)
        assert app.screen.kind == DocKind.ORDER
        await pilot.press("s")
        await pilot.press("c")  # -> first partial delivery
        await quantities(pilot, ["4"])
        await pilot.press("s")
        await pilot.press("o")
        await pilot.press("c")  # -> second partial delivery
        await quantities(pilot, ["6"])
        await pilot.press("s")
        await settle(pilot)
        deliveries = docs(ctx, DocKind.DELIVERY)
        assert [d.amount for d in deliveries] == [Decimal("480.00"), Decimal("720.00")]
        assert all(d.status == DocStatus.SUBMITTED for d in deliveries)

        await pilot.press("space", "space")  # mark both deliveries
        await pilot.press("c")  # -> one invoice for both: its type is asked first
        await settle(pilot)
        title = str(app.screen.query_one(".title").render())
        assert "1,200.00" in title and "156.00" in title and "1,356.00" in title
        await pilot.press("ctrl+s")  # ordinary (普票), the default
        await settle(pilot)
        assert app.screen.kind == DocKind.INVOICE
        await pilot.press("s")
        await pilot.press("c")  # -> receipt of what the invoice owes
        await answer(pilot, None)
        await pilot.press("s")
        await settle(pilot)
        (invoice,) = docs(ctx, DocKind.INVOICE)
        (receipt,) = docs(ctx, DocKind.RECEIPT)
        # net 1200.00 + 13 % VAT: the receipt pays what the invoice owes, gross
        assert (invoice.amount, invoice.tax, receipt.amount) == (
            Decimal("1200.00"),
            Decimal("156.00"),
            Decimal("1356.00"),
        )
        assert receipt.status == DocStatus.SUBMITTED

        app.open_report("mfg_collection_status")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, ReportView)
        await pilot.press("x")
        await settle(pilot)  # the exporters are read in a worker
        assert isinstance(app.screen, ExportDialog)
        target = tmp_path / "collection.csv"
        app.screen.query_one("#exporter").value = "csv"
        await pilot.pause()
        app.screen.query_one("#path").value = str(target)
        await pilot.press("enter")
        await settle(pilot)
    text = target.read_text(encoding="utf-8-sig")
    assert "上海精密锻造有限公司" in text and "1356.00" in text.replace(",", "")


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_credit_approval_edit_and_reversal_keys(tui_shop: dict[str, Any]) -> None:
    from core.services import customers
    from plugins.manufacturing.services import documents
    from plugins.manufacturing.views import DocumentsScreen
    from tui.screens.dialogs import ConfirmDialog

    ctx, customer = tui_shop["ctx"], tui_shop["customer"]
    stock_up(ctx)
    finance = tui_shop["world"].user("fin", "mfg_finance")
    customers.update_customer(finance, customer.id, {"credit_limit": "500.00"}, None)
    with ctx.reading() as session:
        product_id = session.scalar(sa.text("SELECT id FROM product WHERE code = 'FL-100'"))
    documents.create_order(
        ctx,
        {
            "customer_id": customer.id,
            "lines": [{"product_id": product_id, "quantity": "10", "unit_price": "120"}],
        },
    )
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        await pilot.press("o", "s")  # refused: 1,200 past the 500 limit
        await settle(pilot)
        assert isinstance(app.screen, DocumentsScreen)
        (order,) = docs(ctx, DocKind.ORDER)
        assert order.status == DocStatus.DRAFT
        assert any("finance approval" in n.message for n in app._notifications)
        listing = app.screen
        await pilot.press("a")  # asks first, naming the order, customer and amount
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        question = str(app.screen.query_one("#confirm-question").render())
        assert order.number in question and "1,200.00" in question
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        (order,) = docs(ctx, DocKind.ORDER)
        assert app.screen is listing and not order.credit_approved_by_id
        await pilot.press("a", "right", "enter", "s")
        await settle(pilot)
        (order,) = docs(ctx, DocKind.ORDER)
        assert order.status == DocStatus.SUBMITTED and order.credit_approved_by_id
        await pilot.press("c")
        await quantities(pilot, None)  # everything open, as offered
        await pilot.press("e")
        await quantities(pilot, ["3"])
        await pilot.press("s", "x")
        await answer(pilot, "wrong truck")
        (delivery, mirror) = docs(ctx, DocKind.DELIVERY)
        assert delivery.amount == Decimal("360.00") and delivery.status == DocStatus.REVERSED
        assert mirror.amount == Decimal("-360.00") and mirror.notes == "wrong truck"


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_production_plan_and_receiving_stock(tui_shop: dict[str, Any]) -> None:
    from plugins.manufacturing.models import Stock
    from plugins.manufacturing.services import documents, posting
    from plugins.manufacturing.views import ProductionScreen

    ctx, customer = tui_shop["ctx"], tui_shop["customer"]
    with ctx.reading() as session:
        product_id = session.scalar(sa.text("SELECT id FROM product WHERE code = 'FL-100'"))
    posting.submit(
        ctx,
        documents.create_order(
            ctx,
            {
                "customer_id": customer.id,
                "promised_date": "2026-03-18",
                "lines": [{"product_id": product_id, "quantity": "10", "unit_price": "120"}],
            },
        ).id,
    )
    app = app_for(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        app.action_section("view:manufacturing:mfg_production")
        await settle(pilot)
        assert isinstance(app.screen, ProductionScreen)
        plan = app.screen.query_one("#plan")
        assert plan.row_count == 1 and "10" in str(plan.get_row_at(0)[5])  # to produce
        await pilot.press("g")
        await fill(pilot, {"product_code": "FL-100", "quantity": "4"})
        assert "6" in str(app.screen.query_one("#plan").get_row_at(0)[5])
    with ctx.reading() as session:
        assert session.get(Stock, product_id).on_hand == Decimal("4")


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_project_and_tender_quote_with_office_numbering(tui_shop: dict[str, Any]) -> None:
    """Quote numbers per office (as the demo has): the project dialog offers the offices
    with the company default chosen, and the tender's quote carries the project number."""
    from core.services.company import set_setting
    from plugins.manufacturing.models import Project
    from plugins.manufacturing.services import tenders
    from tui.screens.dialogs import FormDialog

    ctx, customer, world = tui_shop["ctx"], tui_shop["customer"], tui_shop["world"]
    set_setting(
        world.admin,
        "numbering.mfg_quote",
        {"prefix": "FQ", "width": 5, "offices": {"SH": 1, "TJ": 20001}},
    )
    set_setting(world.admin, "manufacturing.office", "TJ")
    tender = tenders.create_tender(
        ctx, {"customer_id": customer.id, "title": "Flanges", "deadline": "2026-03-10"}
    )
    tenders.decide_tender(ctx, tender.id, {"result": "won"})
    tenders.create_tender(
        ctx, {"customer_id": customer.id, "title": "Later tender", "deadline": "2026-04-10"}
    )
    app = app_for(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_section("view:manufacturing:mfg_tenders")
        await settle(pilot)
        await pilot.press("down")  # the won tender, below the newer one
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.query_one("#f-office").value == "TJ"
        await fill(pilot, {"contact": "王工", "quantity": "40"})
        assert not isinstance(app.screen, FormDialog)
        await pilot.press("u")
        await settle(pilot)
        await fill(pilot, {"product_code": "FL-100", "quantity": "10", "unit_price": "120"})
        assert not isinstance(app.screen, FormDialog)
    with ctx.reading() as session:
        project = session.scalars(sa.select(Project)).one()
    (quote,) = docs(ctx, DocKind.QUOTE)
    assert project.office == "TJ" and project.number.startswith("FQ2620")
    assert (quote.number, quote.project_id, quote.office) == (project.number, project.id, "TJ")
    assert project.tender_id == quote.tender_id == tender.id


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_tenders_speak_tender_words_in_chinese(tui_shop: dict[str, Any]) -> None:
    """中标/未中标 and 项目名称, not a deal's 成交/失败 or a person's 职务 (shared catalog)."""
    from plugins.manufacturing.services import tenders

    ctx, customer = tui_shop["ctx"], tui_shop["customer"]
    tender = tenders.create_tender(
        ctx, {"customer_id": customer.id, "title": "Flanges", "deadline": "2026-03-10"}
    )
    tenders.decide_tender(ctx, tender.id, {"result": "won"})
    set_lang("zh_CN")
    app = app_for(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        app.action_section("view:manufacturing:mfg_tenders")
        await settle(pilot)
        keys = app.screen._bindings.key_to_bindings
        assert (keys["w"][0].description, keys["l"][0].description) == ("中标", "未中标")
        table = app.screen.query_one("#rows")
        headers = [str(c.label) for c in table.ordered_columns]
        assert "项目名称" in headers and "职务" not in headers
        assert "中标" in [str(v) for v in table.get_row_at(0)]


@pytest.mark.salesdesk_sqlite_only
@aio
async def test_refusals_read_as_plain_words(tui_shop: dict[str, Any]) -> None:
    """Submitting a submitted quote says what it needs, not "column 'status': got ..."."""
    from plugins.manufacturing.services import documents, posting

    ctx, customer = tui_shop["ctx"], tui_shop["customer"]
    with ctx.reading() as session:
        product_id = session.scalar(sa.text("SELECT id FROM product WHERE code = 'FL-100'"))
    posting.submit(
        ctx,
        documents.create_quote(
            ctx,
            {
                "customer_id": customer.id,
                "lines": [{"product_id": product_id, "quantity": "10", "unit_price": "120"}],
            },
        ).id,
    )
    app = app_for(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_section("view:manufacturing:mfg_documents")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        (message,) = [n.message for n in app._notifications]
    assert message.startswith("Needs a draft") and "column" not in message
    assert "'submitted'" not in message


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"])
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_orders_list_fits_80_columns(salesdesk_world: Any, lang: str) -> None:
    """#22: at 80 columns the orders list cut the order number ("SO2600") and ran its
    open value off the right edge ("270,16"). There it shows the gross only (Enter
    shows each line's net, VAT and gross) and the number whole; wider, all three."""
    import asyncio
    from decimal import Decimal

    from mfg_helpers import make_shop
    from textual.widgets import DataTable
    from tui_helpers import settle

    from core.i18n import set_lang
    from plugins.manufacturing.services import tenders
    from plugins.manufacturing.views import DocumentsScreen
    from tui.app import SalesdeskApp

    shop = make_shop(salesdesk_world)
    tenders.receive_stock(shop.shipping, shop.flange.id, Decimal("40"))
    shop.order((shop.flange, "1000", "12000.00"), promised_date="2026-03-20")

    async def columns_at(size: tuple[int, int]) -> tuple[int, int, int, list[str]]:
        app = SalesdeskApp(shop.manager, database_label="test.db", profile="manufacturing")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            app.push_screen(DocumentsScreen("order"))
            await settle(pilot)
            table = app.screen.query_one("#rows", DataTable)
            used = sum(c.get_render_width(table) for c in table.columns.values())
            number = list(table.columns.values())[1].width
            return used, table.size.width, number, [str(c) for c in table.get_row_at(0)]

    set_lang(lang)
    try:
        used, width, number, row = asyncio.run(columns_at((80, 24)))
        assert used <= width and number >= len(row[1]), (used, width, row)
        _used, _width, _number, wide = asyncio.run(columns_at((140, 30)))
        assert len(wide) == 9 and wide[5] == "12,000,000.00"  # net, VAT, gross, open
        assert len(row) == 7 and row[5:] == wide[7:]  # gross and open
    finally:
        set_lang("en")
