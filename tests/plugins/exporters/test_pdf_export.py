"""The pdf exporter: a standard form run in Chinese is exported, rendered to PNG with
poppler's ``pdftoppm`` and read back with ``pdftotext`` (Debian poppler-utils)."""

from __future__ import annotations

import itertools
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from reports_helpers import build

from core.company import COMPANY_NAME_KEY
from core.exports import ExportCancelled, export_report
from core.reports import Column, ColumnKind, ReportResult, Table, run_report
from core.services.company import set_setting
from plugins.exporters.exporters.pdf_export import PdfExporter

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) not installed",
)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def page_sizes(path: Path) -> list[tuple[float, float]]:
    """(width, height) in points of every page, from ``pdfinfo``."""
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], check=True, capture_output=True, text=True
    ).stdout
    sizes = []
    for line in info.splitlines():
        if line.startswith("Page") and "size:" in line:
            words = line.split("size:")[1].split()
            sizes.append((float(words[0]), float(words[2])))
    return sizes


def render(path: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))],
        check=True,
        capture_output=True,
    )
    return sorted(path.parent.glob(f"{path.stem}*.png"))


@pytest.fixture
def sw(salesdesk_world: Any) -> Any:
    sw = build(salesdesk_world)
    set_setting(salesdesk_world.admin, COMPANY_NAME_KEY, "华东机电有限公司")
    return sw


def test_a_chinese_standard_form_prints_to_pdf(sw: Any, tmp_path: Path) -> None:
    result = run_report(sw.admin, "daily_sales", {"as_of": "2026-03-10"})
    path = export_report(sw.admin, result, "pdf", tmp_path / "daily", lang="zh_CN")
    assert path == tmp_path / "daily.pdf" and path.read_bytes().startswith(b"%PDF")
    text = pdf_text(path)
    assert "华东机电有限公司" in text
    assert "销售日报表" in text or result.title_zh in text
    assert "150.50" in text  # rep_a's month to date
    assert "合计" in text
    assert "制表人：Admin" in text and "审核人" in text and "日期：2026-03-16" in text
    assert "第 1 页，共 1 页" in text
    assert page_sizes(path) == [(595.276, 841.89)]  # A4 portrait
    pngs = render(path)
    assert len(pngs) == 1 and pngs[0].stat().st_size > 5_000


def test_a_wide_report_goes_landscape_over_numbered_pages(sw: Any, tmp_path: Path) -> None:
    """Twelve columns with long English titles do not fit upright."""
    result = run_report(sw.admin, "rep_monthly", {"month": "2026-03-01", "as_of": "2026-03-31"})
    path = export_report(sw.rep_a, result, "pdf", tmp_path / "wide.pdf", lang="en")
    sizes = page_sizes(path)
    assert sizes == [(841.89, 595.276)] * len(sizes)  # A4 landscape
    text = pdf_text(path)
    assert "Salesperson monthly performance" in text and "Same month last year" in text
    assert "1,149.50" in text and "574.8%" in text  # actual and completion of rep_a
    assert "Prepared by: Rep_A" in text  # whoever exported it
    assert "Actual vs target" in text  # the report's chart, drawn under its table
    assert f"Page 1 of {len(sizes)}" in text
    assert render(path)


def test_a_long_table_repeats_its_header_and_numbers_every_page(tmp_path: Path) -> None:
    cols = [
        Column("name", "Customer", "客户"),
        Column("amount", "Amount", "金额", ColumnKind.MONEY, total=True),
    ]
    rows = itertools.chain(
        ((f"Customer {i}", Decimal(i)) for i in range(1, 301)), [("=cmd|x", Decimal("-57.50"))]
    )
    result = ReportResult(
        "long",
        "Long list",
        "长清单",
        {},
        [Table("t", "T", "T", cols, rows, totals=("Total", None))],
        company_name="ACME",
    )
    path = PdfExporter().write(result, tmp_path / "long.pdf", lang="en")
    pages = pdf_text(path).split("\f")[:-1]
    assert len(pages) > 3
    assert all("Customer" in p and "Amount" in p for p in pages)
    assert all(f"Page {n} of {len(pages)}" in p for n, p in enumerate(pages, start=1))
    assert "45,092.50" in pages[-1] and "Prepared by: ____" in pages[-1]
    assert "-57.50" in pages[-1] and "'-57.50" not in pages[-1]  # a number, not a formula
    assert "=cmd|x" in pages[-1]  # a pdf runs no formulas: text is printed as it is


def test_a_table_too_wide_even_landscape_prints_in_slices_of_columns(tmp_path: Path) -> None:
    years = [
        Column(f"y{y}", str(y), f"{y}年销售额", ColumnKind.MONEY, total=True)
        for y in range(2000, 2030)
    ]
    rows = [
        ("华东区", *(Decimal("12345678.90") for _ in years)),
        ("华南区", *(Decimal(-1) for _ in years)),
    ]
    table = Table("t", "T", "T", [Column("region", "Region", "区域"), *years], rows)
    result = ReportResult("wide", "Wide", "宽表", {}, [table])
    path = PdfExporter().write(result, tmp_path / "w.pdf", lang="zh_CN")
    assert page_sizes(path)[0] == (841.89, 595.276)
    text = pdf_text(path)
    assert all(f"{y}年销售额" in text for y in range(2000, 2030))  # no column is cut off
    assert "续表：第 2 部分" in text
    assert text.count("华东区") == text.count("续表") + 1  # the region repeats in each slice
    assert "12,345,677.90" in text and "-1.00" in text  # a year's total and a loss


def test_a_report_without_tables_still_prints_its_form(tmp_path: Path) -> None:
    result = ReportResult("none", "Nothing", "无数据", {}, [])
    text = pdf_text(PdfExporter().write(result, tmp_path / "e.pdf", lang="zh_CN"))
    assert "无数据" in text and "制表人" in text and "第 1 页，共 1 页" in text


def test_cancel_while_the_pages_are_laid_out_leaves_no_file(
    salesdesk_world: Any, tmp_path: Path
) -> None:
    """Reading the rows is quick; laying out the pages is what takes long, so the cancel
    button is also heard page by page."""
    asked = itertools.count()
    cols = [Column("name", "Customer", "客户")]
    table = Table("t", "T", "T", cols, [(f"Customer {i}",) for i in range(500)])
    result = ReportResult("long", "Long list", "长清单", {}, [table])
    target = tmp_path / "r.pdf"
    with pytest.raises(ExportCancelled):  # asked once after reading, then on page 2
        export_report(salesdesk_world.admin, result, "pdf", target, cancel=lambda: next(asked) >= 3)
    assert list(tmp_path.iterdir()) == []


def test_every_standard_form_prints_in_chinese(sw: Any, tmp_path: Path) -> None:
    from core.reports import report_registry

    reports = {
        k: r
        for k, r in report_registry(sw.admin.plugins).items()
        if type(r).__module__.startswith("plugins.sales_reports")
    }
    assert len(reports) >= 10
    for report_id, report in reports.items():
        raw = {"as_of": "2026-03-16"} if "as_of" in report.Params.model_fields else {}
        result = run_report(sw.admin, report_id, raw)
        path = export_report(sw.admin, result, "pdf", tmp_path / report_id, lang="zh_CN")
        text = pdf_text(path)
        assert result.title_zh in text and "制表人：Admin" in text, report_id


def test_column_slices_repeat_the_names_and_are_even() -> None:
    from plugins.exporters.exporters.pdf_export import column_groups

    widths, numeric = [80.0, 60.0, *[70.0] * 11], [False, False, *[True] * 11]
    assert column_groups(widths, numeric, 960.0) == [list(range(13))]  # fits: one slice
    groups = column_groups(widths, numeric, 500.0)  # five figures fit beside the names
    assert all(g[:2] == [0, 1] for g in groups)  # the names lead every slice
    assert sorted(i for g in groups for i in g[2:]) == list(range(2, 13))
    assert [len(g) - 2 for g in groups] == [4, 4, 3]  # not 5, 5 and one alone
