"""Summary tables equal the aggregates of the sales lines after a refresh (SQLite and
PostgreSQL), a partial refresh touches only its months, and record rules move onto them."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from reports_helpers import build

from core.models import SalesLine
from core.models_summary import YTD_COLUMNS, SalesSumCustomerYtd
from core.summaries import (
    month_expr,
    period_parts,
    rebuild_all,
    refresh_sales_summaries,
    summary_visible,
)

D = dt.date
GRAINS = {
    "sales_sum_rep_day": ("day", ["rep_id", "region_id"]),
    "sales_sum_rep_month": ("month", ["rep_id", "region_id"]),
    "sales_sum_product_region_month": ("month", ["product_id", "region_id"]),
    "sales_sum_customer_month": ("month", ["customer_id"]),
}


def _random_lines(sw, n: int = 400) -> None:
    rng = random.Random(7)
    ids = sw.ids
    with sw.world.runtime.db.write_session() as session, session.begin():
        session.execute(sa.insert(SalesLine), [
            {"date": D(2024, 11, 1) + dt.timedelta(days=rng.randrange(520)),
             "customer_id": ids[rng.choice(["C1", "C2", "C3", "C4"])],
             "product_id": ids[rng.choice(["P1", "P2"])],
             "rep_id": rng.choice([ids["rep_a"], ids["rep_b"], None]),
             "region_id": rng.choice([ids["N"], ids["N1"], ids["S"], None]),
             "quantity": Decimal(rng.randrange(1, 50)),
             "amount": Decimal(rng.randrange(100, 10_000_00)) / 100} for _ in range(n)])
        rebuild_all(session)


def _from_lines(session, grain: str, keys: list[str]) -> dict:
    line = SalesLine.__table__
    when = line.c.date if grain == "day" else month_expr(session, line.c.date)
    query = (sa.select(when, *[line.c[k] for k in keys], sa.func.sum(line.c.amount),
                       sa.func.sum(line.c.quantity), sa.func.count())
             .group_by(when, *[line.c[k] for k in keys]))
    return {tuple(str(v) for v in r[:-3]): (_m(r[-3]), _q(r[-2]), r[-1])
            for r in session.execute(query)}


def _from_summary(session, table: str, grain: str, keys: list[str]) -> dict:
    t = sa.table(table, *[sa.column(c) for c in [grain, *keys, "amount", "quantity",
                                                     "line_count"]])
    rows = session.execute(sa.select(t.c[grain], *[t.c[k] for k in keys], t.c.amount,
                                     t.c.quantity, t.c.line_count))
    return {tuple(str(v) for v in r[:-3]): (_m(r[-3]), _q(r[-2]), r[-1]) for r in rows}


def _m(v) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.01"))


def _q(v) -> Decimal:
    return Decimal(str(v)).quantize(Decimal("0.001"))


def test_summaries_equal_line_aggregates(world):
    sw = build(world)
    _random_lines(sw)
    with world.runtime.db.read_session() as session:
        for table, (grain, keys) in GRAINS.items():
            assert _from_summary(session, table, grain, keys) == \
                _from_lines(session, grain, keys), table
        ytd = session.execute(sa.select(SalesSumCustomerYtd)).scalars().all()
        line = SalesLine.__table__
        for row in ytd:
            for month, col in enumerate(YTD_COLUMNS, 1):
                end = D(row.year, month, 1) + dt.timedelta(days=31)
                expected = session.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(line.c.amount), 0)).where(
                        line.c.customer_id == row.customer_id,
                        line.c.date >= D(row.year, 1, 1),
                        line.c.date < end.replace(day=1)))
                assert _m(getattr(row, col)) == _m(expected), (row.customer_id, col)


def test_partial_refresh_only_touches_its_months(world):
    sw = build(world)
    line = SalesLine.__table__
    with world.runtime.db.write_session() as session, session.begin():
        session.execute(sa.insert(line), [
            {"date": D(2026, 3, 5), "customer_id": sw.ids["C1"], "product_id": sw.ids["P1"],
             "rep_id": sw.ids["rep_a"], "region_id": sw.ids["N1"], "quantity": 1,
             "amount": Decimal("1.00")},
            {"date": D(2026, 1, 5), "customer_id": sw.ids["C1"], "product_id": sw.ids["P1"],
             "rep_id": sw.ids["rep_a"], "region_id": sw.ids["N1"], "quantity": 1,
             "amount": Decimal("2.00")}])
        refresh_sales_summaries(session, D(2026, 3, 1), D(2026, 3, 31))
    with world.runtime.db.read_session() as session:
        got = _from_summary(session, "sales_sum_rep_month", "month", ["rep_id"])
        assert got[(str(D(2026, 3, 1)), str(sw.ids["rep_a"]))][0] == Decimal("1150.50")
        assert got[(str(D(2026, 1, 1)), str(sw.ids["rep_b"]))][0] == Decimal("40.00")
        assert (str(D(2026, 1, 1)), str(sw.ids["rep_a"])) not in got  # not refreshed yet


def test_record_rules_move_onto_summaries(world):
    sw = build(world)
    rm = sa.table("sales_sum_rep_month", sa.column("rep_id"), sa.column("region_id"))
    cm = sa.table("sales_sum_customer_month", sa.column("customer_id"))
    assert summary_visible(sw.rep_a, rm) is not None
    assert summary_visible(sw.boss_n, rm) is not None
    assert summary_visible(sw.rep_a, cm) is None  # no rep column: read the lines
    assert summary_visible(sw.admin, cm) is not None
    with world.runtime.db.read_session() as session:
        reps = session.scalars(sa.select(rm.c.rep_id).where(
            summary_visible(sw.rep_a, rm))).all()
    assert set(reps) == {sw.ids["rep_a"]}


@pytest.mark.parametrize(("start", "end", "months", "days"), [
    (D(2026, 1, 1), D(2026, 3, 16), (D(2026, 1, 1), D(2026, 2, 1)),
     [(D(2026, 3, 1), D(2026, 3, 16))]),
    (D(2026, 3, 1), D(2026, 3, 31), (D(2026, 3, 1), D(2026, 3, 1)), []),
    (D(2026, 3, 5), D(2026, 3, 9), None, [(D(2026, 3, 5), D(2026, 3, 9))]),
    (D(2025, 12, 15), D(2026, 2, 2), (D(2026, 1, 1), D(2026, 1, 1)),
     [(D(2025, 12, 15), D(2025, 12, 31)), (D(2026, 2, 1), D(2026, 2, 2))]),
])
def test_period_parts(start, end, months, days):
    assert period_parts(start, end) == (months, days)
