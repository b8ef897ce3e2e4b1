"""Target vs actual (完成率) and this year vs last year, per cut, for MTD, QTD or YTD.

Actual sales come from the sales lines the reader may see; targets are the official ones
(core ``SalesTarget``, published when an allocation is approved) read through
``core.targets.target_amounts`` for the whole months of the period. Completion is
actual / target; growth is (actual - last year) / last year over the same days a year
earlier. Reps are ranked by completion (no target: ranked after, by actual).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core import periods as pr
from core.access import Scope, visible
from core.context import Context
from core.errors import FieldProblem, ValidationFailed
from core.models import SalesLine, User
from core.targets import target_amounts
from plugins.forecast import allocate as al
from plugins.forecast.services.history import LABELS, LINE_COLUMNS

EVAL_CUTS = ("company", "rep", "channel", "region", "product")
PERIODS = ("mtd", "qtd", "ytd")
RATIO = Decimal("0.0001")


@dataclass
class EvalRow:
    key_id: int
    code: str
    name: str
    target: Decimal | None
    actual: Decimal
    completion: Decimal | None
    last_year: Decimal
    growth: Decimal | None
    rank: int | None = None


@dataclass
class Evaluation:
    by: str
    period: str
    start: dt.date
    end: dt.date
    rows: list[EvalRow]
    total: EvalRow


def ratio(num: Decimal, den: Decimal | None) -> Decimal | None:
    if den is None or den == 0:
        return None
    return (num / den).quantize(RATIO)


def evaluate(
    ctx: Context, by: str = "rep", period: str = "ytd", as_of: dt.date | None = None
) -> Evaluation:
    if by not in EVAL_CUTS or period not in PERIODS:
        raise ValidationFailed(
            [
                FieldProblem("by", by, "one of company, rep, channel, region or product"),
                FieldProblem(
                    "period",
                    period,
                    "one of mtd (month to date), qtd (quarter to date) or ytd (year to date)",
                ),
            ],
            "evaluation",
        )
    as_of = as_of or ctx.today()
    start, end = al.to_date_range(period, as_of)
    ly_start, ly_end = pr.same_days_last_year(start, end)  # the shared like-for-like rule
    with ctx.reading() as session:
        actual = _sums(ctx, session, by, start, end)
        previous = _sums(ctx, session, by, ly_start, ly_end)
        targets = _visible_targets(
            ctx, session, by, target_amounts(session, start, end, by), set(actual) | set(previous)
        )
        names = _names(session, by)
    keys = sorted(
        set(actual) | set(previous) | set(targets), key=lambda k: names.get(k, (str(k), ""))[0]
    )
    rows = [_row(k, names, actual, previous, targets) for k in keys]
    if by == "rep":
        _rank(rows)
    total_target = sum(targets.values(), Decimal(0)) if targets else None
    total_actual = sum(actual.values(), Decimal(0))
    total_ly = sum(previous.values(), Decimal(0))
    total = EvalRow(
        0,
        "",
        "Total",
        total_target,
        total_actual,
        ratio(total_actual, total_target),
        total_ly,
        ratio(total_actual - total_ly, total_ly),
    )
    return Evaluation(by, period, start, end, rows, total)


def _visible_targets(
    ctx: Context, session: Any, by: str, targets: dict[int, Decimal], with_sales: set[int]
) -> dict[int, Decimal]:
    """Targets of the keys the reader may see: all for a company-wide reader; else the
    reps within their rules, or the keys where they can see sales."""
    if ctx.grant.scope is Scope.ALL or by == "company":
        return targets
    if by == "rep":
        allowed = set(session.scalars(sa.select(User.id).where(visible(ctx, User))))
    else:
        allowed = with_sales
    return {k: v for k, v in targets.items() if k in allowed}


def _row(
    key: int,
    names: dict[int, tuple[str, str]],
    actual: dict[int, Decimal],
    previous: dict[int, Decimal],
    targets: dict[int, Decimal],
) -> EvalRow:
    a, ly, t = actual.get(key, Decimal(0)), previous.get(key, Decimal(0)), targets.get(key)
    code, name = names.get(key, (str(key), ""))
    return EvalRow(key, code, name, t, a, ratio(a, t), ly, ratio(a - ly, ly))


def _rank(rows: list[EvalRow]) -> None:
    order = sorted(rows, key=lambda r: (r.completion is None, -(r.completion or 0), -r.actual))
    for i, row in enumerate(order, start=1):
        row.rank = i


def _sums(ctx: Context, session: Any, by: str, start: dt.date, end: dt.date) -> dict[int, Decimal]:
    line = SalesLine.__table__  # type: ignore[attr-defined]
    cond = sa.and_(visible(ctx, SalesLine), line.c.date.between(start, end))
    if by == "company":
        value = session.scalar(sa.select(sa.func.sum(line.c.amount)).where(cond))
        return {0: al.cents(Decimal(str(value or 0)))} if value is not None else {}
    col = line.c[LINE_COLUMNS[by]]
    rows = session.execute(
        sa.select(col, sa.func.sum(line.c.amount)).where(cond, col.is_not(None)).group_by(col)
    ).all()
    return {int(k): al.cents(Decimal(str(v or 0))) for k, v in rows}


def _names(session: Any, by: str) -> dict[int, tuple[str, str]]:
    if by == "company":
        return {0: ("", "Company")}
    id_col, code_col, name_col = LABELS[by]
    return {i: (c, n) for i, c, n in session.execute(sa.select(id_col, code_col, name_col))}
