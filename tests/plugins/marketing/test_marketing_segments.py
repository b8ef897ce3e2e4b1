"""RFM scores on a fixed example, saved segments with counts and sales, a segment as a
campaign's audience, and the call list exported through the exporter registry.

Window: the 12 months to 2026-03-16. Five buyers (n = 5, so score = rank):
  c1 last 03-10, 3 days, 300   -> R4 F4 M3
  c2 last 03-01, 1 day, 1000   -> R3 F1 M5
  c3 last 02-01, 2 days, 200   -> R2 F3 M2
  c4 last 01-15, 1 day, 50     -> R1 F1 M1   (c2 and c4 tie on F: both score 1)
  c5 last 03-12, 4 days, 700   -> R5 F5 M4
  c6 no purchase               -> 0 0 0
  old: bought only in 2024 (outside the window) -> 0 0 0
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.errors import PermissionDenied, ValidationFailed
from core.reports import drill_report, run_report
from plugins.marketing.services import campaigns, segments

PURCHASES = {
    "c1": [("2026-03-10", "100"), ("2026-02-10", "100"), ("2026-01-10", "100")],
    "c2": [("2026-03-01", "600"), ("2026-03-01", "400")],
    "c3": [("2026-02-01", "150"), ("2025-12-01", "50")],
    "c4": [("2026-01-15", "50")],
    "c5": [
        ("2026-03-12", "100"),
        ("2026-03-11", "200"),
        ("2026-03-02", "300"),
        ("2025-04-01", "100"),
    ],
    "c6": [],
    "old": [("2024-05-01", "900")],
}


@pytest.fixture
def buyers(salesdesk_world: Any, mk: dict[str, Any]) -> dict[str, Any]:
    product = salesdesk_world.product(code="RFM1")
    found = {}
    for name, lines in PURCHASES.items():
        owner = mk["rep1"] if name in ("c1", "c2") else mk["rep2"]
        cust = salesdesk_world.customer(
            owner=owner, region="north", industry="machinery", name=name, code=name.upper()
        )
        salesdesk_world.sales_lines(
            {"date": dt.date.fromisoformat(day), "customer": cust, "product": product, "amount": a}
            for day, a in lines
        )
        found[name] = cust
    return found


def call_list(ctx: Any, **params: Any) -> dict[str, tuple]:
    table = run_report(ctx, "marketing_call_list", params).table("call_list")
    return {r[1]: r for r in table.rows}


def test_rfm_scores_fixed_example(buyers: dict[str, Any], mk: dict[str, Any]) -> None:
    segments.create_segment(mk["planner"], {"code": "ALL", "name": "Everyone"})
    rows = call_list(mk["boss"], segment="ALL")
    scores = {name: (r[10], r[11], r[12]) for name, r in rows.items()}
    assert scores == {
        "c1": (4, 4, 3),
        "c2": (3, 1, 5),
        "c3": (2, 3, 2),
        "c4": (1, 1, 1),
        "c5": (5, 5, 4),
        "c6": (0, 0, 0),
        "old": (0, 0, 0),
    }
    assert rows["c5"][8:10] == (4, Decimal("700.00"))
    assert str(rows["c5"][7]) == "2026-03-12" and rows["c5"][13] == "554"


def test_segment_by_rfm_counts_and_sales(buyers: dict[str, Any], mk: dict[str, Any]) -> None:
    """Recent buyers (R >= 4): c1 and c5, sales 300 + 700 = 1000."""
    segments.create_segment(
        mk["planner"],
        {"code": "RECENT", "name": "Recent buyers", "industry": "machinery", "min_recency": 4},
    )
    segments.create_segment(
        mk["planner"], {"code": "BIG", "name": "Big spenders", "min_monetary": 5}
    )
    table = run_report(mk["boss"], "marketing_segments", {}).table("segments")
    rows = {r[0]: r for r in table.rows}
    assert rows["RECENT"][3:] == (2, 2, Decimal("1000.00"), Decimal("500.00"))
    assert rows["BIG"][3:6] == (1, 1, Decimal("1000.00"))
    members = drill_report(
        mk["boss"], "marketing_segments", {}, "segments", rows["RECENT"], "customers"
    )
    assert sorted(r[1] for r in members.rows) == ["c1", "c5"]


def test_segment_rules_and_rep_view(buyers: dict[str, Any], mk: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        segments.create_segment(mk["rep1"], {"code": "X", "name": "X"})
    with pytest.raises(ValidationFailed, match="Min recency"):
        segments.create_segment(mk["planner"], {"code": "X", "name": "X", "min_recency": 6})
    segments.create_segment(mk["planner"], {"code": "ALL", "name": "Everyone"})
    # rep1 sees c1 and c2 only, ranked among themselves (n = 2): 1 + (rank - 1) * 5 // 2
    rows = call_list(mk["rep1"], segment="ALL")
    assert {n: (r[10], r[11], r[12]) for n, r in rows.items()} == {"c1": (3, 3, 1), "c2": (1, 1, 3)}


def test_segment_as_audience_and_call_list_export(
    salesdesk_world: Any, buyers: dict[str, Any], mk: dict[str, Any], tmp_path: Path
) -> None:
    from core.services.customers import add_contact

    add_contact(
        mk["rep2"], buyers["c5"].id, {"name": "Ms Wang", "phone": "021-555", "is_primary": True}
    )
    seg = segments.create_segment(mk["planner"], {"code": "TOP", "name": "Top", "min_frequency": 4})
    camp = campaigns.create_campaign(
        mk["planner"],
        {
            "name": "Call top",
            "code": "CALLTOP",
            "kind": "call",
            "start": "2026-03-14",
            "end": "2026-03-31",
            "segment": "TOP",
        },
    )
    assert camp.segment_id == seg.id
    audience = call_list(mk["boss"], campaign="CALLTOP")
    assert set(audience) == {"c1", "c5"}  # F >= 4 as of the day before the start
    written = segments.export_call_list(mk["boss"], "csv", tmp_path / "calls.csv", segment="TOP")
    rows = list(csv.reader(Path(written).read_text(encoding="utf-8-sig").splitlines()))
    flat = [c for r in rows for c in r]
    assert "Ms Wang" in flat and "021-555" in flat and "C1" in flat
    assert "C2" not in flat


def test_segment_redefined_keeps_code_and_checks_version(
    buyers: dict[str, Any], mk: dict[str, Any]
) -> None:
    from core.errors import Conflict

    seg = segments.create_segment(mk["planner"], {"code": "S", "name": "S"})
    seg = segments.update_segment(
        mk["planner"], seg.id, {"name": "Big", "min_monetary": 5}, seg.version
    )
    assert (seg.code, seg.name, seg.min_monetary) == ("S", "Big", 5)
    assert set(call_list(mk["boss"], segment="S")) == {"c2"}
    with pytest.raises(Conflict):
        segments.update_segment(mk["planner"], seg.id, {"name": "Stale"}, seg.version - 1)
