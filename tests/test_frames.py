"""Reports and pandas: any report result becomes DataFrames with exact Decimal money, and a
report author builds a table from a DataFrame keeping column kinds (issue #20, item 6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from reports_helpers import AS_OF, build

from core.access import visible
from core.frames import frame_from_query, table_from_frame
from core.models import SalesLine
from core.reports import TOTAL_EN, Column, ColumnKind, Table, run_report

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _same_table(left: Table, right: Table) -> None:
    assert (left.id, left.title_en, left.title_zh) == (right.id, right.title_en, right.title_zh)
    assert left.columns == right.columns
    assert left.materialize() == right.materialize()
    assert left.totals == right.totals


def test_the_monthly_form_round_trips_through_dataframes(world: Any) -> None:
    sw = build(world)
    result = run_report(sw.admin, "monthly_sales", {"as_of": AS_OF.isoformat()})
    frames = result.to_pandas()
    assert list(frames) == [t.id for t in result.tables]
    months = result.table("months")
    frame = frames["months"]
    assert list(frame.columns) == [c.id for c in months.columns]
    money = [c.id for c in months.columns if c.kind == ColumnKind.MONEY]
    assert money and all(isinstance(v, Decimal) for c in money for v in frame[c].dropna())
    # Summing in pandas gives the report's own totals, to the cent.
    for col in months.columns:
        if col.total and col.kind == ColumnKind.MONEY:
            assert frame[col.id].sum() == months.totals[months.index(col.id)], col.id
    for table in result.tables:
        _same_table(table_from_frame(frames[table.id]), table)


def test_every_kind_keeps_its_type_and_missing_cells() -> None:
    table = Table(
        "t",
        "Kinds",
        "类型",
        [
            Column("name", "Name", "名称"),
            Column("n", "Count", "数", ColumnKind.INTEGER),
            Column("amount", "Amount", "金额", ColumnKind.MONEY, total=True),
            Column("qty", "Quantity", "数量", ColumnKind.QUANTITY),
            Column("share", "Share", "占比", ColumnKind.PERCENT),
            Column("day", "Date", "日期", ColumnKind.DATE),
        ],
        rows=(
            r
            for r in [
                ("A", 2, Decimal("0.10"), Decimal("1.5"), Decimal("0.25"), dt.date(2026, 3, 1)),
                (None, None, None, None, None, None),
                ("C", 5, Decimal("0.20"), Decimal("2"), None, dt.date(2024, 2, 29)),
            ]
        ),
        totals=(TOTAL_EN, None, Decimal("0.30"), None, None, None),
    )
    frame = table.to_pandas()
    assert str(frame["n"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(frame["day"])
    assert frame["amount"].sum() == Decimal("0.30")  # 0.1 + 0.2, exactly
    back = table_from_frame(frame)
    assert back.materialize()[1] == (None,) * 6
    assert back.materialize()[2] == (
        "C",
        5,
        Decimal("0.20"),
        Decimal("2"),
        None,
        dt.date(2024, 2, 29),
    )
    assert back.totals == table.totals and back.columns == table.columns


def test_an_authors_frame_becomes_a_table_with_money_as_decimal() -> None:
    frame = pd.DataFrame(
        {
            "region": ["N", "S", "N"],
            "deals": [3, 1, 2],
            "amount": [1000.1, 0.2, 0.1],  # floats from a computation: money by declaration
            "booked": [Decimal("10.005"), Decimal("1"), Decimal("0")],
            "month": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
        }
    )
    table = table_from_frame(
        frame,
        "by_region",
        "By region",
        "按区域",
        kinds={"amount": ColumnKind.MONEY},
        titles={"region": ("Region", "区域")},
        total_columns=["deals", "amount", "booked"],
    )
    kinds = {c.id: c.kind for c in table.columns}
    assert kinds == {
        "region": ColumnKind.TEXT,
        "deals": ColumnKind.INTEGER,
        "amount": ColumnKind.MONEY,
        "booked": ColumnKind.MONEY,
        "month": ColumnKind.DATE,
    }
    assert table.columns[0].title("zh_CN") == "区域"
    assert table.rows[0] == ("N", 3, Decimal("1000.10"), Decimal("10.005"), dt.date(2026, 1, 1))
    assert table.totals == (TOTAL_EN, 6, Decimal("1000.40"), Decimal("11.005"), None)
    assert all(type(v) is Decimal for v in table.totals[2:4])


@SQLITE_ONLY
def test_a_frame_read_under_record_rules_keeps_the_readers_view(world: Any) -> None:
    sw = build(world)

    def by_rep(ctx: Any) -> pd.DataFrame:
        return frame_from_query(
            ctx,
            sa.select(SalesLine.rep_id, sa.func.sum(SalesLine.amount).label("amount"))
            .where(visible(ctx, SalesLine))
            .group_by(SalesLine.rep_id)
            .order_by(SalesLine.rep_id),
        )

    everyone, own = by_rep(sw.admin), by_rep(sw.rep_a)
    assert set(own["rep_id"]) == {sw.rep_a.actor.id}
    assert len(everyone) > len(own)
    table = table_from_frame(own, "mine", "Mine", "我的")
    assert table.columns[1].kind == ColumnKind.MONEY
    assert isinstance(table.rows[0][1], Decimal)
