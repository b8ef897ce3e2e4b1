"""Campaign effect arithmetic on hand-checkable data, record rules for a rep, drill-downs.

Campaign SPRING 2026-03-01..14 (14 days), target: machinery customers in north.
Costs (actual): 1000 + 500 = 1500. Leads L1 (rep1), L2, L3 (rep2). Deals: L1 6000 won
(inherits the lead's source), L2 3000 won, D 2000 open (source set by hand), L3 999 from
another source (not counted). Segment sales lines (A: rep1, D: rep2; B retail and E south
are outside the segment):
  during   A 03-05 1200, D 03-10 300                   = 1500
  LY       A 2025-03-05 800, D 2025-03-10 200          = 1000  -> uplift 0.5
  before   A 02-20 1000, D 02-25 200 (02-15..02-28)    = 1200  -> uplift 0.25
  4 weeks  + A 02-03 600 (02-01..02-28) = 1800 x 14/28 =  900  -> uplift 0.6667
Hence: cost per lead 1500/3 = 500, cost per won deal 1500/2 = 750,
ROI (9000 - 1500) / 1500 = 5.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from marketing_helpers import approved_campaign

from core.exports import export_report
from core.reports import drill_report, run_report
from core.services import customers, opportunities
from plugins.marketing.services import attribution, campaigns

D = Decimal


@pytest.fixture
def spring(salesdesk_world: Any, mk: dict[str, Any]) -> dict[str, Any]:
    camp = approved_campaign(mk)
    campaigns.set_status(mk["planner"], camp.id, "running")
    for cost in (
        {
            "date": "2026-02-25",
            "category": "advertising",
            "medium": "print",
            "budget": "1200",
            "actual": "1000",
        },
        {"date": "2026-03-01", "category": "gifts", "budget": "500", "actual": "500"},
    ):
        campaigns.add_cost(mk["planner"], camp.id, cost)
    rep1, rep2, boss = mk["rep1"], mk["rep2"], mk["boss"]
    leads = [
        attribution.create_lead(
            mk["planner"],
            "SPRING",
            {
                "name": f"Lead {i}",
                "industry": "machinery",
                "region_id": salesdesk_world.region_id("north"),
            },
        )
        for i in (1, 2, 3)
    ]
    assert all(lead.owner_id is None and lead.source == "SPRING" for lead in leads)
    for lead, rep in zip(leads, (rep1, rep2, rep2), strict=True):
        customers.assign_customer(boss, lead.id, rep.actor.id)
    won1 = opportunities.create_opportunity(
        rep1, {"customer_id": leads[0].id, "title": "L1 deal", "amount": "6000"}
    )
    won2 = opportunities.create_opportunity(
        rep2, {"customer_id": leads[1].id, "title": "L2 deal", "amount": "3000"}
    )
    opportunities.create_opportunity(
        rep2, {"customer_id": leads[2].id, "title": "L3", "amount": "999", "source": "fair"}
    )
    a = salesdesk_world.customer(owner=rep1, region="north", industry="machinery", name="A")
    b = salesdesk_world.customer(owner=rep1, region="north", industry="retail", name="B")
    d = salesdesk_world.customer(owner=rep2, region="north", industry="machinery", name="D")
    e = salesdesk_world.customer(owner=rep2, region="south", industry="machinery", name="E")
    by_hand = opportunities.create_opportunity(
        rep2, {"customer_id": d.id, "title": "D", "amount": "2000"}
    )
    attribution.attribute_opportunity(rep2, by_hand.id, "SPRING", by_hand.version)
    opportunities.win(rep1, won1.id)
    opportunities.win(rep2, won2.id)
    p = salesdesk_world.product(code="P1")
    lines = (
        (a, "2026-03-05", "1200", rep1),
        (a, "2025-03-05", "800", rep1),
        (a, "2026-02-20", "1000", rep1),
        (a, "2026-02-03", "600", rep1),
        (d, "2026-03-10", "300", rep2),
        (d, "2025-03-10", "200", rep2),
        (d, "2026-02-25", "200", rep2),
        (b, "2026-03-05", "5000", rep1),
        (e, "2026-03-05", "7000", rep2),
    )
    salesdesk_world.sales_lines(
        {"date": dt.date.fromisoformat(day), "customer": c, "product": p, "amount": a, "rep": rep}
        for c, day, a, rep in lines
    )
    return {"campaign": camp, "leads": leads}


def effect_row(ctx: Any, **params: Any) -> tuple:
    (row,) = (
        run_report(ctx, "marketing_campaign_effect", {"campaign": "SPRING", **params})
        .table("effect")
        .rows
    )
    return row


def test_effect_arithmetic(spring: dict[str, Any], mk: dict[str, Any]) -> None:
    row = effect_row(mk["boss"])
    assert row[2:] == (
        3,
        3,
        2,
        D("9000.00"),
        D("1500.00"),
        D("500.00"),
        D("750.00"),
        D("5.0000"),
        D("1500.00"),
        D("1000.00"),
        D("0.5000"),
        D("1200.00"),
        D("0.2500"),
    )
    totals = run_report(mk["boss"], "marketing_campaign_effect", {}).table("effect").totals
    # leads, deals and costs add up across campaigns; overlapping segment sales do not
    assert totals[2:10] == row[2:10] and totals[10:] == (None,) * 5


def test_uplift_against_four_weeks_before_is_scaled(
    spring: dict[str, Any], mk: dict[str, Any]
) -> None:
    row = effect_row(mk["boss"], weeks_before=4)
    assert row[13:] == (D("900.00"), D("0.6667"))


def test_rep_sees_only_own_figures(spring: dict[str, Any], mk: dict[str, Any]) -> None:
    """rep1: lead L1, its won deal of 6000, sales of A only; no costs (money hidden)."""
    row = effect_row(mk["rep1"])
    assert row[2:6] == (1, 1, 1, D("6000.00"))
    assert row[6:10] == (None, None, None, None)
    assert row[10:] == (D("1200.00"), D("800.00"), D("0.5000"), D("1000.00"), D("0.2000"))
    leads = drill_report(
        mk["rep1"], "marketing_campaign_effect", {"campaign": "SPRING"}, "effect", row, "leads"
    )
    assert [r[2] for r in leads.rows] == ["Lead 1"]
    sales = drill_report(
        mk["rep1"], "marketing_campaign_effect", {"campaign": "SPRING"}, "effect", row, "sales"
    )
    assert sales.totals[-1] == D("1200.00")


def test_every_figure_drills_to_its_rows(spring: dict[str, Any], mk: dict[str, Any]) -> None:
    boss, params = mk["boss"], {"campaign": "SPRING"}
    row = effect_row(boss)

    def drill(column: str, row_: Any = row) -> Any:
        return drill_report(boss, "marketing_campaign_effect", params, "effect", row_, column)

    assert drill("leads").row_count == 3
    assert drill("opportunities").totals[-1] == D("11000.00")
    assert drill("won_amount").totals[-1] == D("9000.00")
    assert drill("roi").row_count == 2
    assert drill("cost_per_lead").totals[-1] == D("1500.00")
    assert drill("sales").totals[-1] == D("1500.00")
    assert drill("sales_ly").totals[-1] == D("1000.00")
    assert drill("sales_before").totals[-1] == D("1200.00")
    assert drill("uplift_ly").totals[-1] == D("2500.00")
    assert drill("leads", None).row_count == 3  # the totals row


def test_effect_exported(spring: dict[str, Any], mk: dict[str, Any], tmp_path: Path) -> None:
    result = run_report(mk["boss"], "marketing_campaign_effect", {"campaign": "SPRING"})
    written = export_report(mk["boss"], result, "csv", tmp_path / "effect.csv", lang="en")
    text = Path(written).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    flat = [cell for r in rows for cell in r]
    assert "SPRING" in flat and "Cost per lead" in flat
    assert any(cell in ("500.00", "500") for cell in flat)


def test_campaign_not_started_has_no_sales_figures(
    spring: dict[str, Any], mk: dict[str, Any]
) -> None:
    campaigns.create_campaign(
        mk["planner"],
        {"name": "Summer", "code": "SUMMER", "start": "2026-06-01", "end": "2026-06-30"},
    )
    row = effect_row(mk["boss"], campaign="SUMMER")
    assert row[2:5] == (0, 0, 0) and row[7] is None and row[10:] == (None,) * 5
