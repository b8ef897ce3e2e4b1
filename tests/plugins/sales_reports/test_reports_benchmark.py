"""Q1-Q3 (rep periods, month x product x region, top customers): hand-computed totals,
record rules, drill-down sums, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reports_helpers import AS_OF, build, by_key, total

from core.reports import drill_report, run_report

M = Decimal


@pytest.fixture
def sw(salesdesk_world):
    return build(salesdesk_world)


def test_rep_periods_totals_by_hand(sw):
    result = run_report(sw.admin, "rep_periods", {"as_of": str(AS_OF)})
    assert by_key(result, "reps", "rep", "mtd") == {
        "rep_a": M("150.50"),
        "rep_b": M("0.00"),
        None: M("10.00"),
    }
    assert by_key(result, "reps", "rep", "qtd")["rep_b"] == M("340.00")
    assert by_key(result, "reps", "rep", "ytd_ly") == {
        "rep_a": M("80.00"),
        "rep_b": M("200.00"),
        None: M("0.00"),
    }
    assert by_key(result, "reps", "rep", "mtd_target")["rep_a"] == M("200.00")
    assert by_key(result, "reps", "rep", "qtd_target")["rep_a"] == M("300.00")
    assert by_key(result, "reps", "rep", "mtd_pct")["rep_a"] == M("0.7525")
    assert by_key(result, "reps", "rep", "ytd_pct")["rep_b"] == M("0.85")
    assert total(result, "reps", "ytd") == M("500.50")
    assert total(result, "reps", "mtd_ly") == M("80.00")


@pytest.mark.parametrize(
    ("who", "mtd", "ytd"),
    [
        ("rep_a", "150.50", "150.50"),
        ("mgr", "150.50", "150.50"),
        ("rep_b", "0.00", "340.00"),
        ("boss_n", "160.50", "160.50"),
    ],
)
def test_rep_periods_follow_record_rules(sw, who, mtd, ytd):
    result = run_report(getattr(sw, who), "rep_periods", {"as_of": str(AS_OF)})
    assert total(result, "reps", "mtd") == M(mtd)
    assert total(result, "reps", "ytd") == M(ytd)
    reps = set(by_key(result, "reps", "rep", "ytd"))
    # lines without a rep are visible only to readers scoped by region
    assert (None in reps) == (who == "boss_n")


def test_rep_periods_drill_sums_to_figure(sw):
    params = {"as_of": str(AS_OF)}
    result = run_report(sw.admin, "rep_periods", params)
    table = result.table("reps")
    for row in table.rows:
        for col in ("mtd", "qtd", "ytd_ly"):
            lines = drill_report(sw.admin, "rep_periods", params, "reps", row, col)
            assert lines.totals[lines.index("amount")] == row[table.index(col)]
    lines = drill_report(sw.admin, "rep_periods", params, "reps", None, "ytd")
    assert lines.totals[lines.index("amount")] == total(result, "reps", "ytd")
    mine = drill_report(sw.rep_a, "rep_periods", params, "reps", None, "ytd")
    assert {r[mine.index("rep")] for r in mine.rows} == {"rep_a"}


def test_product_region_months(sw):
    result = run_report(sw.admin, "product_region_months", {"as_of": str(AS_OF)})
    assert total(result, "cells", "amount") == M("855.50")
    cells = result.table("cells")
    march = [r for r in cells.rows if r[0] == "2026-03" and r[1] == "P1"]
    assert [(r[3], r[7]) for r in march] == [("N1", M("100.00"))]
    mine = run_report(sw.rep_a, "product_region_months", {"as_of": str(AS_OF)})
    assert total(mine, "cells", "amount") == M("305.50")
    for row in mine.table("cells").rows:
        lines = drill_report(
            sw.rep_a, "product_region_months", {"as_of": str(AS_OF)}, "cells", row, "amount"
        )
        assert lines.totals[lines.index("amount")] == row[7]


def test_product_region_months_region_filter(sw):
    result = run_report(sw.admin, "product_region_months", {"as_of": "2026-03-31", "region": "N"})
    assert total(result, "cells", "amount") == M("1314.50")  # N1 and N, line 3 included


def test_top_customers(sw):
    result = run_report(sw.admin, "top_customers", {"as_of": str(AS_OF)})
    assert [r[1] for r in result.table("customers").rows] == ["C3", "C1", "C2", "C4"]
    assert by_key(result, "customers", "customer", "ytd") == {
        "C3": M("340.00"),
        "C1": M("100.00"),
        "C2": M("50.50"),
        "C4": M("10.00"),
    }
    assert by_key(result, "customers", "customer", "ytd_ly")["C3"] == M("200.00")
    assert by_key(result, "customers", "customer", "growth")["C3"] == M("0.7")
    # a whole month: read from the YTD summary, the late March line counts
    month_end = run_report(sw.admin, "top_customers", {"as_of": "2026-03-31", "top": "2"})
    assert by_key(month_end, "customers", "customer", "ytd") == {
        "C1": M("1099.00"),
        "C3": M("340.00"),
    }
    assert total(month_end, "customers", "share") == M("0.9597")  # 1439.00 / 1499.50


def test_top_customers_rep_sees_own(sw):
    result = run_report(sw.rep_a, "top_customers", {"as_of": "2026-03-31"})
    assert by_key(result, "customers", "customer", "ytd") == {"C1": M("1099.00"), "C2": M("50.50")}
    row = result.table("customers").rows[0]
    lines = drill_report(
        sw.rep_a, "top_customers", {"as_of": "2026-03-31"}, "customers", row, "ytd"
    )
    assert lines.totals[lines.index("amount")] == M("1099.00")
