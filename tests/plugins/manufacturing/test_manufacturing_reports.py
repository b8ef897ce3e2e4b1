"""The order-to-cash reports on a hand-checkable world: every figure below can be
worked out on paper from the documents the test creates (双轨制)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from mfg_helpers import line_ids

from core.reports import drill_report, report_registry, run_report
from core.services import customers
from plugins.manufacturing.services import documents, posting, tenders

D = Decimal
TODAY = dt.date(2026, 3, 16)  # the fixed clock: a Monday


@pytest.fixture
def books(shop: Any) -> Any:
    """Two orders (one partly shipped), invoices (one 40 days overdue), a receipt."""
    customers.update_customer(
        shop.finance, shop.customer.id, {"credit_limit": "50000.00", "credit_rating": "AA"}, None
    )
    tenders.receive_stock(shop.shipping, shop.flange.id, D("7"))
    first = shop.order(
        (shop.flange, "10", "120.00"),
        doc_date=TODAY - dt.timedelta(days=70),
        promised_date=TODAY - dt.timedelta(days=2),
    )
    second = shop.order((shop.ring, "4", "300.00"), promised_date=TODAY + dt.timedelta(days=20))
    (line,) = line_ids(shop.sales, first)
    shop.world.clock.now -= dt.timedelta(days=70)  # shipped and invoiced 70 days ago
    old = shop.deliver((line, "4"))
    posting.submit(
        shop.finance,
        documents.invoice_deliveries(
            shop.finance,
            [old.id],
            on=TODAY - dt.timedelta(days=70),
            due_date=TODAY - dt.timedelta(days=40),
        ).id,
    )  # 480.00, 40 days overdue
    shop.world.clock.now += dt.timedelta(days=70)
    shop.deliver((line, "2"))
    posting.submit(
        shop.finance,
        documents.create_invoice(
            shop.finance,
            {
                "customer_id": shop.customer.id,
                "due_date": TODAY + dt.timedelta(days=30),
                "direct_lines": [
                    {
                        "product_id": shop.ring.id,
                        "quantity": "1",
                        "unit_price": "250.00",
                        "unit_cost": "200.00",
                    }
                ],
            },
        ).id,
    )
    posting.submit(
        shop.finance,
        documents.create_receipt(
            shop.finance, {"customer_id": shop.customer.id, "amount": "100.00"}
        ).id,
    )  # onto the old invoice
    shop.first, shop.second, shop.line = first, second, line
    return shop


def test_reports_are_registered(salesdesk_runtime: Any) -> None:
    assert {
        "mfg_collection_status",
        "mfg_receivables_ageing",
        "mfg_order_backlog",
        "mfg_tender_analysis",
        "mfg_profit_check",
    } <= set(report_registry(salesdesk_runtime.plugins))


def test_collection_status(books: Any) -> None:
    result = run_report(
        books.sales, "mfg_collection_status", {"start": "2026-01-01", "end": "2026-03-16"}
    )
    table = result.tables[0]
    (row,) = table.rows
    v = dict(zip([c.id for c in table.columns], row, strict=True))
    assert v["customer"] == "上海精密锻造有限公司" and v["rating"] == "AA"
    assert v["ordered"] == D("2400.00")  # 1200 + 1200
    assert v["delivered"] == D("720.00")  # 6 x 120
    assert v["invoiced"] == D("730.00")  # 480 + 250
    assert v["received"] == D("100.00")
    assert v["collection_rate"] == D("0.1370")
    assert v["receivable"] == D("630.00") and v["overdue"] == D("380.00")
    # as the order check counts it: limit - receivable - orders not yet invoiced
    # (2400 ordered - 480 invoiced from them = 1920)
    assert v["available"] == D("47450.00")
    overdue = drill_report(
        books.sales,
        "mfg_collection_status",
        {"start": "2026-01-01", "end": "2026-03-16"},
        "customers",
        row,
        "overdue",
    )
    assert [r[7] for r in overdue.rows] == [D("380.00")] and overdue.rows[0][8] == 40
    delivered = drill_report(
        books.sales,
        "mfg_collection_status",
        {"start": "2026-01-01"},
        "customers",
        None,
        "delivered",
    )
    assert delivered.totals[7] == v["delivered"]

    stranger = books.world.user("other", "mfg_sales", region="EAST")
    assert run_report(stranger, "mfg_collection_status", {}).tables[0].rows == []


def test_left_out_dates_are_shown_as_the_period_used(books: Any) -> None:
    """An export's header says which period the figures cover, not "Parameters: none"."""
    today = books.sales.today()
    result = run_report(books.sales, "mfg_collection_status", {})
    assert (result.params["start"], result.params["end"]) == (
        f"{today.year}-01-01",
        today.isoformat(),
    )
    ageing = run_report(books.finance, "mfg_receivables_ageing", {})
    assert ageing.params["as_of"] == today.isoformat()


def test_receivables_ageing(books: Any) -> None:
    result = run_report(books.finance, "mfg_receivables_ageing", {})
    table = result.tables[0]
    (row,) = table.rows
    v = dict(zip([c.id for c in table.columns], row, strict=True))
    assert (v["current"], v["d60"], v["open"]) == (D("250.00"), D("380.00"), D("630.00"))
    assert v["d30"] == v["d90"] == v["older"] == D("0")
    back = run_report(books.finance, "mfg_receivables_ageing", {"as_of": "2026-02-01"})
    assert back.tables[0].rows[0][-1] == D("480.00")  # before the receipt and direct invoice
    drill = drill_report(books.finance, "mfg_receivables_ageing", {}, "ageing", row, "d60")
    assert drill.totals[7] == D("380.00")


def test_order_backlog_and_production_plan(books: Any) -> None:
    result = run_report(books.sales, "mfg_order_backlog", {})
    backlog, plan = result.tables
    assert [(r[1], r[5], r[6], r[7], r[8], r[9]) for r in backlog.rows] == [
        (books.first.number, D("10"), D("6"), D("4"), D("480.00"), 2),
        (books.second.number, D("4"), D("0"), D("4"), D("1200.00"), 0),
    ]
    flange = next(r for r in plan.rows if r[0] == "FL-100")
    assert flange[2:] == (D("4"), D("4"), D("1"), D("3"))  # 7 received, 6 shipped
    ring = next(r for r in plan.rows if r[0] == "RG-200")
    assert ring[2] == D("0") and ring[5] == D("0")  # promised after this week
    shipped = drill_report(
        books.sales, "mfg_order_backlog", {}, "backlog", backlog.rows[0], "shipped"
    )
    assert shipped.totals[6] == D("6")
    until = run_report(books.sales, "mfg_order_backlog", {"until": "2026-03-20"})
    assert len(until.tables[0].rows) == 1


def test_tender_analysis(shop: Any) -> None:
    for title, price, outcome, reason in (
        ("Bridge A", "100000", "won", ""),
        ("Plant B", "80000", "lost", "price too high"),
        ("Plant C", "50000", "lost", "price too high"),
        ("Dam D", "70000", None, ""),
    ):
        tender = tenders.create_tender(
            shop.sales,
            {
                "customer_id": shop.customer.id,
                "title": title,
                "deadline": "2026-03-01",
                "bid_bond": "5000",
                "bid_price": price,
                "competitors": "Acme; Forge Co",
            },
        )
        if outcome:
            tenders.decide_tender(shop.sales, tender.id, {"result": outcome, "reason": reason})
    result = run_report(shop.sales, "mfg_tender_analysis", {})
    owners, reasons = result.tables
    (row,) = owners.rows
    assert row[:6] == ("eng", 4, 1, 2, 0, 1)
    assert row[6] == D("0.3333") and row[7:] == (D("300000.00"), D("100000.00"), D("5000.00"))
    assert reasons.rows == [("price too high", 2, D("130000.00"))]
    lost = drill_report(shop.sales, "mfg_tender_analysis", {}, "owners", row, "lost")
    assert {r[1] for r in lost.rows} == {"Plant B", "Plant C"}


def test_profit_check(books: Any) -> None:
    result = run_report(books.finance, "mfg_profit_check", {"year": 2026})
    months, products = result.tables
    by_month = {r[0]: r[1:] for r in months.rows}
    # January: 4 flanges at 120 with the product's standard cost 80
    assert by_month["2026-01"] == (
        D("480.00"),
        D("480.00"),
        D("320.00"),
        D("160.00"),
        D("0.3333"),
        D("0.00"),
    )
    # March: a ring at 250 with an entered cost of 200
    assert by_month["2026-03"][:5] == (
        D("250.00"),
        D("250.00"),
        D("200.00"),
        D("50.00"),
        D("0.2000"),
    )
    assert months.totals[4] == D("210.00")
    assert {r[0]: r[4] for r in products.rows} == {"FL-100": D("160.00"), "RG-200": D("50.00")}
    drill = drill_report(
        books.finance, "mfg_profit_check", {"year": 2026}, "months", months.rows[0], "revenue"
    )
    assert drill.totals[7] == D("480.00")


@pytest.mark.salesdesk_sqlite_only
def test_every_report_exports_to_xlsx_in_chinese(books: Any, tmp_path: Any) -> None:
    import openpyxl

    from core.exports import export_report

    for report_id in (
        "mfg_collection_status",
        "mfg_receivables_ageing",
        "mfg_order_backlog",
        "mfg_tender_analysis",
        "mfg_profit_check",
    ):
        result = run_report(books.finance, report_id, {})
        written = export_report(
            books.finance, result, "xlsx", tmp_path / f"{report_id}.xlsx", lang="zh_CN"
        )
        sheet = openpyxl.load_workbook(written).worksheets[0]
        assert any(
            result.title_zh in str(c.value) for row in sheet.iter_rows() for c in row if c.value
        ), report_id
