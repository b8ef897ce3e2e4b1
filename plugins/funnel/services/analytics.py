"""Funnel by stage, stage-to-stage conversion and velocity, computed in the database.

* Funnel by stage: open deals per stage (count, amount, weighted amount, stalled count).
* Conversion: of the deals created in a period, how many reached each stage (a deal that
  skipped a stage passed through it) and the share that went on to the next one.
* Days in stage: from the stage-change history, each stay that ended inside the period
  (the next change of the same deal); the average per stage.
* Win rate, average deal size and sales cycle over the deals closed in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import visible
from core.context import Context
from core.funnels import FunnelDefinition
from core.models import Opportunity, OpportunityStatus, StageChange
from core.report_kit import money, ratio
from plugins.funnel.services.common import days, days_between
from plugins.funnel.services.pipeline import open_deals


@dataclass
class StageFigures:
    stage_id: str
    title_en: str
    title_zh: str
    probability: Decimal
    deals: int = 0
    amount: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    stalled: int = 0


def funnel_stages(
    ctx: Context, funnel: FunnelDefinition, owner_ids: list[int] | None = None
) -> list[StageFigures]:
    """Open deals of ``funnel`` per open stage, in funnel order (empty stages included)."""
    return funnels_stages(ctx, [funnel], owner_ids)[funnel.id]


def funnels_stages(
    ctx: Context, funnels: list[FunnelDefinition], owner_ids: list[int] | None = None
) -> dict[str, list[StageFigures]]:
    """``funnel_stages`` of several funnels in one pass over the open deals.

    The stage probability is applied to each group's sum (amount x p summed equals p x
    the summed amounts), deals with their own probability are summed separately, so the
    database never evaluates a CASE over every stage of every funnel per row.
    """
    out = {
        f.id: {
            s.id: StageFigures(s.id, s.title_en, s.title_zh, s.probability) for s in f.open_stages
        }
        for f in funnels
    }
    override = Opportunity.probability_override
    query = (
        sa.select(
            Opportunity.funnel,
            Opportunity.stage,
            sa.func.count(),
            sa.func.sum(Opportunity.amount),
            sa.func.sum(sa.case((override.is_(None), Opportunity.amount), else_=0)),
            sa.func.sum(Opportunity.amount * sa.func.coalesce(override, 0)),
            sa.func.sum(sa.case((stalled_condition(ctx), 1), else_=0)),
        )
        .where(*open_deals(ctx), Opportunity.funnel.in_(list(out)))
        .group_by(Opportunity.funnel, Opportunity.stage)
    )
    if owner_ids is not None:
        query = query.where(Opportunity.owner_id.in_(owner_ids))
    with ctx.reading() as session:
        rows = session.execute(query).all()
    by_id = {f.id: f for f in funnels}
    for funnel_id, stage_id, count, amount, plain, own, stalled in rows:
        stage = by_id[funnel_id].stage(stage_id)
        row = out[funnel_id].get(stage_id)
        if row is None:  # a stage the funnel no longer has: shown, never dropped
            row = out[funnel_id][stage_id] = StageFigures(stage_id, stage_id, stage_id, Decimal(0))
        p = stage.probability if stage is not None else Decimal(0)
        row.deals, row.amount = count, money(amount)
        row.weighted = money(Decimal(str(plain or 0)) * p + Decimal(str(own or 0)))
        row.stalled = int(stalled or 0)
    return {fid: list(stages.values()) for fid, stages in out.items()}


def stalled_condition(ctx: Context) -> Any:
    """SQL true for an open deal longer in its stage than the stage's limit. The same
    condition as the dashboard's stalled figure, so both count the same deals."""
    now = ctx.now()
    limits = [
        sa.and_(
            Opportunity.funnel == f.id,
            Opportunity.stage == s.id,
            Opportunity.stage_entered_at < now - dt.timedelta(days=s.max_days),
        )
        for f in ctx.plugins.funnels.funnels.values()
        for s in f.open_stages
        if s.max_days
    ]
    return sa.or_(*limits) if limits else sa.false()


# -- conversion --------------------------------------------------------------------------


@dataclass
class Conversion:
    stage_id: str
    title_en: str
    title_zh: str
    reached: int
    next_reached: int | None  # deals that went on to the next stage (None for the last)
    rate: Decimal | None
    avg_days: Decimal | None  # average stay in the stage (stays ended in the period)
    stays: int


@dataclass
class Velocity:
    won: int
    lost: int
    win_rate: Decimal | None
    won_amount: Decimal
    avg_deal: Decimal | None
    avg_cycle_days: Decimal | None


def _rank_sql(funnel: FunnelDefinition, column: Any) -> Any:
    """1-based position of a stage in the funnel's order (won last; lost is 0)."""
    order = [s for s in funnel.open_stages] + [funnel.won_stage]
    return sa.case(*[(column == s.id, i + 1) for i, s in enumerate(order)], else_=0)


def conversion(
    ctx: Context, funnel: FunnelDefinition, start: dt.date, end: dt.date
) -> list[Conversion]:
    """Stage-to-stage conversion of the deals created in ``start``..``end`` (dates,
    inclusive) and the average days in each stage of stays ended in that period."""
    order = [*funnel.open_stages, funnel.won_stage]
    lo, hi = _bounds(start, end)
    with ctx.reading() as session:
        reached = _reached(ctx, session, funnel, lo, hi)
        stays = _stays(ctx, session, funnel, lo, hi)
    out = []
    for i, stage in enumerate(order):
        count = sum(n for rank, n in reached.items() if rank >= i + 1)
        after = (
            sum(n for rank, n in reached.items() if rank >= i + 2) if i + 1 < len(order) else None
        )
        avg, n = stays.get(stage.id, (None, 0))
        out.append(
            Conversion(
                stage.id,
                stage.title_en,
                stage.title_zh,
                count,
                after,
                ratio(after, count) if after is not None else None,
                days(avg),
                n,
            )
        )
    return out


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    lo = dt.datetime.combine(start, dt.time(), dt.UTC)
    return lo, dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)


def _reached(
    ctx: Context, session: Session, funnel: FunnelDefinition, lo: dt.datetime, hi: dt.datetime
) -> dict[int, int]:
    """Furthest stage rank per deal created in the period -> number of deals."""
    best = (
        sa.select(
            StageChange.opportunity_id.label("opp"),
            sa.func.max(_rank_sql(funnel, StageChange.to_stage)).label("rank"),
        )
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .where(
            Opportunity.funnel == funnel.id,
            visible(ctx, Opportunity),
            Opportunity.created_at >= lo,
            Opportunity.created_at < hi,
        )
        .group_by(StageChange.opportunity_id)
        .subquery()
    )
    query = sa.select(best.c.rank, sa.func.count()).group_by(best.c.rank)
    return {int(rank): n for rank, n in session.execute(query) if rank}


def _stays(
    ctx: Context, session: Session, funnel: FunnelDefinition, lo: dt.datetime, hi: dt.datetime
) -> dict[str, tuple[Any, int]]:
    """Stage -> (average days, number of stays) for stays that ended in the period."""
    left = sa.func.lead(StageChange.changed_at).over(
        partition_by=StageChange.opportunity_id, order_by=(StageChange.changed_at, StageChange.id)
    )
    history = (
        sa.select(
            StageChange.to_stage.label("stage"),
            StageChange.changed_at.label("entered"),
            left.label("left"),
        )
        .join(Opportunity, Opportunity.id == StageChange.opportunity_id)
        .where(Opportunity.funnel == funnel.id, visible(ctx, Opportunity))
        .subquery()
    )
    length = days_between(session, history.c.entered, history.c.left)
    query = (
        sa.select(history.c.stage, sa.func.avg(length), sa.func.count())
        .where(history.c.left.is_not(None), history.c.left >= lo, history.c.left < hi)
        .group_by(history.c.stage)
    )
    return {stage: (avg, n) for stage, avg, n in session.execute(query)}


def velocity(
    ctx: Context, funnel: FunnelDefinition | None, start: dt.date, end: dt.date
) -> Velocity:
    """Win rate, average won deal and average cycle (created -> won) of the deals closed
    in the period."""
    lo, hi = _bounds(start, end)
    won = Opportunity.status == OpportunityStatus.WON
    with ctx.reading() as session:
        cycle = days_between(session, Opportunity.created_at, Opportunity.closed_at)
        query = sa.select(
            sa.func.sum(sa.case((won, 1), else_=0)),
            sa.func.sum(sa.case((Opportunity.status == OpportunityStatus.LOST, 1), else_=0)),
            sa.func.sum(sa.case((won, Opportunity.amount), else_=0)),
            sa.func.avg(sa.case((won, cycle), else_=None)),
        ).where(
            visible(ctx, Opportunity),
            Opportunity.closed_at >= lo,
            Opportunity.closed_at < hi,
            Opportunity.status != OpportunityStatus.OPEN,
        )
        if funnel is not None:
            query = query.where(Opportunity.funnel == funnel.id)
        n_won, n_lost, amount, avg_cycle = session.execute(query).one()
    n_won, n_lost = int(n_won or 0), int(n_lost or 0)
    won_amount = money(amount)
    avg_deal = (won_amount / n_won).quantize(Decimal("0.01")) if n_won else None
    return Velocity(
        n_won, n_lost, ratio(n_won, n_won + n_lost), won_amount, avg_deal, days(avg_cycle)
    )


@dataclass
class BoardCard:
    deal_id: int
    title: str
    customer: str
    owner: str  # the owner's name
    amount: Decimal
    entered: dt.datetime
    stalled: bool


def board(
    ctx: Context, funnel: FunnelDefinition, per_stage: int = 50
) -> dict[str, list[BoardCard]]:
    """The biggest open deals of each open stage (the pipeline board), ``per_stage`` each."""
    from core.models import Customer, User

    rank = sa.func.row_number().over(
        partition_by=Opportunity.stage, order_by=(Opportunity.amount.desc(), Opportunity.id)
    )
    # ranked on the deals alone; only the cards shown are joined to their customer and
    # owner and checked for stalling (joining every open deal first was most of the read)
    ranked = (
        sa.select(Opportunity.id, rank.label("rank"))
        .where(*open_deals(ctx), Opportunity.funnel == funnel.id)
        .subquery()
    )
    query = (
        sa.select(
            Opportunity.id,
            Opportunity.stage,
            Opportunity.title,
            Customer.name.label("customer"),
            # people are named on the board, not by login
            sa.func.coalesce(sa.func.nullif(User.display_name, ""), User.login).label("owner"),
            Opportunity.amount,
            Opportunity.stage_entered_at,
            sa.case((stalled_condition(ctx), 1), else_=0).label("stalled"),
            ranked.c.rank,
        )
        .join(ranked, ranked.c.id == Opportunity.id)
        .join(Customer, Customer.id == Opportunity.customer_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(ranked.c.rank <= per_stage)
        .order_by(Opportunity.stage, ranked.c.rank)
    )
    out: dict[str, list[BoardCard]] = {s.id: [] for s in funnel.open_stages}
    with ctx.reading() as session:
        rows = session.execute(query).all()
    for did, stage, title, customer, owner, amount, entered, stalled, _rank in rows:
        out.setdefault(stage, []).append(
            BoardCard(did, title, customer, owner or "", money(amount), entered, bool(stalled))
        )
    return out
