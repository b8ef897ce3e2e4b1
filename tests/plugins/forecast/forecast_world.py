"""A small hand-checkable sales world for the forecast plugin's tests.

Two regions (N, S), two products (A, B), one channel, two reps under one manager, a second
manager, a planner. Sales: one line per month x product x region from 2023-03 to 2026-02
(36 months) with amount = base x season[month], so every figure can be computed by hand.
The clock stands at 2026-03-16 (conftest's FIXED_NOW); March 2026 has two lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.summaries import add_months

SEASON = [
    Decimal(x)
    for x in ("0.8", "0.9", "1.0", "1.1", "1.2", "1.0", "0.9", "0.8", "1.0", "1.1", "1.2", "1.0")
]
BASE = {
    ("A", "N"): Decimal(1000),
    ("A", "S"): Decimal(600),
    ("B", "N"): Decimal(300),
    ("B", "S"): Decimal(100),
}
REP_OF = {"N": "rep_n", "S": "rep_s"}
FIRST = dt.date(2023, 3, 1)
MONTHS = 36


def amount(key: tuple[str, str], month: dt.date) -> Decimal:
    return BASE[key] * SEASON[month.month - 1]


@dataclass
class SalesWorld:
    world: Any
    admin: Any
    mgr: Any
    mgr2: Any
    planner: Any
    rep_n: Any
    rep_s: Any
    ids: dict[str, int]


def build(world: Any) -> SalesWorld:
    mgr = world.user("mgr", "sales_manager", region="N")
    mgr2 = world.user("mgr2", "sales_manager", region="S")
    planner = world.user("planner", "sales_planner")
    rep_n = world.user("rep_n", "sales_rep", region="N", manager=mgr)
    rep_s = world.user("rep_s", "sales_rep", region="S", manager=mgr)
    ids = {
        "N": world.region_id("N"),
        "S": world.region_id("S"),
        "rep_n": rep_n.actor.id,
        "rep_s": rep_s.actor.id,
    }
    ids["A"] = world.product("A", "10.00", name="Alpha").id
    ids["B"] = world.product("B", "10.00", name="Beta").id
    ids["CH"] = world.channel("CH", "Direct").id
    ids["C"] = world.customer(rep_n, "N", code="CUST", name="Cust").id
    rows = []
    for i in range(MONTHS):
        month = add_months(FIRST, i)
        for key in BASE:
            rows.append(_line(ids, month.replace(day=10), key, amount(key, month)))
    rows.append(_line(ids, dt.date(2026, 3, 5), ("A", "N"), Decimal("500")))
    rows.append(_line(ids, dt.date(2026, 3, 9), ("B", "S"), Decimal("100")))
    world.sales_lines(rows)
    return SalesWorld(world, world.admin, mgr, mgr2, planner, rep_n, rep_s, ids)


def _line(ids: dict[str, int], day: dt.date, key: tuple[str, str], value: Decimal) -> dict:
    product, region = key
    return {
        "date": day,
        "customer": ids["C"],
        "product": ids[product],
        "rep": ids[REP_OF[region]],
        "region": ids[region],
        "channel": ids["CH"],
        "amount": value,
    }
