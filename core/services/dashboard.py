"""The figures on the home dashboard, and the records behind each one.

Every figure is computed in the database under the actor's record rules
(``visible``), so a rep sees their own numbers and an admin the company's.
``drill(ctx, figure)`` returns the rows a figure was computed from (at most ``limit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.access import Scope, visible, visible_follow_ups
from core.context import Context
from core.dashboard_figures import FIGURES as FIGURES
from core.dashboard_figures import Dashboard as Dashboard
from core.i18n import _
from core.models import (
    Activity,
    Channel,
    Customer,
    Opportunity,
    OpportunityStatus,
    Product,
    Region,
    SalesLine,
    SalesTarget,
    User,
)
from core.models_summary import SalesSumRepDay, SalesSumRepMonth
from core.summaries import summary_visible


def period_start(today: dt.date, period: str) -> dt.date:
    if period == "mtd":
        return today.replace(day=1)
    if period == "qtd":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return today.replace(month=1, day=1)


def compute(ctx: Context) -> Dashboard:
    """Every figure in four reads: the target, sales to date from the summaries (two
    small indexed reads), the open deals grouped by stage (pipeline, weighted, count and
    stalled in one pass) and the follow-ups (due today and overdue in one pass)."""
    today = ctx.today()
    board = Dashboard(month=today.replace(day=1))
    with ctx.reading() as session:
        board.target = _target(ctx, session, board.month)
        mtd, qtd, ytd = _sales_to_date(ctx, session, today)
        board.mtd, board.qtd, board.ytd = mtd, qtd, ytd
        deals = _open_deals(ctx, session)
        board.pipeline, board.weighted, board.open_deals, board.stalled, board.stages = deals
        board.due_today, board.overdue = _follow_up_counts(ctx, session, today)
    return board


def _sales_to_date(ctx: Context, session: Any, today: dt.date) -> tuple[Decimal, ...]:
    """Sales month-, quarter- and year-to-date. Read from the summary tables (rep grain:
    whole months before this one, this month's days up to today), kept equal to the lines
    in the transactions that change them: over 5M lines, summing the lines took 0.5 s of
    Home's first figures (docs/performance.md, "Home's figures")."""
    starts = [period_start(today, p) for p in ("mtd", "qtd", "ytd")]
    month_cond = summary_visible(ctx, SalesSumRepMonth)
    day_cond = summary_visible(ctx, SalesSumRepDay)
    if month_cond is None or day_cond is None:  # a rule the summaries cannot apply
        return _sales_from_lines(ctx, session, today, starts)
    month, day = SalesSumRepMonth, SalesSumRepDay
    earlier = sa.select(
        *[_sum_since(month.month, month.amount, start) for start in starts[1:]]
    ).where(col(month.month) >= starts[2], col(month.month) < starts[0], month_cond)
    this_month = sa.select(sa.func.coalesce(sa.func.sum(col(day.amount)), 0)).where(
        col(day.day) >= starts[0], col(day.day) <= today, day_cond
    )
    qtd, ytd = (_money(v) for v in session.execute(earlier).one())
    mtd = _money(session.scalar(this_month))
    return mtd, qtd + mtd, ytd + mtd


def _sum_since(date_col: Any, amount: Any, start: dt.date) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((date_col >= start, amount), else_=0)), 0)


def _sales_from_lines(
    ctx: Context, session: Any, today: dt.date, starts: list[dt.date]
) -> tuple[Decimal, ...]:
    query = sa.select(
        *[_sum_since(SalesLine.date, SalesLine.amount, start) for start in starts]
    ).where(col(SalesLine.date) >= starts[2], col(SalesLine.date) <= today, visible(ctx, SalesLine))
    return tuple(_money(v) for v in session.execute(query).one())


def _money(value: Any) -> Decimal:
    """A database sum as money (SQLite sums NUMERIC columns as floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _target(ctx: Context, session: Any, month: dt.date) -> Decimal | None:
    if ctx.grant.scope is Scope.ALL:
        cond = sa.and_(col(SalesTarget.dimension) == "company", col(SalesTarget.key_id) == 0)
    elif ctx.grant.scope is Scope.OWN:
        cond = sa.and_(col(SalesTarget.dimension) == "rep", col(SalesTarget.key_id) == ctx.actor.id)
    else:
        cond = sa.and_(
            col(SalesTarget.dimension) == "rep",
            col(SalesTarget.key_id).in_(ctx.grant.team_ids or {ctx.actor.id}),
        )
    value = session.scalar(
        sa.select(sa.func.sum(SalesTarget.amount)).where(col(SalesTarget.month) == month, cond)
    )
    return None if value is None else Decimal(value)


def _open_deals(
    ctx: Context, session: Any
) -> tuple[Decimal, Decimal, int, int, list[tuple[str, str, int, Decimal]]]:
    """Open pipeline, weighted pipeline, open deals, stalled deals and the pipeline by
    stage: one grouped read of the open deals the reader may see."""
    stalled = _stalled(ctx)[2]
    query = (
        sa.select(
            col(Opportunity.funnel),
            col(Opportunity.stage),
            col(Opportunity.probability_override),
            sa.func.sum(Opportunity.amount),
            sa.func.count(),
            sa.func.sum(sa.case((stalled, 1), else_=0)),
        )
        .where(col(Opportunity.status) == OpportunityStatus.OPEN, visible(ctx, Opportunity))
        .group_by(
            col(Opportunity.funnel), col(Opportunity.stage), col(Opportunity.probability_override)
        )
    )
    total, weighted, count, stalled_count = Decimal(0), Decimal(0), 0, 0
    stages: dict[tuple[str, str], tuple[int, Decimal]] = {}
    funnels = ctx.plugins.funnels
    for funnel_id, stage_id, override, amount, n, late in session.execute(query):
        if override is None:  # as ``probability``, without a model per group
            funnel = funnels.get(funnel_id)
            stage = funnel.stage(stage_id) if funnel else None
            override = stage.probability if stage else 0
        amount = Decimal(amount or 0)
        total += amount
        weighted += amount * Decimal(override)
        count += n
        stalled_count += late or 0
        deals, summed = stages.get((funnel_id, stage_id), (0, Decimal(0)))
        stages[(funnel_id, stage_id)] = (deals + n, summed + amount)
    by_stage = [(f, s, n, a) for (f, s), (n, a) in sorted(stages.items(), key=_stage_order(ctx))]
    return total, weighted.quantize(Decimal("0.01")), count, stalled_count, by_stage


def _follow_up_counts(ctx: Context, session: Any, today: dt.date) -> tuple[int, int]:
    """Follow-ups due today and overdue, in one read."""
    planned = col(Activity.next_visit)
    query = sa.select(
        sa.func.coalesce(sa.func.sum(sa.case((planned == today, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((planned < today, 1), else_=0)), 0),
    ).where(*_follow_ups(ctx, "due"))
    due_today, overdue = session.execute(query).one()
    return int(due_today), int(overdue)


def _stage_order(ctx: Context) -> Any:
    """Funnel by funnel, each funnel's stages in its own order (unknown ones last)."""
    funnels = ctx.plugins.funnels

    def key(item: tuple[tuple[str, str], Any]) -> tuple[str, int, str]:
        (funnel_id, stage_id), _value = item
        funnel = funnels.get(funnel_id)
        ids = [s.id for s in funnel.stages] if funnel else []
        return (funnel_id, ids.index(stage_id) if stage_id in ids else len(ids), stage_id)

    return key


def _follow_ups(ctx: Context, which: str, count: bool = False) -> Any:
    """Planned visits (next_visit) due today, overdue or both ("due") and not yet followed
    by a visit."""
    today = ctx.today()
    later = aliased(Activity)
    done = sa.exists().where(
        col(later.customer_id) == col(Activity.customer_id),
        col(later.date) >= col(Activity.next_visit),
        col(later.id) != col(Activity.id),
    )
    planned = col(Activity.next_visit)
    when = {"due_today": planned == today, "overdue": planned < today, "due": planned <= today}[
        which
    ]
    conds = [when, ~done, visible_follow_ups(ctx)]
    if count:
        return sa.select(sa.func.count()).select_from(Activity).where(*conds)
    return conds


def _stalled(ctx: Context) -> list[Any]:
    now = ctx.now()
    limits = []
    for funnel in ctx.plugins.funnels.funnels.values():
        for stage in funnel.open_stages:
            if stage.max_days:
                limits.append(
                    sa.and_(
                        Opportunity.funnel == funnel.id,
                        Opportunity.stage == stage.id,
                        col(Opportunity.stage_entered_at) < now - dt.timedelta(days=stage.max_days),
                    )
                )
    return [
        Opportunity.status == OpportunityStatus.OPEN,
        visible(ctx, Opportunity),
        sa.or_(*limits) if limits else sa.false(),
    ]


# -- the records behind a figure ---------------------------------------------------------


@dataclass
class Drill:
    columns: list[str]  # English titles; the TUI translates them
    rows: list[tuple[Any, ...]]
    kind: str  # "sales", "opportunity" or "activity": what Enter on a row opens
    keys: list[int]  # the record id of each row (customer id for sales and activities)


def drill(ctx: Context, figure: str, limit: int = 500) -> Drill:
    today = ctx.today()
    if figure == "target":
        return _target_rows(ctx, today.replace(day=1), today)
    if figure in ("mtd", "qtd", "ytd", "actual"):
        start = period_start(today, "mtd" if figure == "actual" else figure)
        return _sales_rows(ctx, start, today, limit)
    if figure in ("pipeline", "weighted", "stalled"):
        conds = (
            _stalled(ctx)
            if figure == "stalled"
            else [Opportunity.status == OpportunityStatus.OPEN, visible(ctx, Opportunity)]
        )
        return _opportunity_rows(ctx, conds, limit)
    if figure in ("due_today", "overdue"):
        return _activity_rows(ctx, _follow_ups(ctx, figure), limit)
    raise ValueError(f"unknown figure {figure!r}; expected one of {', '.join(FIGURES)}")


# what a target is set for -> the sales line column its actual is summed by
TARGET_KEYS = {
    "rep": "rep_id",
    "product": "product_id",
    "region": "region_id",
    "channel": "channel_id",
}
TARGET_TITLES = {
    "company": "Company",
    "rep": "Rep",
    "product": "Product",
    "region": "Region",
    "channel": "Channel",
}
TARGET_NAMES: dict[str, tuple[type[User | Product | Region | Channel], str]] = {
    "rep": (User, User.display_name),
    "product": (Product, Product.name),
    "region": (Region, Region.name),
    "channel": (Channel, Channel.name),
}


def _target_rows(ctx: Context, month: dt.date, today: dt.date) -> Drill:
    """This month's official targets the reader may see (the company's and every key's
    for a company-wide reader, else their own or their team's), each with its actual."""
    conds = [col(SalesTarget.month) == month]
    if ctx.grant.scope is Scope.OWN:
        conds += [col(SalesTarget.dimension) == "rep", col(SalesTarget.key_id) == ctx.actor.id]
    elif ctx.grant.scope is not Scope.ALL:
        conds += [
            col(SalesTarget.dimension) == "rep",
            col(SalesTarget.key_id).in_(ctx.grant.team_ids or {ctx.actor.id}),
        ]
    with ctx.reading() as session:
        targets = list(
            session.scalars(
                sa.select(SalesTarget)
                .where(*conds)
                .order_by(col(SalesTarget.dimension), col(SalesTarget.key_id))
            )
        )
        rows = []
        for t in targets:
            actual = _target_actual(ctx, session, t, month, today)
            name = _target_name(session, t)
            share = actual / t.amount * 100 if t.amount else None
            rows.append(
                (
                    _(TARGET_TITLES.get(t.dimension, t.dimension)),
                    name,
                    Decimal(t.amount),
                    actual,
                    share,
                )
            )
    return Drill(
        ["Target for", "Name", "Target", "Actual", "Completion %"], rows, "target", [0] * len(rows)
    )


def _target_name(session: Any, target: SalesTarget) -> str:
    if target.dimension not in TARGET_NAMES:
        return _("The company") if target.dimension == "company" else str(target.key_id)
    model, column = TARGET_NAMES[target.dimension]
    return session.scalar(sa.select(col(column)).where(col(model.id) == target.key_id)) or str(
        target.key_id
    )


def _target_actual(
    ctx: Context, session: Any, target: SalesTarget, month: dt.date, today: dt.date
) -> Decimal:
    conds = [col(SalesLine.date) >= month, col(SalesLine.date) <= today, visible(ctx, SalesLine)]
    if target.dimension in TARGET_KEYS:
        conds.append(getattr(SalesLine, TARGET_KEYS[target.dimension]) == target.key_id)
    elif target.dimension != "company":
        return Decimal(0)
    return Decimal(session.scalar(sa.select(sa.func.sum(col(SalesLine.amount))).where(*conds)) or 0)


def _sales_rows(ctx: Context, start: dt.date, end: dt.date, limit: int) -> Drill:
    query = (
        sa.select(
            col(SalesLine.customer_id),
            col(Customer.code),
            col(Customer.name),
            sa.func.sum(SalesLine.amount),
            sa.func.count(),
        )
        .join(Customer, col(Customer.id) == col(SalesLine.customer_id))
        .where(col(SalesLine.date) >= start, col(SalesLine.date) <= end, visible(ctx, SalesLine))
        .group_by(col(SalesLine.customer_id), col(Customer.code), col(Customer.name))
        .order_by(sa.func.sum(SalesLine.amount).desc())
        .limit(limit)
    )
    with ctx.reading() as session:
        rows = session.execute(query).all()
    return Drill(
        ["Code", "Customer", "Amount", "Lines"],
        [(r[1], r[2], Decimal(r[3]), r[4]) for r in rows],
        "customer",
        [r[0] for r in rows],
    )


def _opportunity_rows(ctx: Context, conds: list[Any], limit: int) -> Drill:
    from core.services.opportunities import probability  # its schemas: not for the figures

    owner = aliased(User)
    query = (
        sa.select(Opportunity, col(Customer.name), col(owner.display_name))
        .join(Customer, col(Customer.id) == Opportunity.customer_id)
        .outerjoin(owner, col(owner.id) == Opportunity.owner_id)
        .where(*conds)
        .order_by(col(Opportunity.amount).desc())
        .limit(limit)
    )
    with ctx.reading() as session:
        found = session.execute(query).all()
    titles = ctx.plugins.funnels.stage_title
    rows = [
        (
            o.title,
            cust,
            titles(o.funnel, o.stage),
            o.amount,
            Decimal(probability(ctx, o)) * 100,
            o.stage_entered_at.date(),
            who or "",
        )
        for o, cust, who in found
    ]
    return Drill(
        ["Deal", "Customer", "Stage", "Amount", "Prob. %", "In stage since", "Owner"],
        rows,
        "opportunity",
        [o.id for o, _c, _w in found if o.id is not None],
    )


def _activity_rows(ctx: Context, conds: list[Any], limit: int) -> Drill:
    rep = aliased(User)
    query = (
        sa.select(Activity, col(Customer.name), col(rep.display_name))
        .outerjoin(Customer, col(Customer.id) == Activity.customer_id)
        .join(rep, col(rep.id) == Activity.rep_id)
        .where(*conds)
        .order_by(col(Activity.next_visit), col(Activity.id))
        .limit(limit)
    )
    with ctx.reading() as session:
        found = session.execute(query).all()
    rows = [(a.next_visit, cust or "", who, a.date, a.purpose, a.result) for a, cust, who in found]
    return Drill(
        ["Due", "Customer", "Rep", "Last visit", "Purpose", "Result"],
        rows,
        "customer",
        [a.customer_id or 0 for a, _c, _w in found],
    )
