"""The report kit (core/report_kit.py): numbers, the totals convention, shared parameters
(region with the regions below it, like-for-like periods), the worked example of
docs/plugins.md, and that the plugins use the kit instead of their own copies."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pydantic
import pytest
from reports_helpers import build

from core import report_kit as kit
from core.errors import ValidationFailed
from core.i18n import set_lang
from core.reports import TOTAL_EN, ColumnKind, report_registry, run_report

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


# -- numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "cents"),
    [
        ("0.005", "0.01"),
        ("0.0049", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),
        (2.675, "2.68"),
        ("1.125", "1.13"),
        (None, "0.00"),
        (0, "0.00"),
        (7, "7.00"),
        (Decimal("10.994999"), "10.99"),
    ],
)
def test_money_rounds_half_up_to_the_cent(raw, cents):
    value = kit.money(raw)
    assert value == Decimal(cents) and str(value) == cents


def test_quantity_rounds_to_the_unit():
    assert str(kit.quantity("1.2345")) == "1.235"
    assert str(kit.quantity(None)) == "0.000"


@pytest.mark.parametrize("func", [kit.ratio, kit.percent, kit.growth])
@pytest.mark.parametrize(
    ("part", "whole"), [(5, 0), (5, Decimal("0.00")), (5, None), (None, 5), (Decimal("0"), 0)]
)
def test_ratios_are_none_without_a_denominator(func, part, whole):
    assert func(part, whole) is None


def test_ratio_percent_and_growth_values():
    assert kit.ratio(1, 3) == Decimal("0.3333")
    assert kit.percent(Decimal("150.50"), Decimal("200.00")) == Decimal("0.7525")
    assert kit.growth(Decimal("150.50"), Decimal("80.00")) == Decimal("0.8812")  # half-even
    assert kit.growth(0, 80) == Decimal("-1.0000")
    assert kit.ratio(Decimal("10"), 4, unit=kit.CENT) == Decimal("2.50")


# -- the totals convention -------------------------------------------------------------------


COLUMNS = [
    kit.text_column("rep", "Rep", "业务员"),
    kit.integer_column("orders", "Orders", "订单数"),
    kit.money_column("actual", "Actual", "实际"),
    kit.money_column("target", "Target", "指标"),
    kit.percent_column("completion", "Completion", "达成率"),
    kit.money_column("last_year", "Last year", "去年"),
    kit.percent_column("growth", "Growth", "增长率"),
    kit.date_column("last", "Last sale", "最近销售"),
]


def test_totals_sum_money_and_counts_and_recompute_ratios():
    rows = [
        (
            "a",
            2,
            Decimal("100.00"),
            Decimal("100.00"),
            Decimal("1.0000"),
            Decimal("50.00"),
            Decimal("1.0000"),
            D(2026, 3, 1),
        ),
        ("b", 1, Decimal("50.00"), Decimal("200.00"), Decimal("0.2500"), None, None, None),
    ]
    totals = kit.totals_row(
        COLUMNS,
        rows,
        ratios={"completion": ("actual", "target")},
        growths={"growth": ("actual", "last_year")},
    )
    # 150 / 300, not 1.00 + 0.25 nor their average; growth (150 - 50) / 50
    assert totals == (
        TOTAL_EN,
        3,
        Decimal("150.00"),
        Decimal("300.00"),
        Decimal("0.5000"),
        Decimal("50.00"),
        Decimal("2.0000"),
        None,
    )
    assert isinstance(totals[1], int)


def test_totals_of_no_rows_are_zero_and_undefined_ratios():
    totals = kit.totals_row(COLUMNS, [], ratios={"completion": ("actual", "target")})
    assert totals == (
        TOTAL_EN,
        0,
        Decimal("0.00"),
        Decimal("0.00"),
        None,
        Decimal("0.00"),
        None,
        None,
    )


def test_percent_and_ratio_columns_are_never_summed():
    assert not kit.percent_column("p", "P", "比").total
    assert not kit.ratio_column("r", "R", "比").total
    assert kit.ratio_column("r", "R", "比").kind is ColumnKind.QUANTITY


# -- parameters ------------------------------------------------------------------------------


def test_params_refuse_unknown_names_and_compose_in_order():
    class P(kit.CompareParams, kit.RegionParams, kit.AsOfParams):
        pass

    assert list(P.model_fields) == ["as_of", "region", "compare_full"]
    assert list(kit.AsOfRegionParams.model_fields) == ["as_of", "region"]
    with pytest.raises(pydantic.ValidationError):
        P(as_of=D(2026, 1, 1), regoin="N")
    assert kit.AmountsParams().amounts == "net"
    with pytest.raises(pydantic.ValidationError):
        kit.AmountsParams(amounts="both")


@pytest.mark.parametrize(
    ("now", "full", "then"),
    [
        ((D(2026, 12, 1), D(2026, 12, 6)), False, (D(2025, 12, 1), D(2025, 12, 6))),  # partial
        ((D(2026, 11, 1), D(2026, 11, 30)), False, (D(2025, 11, 1), D(2025, 11, 30))),  # whole
        ((D(2026, 12, 1), D(2026, 12, 6)), True, (D(2025, 12, 1), D(2025, 12, 31))),  # asked
        ((D(2027, 1, 1), D(2027, 1, 6)), False, (D(2026, 1, 1), D(2026, 1, 6))),  # year boundary
        ((D(2028, 2, 1), D(2028, 2, 29)), False, (D(2027, 2, 1), D(2027, 2, 28))),  # leap month
        ((D(2028, 2, 29), D(2028, 2, 29)), False, (D(2027, 2, 28), D(2027, 2, 28))),  # 29 Feb
    ],
)
def test_compared_is_like_for_like_unless_asked(now, full, then):
    got, (en, zh) = kit.compared(now, full)
    assert got == then
    assert ("Full-period" in en) is full and then[0].isoformat() in en and zh


def test_compared_with_the_previous_month():
    then, _ = kit.compared((D(2026, 3, 1), D(2026, 3, 30)), back="month")
    assert then == (D(2026, 2, 1), D(2026, 2, 28))


def test_spans_are_cut_at_the_report_date():
    day = D(2026, 5, 20)
    assert kit.month_span(D(2026, 5, 3), day) == (D(2026, 5, 1), day)
    assert kit.month_span(D(2026, 4, 3), day) == (D(2026, 4, 1), D(2026, 4, 30))
    assert kit.quarter_span(day, day) == (D(2026, 4, 1), day)
    assert kit.year_span(2025, day) == (D(2025, 1, 1), D(2025, 12, 31))
    assert kit.year_span(2026, day) == (D(2026, 1, 1), day)


@pytest.fixture
def sw(world):
    return build(world)


def test_period_defaults_and_refuses_start_after_end(sw):
    ctx = sw.admin  # the conftest clock: 2026-03-16
    assert kit.period(ctx, kit.PeriodParams()) == (D(2026, 1, 1), D(2026, 3, 16))
    assert kit.period(ctx, kit.PeriodParams(), "month") == (D(2026, 3, 1), D(2026, 3, 16))
    with pytest.raises(ValidationFailed) as err:
        kit.period(ctx, kit.PeriodParams(start=D(2026, 3, 2), end=D(2026, 3, 1)))
    assert err.value.problems[0].field == "start"


def test_region_includes_the_regions_below_it(sw):
    with sw.admin.reading() as session:
        assert kit.region_ids(session, "N") == {sw.ids["N"], sw.ids["N1"]}
        assert kit.region_ids(session, "N1") == {sw.ids["N1"]}
        assert kit.region_ids(session, None) is None


def test_an_unknown_region_is_refused_in_the_readers_language(sw):
    set_lang("zh_CN")
    try:
        with sw.admin.reading() as session, pytest.raises(ValidationFailed) as err:
            kit.region_ids(session, "XX")
    finally:
        set_lang("en")
    assert err.value.problems[0].field == "region"
    assert err.value.problems[0].expected == "一个存在的区域编码"


def test_rep_channel_and_product_lookups(sw):
    with sw.admin.reading() as session:
        assert kit.rep_id(session, "rep_a") == sw.ids["rep_a"]
        assert kit.product_id(session, "P2") == sw.ids["P2"]
        assert kit.channel_id(session, None) is None
        with pytest.raises(ValidationFailed):
            kit.channel_id(session, "NOPE")


# -- the worked example of docs/plugins.md ---------------------------------------------------


def _doc_example() -> type:
    page = (ROOT / "docs" / "plugins.md").read_text("utf-8")
    section = page[page.index("### The report kit") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    space: dict = {}
    exec(compile(code, "docs/plugins.md", "exec"), space)  # the page's own code
    return space["RegionMonth"]


def test_the_documented_example_runs_with_the_region_subtree(sw, monkeypatch):
    report = _doc_example()()
    monkeypatch.setattr("core.reports.report_registry", lambda plugins: {report.id: report})
    # 1-16 March 2026 against 1-16 March 2025 (the line of 17 March 2025 is left out)
    result = run_report(sw.admin, report.id, {"as_of": "2026-03-16"})
    table = result.table("regions")
    assert table.rows == [
        ("N", Decimal("10.00"), Decimal("0.00"), None),
        ("N1", Decimal("150.50"), Decimal("80.00"), Decimal("0.8812")),
    ]
    assert table.totals == (TOTAL_EN, Decimal("160.50"), Decimal("80.00"), Decimal("1.0062"))
    assert any("2025-03-01 – 2025-03-16" in en for en, _ in result.captions)
    assert result.charts[0].table_id == "regions"
    north = run_report(sw.admin, report.id, {"as_of": "2026-03-16", "region": "N"})
    assert [r[0] for r in north.table("regions").rows] == ["N", "N1"]  # N and below
    north1 = run_report(sw.admin, report.id, {"as_of": "2026-03-16", "region": "N1"})
    assert [r[0] for r in north1.table("regions").rows] == ["N1"]
    assert run_report(sw.admin, report.id, {"region": "S"}).table("regions").rows == []


# -- the plugins use the kit -----------------------------------------------------------------


def test_every_built_in_report_is_written_on_the_kit(sw):
    reports = report_registry(sw.admin.plugins)
    assert len(reports) > 20
    assert [r.id for r in reports.values() if not isinstance(r, kit.ReportBase)] == []
    assert [r.id for r in reports.values() if not issubclass(r.Params, kit.KitParams)] == []


COPIES = re.compile(
    r"^CENT = |^def money\(value|^class (BaseReport|_Base|_Report)\b|"
    r"^class (AsOf|Period|Compare)Params\(pydantic",
    re.M,
)


def test_no_plugin_keeps_its_own_copy_of_the_kit():
    sources = [*ROOT.glob("plugins/**/*.py"), *ROOT.glob("examples/**/*.py")]
    found = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in sources
        for m in COPIES.finditer(p.read_text("utf-8"))
    ]
    assert found == []


def test_parameter_errors_read_in_the_readers_language(sw):
    """#22: a report's parameter error showed pydantic's English ("Input should be a valid
    integer") on a Chinese screen. The shared mapping of pydantic's error types is used."""
    set_lang("zh_CN")
    try:
        with pytest.raises(ValidationFailed) as err:
            run_report(sw.admin, "top_customers", {"top": "abc", "as_of": "2026-02-30"})
        with pytest.raises(ValidationFailed) as big:
            run_report(sw.admin, "top_customers", {"top": "5000"})
    finally:
        set_lang("en")
    shown = {p.field: p.expected_text() for p in err.value.problems}
    assert shown["top"] == "整数"
    assert "YYYY-MM-DD" in shown["as_of"] and "日期" in shown["as_of"]
    assert "Input should" not in str(err.value) and "valid" not in str(err.value)
    assert big.value.problems[0].expected_text() == "不大于 1000"
    with pytest.raises(ValidationFailed) as english:
        run_report(sw.admin, "top_customers", {"top": "abc"})
    assert english.value.problems[0].expected_text() == "a whole number"
