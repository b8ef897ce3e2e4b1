"""Exports: every built-in exporter's output read back (openpyxl, csv, html), the formula
injection guard, the registry, and export_report's permission, cancel and clean-up."""

from __future__ import annotations

import csv
import datetime as dt
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from core.errors import NotFound, PermissionDenied
from core.exports import (
    ExportCancelled,
    ExportFailed,
    export_report,
    exporter_registry,
    is_formula_like,
    safe_text,
)
from core.hookspecs import hookimpl
from core.plugins import PluginManager
from core.reports import ChartSpec, Column, ColumnKind, ReportResult, Table
from plugins.exporters.exporters.csv_export import CsvExporter
from plugins.exporters.exporters.html_export import HtmlExporter
from plugins.exporters.exporters.xlsx import XlsxExporter, sheet_name

INJECTIONS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"]
GENERATED = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
COLUMNS = [
    Column("rep", "Rep", "业务员"),
    Column("day", "Day", "日期", ColumnKind.DATE),
    Column("visits", "Visits", "拜访", ColumnKind.INTEGER, total=True),
    Column("amount", "Amount", "金额", ColumnKind.MONEY, total=True),
    Column("share", "Completion", "完成率", ColumnKind.PERCENT),
]
ROWS = [
    ("Alice", dt.date(2026, 3, 1), 3, Decimal("1234.50"), Decimal("0.25")),
    ("王小明", dt.date(2026, 3, 2), 4, Decimal("10.00"), None),
    ("Bob", None, 5, Decimal("-4.50"), Decimal("1.5")),
]


def sales_table(rows: Any = None, **kw: Any) -> Table:
    rows = list(ROWS) if rows is None else rows
    kw.setdefault("totals", ("Total", None, 12, Decimal("1240.00"), Decimal("0.8")))
    return Table("by_rep", "Sales by rep", "按业务员销售", COLUMNS, rows, **kw)


def result_of(*tables: Table, charts: tuple[ChartSpec, ...] = ()) -> ReportResult:
    return ReportResult(
        "demo_sales",
        "Demo sales",
        "演示销售",
        {"month": "2026-03", "region": None, "reps": ["a", "b"]},
        list(tables),
        list(charts),
        GENERATED,
        "ACME & Sons",
    )


def rows_of(ws: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in ws.iter_rows()]


# ---------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Any:
    chart = ChartSpec("bar", "Amount by rep", "金额", "by_rep", "rep", ("amount", "visits"))
    path = XlsxExporter().write(result_of(sales_table(), charts=(chart,)), tmp_path / "r.xlsx")
    return openpyxl.load_workbook(path)


def test_xlsx_prints_company_title_params_and_time_above_the_table(workbook: Any) -> None:
    ws = workbook["Sales by rep"]
    assert [ws.cell(r, 1).value for r in range(1, 7)] == [
        "ACME & Sons",
        "Demo sales",
        "Parameters: month = 2026-03; reps = a, b",
        "Generated: 2026-03-16 09:30 UTC",
        None,
        "Rep",
    ]
    assert [c.value for c in ws[6]] == ["Rep", "Day", "Visits", "Amount", "Completion"]
    assert ws["A1"].font.b and ws["A6"].font.b


def test_xlsx_cells_are_typed_and_formatted(workbook: Any) -> None:
    ws = workbook["Sales by rep"]
    alice = ws[7]
    assert alice[0].value == "Alice" and alice[0].data_type == "s"
    assert alice[1].value == dt.datetime(2026, 3, 1) and alice[1].is_date
    assert alice[1].number_format == "yyyy-mm-dd"
    assert alice[2].value == 3 and isinstance(alice[2].value, int)
    assert alice[2].number_format == "#,##0"
    assert alice[3].value == pytest.approx(1234.5) and alice[3].data_type == "n"
    assert alice[3].number_format == "#,##0.00"
    assert alice[4].value == pytest.approx(0.25) and alice[4].number_format == "0.0%"
    assert ws["B9"].value is None and ws["E8"].value is None  # None stays empty
    assert ws["D9"].value == pytest.approx(-4.5)


def test_xlsx_totals_are_sum_formulas_over_the_data(workbook: Any) -> None:
    ws = workbook["Sales by rep"]
    assert [c.value for c in ws[10]] == [
        "Total",
        None,
        "=SUM(C7:C9)",
        "=SUM(D7:D9)",
        pytest.approx(0.8),
    ]
    assert ws["D10"].number_format == "#,##0.00" and ws["D10"].font.b
    assert ws.max_row == 10


def test_xlsx_freezes_the_header_and_filters_it(workbook: Any) -> None:
    ws = workbook["Sales by rep"]
    assert ws.freeze_panes == "A7"
    assert ws.auto_filter.ref == "A6:E9"


def test_xlsx_column_widths_count_cjk_characters_double(tmp_path: Path) -> None:
    cols = [Column("a", "A", "A"), Column("b", "B", "B")]
    table = Table("t", "T", "T", cols, [("销售区域销售区域销售区域", "abcdefghijkl")])
    ws = openpyxl.load_workbook(XlsxExporter().write(result_of(table), tmp_path / "w.xlsx"))
    widths = ws.active.column_dimensions
    assert widths["A"].width == 26  # 12 wide characters + 2
    assert widths["B"].width == 14  # 12 narrow characters + 2


def test_xlsx_has_a_native_chart_over_the_table(workbook: Any) -> None:
    ws = workbook["Sales by rep"]
    assert len(ws._charts) == 1
    chart = ws._charts[0]
    assert chart.tagname == "barChart" and chart.type == "bar"
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["'Sales by rep'!$D$7:$D$9", "'Sales by rep'!$C$7:$C$9"]
    assert chart.series[0].cat.numRef.f == "'Sales by rep'!$A$7:$A$9"
    assert chart.series[0].tx.strRef.f == "'Sales by rep'!D6"


def test_xlsx_line_chart_and_chinese_titles(tmp_path: Path) -> None:
    chart = ChartSpec("line", "Trend", "趋势", "by_rep", "rep", ("amount",))
    path = XlsxExporter().write(
        result_of(sales_table(), charts=(chart,)), tmp_path / "z.xlsx", lang="zh_CN"
    )
    ws = openpyxl.load_workbook(path)["按业务员销售"]
    assert ws["A2"].value == "演示销售" and ws["A6"].value == "业务员"
    assert ws["A10"].value == "合计"
    assert ws["A3"].value.startswith("参数：")  # #22: not "参数: "
    assert ws._charts[0].tagname == "lineChart"


def test_xlsx_one_sheet_per_table_with_safe_unique_names(tmp_path: Path) -> None:
    first = Table(
        "a", "Sales / returns [2026]: by rep and by product, long", "", COLUMNS, list(ROWS)
    )
    second = Table("b", "Sales / returns [2026]: by rep and by product, long", "", COLUMNS, [])
    path = XlsxExporter().write(result_of(first, second), tmp_path / "m.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Sales returns 2026 by rep and b", "Sales returns 2026 by rep a (2)"]
    assert all(len(n) <= 31 for n in wb.sheetnames)
    empty = wb.worksheets[1]
    assert empty["A2"].value == "Demo sales - Sales / returns [2026]: by rep and by product, long"
    assert [c.value for c in empty[7]] == ["Total", None, 0, 0, None]


def test_sheet_name_rules() -> None:
    taken: set[str] = set()
    assert sheet_name("'quoted'", taken) == "quoted"
    assert sheet_name("QUOTED", taken) == "QUOTED (2)"
    assert sheet_name("", taken) == "Sheet"
    assert sheet_name("a*b?c", taken) == "a b c"


def test_xlsx_streams_a_generator_with_progress(tmp_path: Path) -> None:
    count = 12_345

    def rows() -> Any:
        for i in range(count):
            yield (f"rep {i}", dt.date(2026, 1, 1), i, Decimal(i) / 100, Decimal("0.5"))

    seen: list[tuple[int, int | None]] = []
    table = sales_table(rows(), totals=None)
    XlsxExporter().write(
        result_of(table),
        tmp_path / "big.xlsx",
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[-1] == (count, None)
    assert len(seen) >= 3 and [d for d, _ in seen] == sorted(d for d, _ in seen)
    ws = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True).active
    last = list(ws.iter_rows(min_row=6 + count, max_row=7 + count, values_only=True))
    assert last[0][:3] == (f"rep {count - 1}", dt.datetime(2026, 1, 1), count - 1)
    assert last[1][:4] == ("Total", None, f"=SUM(C7:C{6 + count})", f"=SUM(D7:D{6 + count})")


def test_xlsx_formula_injection_round_trips_as_text(tmp_path: Path) -> None:
    cols = [Column("name", "Name", "名称"), Column("n", "N", "N", ColumnKind.INTEGER)]
    table = Table("t", "T", "T", cols, [(text, -1) for text in INJECTIONS])
    path = XlsxExporter().write(result_of(table), tmp_path / "inj.xlsx")
    ws = openpyxl.load_workbook(path).active
    cells = [ws.cell(7 + i, 1) for i in range(len(INJECTIONS))]
    assert [c.value for c in cells] == INJECTIONS
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert ws["B7"].value == -1 and ws["B7"].data_type == "n"
    assert not ws["A6"].quotePrefix


def test_xlsx_odd_values_stay_readable(tmp_path: Path) -> None:
    cols = [Column("a", "A", "A"), Column("b", "B", "B", ColumnKind.QUANTITY)]
    rows = [
        ("<b>&amp;\x01", float("nan")),
        (" padded ", True),
        (dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC), Decimal("2.5")),
        (dt.date(1800, 1, 1), 7),
    ]
    ws = openpyxl.load_workbook(
        XlsxExporter().write(result_of(Table("t", "T", "T", cols, rows)), tmp_path / "o.xlsx")
    ).active
    assert ws["A7"].value == "<b>&amp;" and ws["B7"].value is None
    assert ws["A8"].value == " padded " and ws["B8"].value is True
    assert ws["A9"].value == dt.datetime(2026, 3, 1, 12, 0)
    assert ws["A9"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["A10"].value == "1800-01-01" and ws["B10"].value == 7


# ---------------------------------------------------------------------------------------
# csv and html
# ---------------------------------------------------------------------------------------


def test_csv_without_bom_is_plain_data(tmp_path: Path) -> None:
    path = CsvExporter().write(result_of(sales_table()), tmp_path / "r.csv")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8").splitlines()))
    assert rows == [
        ["Rep", "Day", "Visits", "Amount", "Completion"],
        ["Alice", "2026-03-01", "3", "1234.50", "0.25"],
        ["王小明", "2026-03-02", "4", "10.00", ""],
        ["Bob", "", "5", "-4.50", "1.5"],
    ]


def test_csv_for_excel_has_a_bom_and_one_file_per_table(tmp_path: Path) -> None:
    second = Table("by_day", "By day", "按日", COLUMNS[:2], [("x", dt.date(2026, 1, 2))])
    exporter = CsvExporter(bom=True)
    assert exporter.id == "csv-excel"
    path = exporter.write(result_of(sales_table(), second), tmp_path / "r.csv", lang="zh_CN")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_text("utf-8-sig").splitlines()[0] == "业务员,日期,拜访,金额,完成率"
    sibling = tmp_path / "r-by_day.csv"
    assert sibling.read_text("utf-8-sig").splitlines() == ["业务员,日期", "x,2026-01-02"]


def test_csv_neutralises_formula_injection(tmp_path: Path) -> None:
    cols = [Column("name", "=Name", ""), Column("n", "N", "", ColumnKind.INTEGER)]
    table = Table("t", "T", "T", cols, [(text, -1) for text in INJECTIONS])
    path = CsvExporter().write(result_of(table), tmp_path / "inj.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["'=Name", "N"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in INJECTIONS]
    assert {r[1] for r in rows[1:]} == {"-1"}  # numbers are numbers, not text


def test_html_is_standalone_escaped_and_has_totals(tmp_path: Path) -> None:
    cols = [
        Column("name", "Name <b>", ""),
        Column("amount", "Amount", "", ColumnKind.MONEY, total=True),
    ]
    rows = [("<script>alert(1)</script>", Decimal("1000.5")), ("=1+1", Decimal("2"))]
    result = result_of(Table("t", "T & U", "", cols, rows, totals=None))
    result.company_name = "A<B>"
    page = HtmlExporter().write(result, tmp_path / "r.html").read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Name &lt;b&gt;" in page and "A&lt;B&gt;" in page
    assert "<td>&#x27;=1+1</td>" in page
    assert '<td class="num">1,000.50</td>' in page
    assert '<tfoot><tr><td>Total</td><td class="num">1,002.50</td></tr></tfoot>' in page
    assert "month = 2026-03" in page


# ---------------------------------------------------------------------------------------
# The guard itself
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_safe_text_prefixes_formula_like_text(text: str) -> None:
    assert is_formula_like(text)
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "", "1+1", "a=b", " =x", "'=already"])
def test_safe_text_leaves_other_text(text: str) -> None:
    assert safe_text(text) == text


# ---------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------


class _Broken:
    id = "Bad Id"
    title_en = "Broken"
    suffix = "txt"


class _Json(HtmlExporter):
    id = "json"


class _Plugin:
    @hookimpl
    def salesdesk_exporters(self) -> list[Any]:
        return [_Broken(), _Json(), _Json()]


def test_registry_reports_and_skips_bad_contributions() -> None:
    from plugins import exporters

    pm = PluginManager()
    pm.register(exporters, "exporters")
    pm.register(_Plugin(), "third")
    found = exporter_registry(pm)
    assert sorted(found) == ["csv", "csv-excel", "html", "json", "pdf", "xlsx"]
    errors = pm.info["third"].errors
    assert any("exporter Bad Id" in e and "suffix 'txt'" in e and "'write'" in e for e in errors)
    assert any("exporter id 'json' is already taken" in e for e in errors)
    assert pm.info["exporters"].errors == []


# ---------------------------------------------------------------------------------------
# export_report: permission, unknown format, cancel, failure
# ---------------------------------------------------------------------------------------


def test_export_report_writes_into_place(salesdesk_world: Any, tmp_path: Path) -> None:
    written = export_report(
        salesdesk_world.admin, result_of(sales_table()), "xlsx", tmp_path / "out"
    )
    assert written == tmp_path / "out.xlsx"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]
    assert openpyxl.load_workbook(written).active["A7"].value == "Alice"
    into_folder = export_report(salesdesk_world.admin, result_of(sales_table()), "csv", tmp_path)
    assert into_folder == tmp_path / "demo_sales.csv"


def test_export_report_names_the_known_formats(salesdesk_world: Any, tmp_path: Path) -> None:
    with pytest.raises(
        NotFound,
        match=r"no export format 'odt'; the formats are: xlsx, csv, csv-excel, html, pdf",
    ):
        export_report(salesdesk_world.admin, result_of(sales_table()), "odt", tmp_path / "r.odt")


def test_export_report_refuses_a_user_without_report_run(
    salesdesk_world: Any, tmp_path: Path
) -> None:
    nobody = salesdesk_world.user("nobody", [])
    with pytest.raises(PermissionDenied, match="may not run reports"):
        export_report(nobody, result_of(sales_table()), "xlsx", tmp_path / "r.xlsx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html", "pdf"])
def test_cancelled_export_leaves_no_file(salesdesk_world: Any, tmp_path: Path, fmt: str) -> None:
    stop = threading.Event()

    def rows() -> Any:
        for i in range(50_000):
            if i == 20_000:
                stop.set()  # the user presses cancel half way
            yield ("r", dt.date(2026, 1, 1), i, Decimal(i), None)

    target = tmp_path / f"r.{fmt}"
    target.write_text("older export")
    with pytest.raises(ExportCancelled):
        export_report(
            salesdesk_world.admin, result_of(sales_table(rows())), fmt, target, cancel=stop
        )
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert target.read_text() == "older export"


def test_failing_exporter_leaves_no_file(salesdesk_world: Any, tmp_path: Path) -> None:
    def rows() -> Any:
        yield ROWS[0]
        raise RuntimeError("database went away")

    failed = r"^Export as Excel workbook \(\.xlsx\) failed.*: RuntimeError: database went away"
    with pytest.raises(ExportFailed, match=failed):
        export_report(salesdesk_world.admin, result_of(sales_table(rows())), "xlsx", tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_no_totals_row_when_there_is_nothing_to_total(tmp_path: Path) -> None:
    cols = [Column("a", "A", "A"), Column("price", "Price", "", ColumnKind.MONEY)]
    table = Table("t", "T", "T", cols, [("x", Decimal("1.00"))], totals=("Total", None))
    ws = openpyxl.load_workbook(XlsxExporter().write(result_of(table), tmp_path / "n.xlsx")).active
    assert ws.max_row == 7 and ws["A7"].value == "x"


def test_html_writes_negative_numbers_as_numbers(tmp_path: Path) -> None:
    """The formula guard is for text: a negative figure is not a formula to neutralise."""
    cols = [
        Column("name", "Name", ""),
        Column("amount", "Amount", "", ColumnKind.MONEY),
        Column("growth", "Growth", "", ColumnKind.PERCENT),
        Column("visits", "Visits", "", ColumnKind.INTEGER),
    ]
    rows = [("-dash", Decimal("-1234.5"), Decimal("-0.57"), -3)]
    page = (
        HtmlExporter()
        .write(result_of(Table("t", "T", "", cols, rows, totals=None)), tmp_path / "n.html")
        .read_text("utf-8")
    )
    assert '<td class="num">-1,234.50</td>' in page
    assert '<td class="num">-57.0%</td>' in page
    assert '<td class="num">-3</td>' in page
    assert "<td>&#x27;-dash</td>" in page  # text that starts like a formula still is guarded
