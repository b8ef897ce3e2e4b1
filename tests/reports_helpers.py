"""A small fixed sales world for the report tests; every figure in the tests is computed
by hand from the lines below.

As of 2026-03-16 (the conftest clock). Regions: N with child N1, and S. Reps: ``rep_a`` (N1,
managed by ``mgr``), ``rep_b`` (S). ``boss_n`` is the regional admin of N.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.models import Activity, SalesLine, SalesTarget
from core.summaries import refresh_sales_summaries

D = dt.date
AS_OF = D(2026, 3, 16)

# (date, customer, product, rep, region, quantity, amount)
LINES = [
    (D(2026, 3, 2), "C1", "P1", "rep_a", "N1", "2", "100.00"),
    (D(2026, 3, 10), "C2", "P2", "rep_a", "N1", "1", "50.50"),
    (D(2026, 3, 20), "C1", "P1", "rep_a", "N1", "1", "999.00"),  # after the report date
    (D(2026, 2, 15), "C3", "P1", "rep_b", "S", "3", "300.00"),
    (D(2026, 1, 5), "C3", "P2", "rep_b", "S", "1", "40.00"),
    (D(2025, 3, 5), "C1", "P1", "rep_a", "N1", "1", "80.00"),
    (D(2025, 2, 10), "C3", "P1", "rep_b", "S", "1", "200.00"),
    (D(2025, 12, 31), "C2", "P1", "rep_a", "N1", "1", "70.00"),
    (D(2026, 3, 16), "C4", "P2", None, "N", "1", "10.00"),  # no rep: only wide readers
    (D(2025, 3, 17), "C1", "P1", "rep_a", "N1", "1", "5.00"),  # after last year's date
]
# (month, rep, amount)
TARGETS = [
    (D(2026, 3, 1), "rep_a", "200.00"),
    (D(2026, 2, 1), "rep_a", "100.00"),
    (D(2026, 1, 1), "rep_b", "400.00"),
]
# (date, rep, customer, purpose)
VISITS = [
    (D(2026, 3, 16), "rep_a", "C1", "order"),
    (D(2026, 3, 16), "rep_a", "C2", "service"),
    (D(2026, 3, 16), "rep_b", "C3", "order"),
    (D(2026, 3, 12), "rep_b", "C3", "collection"),
]


@dataclass
class SalesWorld:
    world: Any
    admin: Any
    rep_a: Any
    rep_b: Any
    mgr: Any
    boss_n: Any
    ids: dict[str, int]


def build(world: Any) -> SalesWorld:
    world.region("N")
    world.region("N1", parent="N")
    world.region("S")
    mgr = world.user("mgr", "sales_manager", region="N1")
    rep_a = world.user("rep_a", "sales_rep", region="N1", manager=mgr)
    rep_b = world.user("rep_b", "sales_rep", region="S")
    boss_n = world.user("boss_n", "regional_admin", region="N")
    ids: dict[str, int] = {"rep_a": rep_a.actor.id, "rep_b": rep_b.actor.id}
    for code in ("N", "N1", "S"):
        ids[code] = world.region_id(code)
    ids["P1"] = world.product("P1", "120.00", name="Pump", category="pumps").id
    ids["P2"] = world.product("P2", "60.00", name="阀门", standard_cost=Decimal("40.00")).id
    owners = {"C1": rep_a, "C2": rep_a, "C3": rep_b, "C4": None}
    regions = {"C1": "N1", "C2": "N1", "C3": "S", "C4": "N"}
    for code, owner in owners.items():
        ids[code] = world.customer(owner, regions[code], code=code, name=f"Cust {code}").id
    with world.runtime.db.write_session() as session, session.begin():
        session.execute(
            sa.insert(SalesLine),
            [
                {
                    "date": d,
                    "customer_id": ids[c],
                    "product_id": ids[p],
                    "rep_id": ids[r] if r else None,
                    "region_id": ids[g],
                    "quantity": Decimal(q),
                    "amount": Decimal(a),
                }
                for d, c, p, r, g, q, a in LINES
            ],
        )
        session.execute(
            sa.insert(SalesTarget),
            [
                {
                    "month": m,
                    "dimension": "rep",
                    "key_id": ids[r],
                    "amount": Decimal(a),
                    "version": 1,
                }
                for m, r, a in TARGETS
            ],
        )
        session.execute(
            sa.insert(Activity),
            [
                {
                    "date": d,
                    "rep_id": ids[r],
                    "customer_id": ids[c],
                    "purpose": p,
                    "result": "",
                    "customer_type": "existing",
                    "notes": "",
                    "weather": "",
                    "created_at": world.clock(),
                    "version": 1,
                }
                for d, r, c, p in VISITS
            ],
        )
        refresh_sales_summaries(session, D(2025, 1, 1), D(2026, 3, 1))
    return SalesWorld(world, world.admin, rep_a, rep_b, mgr, boss_n, ids)


def column(result: Any, table_id: str, column_id: str) -> list[Any]:
    table = result.table(table_id)
    i = table.index(column_id)
    return [row[i] for row in table.rows]


def by_key(result: Any, table_id: str, key: str, column_id: str) -> dict[Any, Any]:
    table = result.table(table_id)
    k, i = table.index(key), table.index(column_id)
    return {row[k]: row[i] for row in table.rows}


def total(result: Any, table_id: str, column_id: str) -> Any:
    table = result.table(table_id)
    return table.totals[table.index(column_id)]
