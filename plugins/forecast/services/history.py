"""Sales history per cut, aggregated in the database under the reader's record rules.

Monthly cuts of product/region or rep/region read the core summary tables (one row per
month x key instead of millions of lines); other cuts and weekly series group the sales
lines. Either way only rows ``visible`` to the reader are counted, so a forecast never
includes sales the reader may not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import visible
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.i18n import listed
from core.models import Channel, Product, Region, SalesLine, User
from core.models_summary import SalesSumProductRegionMonth, SalesSumRepMonth
from core.summaries import add_months, month_expr, month_start, summary_visible

CUTS = ("product", "region", "channel", "rep")
FREQS = {"month": 12, "week": 52}
LINE_COLUMNS = {
    "product": "product_id",
    "region": "region_id",
    "channel": "channel_id",
    "rep": "rep_id",
}
LABELS: dict[str, tuple[Any, Any, Any]] = {
    "product": (Product.id, Product.code, Product.name),
    "region": (Region.id, Region.code, Region.name),
    "channel": (Channel.id, Channel.code, Channel.name),
    "rep": (User.id, User.login, User.display_name),
}

Key = tuple[int | None, ...]


@dataclass
class History:
    """Equally spaced periods and one array per key (zeros where nothing was sold)."""

    cut: tuple[str, ...]
    freq: str
    periods: list[dt.date]
    series: dict[Key, np.ndarray] = field(default_factory=dict)
    quantity: dict[Key, np.ndarray] = field(default_factory=dict)
    codes: dict[Key, str] = field(default_factory=dict)
    labels: dict[Key, str] = field(default_factory=dict)

    @property
    def season(self) -> int:
        return FREQS[self.freq]

    def company(self) -> np.ndarray:
        if not self.series:
            return np.zeros(len(self.periods))
        return np.sum(list(self.series.values()), axis=0)

    def company_quantity(self) -> np.ndarray:
        if not self.quantity:
            return np.zeros(len(self.periods))
        return np.sum(list(self.quantity.values()), axis=0)

    def price_drivers(self, key: Key | None, horizon: int) -> np.ndarray | None:
        """Average price (amount / quantity) per period, the future held at the mean of
        the last three known prices (planned prices are not known to salesdesk); None
        when no period has a quantity."""
        amount = self.company() if key is None else self.series[key]
        qty = self.company_quantity() if key is None else self.quantity.get(key)
        if qty is None or not np.any(qty > 0):
            return None
        price = np.divide(amount, qty, out=np.full(len(qty), np.nan), where=qty > 0)
        known = np.flatnonzero(np.isfinite(price))
        filled = np.interp(np.arange(len(price)), known, price[known])
        future = np.full(horizon, filled[known[-3:]].mean())
        return np.concatenate([filled, future])


def parse_cut(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip() and p.strip() != "company")
    bad = [n for n in names if n not in CUTS]
    if bad or len(set(names)) != len(names):
        raise ValidationFailed(
            [
                FieldProblem(
                    "cut",
                    text,
                    "company, or some of {cuts} separated by commas (each once)",
                    args={"cuts": listed(CUTS)},
                )
            ],
            "forecast",
        )
    return names


def period_expr(session: Session, freq: str, column: Any) -> Any:
    if freq == "month":
        return month_expr(session, column)
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column, "-6 days", "weekday 1")  # the Monday on or before
    return sa.cast(sa.func.date_trunc("week", column), sa.Date)


def last_complete(freq: str, today: dt.date) -> dt.date:
    """The start of the last period that has ended before ``today``."""
    if freq == "month":
        return add_months(month_start(today), -1)
    return today - dt.timedelta(days=today.weekday() + 7)


def step(freq: str, period: dt.date, n: int) -> dt.date:
    return add_months(period, n) if freq == "month" else period + dt.timedelta(weeks=n)


def load_history(
    ctx: Context, cut: tuple[str, ...], freq: str = "month", end: dt.date | None = None
) -> History:
    """Sales amount per period and key of ``cut`` up to the period starting ``end``."""
    if freq not in FREQS:
        raise ValidationFailed([FieldProblem("freq", freq, "month or week")], "forecast")
    last = end or last_complete(freq, ctx.today())
    with ctx.reading() as session:
        rows = _aggregate(ctx, session, cut, freq, last)
        history = _assemble(cut, freq, rows, last)
        _label(session, history)
    return history


def _aggregate(
    ctx: Context, session: Session, cut: tuple[str, ...], freq: str, last: dt.date
) -> list[tuple]:
    table = _summary_for(ctx, cut, freq)
    if table is not None:
        t = table.__table__
        keys = [t.c[LINE_COLUMNS[c]] for c in cut]
        cond = summary_visible(ctx, table)
        query = (
            sa.select(t.c.month, *keys, sa.func.sum(t.c.quantity), sa.func.sum(t.c.amount))
            .where(cond, t.c.month <= last)
            .group_by(t.c.month, *keys)
        )
        return [tuple(r) for r in session.execute(query)]
    line = SalesLine.__table__  # type: ignore[attr-defined]
    period = period_expr(session, freq, line.c.date)
    keys = [line.c[LINE_COLUMNS[c]] for c in cut]
    query = (
        sa.select(period, *keys, sa.func.sum(line.c.quantity), sa.func.sum(line.c.amount))
        .where(visible(ctx, SalesLine), line.c.date < step(freq, last, 1))
        .group_by(period, *keys)
    )
    return [tuple(r) for r in session.execute(query)]


def _summary_for(ctx: Context, cut: tuple[str, ...], freq: str) -> Any:
    if freq != "month":
        return None
    for table, covers in (
        (SalesSumProductRegionMonth, {"product", "region"}),
        (SalesSumRepMonth, {"rep", "region"}),
    ):
        if set(cut) <= covers and summary_visible(ctx, table) is not None:
            return table
    return None


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _assemble(cut: tuple[str, ...], freq: str, rows: list[tuple], last: dt.date) -> History:
    if not rows:
        return History(cut, freq, [])
    first = min(_as_date(r[0]) for r in rows)
    periods = []
    p = first
    while p <= last:
        periods.append(p)
        p = step(freq, p, 1)
    index = {p: i for i, p in enumerate(periods)}
    series: dict[Key, np.ndarray] = {}
    quantity: dict[Key, np.ndarray] = {}
    for row in rows:
        i = index.get(_as_date(row[0]))
        if i is None:
            continue
        key = tuple(row[1:-2])
        series.setdefault(key, np.zeros(len(periods)))[i] += float(row[-1] or 0)
        quantity.setdefault(key, np.zeros(len(periods)))[i] += float(row[-2] or 0)
    order = sorted(series, key=str)
    return History(
        cut, freq, periods, {k: series[k] for k in order}, {k: quantity[k] for k in order}
    )


def _label(session: Session, history: History) -> None:
    names: dict[str, dict[int, tuple[str, str]]] = {}
    for dim in history.cut:
        id_col, code_col, name_col = LABELS[dim]
        names[dim] = {
            i: (c, n) for i, c, n in session.execute(sa.select(id_col, code_col, name_col))
        }
    for key in history.series:
        parts = [
            names[d].get(k, ("-", "(none)")) if k is not None else ("-", "(none)")
            for d, k in zip(history.cut, key, strict=True)
        ]
        history.codes[key] = " / ".join(p[0] for p in parts)
        history.labels[key] = " / ".join(p[1] for p in parts)
