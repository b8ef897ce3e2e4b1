"""Issue #17.6: a company that only imports its sales (no order-to-cash documents) gets
the collection form (客户销售收款状况分析表) and the receivables ageing from its imported
sales (gross: net plus each line's VAT, returns netted) and the core's receipts, entered
or imported. Every figure below is worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry, Receipt
from core.reports import drill_report, run_report
from core.services.importing import import_file
from core.services.receipts import record_receipt

D = Decimal
SALES = (
    "date,customer_code,product_code,quantity,amount,tax_rate,return_reason\n"
    "2026-01-10,{c},FL-100,10,1000.05,0.13,\n"  # tax 130.0065 -> 130.01
    "2026-02-20,{c},RG-200,3,100.50,13%,\n"  # tax 13.065 -> 13.07 (half up)
    "2026-03-01,{c},FL-100,-1,-100.00,0.13,破损 damaged\n"  # return: -113.00
    "2026-03-10,{c},RG-200,2,200.00,,\n"
)  # no rate: the company's 13 %, as the gross sales forms count it: 226.00
PERIOD = {"start": "2026-01-01", "end": "2026-03-16"}


@pytest.fixture
def trading(shop: Any, tmp_path: Path) -> Any:
    """The shop's customer with imported sales and receipts, and no documents."""
    shop.cashier = shop.world.user("cashier", "finance")
    sales = tmp_path / "sales.csv"
    sales.write_text(SALES.format(c=shop.customer.code), encoding="utf-8")
    import_file(shop.cashier, "sales_lines", sales)
    receipts = tmp_path / "receipts.csv"
    receipts.write_text(
        f"收款日期,客户编码,金额,发票号\n2026-02-01,{shop.customer.code},500.00,INV-1\n",
        encoding="utf-8",
    )
    assert import_file(shop.cashier, "receipts", receipts).rows == 1
    record_receipt(shop.cashier, shop.customer.id, dt.date(2026, 3, 5), "300.00", note="bank")
    return shop


def test_collection_form_of_an_import_only_company(trading: Any) -> None:
    result = run_report(trading.sales, "mfg_collection_status", PERIOD)
    table = result.tables[0]
    (row,) = table.rows
    v = dict(zip([c.id for c in table.columns], row, strict=True))
    assert v["ordered"] == D("0.00") and v["delivered"] == D("0.00")
    # 1130.06 + 113.57 - 113.00 + 226.00
    assert v["invoiced"] == D("1356.63")
    assert v["received"] == D("800.00")
    assert v["collection_rate"] == D("0.5897")
    # receipts and the return settle the oldest day first: 1130.06 - 913.00 is open
    # and was due 2026-02-09 (30 days' payment terms)
    assert v["receivable"] == D("556.63") and v["overdue"] == D("217.06")
    overdue = drill_report(
        trading.sales, "mfg_collection_status", PERIOD, "customers", row, "overdue"
    )
    assert [(r[3], r[5], r[6], r[7], r[8]) for r in overdue.rows] == [
        (dt.date(2026, 1, 10), D("1130.06"), D("913.00"), D("217.06"), 35)
    ]
    receivable = drill_report(
        trading.sales, "mfg_collection_status", PERIOD, "customers", row, "receivable"
    )
    assert receivable.totals[7] == v["receivable"]
    received = drill_report(
        trading.sales, "mfg_collection_status", PERIOD, "customers", row, "received"
    )
    assert [(r[0], r[3], r[5]) for r in received.rows] == [
        (dt.date(2026, 2, 1), "INV-1", D("500.00")),
        (dt.date(2026, 3, 5), "", D("300.00")),
    ]
    assert received.totals[5] == v["received"]
    assert table.drill_columns == ("received", "receivable", "overdue")


def test_ageing_of_an_import_only_company(trading: Any) -> None:
    result = run_report(trading.sales, "mfg_receivables_ageing", {"as_of": "2026-03-16"})
    (row,) = result.tables[0].rows
    v = dict(zip([c.id for c in result.tables[0].columns], row, strict=True))
    assert (v["current"], v["d30"], v["d60"], v["open"]) == (
        D("339.57"),
        D("0.00"),
        D("217.06"),
        D("556.63"),
    )
    earlier = run_report(trading.sales, "mfg_receivables_ageing", {"as_of": "2026-01-31"})
    (row,) = earlier.tables[0].rows  # before any receipt: the whole first day is open
    assert row[-1] == D("1130.06")


def test_receipts_need_finance_and_are_audited(trading: Any, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        record_receipt(trading.sales, trading.customer.id, dt.date(2026, 3, 6), "1.00")
    path = tmp_path / "more.csv"
    path.write_text(
        f"date,customer_code,amount\n2026-03-06,{trading.customer.code},1\n", encoding="utf-8"
    )
    with pytest.raises(PermissionDenied):
        import_file(trading.sales, "receipts", path)
    with pytest.raises(ValidationFailed):
        record_receipt(trading.cashier, trading.customer.id, dt.date(2026, 3, 6), "-5")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,customer_code,amount\n2026-03-06,NOPE,0\n,x,1.001\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        import_file(trading.cashier, "receipts", bad)
    assert {(p.row, p.field) for p in info.value.problems} == {
        (2, "customer_code"),
        (2, "amount"),
        (3, "date"),
        (3, "customer_code"),
        (3, "amount"),
    }
    with trading.world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Receipt)) == 2
        audited = set(
            session.scalars(sa.select(AuditEntry.entity).where(AuditEntry.actor_login == "cashier"))
        )
    assert {"sales_receipt", "import_batch"} <= audited
