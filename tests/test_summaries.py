"""Summary tables equal the aggregates of the sales lines after a refresh (SQLite and
PostgreSQL), a partial refresh touches only its months, and record rules move onto them.

Imports keep the summaries incrementally (SQLite: totals gathered by the importer;
PostgreSQL: ``add_line_totals`` over the batch) and deleting a batch takes its totals
away: after every step the tables must equal a rebuild from scratch, row for row."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import sqlalchemy as sa
from reports_helpers import build

from core.errors import PermissionDenied, SalesdeskError
from core.models import ImportBatch, SalesLine
from core.models_summary import YTD_COLUMNS, SalesSumCustomerYtd
from core.services.importing import delete_sales_batch, import_file
from core.summaries import (
    add_line_totals,
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
        session.execute(
            sa.insert(SalesLine),
            [
                {
                    "date": D(2024, 11, 1) + dt.timedelta(days=rng.randrange(520)),
                    "customer_id": ids[rng.choice(["C1", "C2", "C3", "C4"])],
                    "product_id": ids[rng.choice(["P1", "P2"])],
                    "rep_id": rng.choice([ids["rep_a"], ids["rep_b"], None]),
                    "region_id": rng.choice([ids["N"], ids["N1"], ids["S"], None]),
                    "quantity": Decimal(rng.randrange(1, 50)),
                    "amount": Decimal(rng.randrange(100, 10_000_00)) / 100,
                }
                for _ in range(n)
            ],
        )
        rebuild_all(session)


def _from_lines(session, grain: str, keys: list[str]) -> dict:
    line = SalesLine.__table__
    when = line.c.date if grain == "day" else month_expr(session, line.c.date)
    query = sa.select(
        when,
        *[line.c[k] for k in keys],
        sa.func.sum(line.c.amount),
        sa.func.sum(line.c.quantity),
        sa.func.count(),
    ).group_by(when, *[line.c[k] for k in keys])
    return {
        tuple(str(v) for v in r[:-3]): (_m(r[-3]), _q(r[-2]), r[-1]) for r in session.execute(query)
    }


def _from_summary(session, table: str, grain: str, keys: list[str]) -> dict:
    t = sa.table(table, *[sa.column(c) for c in [grain, *keys, "amount", "quantity", "line_count"]])
    rows = session.execute(
        sa.select(t.c[grain], *[t.c[k] for k in keys], t.c.amount, t.c.quantity, t.c.line_count)
    )
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
            assert _from_summary(session, table, grain, keys) == _from_lines(
                session, grain, keys
            ), table
        ytd = session.execute(sa.select(SalesSumCustomerYtd)).scalars().all()
        line = SalesLine.__table__
        for row in ytd:
            for month, col in enumerate(YTD_COLUMNS, 1):
                end = D(row.year, month, 1) + dt.timedelta(days=31)
                expected = session.scalar(
                    sa.select(sa.func.coalesce(sa.func.sum(line.c.amount), 0)).where(
                        line.c.customer_id == row.customer_id,
                        line.c.date >= D(row.year, 1, 1),
                        line.c.date < end.replace(day=1),
                    )
                )
                assert _m(getattr(row, col)) == _m(expected), (row.customer_id, col)


def test_partial_refresh_only_touches_its_months(world):
    sw = build(world)
    line = SalesLine.__table__
    with world.runtime.db.write_session() as session, session.begin():
        session.execute(
            sa.insert(line),
            [
                {
                    "date": D(2026, 3, 5),
                    "customer_id": sw.ids["C1"],
                    "product_id": sw.ids["P1"],
                    "rep_id": sw.ids["rep_a"],
                    "region_id": sw.ids["N1"],
                    "quantity": 1,
                    "amount": Decimal("1.00"),
                },
                {
                    "date": D(2026, 1, 5),
                    "customer_id": sw.ids["C1"],
                    "product_id": sw.ids["P1"],
                    "rep_id": sw.ids["rep_a"],
                    "region_id": sw.ids["N1"],
                    "quantity": 1,
                    "amount": Decimal("2.00"),
                },
            ],
        )
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
        reps = session.scalars(sa.select(rm.c.rep_id).where(summary_visible(sw.rep_a, rm))).all()
    assert set(reps) == {sw.ids["rep_a"]}


@pytest.mark.parametrize(
    ("start", "end", "months", "days"),
    [
        (
            D(2026, 1, 1),
            D(2026, 3, 16),
            (D(2026, 1, 1), D(2026, 2, 1)),
            [(D(2026, 3, 1), D(2026, 3, 16))],
        ),
        (D(2026, 3, 1), D(2026, 3, 31), (D(2026, 3, 1), D(2026, 3, 1)), []),
        (D(2026, 3, 5), D(2026, 3, 9), None, [(D(2026, 3, 5), D(2026, 3, 9))]),
        (
            D(2025, 12, 15),
            D(2026, 2, 2),
            (D(2026, 1, 1), D(2026, 1, 1)),
            [(D(2025, 12, 15), D(2025, 12, 31)), (D(2026, 2, 1), D(2026, 2, 2))],
        ),
    ],
)
def test_period_parts(start, end, months, days):
    assert period_parts(start, end) == (months, days)


# -- incremental maintenance -------------------------------------------------------------

HEADER = "date,customer_code,product_code,rep_login,region_code,channel_code,quantity,amount"


def _everything(session) -> dict:
    """Every summary row, keyed by its grain, with money and quantities rounded as read."""
    out = {t: _from_summary(session, t, g, k) for t, (g, k) in GRAINS.items()}
    ytd = SalesSumCustomerYtd.__table__
    out["ytd"] = {
        (r.year, r.customer_id): tuple(_m(r._mapping[c]) for c in YTD_COLUMNS)
        for r in session.execute(sa.select(ytd))
    }
    return out


def _assert_like_rebuild(world) -> dict:
    """The summaries as they are equal a rebuild from scratch (rolled back afterwards)
    and the line aggregates; returns them."""
    with world.runtime.db.write_session() as session, session.begin():
        kept = _everything(session)
        for table, (grain, keys) in GRAINS.items():
            assert kept[table] == _from_lines(session, grain, keys), table
        rebuild_all(session)
        rebuilt = _everything(session)
        for name, rows in rebuilt.items():
            assert rows == kept[name], name
        session.rollback()
    return kept


def _sales_csv(
    tmp_path, name: str, rng: random.Random, first: dt.date, days: int, rows: int
) -> str:
    """Random lines: blank rep/region (customer's own, C4 has no owner), full-width and
    the largest amount a line takes, zero amounts, quantities with decimals (one huge,
    past the float shortcut)."""
    lines = [HEADER]
    for n in range(rows):
        day = first + dt.timedelta(days=rng.randrange(days))
        amount = rng.choice([f"{rng.randrange(1, 10**6) / 100:.2f}", "0", "17", "１２．５"])
        if n == rows // 2:  # once: SQLite keeps REAL, so sums of many would lose cents
            amount = f"{rng.randrange(10**9, 10**10)}.{rng.randrange(100):02d}"
        quantity = rng.choice(["1", "2.5", "0.125", "40"])
        if n == rows // 3:  # once: past the float shortcut of quantities
            quantity = f"{rng.randrange(10**9, 10**11)}.{rng.randrange(1000):03d}"
        lines.append(
            ",".join(
                [
                    day.isoformat(),
                    rng.choice(["C1", "C2", "C3", "C4"]),
                    rng.choice(["P1", "P2"]),
                    rng.choice(["", "rep_a", "rep_b"]),
                    rng.choice(["", "N", "N1", "S"]),
                    "",
                    quantity,
                    amount,
                ]
            )
        )
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("seed", [3, 11])
def test_imports_and_batch_deletes_keep_summaries_equal_to_a_rebuild(world, tmp_path, seed):
    sw = build(world)  # lines without a batch already summarised
    rng = random.Random(seed)
    first = import_file(
        sw.admin, "sales_lines", _sales_csv(tmp_path, "a.csv", rng, D(2025, 11, 20), 100, 150)
    )
    _assert_like_rebuild(world)
    second = import_file(
        sw.admin,
        "sales_lines",
        _sales_csv(  # same months and more
            tmp_path, "b.csv", rng, D(2025, 12, 28), 400, 150
        ),
    )
    both = _assert_like_rebuild(world)
    assert both["ytd"] and both["sales_sum_rep_day"]
    assert delete_sales_batch(sw.admin, first.batch_id) == 150
    _assert_like_rebuild(world)
    assert delete_sales_batch(sw.admin, second.batch_id) == 150
    with world.runtime.db.read_session() as session:
        assert _everything(session) == _summaries_of_build_only(world)


def _summaries_of_build_only(world) -> dict:
    with world.runtime.db.write_session() as session, session.begin():
        rebuild_all(session)
        result = _everything(session)
        session.rollback()
    return result


def test_deleting_every_line_empties_the_summaries(world, tmp_path):
    sw = build(world)
    with world.runtime.db.write_session() as session, session.begin():
        session.execute(sa.delete(SalesLine))
        rebuild_all(session)  # from scratch: rows outside the lines' dates go too
    batch = import_file(
        sw.admin,
        "sales_lines",
        _sales_csv(tmp_path, "a.csv", random.Random(5), D(2024, 12, 1), 70, 40),
    )
    assert _assert_like_rebuild(world)["ytd"]
    delete_sales_batch(sw.admin, batch.batch_id)
    with world.runtime.db.read_session() as session:
        assert _everything(session) == {k: {} for k in (*GRAINS, "ytd")}


def test_sql_totals_match_on_sqlite_too(world):
    """``add_line_totals`` (the PostgreSQL import path) on SQLite: adding lines twice
    and taking them away once leaves the summaries of the lines."""
    sw = build(world)
    where = "date BETWEEN :lo AND :hi"
    span = {"lo": D(2025, 1, 1), "hi": D(2026, 12, 31)}
    with world.runtime.db.write_session() as session, session.begin():
        before = _everything(session)
        add_line_totals(session, where, span, D(2025, 1, 1), D(2026, 12, 31))
        doubled = _everything(session)
        add_line_totals(session, where, span, D(2025, 2, 10), D(2026, 3, 20), sign=-1)
        assert _everything(session) == before
    march = doubled["sales_sum_rep_month"][
        (str(D(2026, 3, 1)), str(sw.ids["rep_a"]), str(sw.ids["N1"]))
    ]
    assert march == (Decimal("2299.00"), Decimal("8.000"), 6)  # 100 + 50.50 + 999, twice


def test_batch_delete_rights_audit_and_reimport(world, tmp_path):
    sw = build(world)
    path = _sales_csv(tmp_path, "a.csv", random.Random(1), D(2026, 1, 1), 30, 5)
    batch = import_file(sw.admin, "sales_lines", path)
    with pytest.raises(PermissionDenied):
        delete_sales_batch(sw.rep_a, batch.batch_id)
    with pytest.raises(SalesdeskError, match="no sales-line import batch 999"):
        delete_sales_batch(sw.admin, 999)
    assert delete_sales_batch(sw.admin, batch.batch_id) == 5
    with world.runtime.db.read_session() as session:
        assert session.get(ImportBatch, batch.batch_id) is None
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(SalesLine)
                .where(SalesLine.batch_id == batch.batch_id)
            )
            == 0
        )
        audit = session.execute(
            sa.text(
                "SELECT action, old_value FROM audit_entry WHERE entity = 'import_batch' "
                "AND entity_id = :id ORDER BY id"
            ),
            {"id": str(batch.batch_id)},
        ).all()
    assert [a for a, _ in audit] == ["import", "delete"] and "5 rows from a.csv" in audit[1][1]
    again = import_file(sw.admin, "sales_lines", path)  # the same file may come back
    assert again.rows == 5
    _assert_like_rebuild(world)
    empty = tmp_path / "empty.csv"
    empty.write_text(HEADER + "\n", encoding="utf-8")
    assert delete_sales_batch(sw.admin, import_file(sw.admin, "sales_lines", empty).batch_id) == 0
