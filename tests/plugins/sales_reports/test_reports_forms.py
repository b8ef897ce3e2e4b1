"""The standard forms: totals equal hand-computed figures on the fixed lines of
``reports_helpers``; every drillable figure equals the rows its drill-down returns, for
a group admin and for a rep (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from reports_helpers import build, by_key, column, total

from core.errors import NotFound
from core.reports import ColumnKind, drill_report, report_registry, run_report

M = Decimal
P = {"as_of": "2026-03-16"}


@pytest.fixture
def sw(salesdesk_world):
    return build(salesdesk_world)


def test_daily_sales(sw):
    result = run_report(sw.admin, "daily_sales", {"as_of": "2026-03-10"})
    assert result.table("reps").rows == [
        ("rep_a", "Rep_A", 1, 1, M("1.000"), M("50.50"), M("150.50"))
    ]
    assert by_key(result, "products", "product", "amount") == {"P2": M("50.50")}
    assert total(result, "reps", "mtd") == M("150.50")
    other = run_report(sw.rep_b, "daily_sales", {"as_of": "2026-03-10"})
    assert other.table("reps").rows == []
    later = run_report(sw.admin, "daily_sales", P)  # rep_a sold this month, not today
    assert by_key(later, "reps", "rep", "amount") == {None: M("10.00"), "rep_a": M("0.00")}
    assert total(later, "reps", "mtd") == M("160.50")


def test_rep_monthly(sw):
    """March 2026 as of the 16th: 1-16 March against 1-16 March 2025 (issue #19.2; the
    sale of 20 March is after the report date, the 5.00 of 17 March 2025 after its match)."""
    result = run_report(sw.admin, "rep_monthly", {"month": "2026-03-01"})
    assert by_key(result, "reps", "rep", "actual") == {
        "rep_a": M("150.50"),
        "rep_b": M("0.00"),
        None: M("10.00"),
    }
    assert by_key(result, "reps", "rep", "completion")["rep_a"] == M("0.7525")
    assert by_key(result, "reps", "rep", "ly")["rep_a"] == M("80.00")
    assert by_key(result, "reps", "rep", "growth")["rep_a"] == M("0.8812")
    assert by_key(result, "reps", "rep", "ytd_target") == {
        "rep_a": M("300.00"),
        "rep_b": M("400.00"),
        None: M("0.00"),
    }
    assert total(result, "reps", "ytd") == M("500.50")
    assert total(result, "reps", "ytd_ly") == M("280.00")
    assert any("2025-03-16" in en and "同期可比" in zh for en, zh in result.captions)
    mine = run_report(sw.rep_b, "rep_monthly", {"month": "2026-03-01"})
    assert column(mine, "reps", "rep") == ["rep_b"]
    assert total(mine, "reps", "ytd_completion") == M("0.85")


def test_rep_monthly_whole_month_only_when_asked(sw):
    full = run_report(sw.admin, "rep_monthly", {"month": "2026-03-01", "compare_full": True})
    assert by_key(full, "reps", "rep", "ly")["rep_a"] == M("85.00")
    assert total(full, "reps", "ytd_ly") == M("285.00")
    assert any("Full-period" in en for en, _zh in full.captions)
    closed = run_report(sw.admin, "rep_monthly", {"month": "2026-02-01"})
    assert by_key(closed, "reps", "rep", "actual")["rep_b"] == M("300.00")
    assert by_key(closed, "reps", "rep", "ly")["rep_b"] == M("200.00")


def test_monthly_sales(sw):
    result = run_report(sw.admin, "monthly_sales", P)
    assert column(result, "months", "amount") == [M("40.00"), M("300.00"), M("160.50")]
    assert column(result, "months", "ly") == [M("0.00"), M("200.00"), M("80.00")]
    assert column(result, "months", "cumulative")[-1] == M("500.50")
    assert total(result, "months", "lines") == 5
    assert by_key(result, "products", "product", "total") == {"P1": M("400.00"), "P2": M("100.50")}
    assert by_key(result, "products", "product", "m03")["P2"] == M("60.50")
    mine = run_report(sw.rep_a, "monthly_sales", P)
    assert total(mine, "months", "amount") == M("150.50")
    assert total(mine, "months", "ly") == M("80.00")


def test_customer_changes(sw):
    result = run_report(sw.admin, "customer_changes", P)
    rows = result.table("months").rows
    assert rows == [
        ("2026-01", 1, 1, 0, 1, 0),
        ("2026-02", 1, 0, 0, 0, 0),
        ("2026-03", 3, 3, 1, 1, 2),
    ]
    # last year to 16 March 2025 (C1, C3), not C2's sale of 31 December 2025 (#19.2)
    assert result.table("year").rows == [("2026", 4, 2, 1, 0, 2)]
    mine = run_report(sw.rep_a, "customer_changes", P)
    assert mine.table("months").rows[-1] == ("2026-03", 2, 2, 0, 0, 2)
    north = run_report(sw.admin, "customer_changes", {**P, "region": "N"})
    assert north.table("year").rows == [("2026", 3, 1, 1, 0, 2)]
    whole = run_report(sw.admin, "customer_changes", {**P, "compare_full": True})
    assert whole.table("year").rows == [("2026", 4, 3, 1, 0, 1)]


def test_customer_changes_partial_month_against_the_same_days(sw):
    """As of 5 March, 1-5 March (C1) is compared with 1-5 February (nobody), so C3, who
    bought on 15 February, is not yet 'lost'; the whole of February only when asked."""
    early = {"as_of": "2026-03-05"}
    result = run_report(sw.admin, "customer_changes", early)
    assert result.table("months").rows[-1] == ("2026-03", 1, 1, 0, 0, 1)
    assert any("2026-02-01 – 2026-02-05" in en for en, _zh in result.captions)
    whole = run_report(sw.admin, "customer_changes", {**early, "compare_full": True})
    assert whole.table("months").rows[-1] == ("2026-03", 1, 1, 0, 1, 0)
    lost = drill_report(
        sw.admin,
        "customer_changes",
        {**early, "compare_full": True},
        "months",
        whole.table("months").rows[-1],
        "lost",
    )
    assert lost.row_count == 1


def test_multi_year(sw):
    """As of 16 March: 2025 is read to 16 March 2025, not to 31 December (issue #19.2)."""
    result = run_report(sw.admin, "multi_year", P)
    months = {r[0]: r[1:] for r in result.table("months").rows}
    assert months["02"] == (M("0.00"), M("200.00"), M("300.00"), M("0.5"))
    assert months["03"][1:3] == (M("80.00"), M("160.50"))
    assert months["12"][1:3] == (M("0.00"), M("0.00"))
    assert total(result, "months", "y2025") == M("280.00")
    assert total(result, "months", "y2026") == M("500.50")
    assert total(result, "months", "growth") == M("0.7875")
    assert by_key(result, "regions", "region", "y2025") == {
        "N1": M("80.00"),
        "S": M("200.00"),
        "N": M("0.00"),
    }
    assert any("2025-01-01 – 2025-03-16" in en for en, _zh in result.captions)


def test_multi_year_whole_years_only_when_asked(sw):
    result = run_report(sw.admin, "multi_year", {**P, "compare_full": True})
    assert total(result, "months", "y2025") == M("355.00")
    assert by_key(result, "regions", "region", "y2025")["N1"] == M("155.00")
    assert any("Full-period" in en for en, _zh in result.captions)


def test_price_list(sw):
    result = run_report(sw.admin, "price_list", P)
    rows = {r[0]: r for r in result.table("products").rows}
    table = result.table("products")
    assert rows["P1"][table.index("quantity")] == M("6.000")
    assert rows["P1"][table.index("amount")] == M("470.00")
    assert rows["P1"][table.index("avg_price")] == M("78.33")
    assert rows["P1"][table.index("discount")] == M("0.3472")
    assert rows["P1"][table.index("margin")] is None
    assert rows["P2"][table.index("margin")] == M("0.3333")
    assert total(result, "products", "amount") == M("570.50")
    assert total(run_report(sw.rep_b, "price_list", P), "products", "amount") == M("340.00")


def test_budget_vs_actual(sw):
    result = run_report(sw.admin, "budget_vs_actual", {**P, "dimension": "rep"})
    assert column(result, "months", "target")[:3] == [M("400.00"), M("100.00"), M("200.00")]
    assert column(result, "months", "actual")[:3] == [M("40.00"), M("300.00"), M("160.50")]
    assert total(result, "months", "target") == M("700.00")
    assert total(result, "months", "completion") == M("0.715")
    assert by_key(result, "reps", "key", "actual") == {
        "rep_a": M("150.50"),
        "rep_b": M("340.00"),
        None: M("10.00"),
    }
    mine = run_report(sw.rep_a, "budget_vs_actual", {**P, "dimension": "rep"})
    assert total(mine, "months", "target") == M("300.00")
    assert total(mine, "months", "actual") == M("150.50")
    company = run_report(sw.rep_a, "budget_vs_actual", P)
    assert total(company, "months", "target") == M("0.00")  # no company plan for a rep


def test_activity_stats(sw):
    result = run_report(sw.admin, "activity_stats", P)
    ranking = result.table("ranking").rows
    # reps only: the manager, who made no visit, is not the day's worst (issue #22)
    assert [(r[1], r[3], r[4]) for r in ranking] == [("rep_a", 2, 1), ("rep_b", 1, 1)]
    assert [r[1] for r in result.table("extremes").rows] == ["rep_a", "rep_b"]
    assert by_key(result, "month", "rep", "visits") == {"rep_a": 2, "rep_b": 2}
    assert by_key(result, "month", "rep", "collection")["rep_b"] == 1
    mine = run_report(sw.rep_b, "activity_stats", P)
    assert [r[1] for r in mine.table("ranking").rows] == ["rep_b"]
    assert total(mine, "month", "visits") == 2


def _check_drill(ctx, report_id, params, table, row, col):
    figure = (table.totals if row is None else row)[table.index(col.id)]
    if figure is None:
        return
    lines = drill_report(ctx, report_id, params, table.id, row, col.id)
    if col.kind is ColumnKind.MONEY:
        assert lines.totals[lines.index("amount")] == figure, (report_id, table.id, col.id)
    elif col.kind is ColumnKind.QUANTITY:
        assert lines.totals[lines.index("quantity")] == figure, (report_id, col.id)
    elif lines.id == "activities" or col.id == "lines":
        assert lines.row_count == figure, (report_id, table.id, col.id, row)
    else:  # a count of customers
        customers = {r[lines.index("customer_code")] for r in lines.rows}
        assert len(customers) == figure, (report_id, table.id, col.id, row)


REPORT_PARAMS = {
    "rep_monthly": {"month": "2026-03-01"},
    "daily_sales": {"as_of": "2026-03-10"},
    "budget_vs_actual": {**P, "dimension": "rep"},
}


@pytest.mark.parametrize("who", ["admin", "rep_a"])
def test_every_drill_down_sums_to_its_figure(sw, who):
    ctx = getattr(sw, who)
    reports = report_registry(ctx.plugins)
    checked = 0
    for report_id in (
        "daily_sales",
        "rep_monthly",
        "monthly_sales",
        "customer_changes",
        "multi_year",
        "price_list",
        "budget_vs_actual",
        "activity_stats",
    ):
        params = REPORT_PARAMS.get(report_id, P)
        result = run_report(ctx, report_id, params)
        assert reports[report_id].title_zh
        for table in result.tables:
            for col in (c for c in table.columns if c.id in table.drill_columns):
                for row in table.rows:
                    _check_drill(ctx, report_id, params, table, row, col)
                    checked += 1
                if col.total:
                    try:
                        _check_drill(ctx, report_id, params, table, None, col)
                    except NotFound:
                        continue
    assert checked > 50


def test_drill_lines_of_a_rep_stay_within_the_rules(sw):
    lines = drill_report(sw.rep_a, "monthly_sales", P, "months", None, "amount")
    assert {r[lines.index("rep")] for r in lines.rows} == {"rep_a"}
    assert lines.totals[lines.index("amount")] == M("150.50")


def test_quantities_show_their_own_places() -> None:
    from tui.widgets.report_table import quantity_text

    assert quantity_text(Decimal("118.60")) == "118.60"  # an area keeps its cents
    assert quantity_text(Decimal("1704.00")) == "1,704.00"
    assert quantity_text(Decimal("3")) == "3"
    assert quantity_text(Decimal("0.333333333")) == "0.333"
    assert quantity_text(2.5) == "2.5"


def test_a_date_parameter_hint_reads_in_chinese() -> None:
    import datetime as dt

    import pydantic

    from core.i18n import set_lang
    from tui.screens.reports import param_specs

    class Params(pydantic.BaseModel):
        as_of: dt.date | None = pydantic.Field(None, title="As of", description="Next visit")

    try:
        set_lang("zh_CN")
        (spec,), _values = param_specs(Params)
    finally:
        set_lang(None)
    assert spec.placeholder == "YYYY-MM-DD · 下次拜访"
