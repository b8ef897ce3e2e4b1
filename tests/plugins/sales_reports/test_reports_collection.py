"""The collection form (回款情况表) and receivables ageing (应收账款账龄分析) of the standard
reports, for a company that imports its sales: every figure below is computed by hand
from the lines and receipts of ``build`` (SQLite and PostgreSQL).

As of 2026-03-16 (the conftest clock). Amounts are gross (价税合计): net plus the VAT of
each line rounded to the cent. Receipts settle a customer's oldest sales first.

C1 (rep_a, N1): 2026-01-10 100.00 @13% = 113.00; 2026-02-14 200.00 @13% = 226.00 (30 days
old on 16 March); 2026-03-01 return -50.00 @13% = -56.50; receipt 2026-02-01 150.00, more
than the oldest sale: 113.00 settled, 37.00 spills onto 14 February, which the return's
56.50 settles further: open 226.00 - 93.50 = 132.50.
C2 (rep_b, S): 2025-03-01 10.00 without a rate, so at the company's 13% = 11.30 (380 days),
as the gross sales forms count it; 2025-12-01 55.55 @6% = 58.88 (105 days); 2026-02-13
1000.00 @13% = 1130.00 (31 days); receipt 2026-03-05 5.00 settles the oldest: 6.30 open
there. Open 1195.18.
C3 (rep_a, N, the parent region): 2026-03-16 10.00 @13% = 11.30, unpaid.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from reports_helpers import by_key, column, total

from core.models import SalesLine
from core.reports import drill_report, report_registry, run_report
from core.services.organisation import set_company
from core.services.receipts import record_receipt

M = Decimal
D = dt.date
R13 = M("0.13")

# (date, customer, net amount, VAT rate, return reason)
LINES = [
    (D(2026, 1, 10), "C1", "100.00", R13, None),
    (D(2026, 2, 14), "C1", "200.00", R13, None),
    (D(2026, 3, 1), "C1", "-50.00", R13, "damaged"),
    (D(2025, 3, 1), "C2", "10.00", None, None),
    (D(2025, 12, 1), "C2", "55.55", M("0.06"), None),
    (D(2026, 2, 13), "C2", "1000.00", R13, None),
    (D(2026, 3, 16), "C3", "10.00", R13, None),
]
RECEIPTS = [(D(2026, 2, 1), "C1", "150.00"), (D(2026, 3, 5), "C2", "5.00")]


@pytest.fixture
def cw(salesdesk_world: Any) -> Any:
    salesdesk_world.region("N")
    salesdesk_world.region("N1", parent="N")
    salesdesk_world.region("S")
    salesdesk_world.rep_a = salesdesk_world.user("rep_a", "sales_rep", region="N1")
    salesdesk_world.rep_b = salesdesk_world.user("rep_b", "sales_rep", region="S")
    finance = salesdesk_world.user("qian", "finance")
    owners = {
        "C1": (salesdesk_world.rep_a, "N1"),
        "C2": (salesdesk_world.rep_b, "S"),
        "C3": (salesdesk_world.rep_a, "N"),
    }
    ids = {
        code: salesdesk_world.customer(owner, region, code=code, name=f"Cust {code}").id
        for code, (owner, region) in owners.items()
    }
    product = salesdesk_world.product("P1", "100.00").id
    with salesdesk_world.runtime.db.write_session() as session, session.begin():
        session.execute(
            sa.insert(SalesLine),
            [
                {
                    "date": d,
                    "customer_id": ids[c],
                    "product_id": product,
                    "rep_id": owners[c][0].actor.id,
                    "region_id": salesdesk_world.region_id(owners[c][1]),
                    "quantity": M(-1 if a.startswith("-") else 1),
                    "amount": M(a),
                    "tax_rate": rate,
                    "return_reason": reason,
                }
                for d, c, a, rate, reason in LINES
            ],
        )
    for day, code, amount in RECEIPTS:
        record_receipt(finance, ids[code], day, amount)
    return salesdesk_world


def test_collection_form_per_customer(cw: Any) -> None:
    result = run_report(cw.admin, "collection_status", {})
    assert result.params["start"] == "2026-01-01" and result.params["end"] == "2026-03-16"
    assert column(result, "customers", "customer_code") == ["C1", "C2", "C3"]
    assert by_key(result, "customers", "customer_code", "net") == {
        "C1": M("250.00"),
        "C2": M("1000.00"),
        "C3": M("10.00"),
    }
    assert by_key(result, "customers", "customer_code", "sales") == {
        "C1": M("282.50"),
        "C2": M("1130.00"),
        "C3": M("11.30"),
    }
    assert by_key(result, "customers", "customer_code", "received") == {
        "C1": M("150.00"),
        "C2": M("5.00"),
        "C3": M("0.00"),
    }
    assert by_key(result, "customers", "customer_code", "collection_rate") == {
        "C1": M("0.5310"),
        "C2": M("0.0044"),
        "C3": M("0"),
    }
    assert by_key(result, "customers", "customer_code", "outstanding") == {
        "C1": M("132.50"),
        "C2": M("1195.18"),
        "C3": M("11.30"),
    }
    assert by_key(result, "customers", "customer_code", "rep") == {
        "C1": "rep_a",
        "C2": "rep_b",
        "C3": "rep_a",
    }
    assert total(result, "customers", "sales") == M("1423.80")
    assert total(result, "customers", "received") == M("155.00")
    # the rate of the totals is recomputed (155 / 1423.80), not summed nor averaged
    assert total(result, "customers", "collection_rate") == M("0.1089")
    assert total(result, "customers", "outstanding") == M("1338.98")
    assert any("价税合计" in zh and "VAT" in en for en, zh in result.captions)


def test_collection_form_for_an_earlier_period_and_date(cw: Any) -> None:
    """To 31 January: C1's receipt of 1 February is not in yet; C2 sold nothing in the
    period but still owes last year's sales; C3 had not bought."""
    result = run_report(cw.admin, "collection_status", {"end": "2026-01-31"})
    rows = {r[0]: r[3:] for r in result.table("customers").rows}
    assert rows == {
        "C1": (M("100.00"), M("113.00"), M("0.00"), M("0"), M("113.00")),
        "C2": (M("0.00"), M("0.00"), M("0.00"), None, M("70.18")),
    }


def test_ageing_buckets_from_the_oldest_first_settlement(cw: Any) -> None:
    result = run_report(cw.admin, "receivables_ageing", {})
    rows = {r[0]: r[3:] for r in result.table("ageing").rows}
    z = M("0.00")
    assert rows == {  # 0-30, 31-60, 61-90, 91-180, 181-365, >365, outstanding
        "C1": (M("132.50"), z, z, z, z, z, M("132.50")),  # day 30: still 0-30
        "C2": (z, M("1130.00"), z, M("58.88"), z, M("6.30"), M("1195.18")),  # day 31
        "C3": (M("11.30"), z, z, z, z, z, M("11.30")),
    }
    assert total(result, "ageing", "outstanding") == M("1338.98")
    assert total(result, "ageing", "d0_30") == M("143.80")
    later = run_report(cw.admin, "receivables_ageing", {"as_of": "2026-03-17"})
    assert by_key(later, "ageing", "customer_code", "d31_60")["C1"] == M("132.50")


def test_ageing_and_collection_agree_and_drill_to_their_figures(cw: Any) -> None:
    form = run_report(cw.admin, "collection_status", {})
    ageing = run_report(cw.admin, "receivables_ageing", {})
    assert total(form, "customers", "outstanding") == total(ageing, "ageing", "outstanding")
    c1 = next(r for r in form.table("customers").rows if r[0] == "C1")
    lines = drill_report(cw.admin, "collection_status", {}, "customers", c1, "sales")
    assert [r[4] for r in lines.rows] == ["", "", "damaged"]
    assert lines.totals[lines.index("amount")] == M("282.50")
    assert lines.totals[lines.index("tax")] == M("32.50")
    paid = drill_report(cw.admin, "collection_status", {}, "customers", c1, "received")
    assert paid.rows and paid.totals[paid.index("amount")] == M("150.00")
    owed = drill_report(cw.admin, "collection_status", {}, "customers", c1, "outstanding")
    assert [(r[0], r[3], r[5], r[6]) for r in owed.rows] == [
        (D(2026, 2, 14), 30, M("93.50"), M("132.50"))
    ]
    table = ageing.table("ageing")
    for row in table.rows:
        for col in table.drill_columns:
            found = drill_report(cw.admin, "receivables_ageing", {}, "ageing", row, col)
            assert found.totals[found.index("amount")] == row[table.index(col)], (row, col)
    every = drill_report(cw.admin, "receivables_ageing", {}, "ageing", None, "outstanding")
    assert every.totals[every.index("amount")] == M("1338.98")


def test_a_rep_sees_only_own_customers_and_filters_narrow(cw: Any) -> None:
    mine = run_report(cw.rep_a, "collection_status", {})
    assert column(mine, "customers", "customer_code") == ["C1", "C3"]
    assert total(mine, "customers", "outstanding") == M("143.80")
    ageing = run_report(cw.rep_a, "receivables_ageing", {})
    assert column(ageing, "ageing", "customer_code") == ["C1", "C3"]
    assert total(ageing, "ageing", "outstanding") == M("143.80")
    every = drill_report(cw.rep_a, "receivables_ageing", {}, "ageing", None, "outstanding")
    assert {r[1] for r in every.rows} == {"C1", "C3"}
    by_rep = run_report(cw.admin, "collection_status", {"rep": "rep_b"})
    assert column(by_rep, "customers", "customer_code") == ["C2"]
    region = run_report(cw.admin, "receivables_ageing", {"region": "N"})  # N1 is below N
    assert column(region, "ageing", "customer_code") == ["C1", "C3"]
    office = run_report(cw.admin, "collection_status", {"region": "N1"})
    assert column(office, "customers", "customer_code") == ["C1"]


def test_titles_and_columns_in_chinese(cw: Any) -> None:
    reports = report_registry(cw.admin.plugins)
    assert reports["collection_status"].title("zh_CN") == "回款情况表"
    assert reports["receivables_ageing"].title("zh_CN") == "应收账款账龄分析"
    ageing = run_report(cw.admin, "receivables_ageing", {})
    assert [c.title_zh for c in ageing.table("ageing").columns][3:] == [
        "0-30天",
        "31-60天",
        "61-90天",
        "91-180天",
        "181-365天",
        "365天以上",
        "应收合计",
    ]
    form = run_report(cw.admin, "collection_status", {})
    assert "回款率" in [c.title_zh for c in form.table("customers").columns]


def test_the_standard_profile_lists_both_reports(salesdesk_world: Any) -> None:
    from core.runtime import open_runtime
    from core.services import company

    company.set_profile(salesdesk_world.admin, "standard")
    runtime = open_runtime(salesdesk_world.runtime.db.url)
    try:
        loaded = {name for name, info in runtime.plugins.info.items() if info.loaded}
        assert "manufacturing" not in loaded and "sales_reports" in loaded
        reports = report_registry(runtime.plugins)
        assert {"collection_status", "receivables_ageing"} <= set(reports)
        assert not any(r.startswith("mfg_") for r in reports)
    finally:
        runtime.db.dispose()


def test_receivables_count_a_line_without_a_rate_as_the_gross_forms_do(cw: Any) -> None:
    """One rule for a line without a VAT rate: the company's rate, in the gross sales
    forms and in what customers owe alike (changing the rate moves both)."""
    set_company(cw.admin, {"vat_rate": "0.10"})
    ageing = run_report(cw.admin, "receivables_ageing", {})
    assert by_key(ageing, "ageing", "customer_code", "over_365")["C2"] == M("6.00")
    multi = run_report(
        cw.admin, "multi_year", {"as_of": "2025-03-31", "years": "2", "amounts": "gross"}
    )
    assert total(multi, "months", "y2025") == M("11.00")
