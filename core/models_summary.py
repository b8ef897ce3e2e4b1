"""Summary tables the standard reports read instead of the sales lines.

Each keeps one report grain (docs/performance.md, "Design rules": aggregate in the
database, keep summaries at the grain each report needs). They are derived data:
``core.summaries`` rebuilds them from ``sales_line`` for a range of months, inside the
transaction that changed the lines, so a committed line is always counted. Nobody edits them.

Each has a unique key (migration 0005) so an import adds its own lines' totals with one
upsert per key instead of recomputing whole months.

Rep-grain tables keep ``rep_id`` and ``region_id`` so the reader's record rules
(``core.access.visible`` on sales lines) apply to them unchanged.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

YTD_COLUMNS = tuple(f"ytd_{m:02d}" for m in range(1, 13))


def _null_as_zero(column: str) -> sa.TextClause:
    """A NULL rep or region is 0 in a unique key (ids start at 1): one row per NULL key,
    as ``GROUP BY`` makes it, so imports can add their totals with an upsert."""
    return sa.text(f"COALESCE({column}, 0)")


# Wider than a line's MONEY and QUANTITY (migration 0006): a total of many lines may pass
# them on its way to ``core.summaries.check_totals``, which refuses it with its name.
SUM_MONEY = sa.Numeric(24, 2)
SUM_QUANTITY = sa.Numeric(24, 3)


def _money() -> Decimal:
    return Field(default=Decimal("0"), sa_type=SUM_MONEY)


def _quantity() -> Decimal:
    return Field(default=Decimal("0"), sa_type=SUM_QUANTITY)


class SalesSumRepDay(SQLModel, table=True):
    """Sales per day x rep x region (partial months of MTD/QTD/YTD periods)."""

    __tablename__: ClassVar[str] = "sales_sum_rep_day"
    __table_args__ = (
        sa.Index(
            "ux_sales_sum_rep_day",
            "day",
            _null_as_zero("rep_id"),
            _null_as_zero("region_id"),
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    day: dt.date
    rep_id: int | None = None
    region_id: int | None = None
    amount: Decimal = _money()
    quantity: Decimal = _quantity()
    line_count: int = 0


class SalesSumRepMonth(SQLModel, table=True):
    """Sales per month x rep x region (rep performance, targets, trends)."""

    __tablename__: ClassVar[str] = "sales_sum_rep_month"
    __table_args__ = (
        sa.Index("ix_sales_sum_rep_month_month", "month", "rep_id"),
        sa.Index(
            "ux_sales_sum_rep_month",
            "month",
            _null_as_zero("rep_id"),
            _null_as_zero("region_id"),
            unique=True,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: dt.date
    rep_id: int | None = None
    region_id: int | None = None
    amount: Decimal = _money()
    quantity: Decimal = _quantity()
    line_count: int = 0


class SalesSumProductRegionMonth(SQLModel, table=True):
    """Sales per month x product x region (monthly statistics, Q2)."""

    __tablename__: ClassVar[str] = "sales_sum_product_region_month"
    __table_args__ = (
        sa.Index(
            "ux_sales_sum_prm", "month", "product_id", _null_as_zero("region_id"), unique=True
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: dt.date
    product_id: int
    region_id: int | None = None
    amount: Decimal = _money()
    quantity: Decimal = _quantity()
    line_count: int = 0


class SalesSumCustomerMonth(SQLModel, table=True):
    """Sales per month x customer (customer increase/decrease, top customers)."""

    __tablename__: ClassVar[str] = "sales_sum_customer_month"
    __table_args__ = (
        sa.Index("ux_sales_sum_cm", "month", "customer_id", unique=True),
        sa.Index("ix_sales_sum_cm_customer", "customer_id", "month"),
    )

    id: int | None = Field(default=None, primary_key=True)
    month: dt.date
    customer_id: int
    amount: Decimal = _money()
    quantity: Decimal = _quantity()
    line_count: int = 0


class SalesSumCustomerYtd(SQLModel, table=True):
    """Year-to-date sales per customer at each month end: ``ytd_MM`` is January through
    month MM. One row per customer and year, so "top customers YTD" reads one column."""

    __tablename__: ClassVar[str] = "sales_sum_customer_ytd"
    __table_args__ = (sa.Index("ux_sales_sum_cytd", "year", "customer_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    customer_id: int
    ytd_01: Decimal = _money()
    ytd_02: Decimal = _money()
    ytd_03: Decimal = _money()
    ytd_04: Decimal = _money()
    ytd_05: Decimal = _money()
    ytd_06: Decimal = _money()
    ytd_07: Decimal = _money()
    ytd_08: Decimal = _money()
    ytd_09: Decimal = _money()
    ytd_10: Decimal = _money()
    ytd_11: Decimal = _money()
    ytd_12: Decimal = _money()


SUMMARY_TABLES: tuple[type[SQLModel], ...] = (
    SalesSumRepDay,
    SalesSumRepMonth,
    SalesSumProductRegionMonth,
    SalesSumCustomerMonth,
    SalesSumCustomerYtd,
)
