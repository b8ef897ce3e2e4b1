"""Maintain and read the report summary tables (``core.models_summary``).

``refresh_sales_summaries(session, first_month, last_month)`` recomputes every summary for
those months from ``sales_line`` with ``INSERT ... SELECT ... GROUP BY`` inside the caller's
transaction (SQLite and PostgreSQL alike); importers and the data generator call it after
inserting lines, so a committed line is always in the summaries.

Reading: ``summary_visible(ctx, table)`` is ``core.access.visible(ctx, SalesLine)`` moved
onto a summary table, or ``None`` when the table lacks a column the rule needs (a rep's
rules on a product x region grain): the caller then reads the lines instead.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from core.access import visible
from core.models import SalesLine
from core.models_summary import (
    YTD_COLUMNS,
    SalesSumCustomerMonth,
    SalesSumCustomerYtd,
    SalesSumProductRegionMonth,
    SalesSumRepDay,
    SalesSumRepMonth,
)

if TYPE_CHECKING:
    from core.context import Context

LINE = SalesLine.__table__  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def month_expr(session: Session, column: Any) -> Any:
    """SQL for the first day of ``column``'s month on the session's backend."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column, "start of month")
    return sa.cast(sa.func.date_trunc("month", column), sa.Date)


# ---------------------------------------------------------------------------------------
# Refresh
# ---------------------------------------------------------------------------------------


def refresh_sales_summaries(session: Session, first_month: dt.date,
                            last_month: dt.date) -> None:
    """Recompute every summary for the months ``first_month`` .. ``last_month``."""
    first, last = month_start(first_month), month_start(last_month)
    if last < first:
        return
    lo, hi = first, month_end(last)
    in_range = LINE.c.date.between(lo, hi)
    month = month_expr(session, LINE.c.date).label("month")
    measures = [sa.func.sum(LINE.c.amount), sa.func.sum(LINE.c.quantity), sa.func.count()]

    _replace(session, SalesSumRepDay, SalesSumRepDay.day.between(lo, hi),
             ["day", "rep_id", "region_id"],
             [LINE.c.date, LINE.c.rep_id, LINE.c.region_id], measures, in_range)
    month_between = [first, last]
    _replace(session, SalesSumRepMonth, SalesSumRepMonth.month.between(*month_between),
             ["month", "rep_id", "region_id"], [month, LINE.c.rep_id, LINE.c.region_id],
             measures, in_range)
    _replace(session, SalesSumProductRegionMonth,
             SalesSumProductRegionMonth.month.between(*month_between),
             ["month", "product_id", "region_id"],
             [month, LINE.c.product_id, LINE.c.region_id], measures, in_range)
    _replace(session, SalesSumCustomerMonth,
             SalesSumCustomerMonth.month.between(*month_between),
             ["month", "customer_id"], [month, LINE.c.customer_id], measures, in_range)
    for year in range(first.year, last.year + 1):
        _refresh_ytd(session, year)


def _replace(session: Session, model: Any, where: Any, keys: list[str], key_exprs: list[Any],
             measures: list[Any], line_filter: Any) -> None:
    table = model.__table__
    session.execute(sa.delete(table).where(where))
    select = (sa.select(*key_exprs, *measures).where(line_filter)
              .group_by(*[k.element if isinstance(k, sa.Label) else k for k in key_exprs]))
    session.execute(sa.insert(table).from_select(
        [*keys, "amount", "quantity", "line_count"], select))


def _refresh_ytd(session: Session, year: int) -> None:
    """Rebuild one year of ``sales_sum_customer_ytd`` from the customer x month summary."""
    cm = SalesSumCustomerMonth.__table__  # type: ignore[attr-defined]
    table = SalesSumCustomerYtd.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table).where(table.c.year == year))
    zero = sa.cast(sa.literal(0), cm.c.amount.type)
    cumulative = [
        sa.func.coalesce(sa.func.sum(sa.case(
            (cm.c.month <= dt.date(year, m, 1), cm.c.amount), else_=zero)), zero)
        for m in range(1, 13)
    ]
    select = (sa.select(sa.literal(year), cm.c.customer_id, *cumulative)
              .where(cm.c.month.between(dt.date(year, 1, 1), dt.date(year, 12, 1)))
              .group_by(cm.c.customer_id))
    session.execute(sa.insert(table).from_select(["year", "customer_id", *YTD_COLUMNS],
                                                 select))


def rebuild_all(session: Session) -> None:
    """Recompute every summary from the first to the last sales line."""
    lo, hi = session.execute(sa.select(sa.func.min(LINE.c.date),
                                       sa.func.max(LINE.c.date))).one()
    if lo is not None:
        refresh_sales_summaries(session, _as_date(lo), _as_date(hi))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


def summary_visible(ctx: Context, table: Any) -> Any | None:
    """``visible(ctx, SalesLine)`` on ``table``'s columns; None if it cannot be applied."""
    table = getattr(table, "__table__", table)
    missing: list[str] = []

    def swap(element: Any) -> Any:
        if isinstance(element, sa.Column) and element.table is LINE:
            if element.name in table.c:
                return table.c[element.name]
            missing.append(element.name)
        return None

    condition = visitors.replacement_traverse(visible(ctx, SalesLine), {}, swap)
    return None if missing else condition


def month_complete(session: Session, month: dt.date, as_of: dt.date) -> bool:
    """True when no line of ``month`` is dated after ``as_of`` (the month's summary then
    equals its lines up to ``as_of``)."""
    if as_of >= month_end(month):
        return True
    later = session.execute(sa.select(sa.literal(1)).where(
        LINE.c.date > as_of, LINE.c.date <= month_end(month)).limit(1)).first()
    return later is None


def period_parts(start: dt.date, end: dt.date) -> tuple[tuple[dt.date, dt.date] | None,
                                                         list[tuple[dt.date, dt.date]]]:
    """``start..end`` as a range of whole months (first days, inclusive) or None, plus the
    day ranges at either edge that are not whole months."""
    if end < start:
        return None, []
    first_full = start if start.day == 1 else add_months(month_start(start), 1)
    last_full = month_start(end) if end == month_end(end) else add_months(month_start(end), -1)
    if first_full > last_full:
        return None, [(start, end)]
    days = []
    if start < first_full:
        days.append((start, first_full - dt.timedelta(days=1)))
    if end > month_end(last_full):
        days.append((add_months(last_full, 1), end))
    return (first_full, last_full), days
