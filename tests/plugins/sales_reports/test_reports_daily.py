"""The rep's daily visit form and weekly report (issue #22, docs/domain.md section 7):
the paper form's header, visits with times and amounts and their totals, tomorrow's plan,
how the day's plan was kept; exported to xlsx and PDF with the sign-off lines."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from core.errors import NotFound
from core.exports import export_report
from core.reports import drill_report, run_report
from core.services import activities, customers, daily

M = Decimal
DAY = dt.date(2026, 3, 16)  # the test clock's day (a Monday)


@pytest.fixture
def day_world(salesdesk_world: Any) -> Any:
    """rep_a's Monday: two visits with times and amounts, one of the two plans made on
    Sunday kept, two visits planned for Tuesday."""
    salesdesk_world.region("EAST", name="华东区")
    mgr = salesdesk_world.user("mgr", "sales_manager", region="EAST")
    rep = salesdesk_world.user("rep_a", "sales_rep", region="EAST", manager=mgr)
    other = salesdesk_world.user("rep_b", "sales_rep", region="EAST", manager=mgr)
    c = [
        salesdesk_world.customer(rep, region="EAST", code=f"K{i}", name=f"客户{i}")
        for i in range(4)
    ]
    yesterday = DAY - dt.timedelta(days=1)
    for customer in c[:2]:
        daily.plan_visit(
            rep, {"planned_on": yesterday, "customer_id": customer.id, "purpose": "order"}
        )
    daily.open_header(rep, {"date": DAY, "weather": "rain"})
    met = customers.add_contact(rep, c[0].id, {"name": "王经理"})
    activities.log_visit(
        rep,
        {
            "date": DAY,
            "customer_id": c[0].id,
            "contact_id": met.id,
            "visit_time": "09:00",
            "end_time": "10:30",
            "purpose": "order",
            "result": "签单",
            "order_amount": "12000.50",
            "collection_amount": "0",
        },
    )
    activities.log_visit(
        rep,
        {
            "date": DAY,
            "customer_id": c[2].id,
            "visit_time": "14:00",
            "end_time": "15:00",
            "purpose": "collection",
            "order_amount": "0",
            "collection_amount": "8000.25",
            "next_visit": DAY + dt.timedelta(days=1),
        },
    )
    daily.plan_visit(rep, {"planned_on": DAY, "customer_id": c[3].id, "notes": "送样品"})
    activities.log_visit(other, {"date": DAY})
    return salesdesk_world, salesdesk_world.context(mgr.actor), rep, other, c


def test_the_daily_form_reads_like_the_paper_form(day_world: Any) -> None:
    _world, _mgr, rep, _other, _c = day_world
    result = run_report(rep, "daily_visit_form", {"as_of": DAY.isoformat()})
    assert result.table("header").rows == [("华东区", "rep_a", "Rep_A", DAY, "Rain")]
    visits = result.table("visits")
    assert [(r[0], r[1], r[2], r[4], r[8], r[9]) for r in visits.rows] == [
        ("09:00", "10:30", "K0", "王经理", M("12000.50"), M("0")),
        ("14:00", "15:00", "K2", "", M("0"), M("8000.25")),
    ]
    assert visits.totals[visits.index("order_amount")] == M("12000.50")
    assert visits.totals[visits.index("collection_amount")] == M("8000.25")
    plan = result.table("plan")  # a plan line and a visit's next-visit date
    assert [(r[0], r[3]) for r in plan.rows] == [("K3", "送样品"), ("K2", "")]
    done = result.table("done")
    assert [(r[0], r[5]) for r in done.rows] == [("K0", 1), ("K1", 0)]
    assert done.totals[done.index("status")] == "1 / 2"


def test_a_manager_prints_a_reps_form_and_a_rep_only_their_own(day_world: Any) -> None:
    _world, mgr, _rep, other, _c = day_world
    seen = run_report(mgr, "daily_visit_form", {"as_of": DAY.isoformat(), "rep": "rep_a"})
    assert len(seen.table("visits").rows) == 2
    with pytest.raises(NotFound):
        run_report(other, "daily_visit_form", {"as_of": DAY.isoformat(), "rep": "rep_a"})


def test_the_weekly_report_sums_each_day(day_world: Any) -> None:
    world, _mgr, rep, _other, c = day_world
    world.clock.advance(days=1)
    activities.log_visit(
        rep,
        {
            "date": DAY + dt.timedelta(days=1),
            "customer_id": c[3].id,
            "purpose": "order",
            "order_amount": "100",
        },
    )
    result = run_report(rep, "rep_weekly_visits", {"as_of": "2026-03-18"})
    days = result.table("days")
    assert [r[0] for r in days.rows] == [DAY + dt.timedelta(days=i) for i in range(7)]
    monday, tuesday = days.rows[0], days.rows[1]
    assert monday[2:] == (2, 1, M("12000.50"), M("8000.25"), 2, 1, M("0.5"))
    assert tuesday[2:] == (1, 1, M("100.00"), M("0.00"), 2, 1, M("0.5"))
    assert days.totals[2:] == (3, 2, M("12100.50"), M("8000.25"), 4, 2, M("0.5"))
    lines = drill_report(
        rep, "rep_weekly_visits", {"as_of": "2026-03-18"}, "days", monday, "visits"
    )
    assert len(lines.rows) == 2


def test_the_forms_export_to_xlsx(day_world: Any, tmp_path: Path) -> None:
    _world, _mgr, rep, _other, _c = day_world
    result = run_report(rep, "daily_visit_form", {"as_of": DAY.isoformat()})
    path = export_report(rep, result, "xlsx", tmp_path / "day", lang="zh_CN")
    cells = [
        str(v)
        for ws in openpyxl.load_workbook(path).worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    assert "华东区" in cells and "09:00" in cells and "10:30" in cells
    assert any(c.startswith("12000.5") for c in cells)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_daily_form_prints_with_the_signoff_lines(day_world: Any, tmp_path: Path) -> None:
    _world, _mgr, rep, _other, _c = day_world
    result = run_report(rep, "daily_visit_form", {"as_of": DAY.isoformat()})
    path = export_report(rep, result, "pdf", tmp_path / "day", lang="zh_CN")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "业务员销售日报表",
        "华东区",
        "天气",
        "14:00",
        "12,000.50",
        "制表人",
        "审核人",
    ):
        assert expected in text, expected


def test_the_daily_form_lays_out_for_print_without_a_pdf_reader(
    day_world: Any, tmp_path: Path
) -> None:
    """What the PDF prints, read before layout (pdftotext is not everywhere)."""
    from core.exports import Signoff, Ticker
    from plugins.exporters.exporters.pdf_export import read_table, register_font, story

    _world, _mgr, rep, _other, _c = day_world
    result = run_report(rep, "daily_visit_form", {"as_of": DAY.isoformat()})
    grids = {t.id: read_table(t, "zh_CN", Ticker(None, None, 0)) for t in result.tables}
    assert grids["header"].header == ["区域", "填报人", "姓名", "日期", "天气"]
    assert grids["visits"].rows[0][:2] == ["09:00", "10:30"]
    assert grids["visits"].totals[8] == "12,000.50"
    register_font()
    flowables = story(result, list(grids.values()), "zh_CN", Signoff("Rep_A", DAY), 500.0)
    signoff = flowables[-1]._content[-1]._cellvalues[0]
    assert [c.split("：")[0] for c in signoff] == ["制表人", "审核人", "日期"]
    path = export_report(rep, result, "pdf", tmp_path / "day", lang="zh_CN")
    assert path.read_bytes()[:4] == b"%PDF"


def test_the_command_line_prints_the_form_in_the_language_asked(
    day_world: Any, salesdesk_run: Any
) -> None:
    from core.i18n import set_lang

    try:
        result = salesdesk_run.cli(
            "report",
            "run",
            "daily_visit_form",
            "-p",
            "rep=rep_a",
            "-p",
            "as_of=2026-03-16",
            "--lang",
            "zh_CN",
        )
    finally:
        set_lang(None)
    assert result.exit_code == 0, result.output
    assert "业务员销售日报表" in result.output
    for word in ("雨", "订货", "收款", "已完成", "未完成", "12,000.50"):
        assert word in result.output, word
