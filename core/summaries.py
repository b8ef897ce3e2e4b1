"""Maintain and read the report summary tables (``core.models_summary``).

Two ways to keep them equal to ``sales_line``, both inside the caller's transaction:

* incremental: ``add_line_totals(session, where, params, sign)`` adds (or, with
  ``sign=-1``, takes away) the totals of the lines matching ``where`` with one
  ``INSERT ... SELECT ... GROUP BY ... ON CONFLICT DO UPDATE`` per table; the unique keys
  (migration 0005) make the upsert safe between concurrent PostgreSQL imports. The SQLite
  importer aggregates its batch itself and sends the totals through ``upsert_parts``.
  Taking lines away deletes the summary rows left with no line.
* from scratch: ``refresh_sales_summaries(session, first_month, last_month)`` recomputes
  those months (DELETE + INSERT ... SELECT); ``rebuild_all`` recomputes everything.

Reading: ``summary_visible(ctx, table)`` is ``core.access.visible(ctx, SalesLine)`` moved
onto a summary table, or ``None`` when the table lacks a column the rule needs (a rep's
rules on a product x region grain): the caller then reads the lines instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlmodel import col

from core.access import visible
from core.errors import SalesdeskError
from core.i18n import _, listed, pick
from core.models import Customer, Product, Region, SalesLine
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


def month_expr(session: Session, column: Any) -> Any:
    """SQL for the first day of ``column``'s month on the session's backend."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column, "start of month")
    return sa.cast(sa.func.date_trunc("month", column), sa.Date)


# ---------------------------------------------------------------------------------------
# Refresh
# ---------------------------------------------------------------------------------------


def refresh_sales_summaries(session: Session, first_month: dt.date, last_month: dt.date) -> None:
    """Recompute every summary for the months ``first_month`` .. ``last_month``."""
    first, last = month_start(first_month), month_start(last_month)
    if last < first:
        return
    lo, hi = first, month_end(last)
    in_range = LINE.c.date.between(lo, hi)
    month = month_expr(session, LINE.c.date).label("month")
    measures = [sa.func.sum(LINE.c.amount), sa.func.sum(LINE.c.quantity), sa.func.count()]

    _replace(
        session,
        SalesSumRepDay,
        col(SalesSumRepDay.day).between(lo, hi),
        ["day", "rep_id", "region_id"],
        [LINE.c.date, LINE.c.rep_id, LINE.c.region_id],
        measures,
        in_range,
    )
    _replace(
        session,
        SalesSumRepMonth,
        col(SalesSumRepMonth.month).between(first, last),
        ["month", "rep_id", "region_id"],
        [month, LINE.c.rep_id, LINE.c.region_id],
        measures,
        in_range,
    )
    _replace(
        session,
        SalesSumProductRegionMonth,
        col(SalesSumProductRegionMonth.month).between(first, last),
        ["month", "product_id", "region_id"],
        [month, LINE.c.product_id, LINE.c.region_id],
        measures,
        in_range,
    )
    _replace(
        session,
        SalesSumCustomerMonth,
        col(SalesSumCustomerMonth.month).between(first, last),
        ["month", "customer_id"],
        [month, LINE.c.customer_id],
        measures,
        in_range,
    )
    for year in range(first.year, last.year + 1):
        _refresh_ytd(session, year)


def _replace(
    session: Session,
    model: Any,
    where: Any,
    keys: list[str],
    key_exprs: list[Any],
    measures: list[Any],
    line_filter: Any,
) -> None:
    table = model.__table__
    session.execute(sa.delete(table).where(where))
    select = (
        sa.select(*key_exprs, *measures)
        .where(line_filter)
        .group_by(*[k.element if isinstance(k, sa.Label) else k for k in key_exprs])
    )
    session.execute(
        sa.insert(table).from_select([*keys, "amount", "quantity", "line_count"], select)
    )


def _refresh_ytd(session: Session, year: int) -> None:
    """Rebuild one year of ``sales_sum_customer_ytd`` from the customer x month summary."""
    cm = SalesSumCustomerMonth.__table__  # type: ignore[attr-defined]
    table = SalesSumCustomerYtd.__table__  # type: ignore[attr-defined]
    session.execute(sa.delete(table).where(table.c.year == year))
    zero = sa.cast(sa.literal(0), cm.c.amount.type)
    cumulative = [
        sa.func.coalesce(
            sa.func.sum(sa.case((cm.c.month <= dt.date(year, m, 1), cm.c.amount), else_=zero)), zero
        )
        for m in range(1, 13)
    ]
    select = (
        sa.select(sa.literal(year), cm.c.customer_id, *cumulative)
        .where(cm.c.month.between(dt.date(year, 1, 1), dt.date(year, 12, 1)))
        .group_by(cm.c.customer_id)
    )
    session.execute(sa.insert(table).from_select(["year", "customer_id", *YTD_COLUMNS], select))


def rebuild_all(session: Session) -> None:
    """Recompute every summary from scratch (rows outside the lines' dates go too)."""
    for table in (*GRAINS, YTD_TABLE):
        session.execute(sa.text(f"DELETE FROM {getattr(table, 'table', table)}"))
    lo, hi = session.execute(sa.select(sa.func.min(LINE.c.date), sa.func.max(LINE.c.date))).one()
    if lo is not None:
        refresh_sales_summaries(session, _as_date(lo), _as_date(hi))


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# ---------------------------------------------------------------------------------------
# Incremental maintenance
# ---------------------------------------------------------------------------------------

NULL_KEYS = frozenset({"rep_id", "region_id"})  # NULL is 0 in the unique key
MEASURES = ("amount", "quantity", "line_count")
YTD_TABLE = "sales_sum_customer_ytd"


@dataclass(frozen=True)
class Grain:
    """One summary table: its time column ("day" or "month") and its other key columns."""

    table: str
    time: str
    keys: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.time, *self.keys)


GRAINS = (
    Grain("sales_sum_rep_day", "day", ("rep_id", "region_id")),
    Grain("sales_sum_rep_month", "month", ("rep_id", "region_id")),
    Grain("sales_sum_product_region_month", "month", ("product_id", "region_id")),
    Grain("sales_sum_customer_month", "month", ("customer_id",)),
)


def upsert_tail(table: str, keys: tuple[str, ...], measures: tuple[str, ...]) -> str:
    """``ON CONFLICT`` on ``table``'s unique key adding ``measures`` (SQLite and PG)."""
    target = ", ".join(f"(COALESCE({k}, 0))" if k in NULL_KEYS else k for k in keys)
    added = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in measures)
    return f" ON CONFLICT ({target}) DO UPDATE SET {added}"


def upsert_parts(grain: Grain) -> tuple[str, int, str]:
    """(``INSERT INTO table (columns)``, values per row, ``ON CONFLICT ...``) adding rows
    of totals to ``grain``; the caller puts ``VALUES (?, ...), ...`` in between."""
    columns = (*grain.columns, *MEASURES)
    return (
        f"INSERT INTO {grain.table} ({', '.join(columns)})",
        len(columns),
        upsert_tail(grain.table, grain.columns, MEASURES),
    )


def ytd_upsert_parts() -> tuple[str, int, str]:
    """Like ``upsert_parts`` for (year, customer_id, ytd_01..ytd_12) deltas."""
    columns = ("year", "customer_id", *YTD_COLUMNS)
    return (
        f"INSERT INTO {YTD_TABLE} ({', '.join(columns)})",
        len(columns),
        upsert_tail(YTD_TABLE, ("year", "customer_id"), YTD_COLUMNS),
    )


def add_line_totals(
    session: Session,
    where: str,
    params: dict[str, Any],
    first: dt.date,
    last: dt.date,
    sign: int = 1,
) -> None:
    """Add to every summary the totals of the lines matching the SQL condition ``where``
    (``sign=-1``: take them away, before the lines are deleted). ``first``..``last``
    bound those lines' dates; rows left without lines there are deleted."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    month = "date(date, 'start of month')" if sqlite else "CAST(date_trunc('month', date) AS DATE)"
    neg = "-" if sign < 0 else ""
    for grain in GRAINS:
        key_exprs = ("date" if grain.time == "day" else month, *grain.keys)
        keys = ", ".join(key_exprs)
        # In key order (as the unique index sorts): concurrent imports then lock the
        # summary rows they share in the same order instead of deadlocking.
        order = ", ".join(f"COALESCE({k}, 0)" if k in NULL_KEYS else k for k in key_exprs)
        session.execute(
            sa.text(
                f"INSERT INTO {grain.table} ({', '.join((*grain.columns, *MEASURES))}) "
                f"SELECT {keys}, {neg}SUM(amount), {neg}SUM(quantity), {neg}COUNT(*) "
                f"FROM sales_line WHERE {where} GROUP BY {keys} ORDER BY {order}"
                + upsert_tail(grain.table, grain.columns, MEASURES)
            ),
            params,
        )
    year, month_no = (
        ("CAST(strftime('%Y', date) AS INTEGER)", "CAST(strftime('%m', date) AS INTEGER)")
        if sqlite
        else ("CAST(EXTRACT(YEAR FROM date) AS INTEGER)", "EXTRACT(MONTH FROM date)")
    )
    cumulative = ", ".join(
        f"{neg}SUM(CASE WHEN {month_no} <= {m} THEN amount ELSE 0 END)" for m in range(1, 13)
    )
    session.execute(
        sa.text(
            f"INSERT INTO {YTD_TABLE} (year, customer_id, {', '.join(YTD_COLUMNS)}) "
            f"SELECT {year}, customer_id, {cumulative} FROM sales_line WHERE {where} "
            f"GROUP BY {year}, customer_id ORDER BY {year}, customer_id"
            + upsert_tail(YTD_TABLE, ("year", "customer_id"), YTD_COLUMNS)
        ),
        params,
    )
    if sign < 0:
        drop_empty_rows(session, first, last)


def drop_empty_rows(session: Session, first: dt.date, last: dt.date) -> None:
    """Delete summary rows of ``first``..``last`` that no line backs any more (a full
    rebuild would not have them), and YTD rows of customers left without a month."""
    lo, hi = month_start(first), month_start(last)
    for grain in GRAINS:
        bounds = (first, last) if grain.time == "day" else (lo, hi)
        session.execute(
            sa.text(
                f"DELETE FROM {grain.table} WHERE line_count <= 0 "
                f"AND {grain.time} BETWEEN :lo AND :hi"
            ),
            {"lo": bounds[0], "hi": bounds[1]},
        )
    for year in range(first.year, last.year + 1):
        session.execute(
            sa.text(
                f"DELETE FROM {YTD_TABLE} WHERE year = :year AND NOT EXISTS ("
                "SELECT 1 FROM sales_sum_customer_month cm "
                f"WHERE cm.customer_id = {YTD_TABLE}.customer_id "
                "AND cm.month BETWEEN :jan AND :dec)"
            ),
            {"year": year, "jan": dt.date(year, 1, 1), "dec": dt.date(year, 12, 1)},
        )


# ---------------------------------------------------------------------------------------
# Bounds
# ---------------------------------------------------------------------------------------

# The most a report total may be: what a line's amount or quantity column holds (reports
# and exports show figures of that size; SQLite's REAL sums are exact to the cent well
# below it). The summary columns are wider, so a total can pass it and be named here.
AMOUNT_MAX = Decimal("99999999999999.99")
QUANTITY_MAX = Decimal("99999999999.999")
_CHECK_ORDER = (
    "sales_sum_customer_month",
    "sales_sum_product_region_month",
    "sales_sum_rep_month",
    "sales_sum_rep_day",
)
# A summary key as a refusal names it: the table, the column people know a row by (a
# code; a rep by their name, never their login) and the kind in business words.
_KEY_NAMES: dict[str, tuple[str, str, tuple[str, str]]] = {
    "customer_id": ("customer", "code", Customer.__noun__),
    "product_id": ("product", "code", Product.__noun__),
    "rep_id": ("sd_user", "display_name", ("sales rep", "业务员")),
    "region_id": ("region", "code", Region.__noun__),
}


class SummaryOverflow(SalesdeskError):
    """A report total would pass what a total holds."""


def check_totals(session: Session, first: dt.date, last: dt.date) -> None:
    """Refuse (``SummaryOverflow``, naming the total) when a summary row of
    ``first``..``last`` now holds more than ``AMOUNT_MAX`` or ``QUANTITY_MAX``. Run
    after adding lines' totals, in the same transaction, so a refusal rolls it all back."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    limits = {
        "amax": float(AMOUNT_MAX) if sqlite else AMOUNT_MAX,
        "qmax": float(QUANTITY_MAX) if sqlite else QUANTITY_MAX,
    }
    for grain in sorted(GRAINS, key=lambda g: _CHECK_ORDER.index(g.table)):
        lo, hi = (first, last) if grain.time == "day" else (month_start(first), month_start(last))
        row = session.execute(
            sa.text(
                f"SELECT {', '.join(grain.columns)}, amount, quantity FROM {grain.table} "
                f"WHERE {grain.time} BETWEEN :lo AND :hi "
                "AND (ABS(amount) > :amax OR ABS(quantity) > :qmax) LIMIT 1"
            ),
            {"lo": lo, "hi": hi, **limits},
        ).first()
        if row is not None:
            raise _overflow(session, grain, row)
    over = " OR ".join(f"ABS({c}) > :amax" for c in YTD_COLUMNS)
    row = session.execute(
        sa.text(
            f"SELECT year, customer_id FROM {YTD_TABLE} WHERE year BETWEEN :lo AND :hi "
            f"AND ({over}) LIMIT 1"
        ),
        {"lo": first.year, "hi": last.year, **limits},
    ).first()
    if row is not None:
        raise SummaryOverflow(
            _(
                "The sales amount of {names} in the year {year} would total more than "
                "{limit} in the reports, more than a report total holds; nothing was "
                "imported."
            ).format(
                names=_key_name(session, "customer_id", row[1]),
                year=row[0],
                limit=f"{AMOUNT_MAX:,}",
            )
        )


def _overflow(session: Session, grain: Grain, row: Any) -> SummaryOverflow:
    *keys, amount, quantity = row
    when = _as_date(keys[0])
    period = when.isoformat() if grain.time == "day" else f"{when:%Y-%m}"
    names = listed(_key_name(session, k, v) for k, v in zip(grain.keys, keys[1:], strict=True))
    if abs(Decimal(str(amount))) > AMOUNT_MAX:
        limit, value = AMOUNT_MAX, amount
        text = _(
            "The sales amount of {names} in {period} would total {value} in the reports, "
            "more than the {limit} a report total holds; nothing was imported."
        )
    else:
        limit, value = QUANTITY_MAX, quantity
        text = _(
            "The quantity of {names} in {period} would total {value} in the reports, more "
            "than the {limit} a report total holds; nothing was imported."
        )
    return SummaryOverflow(
        text.format(
            names=names, period=period, value=f"{Decimal(str(value)):,f}", limit=f"{limit:,}"
        )
    )


def _key_name(session: Session, column: str, value: Any) -> str:
    table, code, noun = _KEY_NAMES[column]
    word = pick(*noun)
    if not value:
        return _("no {thing}").format(thing=word)
    found = session.execute(
        sa.text(f"SELECT {code} FROM {table} WHERE id = :id"), {"id": value}
    ).scalar()
    return f"{word} {found or value}"


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


def summary_visible(ctx: Context, table: Any) -> Any | None:
    """``visible(ctx, SalesLine)`` on ``table``'s columns; None if it cannot be applied."""
    table = getattr(table, "__table__", table)
    missing: list[str] = []

    def swap(element: Any, **_kw: Any) -> Any:
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
    later = session.execute(
        sa.select(sa.literal(1))
        .where(LINE.c.date > as_of, LINE.c.date <= month_end(month))
        .limit(1)
    ).first()
    return later is None


def period_parts(
    start: dt.date, end: dt.date
) -> tuple[tuple[dt.date, dt.date] | None, list[tuple[dt.date, dt.date]]]:
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
