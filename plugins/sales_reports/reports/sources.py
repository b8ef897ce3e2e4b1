"""Aggregations in the database: summary tables where the reader's rules allow, lines
otherwise.

Rep grains (``sales_sum_rep_day``/``_month``) carry ``rep_id`` and ``region_id``, so every
reader's record rule applies to them. The product x region and customer grains lack the
rep, so a reader limited to their own or their team's sales is served from ``sales_line``
with ``visible()`` (their slice is small). A month whose lines run past the report date
(a report "as of" a past day) takes that month from the lines up to the date.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import visible
from core.context import Context
from core.models import SalesLine
from core.models_summary import (
    SalesSumCustomerMonth,
    SalesSumCustomerYtd,
    SalesSumProductRegionMonth,
    SalesSumRepDay,
    SalesSumRepMonth,
)
from core.report_kit import ZERO, line_amount, money
from core.summaries import (
    add_months,
    month_complete,
    month_end,
    month_expr,
    month_start,
    period_parts,
    summary_visible,
)

RM = SalesSumRepMonth.__table__  # type: ignore[attr-defined]
RD = SalesSumRepDay.__table__  # type: ignore[attr-defined]
PRM = SalesSumProductRegionMonth.__table__  # type: ignore[attr-defined]
CM = SalesSumCustomerMonth.__table__  # type: ignore[attr-defined]
CYTD = SalesSumCustomerYtd.__table__  # type: ignore[attr-defined]
LINE = SalesLine.__table__  # type: ignore[attr-defined]
Period = tuple[dt.date, dt.date]


def _region_filter(table: Any, region_ids: set[int] | None) -> list[Any]:
    return [] if region_ids is None else [table.c.region_id.in_(region_ids or {-1})]


# -- rep grain: any period, any reader ---------------------------------------------------


def period_sums(
    ctx: Context,
    session: Session,
    keys: list[str],
    periods: dict[str, Period],
    region_ids: set[int] | None = None,
    amount: Any = None,
) -> dict[tuple, dict[str, Decimal]]:
    """Sales amount per key (columns of the rep grain: rep_id, region_id) for each named
    period: whole months from the month summary, edge days from the day summary.
    ``amount``: an expression on the lines (gross, see ``gross_amount``) read from the
    lines instead; None is the stored net amount."""
    out: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(periods, ZERO))
    if amount is not None:
        for name, (start, end) in periods.items():
            found: dict = defaultdict(lambda: [ZERO, Decimal("0.000"), 0])
            _add_lines(found, ctx, session, keys, start, end, region_ids, amount)
            for key, acc in found.items():
                out[key][name] += acc[0]
        return out
    month_ranges, day_ranges = {}, {}
    for name, (start, end) in periods.items():
        months, days = period_parts(start, end)
        if months:
            month_ranges[name] = months
        if days:
            day_ranges[name] = days
    for table, date_col, ranges in (
        (RM, "month", {k: [v] for k, v in month_ranges.items()}),
        (RD, "day", day_ranges),
    ):
        if not ranges:
            continue
        col = table.c[date_col]
        sums = [
            sa.func.sum(
                sa.case((sa.or_(*[col.between(a, b) for a, b in spans]), table.c.amount), else_=0)
            ).label(name)
            for name, spans in ranges.items()
        ]
        where = sa.or_(*[col.between(a, b) for spans in ranges.values() for a, b in spans])
        query = (
            sa.select(*[table.c[k] for k in keys], *sums)
            .where(where, summary_visible(ctx, table), *_region_filter(table, region_ids))
            .group_by(*[table.c[k] for k in keys])
        )
        for row in session.execute(query):
            key = tuple(row[: len(keys)])
            for name, value in zip(ranges, row[len(keys) :], strict=True):
                out[key][name] += money(value)
    return out


def rep_months(
    ctx: Context,
    session: Session,
    first: dt.date,
    last: dt.date,
    keys: list[str],
    region_ids: set[int] | None = None,
) -> dict[tuple, Decimal]:
    """Amount per (month, *keys) for whole months ``first``..``last`` (rep grain)."""
    query = (
        sa.select(RM.c.month, *[RM.c[k] for k in keys], sa.func.sum(RM.c.amount))
        .where(
            RM.c.month.between(month_start(first), month_start(last)),
            summary_visible(ctx, RM),
            *_region_filter(RM, region_ids),
        )
        .group_by(RM.c.month, *[RM.c[k] for k in keys])
    )
    return {tuple(r[:-1]): money(r[-1]) for r in session.execute(query)}


# -- product x region grain ----------------------------------------------------------------


def product_region_months(
    ctx: Context,
    session: Session,
    first: dt.date,
    last: dt.date,
    as_of: dt.date,
    keys: Iterable[str] = ("month", "product_id", "region_id"),
    region_ids: set[int] | None = None,
    amount: Any = None,
) -> dict[tuple, list[Decimal | int]]:
    """(amount, quantity, lines) per key over months ``first``..``last`` up to ``as_of``
    (``amount``: as in ``period_sums``)."""
    keys = list(keys)
    first, last = month_start(first), month_start(min(last, as_of))
    out: dict[tuple, list[Any]] = defaultdict(lambda: [ZERO, Decimal("0.000"), 0])
    cond = summary_visible(ctx, PRM)
    if cond is None or amount is not None:
        _add_lines(out, ctx, session, keys, first, min(as_of, month_end(last)), region_ids, amount)
        return out
    summary_last = last if month_complete(session, last, as_of) else add_months(last, -1)
    if summary_last >= first:
        query = (
            sa.select(
                *[PRM.c[k] for k in keys],
                sa.func.sum(PRM.c.amount),
                sa.func.sum(PRM.c.quantity),
                sa.func.sum(PRM.c.line_count),
            )
            .where(PRM.c.month.between(first, summary_last), cond, *_region_filter(PRM, region_ids))
            .group_by(*[PRM.c[k] for k in keys])
        )
        _accumulate(out, session.execute(query), len(keys))
    if summary_last < last:
        _add_lines(out, ctx, session, keys, last, as_of, region_ids)
    return out


def _line_key(session: Session, key: str) -> Any:
    return month_expr(session, LINE.c.date) if key == "month" else LINE.c[key]


def gross_amount(ctx: Context) -> Any:
    """A line's amount including VAT (价税合计): net plus the VAT rounded to the cent per
    line, at the line's rate or, when it has none, the company's."""
    from core.services.organisation import company_settings

    return line_amount(LINE.c.amount, LINE.c.tax_rate, "gross", company_settings(ctx).vat_rate)


def amount_of(ctx: Context, amounts: str) -> Any:
    """The line amount a report with the net/gross choice aggregates (None: net)."""
    return gross_amount(ctx) if amounts == "gross" else None


def _add_lines(
    out: dict,
    ctx: Context,
    session: Session,
    keys: list[str],
    start: dt.date,
    end: dt.date,
    region_ids: set[int] | None,
    amount: Any = None,
) -> None:
    exprs = [_line_key(session, k) for k in keys]
    total = sa.func.sum(LINE.c.amount if amount is None else amount)
    query = (
        sa.select(*exprs, total, sa.func.sum(LINE.c.quantity), sa.func.count())
        .where(
            LINE.c.date.between(start, end),
            visible(ctx, SalesLine),
            *_region_filter(LINE, region_ids),
        )
        .group_by(*exprs)
    )
    _accumulate(out, session.execute(query), len(keys))


def _accumulate(out: dict, rows: Iterable[Any], n: int) -> None:
    for row in rows:
        key = tuple(
            _as_date(v) if i == 0 and isinstance(v, str) else v for i, v in enumerate(row[:n])
        )
        acc = out[key]
        acc[0] += money(row[n])
        acc[1] += Decimal(str(row[n + 1] or 0)).quantize(Decimal("0.001"))
        acc[2] += int(row[n + 2] or 0)


def _as_date(value: str) -> Any:
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return value


# -- customer grain ---------------------------------------------------------------------------


def customer_months(
    ctx: Context, session: Session, first: dt.date, last: dt.date, as_of: dt.date
) -> dict[tuple[dt.date, int], Decimal]:
    """Amount per (month, customer) over ``first``..``last`` up to ``as_of``."""
    first, last = month_start(first), month_start(min(last, as_of))
    out: dict[tuple, list[Any]] = defaultdict(lambda: [ZERO, Decimal("0.000"), 0])
    keys = ["month", "customer_id"]
    if summary_visible(ctx, CM) is None:
        _add_lines(out, ctx, session, keys, first, min(as_of, month_end(last)), None)
    else:
        summary_last = last if month_complete(session, last, as_of) else add_months(last, -1)
        if summary_last >= first:
            query = sa.select(
                CM.c.month, CM.c.customer_id, CM.c.amount, CM.c.quantity, CM.c.line_count
            ).where(CM.c.month.between(first, summary_last))
            _accumulate(out, session.execute(query), 2)
        if summary_last < last:
            _add_lines(out, ctx, session, keys, last, as_of, None)
    return {k: v[0] for k, v in out.items()}


def top_customers_ytd(
    ctx: Context, session: Session, as_of: dt.date, top: int
) -> list[tuple[int, Decimal]]:
    """The ``top`` customers by sales from 1 January to ``as_of`` (ties by id)."""
    month = month_start(as_of)
    if summary_visible(ctx, CYTD) is not None and month_complete(session, month, as_of):
        col = CYTD.c[f"ytd_{as_of.month:02d}"]
        query = (
            sa.select(CYTD.c.customer_id, col)
            .where(CYTD.c.year == as_of.year, col > 0)
            .order_by(col.desc(), CYTD.c.customer_id)
            .limit(top)
        )
    else:
        total = sa.func.sum(LINE.c.amount)
        query = (
            sa.select(LINE.c.customer_id, total)
            .where(LINE.c.date.between(dt.date(as_of.year, 1, 1), as_of), visible(ctx, SalesLine))
            .group_by(LINE.c.customer_id)
            .having(total > 0)
            .order_by(total.desc(), LINE.c.customer_id)
            .limit(top)
        )
    return [(cid, money(amount)) for cid, amount in session.execute(query)]


def customer_totals(
    ctx: Context, session: Session, customer_ids: list[int], start: dt.date, end: dt.date
) -> dict[int, Decimal]:
    """Visible sales of a few customers over a day range (index on customer, date)."""
    if not customer_ids:
        return {}
    query = (
        sa.select(LINE.c.customer_id, sa.func.sum(LINE.c.amount))
        .where(
            LINE.c.customer_id.in_(customer_ids),
            LINE.c.date.between(start, end),
            visible(ctx, SalesLine),
        )
        .group_by(LINE.c.customer_id)
    )
    return {cid: money(amount) for cid, amount in session.execute(query)}


def monthly_actuals(
    ctx: Context,
    session: Session,
    first: dt.date,
    as_of: dt.date,
    keys: list[str],
    region_ids: set[int] | None = None,
    amount: Any = None,
) -> dict[tuple, Decimal]:
    """Amount per (month, *keys) from ``first``'s month through ``as_of`` (rep grain):
    whole months from the month summary, ``as_of``'s month from the day summary
    (``amount``: as in ``period_sums``)."""
    current = month_start(as_of)
    out: dict[tuple, Decimal] = defaultdict(lambda: ZERO)
    if amount is not None:
        found: dict = defaultdict(lambda: [ZERO, Decimal("0.000"), 0])
        _add_lines(found, ctx, session, ["month", *keys], first, as_of, region_ids, amount)
        return {key: acc[0] for key, acc in found.items()}
    if month_start(first) < current:
        for key, amount in rep_months(
            ctx, session, first, add_months(current, -1), keys, region_ids
        ).items():
            out[key] += amount
    if month_start(first) <= current:
        partial = period_sums(ctx, session, keys, {"m": (current, as_of)}, region_ids)
        for key, sums in partial.items():
            if sums["m"]:
                out[(current, *key)] += sums["m"]
    return dict(out)


def first_purchase_months(ctx: Context, session: Session) -> dict[int, dt.date]:
    """Each visible customer's first month with a (visible) sale."""
    if summary_visible(ctx, CM) is not None:
        query = sa.select(CM.c.customer_id, sa.func.min(CM.c.month)).group_by(CM.c.customer_id)
        rows = session.execute(query)
        return {cid: _as_date(m) if isinstance(m, str) else m for cid, m in rows}
    query = (
        sa.select(LINE.c.customer_id, sa.func.min(LINE.c.date))
        .where(visible(ctx, SalesLine))
        .group_by(LINE.c.customer_id)
    )
    return {
        cid: month_start(_as_date(d) if isinstance(d, str) else d)
        for cid, d in session.execute(query)
    }


def month_text(session: Session, column: Any) -> Any:
    """SQL for 'YYYY-MM' of a date column."""
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(column, "YYYY-MM")


def product_region_cells(
    ctx: Context,
    session: Session,
    first: dt.date,
    last: dt.date,
    as_of: dt.date,
    region_ids: set[int] | None = None,
) -> list[tuple]:
    """(month 'YYYY-MM', product_id, region_id, lines, quantity, amount) per cell over
    months ``first``..``last`` up to ``as_of``, ordered by month, product, region.

    Summary rows where the reader's rules allow (one per cell: no GROUP BY needed), the
    lines for a month that runs past ``as_of`` and for readers the summary cannot serve.
    Runs on the Core connection: no ORM row overhead for tens of thousands of cells.
    """
    first, last = month_start(first), month_start(min(last, as_of))
    cond = summary_visible(ctx, PRM)
    parts = []
    summary_last = add_months(first, -1)
    if cond is not None:
        summary_last = last if month_complete(session, last, as_of) else add_months(last, -1)
        if summary_last >= first:
            parts.append(
                sa.select(
                    PRM.c.month,
                    PRM.c.product_id,
                    PRM.c.region_id,
                    PRM.c.line_count,
                    PRM.c.quantity,
                    PRM.c.amount,
                ).where(
                    PRM.c.month.between(first, summary_last), cond, *_region_filter(PRM, region_ids)
                )
            )
    line_start = add_months(summary_last, 1)
    if line_start <= last:
        parts.append(
            sa.select(
                month_expr(session, LINE.c.date).label("month"),
                LINE.c.product_id,
                LINE.c.region_id,
                sa.literal(1).label("line_count"),
                LINE.c.quantity,
                LINE.c.amount,
            ).where(
                LINE.c.date.between(line_start, min(as_of, month_end(last))),
                visible(ctx, SalesLine),
                *_region_filter(LINE, region_ids),
            )
        )
    if not parts:
        return []
    src = parts[0].subquery("src") if len(parts) == 1 else sa.union_all(*parts).subquery("src")
    keys = [src.c.month, src.c.product_id, src.c.region_id]
    label = month_text(session, src.c.month)
    if len(parts) == 1 and parts[0].get_final_froms()[0] is PRM:
        query = sa.select(label, *keys[1:], src.c.line_count, src.c.quantity, src.c.amount)
    else:
        query = sa.select(
            label,
            *keys[1:],
            sa.func.sum(src.c.line_count),
            sa.type_coerce(sa.func.sum(src.c.quantity), PRM.c.quantity.type),
            sa.type_coerce(sa.func.sum(src.c.amount), PRM.c.amount.type),
        ).group_by(*keys)
    query = query.order_by(*keys)
    return [tuple(r) for r in session.connection().execute(query)]


def customers_ytd(
    ctx: Context, session: Session, customer_ids: list[int], day: dt.date
) -> dict[int, Decimal]:
    """Sales of a few customers from 1 January to ``day``: whole months from the YTD
    summary (when the reader's rules allow), the rest of ``day``'s month from the lines."""
    if summary_visible(ctx, CYTD) is None or not customer_ids:
        return customer_totals(ctx, session, customer_ids, dt.date(day.year, 1, 1), day)
    whole = day.month if day == month_end(day) else day.month - 1
    out: dict[int, Decimal] = dict.fromkeys(customer_ids, ZERO)
    if whole:
        col = CYTD.c[f"ytd_{whole:02d}"]
        for cid, amount in session.execute(
            sa.select(CYTD.c.customer_id, col).where(
                CYTD.c.year == day.year, CYTD.c.customer_id.in_(customer_ids)
            )
        ):
            out[cid] += money(amount)
    if whole < day.month:
        for cid, amount in customer_totals(
            ctx, session, customer_ids, month_start(day), day
        ).items():
            out[cid] += amount
    return out
