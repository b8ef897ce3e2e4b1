"""Campaign effect (促销活动效果分析): leads, deals, won amount, cost per lead, cost per won
deal, ROI and the sales uplift of the target segment.

Definitions (hand-checkable, the figures a marketing clerk computes on paper):
* leads: customers whose ``source`` is the campaign code;
* opportunities: deals whose ``source`` is the code, or blank with a lead as customer;
  won / won amount: those with status won (count / sum of amount);
* cost: the actual amounts of the campaign's cost lines;
  cost per lead = cost / leads; cost per won deal = cost / won deals;
  ROI = (won amount - cost) / cost;
* sales: the target segment's sales lines (its customers, and the campaign's products when
  it names some) from the start to the end of the campaign (or ``as_of`` while it runs);
  same period last year: the same dates a year earlier; before: the ``weeks_before`` weeks
  right before the start (default: as many days as the campaign), scaled to the campaign's
  length; uplift = (sales - base) / base.
Every count and sum runs in SQL under the reader's record rules, and every figure drills
down to the rows it counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pydantic
import sqlalchemy as sa

from core import periods as pr
from core.access import visible
from core.context import Context
from core.drill import opportunities_table, sales_lines_table
from core.models import Customer, Opportunity, SalesLine
from core.report_kit import CENT, ZERO, K, KitParams, ReportBase, growth, money, ratio
from core.reports import TOTAL_EN, ChartSpec, Column, ReportResult, Table
from plugins.marketing.access import sees_money
from plugins.marketing.models import Campaign, CostLine
from plugins.marketing.reports.common import cost_lines_table, customers_table, year_span
from plugins.marketing.services import queries
from plugins.marketing.services.lookup import no_campaign


class EffectParams(KitParams):
    campaign: str | None = pydantic.Field(
        None, description="Campaign code (default: every campaign running in the year)"
    )
    year: int | None = pydantic.Field(
        None, description="Year of the campaigns (default: this year)"
    )
    as_of: dt.date | None = pydantic.Field(
        None, description="Count sales up to this day (default: today)"
    )
    weeks_before: int | None = pydantic.Field(
        None,
        ge=1,
        le=52,
        description="Weeks before the start to compare with (default: the campaign's length)",
    )


Span = tuple[dt.date, dt.date]


@dataclass
class Periods:
    during: Span
    last_year: Span
    before: Span

    @property
    def days(self) -> int:
        return (self.during[1] - self.during[0]).days + 1

    @property
    def before_days(self) -> int:
        return (self.before[1] - self.before[0]).days + 1


def periods(campaign: Campaign, as_of: dt.date, weeks_before: int | None) -> Periods | None:
    """The comparison periods; None before the campaign has started."""
    if campaign.start > as_of:
        return None
    start, end = campaign.start, min(campaign.end, as_of)
    days = (end - start).days + 1
    before_days = weeks_before * 7 if weeks_before else days
    return Periods(
        (start, end),
        pr.same_days_last_year(start, end),
        (start - dt.timedelta(days=before_days), start - dt.timedelta(days=1)),
    )


COLUMNS = [
    Column("code", "Campaign", "活动编码"),
    Column("name", "Campaign name", "活动名称"),
    Column("leads", "Leads", "线索数", K.INTEGER, total=True),
    Column("opportunities", "Opportunities", "商机数", K.INTEGER, total=True),
    Column("won", "Won deals", "成交数", K.INTEGER, total=True),
    Column("won_amount", "Won amount", "成交金额", K.MONEY, total=True),
    Column("cost", "Actual cost", "实际费用", K.MONEY, total=True),
    Column("cost_per_lead", "Cost per lead", "单线索成本", K.MONEY),
    Column("cost_per_won", "Cost per won deal", "单成交成本", K.MONEY),
    Column("roi", "ROI", "投资回报率", K.PERCENT),
    Column("sales", "Segment sales", "目标客户销售额", K.MONEY),
    Column("sales_ly", "Same period last year", "去年同期", K.MONEY),
    Column("uplift_ly", "Uplift vs last year", "同比提升", K.PERCENT),
    Column("sales_before", "Before (scaled)", "活动前（折算）", K.MONEY),
    Column("uplift_before", "Uplift vs before", "较活动前提升", K.PERCENT),
]
DRILLABLE = tuple(c.id for c in COLUMNS[2:])
SALES_COLUMNS = ("sales", "sales_ly", "uplift_ly", "sales_before", "uplift_before")


def _count(session: Any, model: Any, *conds: Any) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*conds)) or 0)


def _sales(ctx: Context, session: Any, campaign: Campaign, spans: list[Span]) -> list[Decimal]:
    """The segment's sales in each span: one statement, one scalar subquery per span so
    each reads its date range through the (customer, date) index."""
    conds = queries.segment_conditions(ctx, session, campaign, _audience_day(campaign))
    sums = [
        sa.select(sa.func.sum(SalesLine.amount))
        .where(*conds, SalesLine.date.between(*span))
        .scalar_subquery()
        for span in spans
    ]
    return [money(v) for v in session.execute(sa.select(*sums)).one()]


def _audience_day(campaign: Campaign) -> dt.date:
    """RFM segments are read as they stood the day before the campaign started."""
    return campaign.start - dt.timedelta(days=1)


def figures(
    ctx: Context,
    session: Any,
    campaign: Campaign,
    as_of: dt.date,
    weeks_before: int | None,
    show_money: bool,
) -> tuple:
    """One row of the effect table."""
    code = campaign.code
    leads = _count(session, Customer, queries.lead_condition(code), visible(ctx, Customer))
    opp_vis = visible(ctx, Opportunity)
    opps = _count(session, Opportunity, queries.opportunity_condition(code), opp_vis)
    won_count, won_sum = session.execute(
        sa.select(sa.func.count(), sa.func.sum(Opportunity.amount)).where(
            queries.won_condition(code), opp_vis
        )
    ).one()
    won_amount = money(won_sum)
    cost = (
        money(
            session.scalar(
                sa.select(sa.func.sum(CostLine.actual)).where(CostLine.campaign_id == campaign.id)
            )
        )
        if show_money
        else None
    )
    money_part = (
        cost,
        ratio(cost, leads, unit=CENT),
        ratio(cost, won_count, unit=CENT),
        growth(won_amount, cost),
    )
    span = periods(campaign, as_of, weeks_before)
    sales_part: tuple = (None,) * 5
    if span is not None:
        now, ly, before_raw = _sales(
            ctx, session, campaign, [span.during, span.last_year, span.before]
        )
        before = (before_raw * span.days / span.before_days).quantize(Decimal("0.01"))
        sales_part = (now, ly, growth(now, ly), before, growth(now, before))
    return (
        code,
        campaign.name,
        leads,
        opps,
        int(won_count or 0),
        won_amount,
        *money_part,
        *sales_part,
    )


def totals(rows: list[tuple]) -> tuple:
    """Leads, deals and costs add up (a lead has one source). Segment sales do not: the
    audiences of two campaigns may share customers, so those cells stay empty."""
    leads, opps, won = (sum(r[i] for r in rows) for i in (2, 3, 4))
    won_amount = sum((r[5] for r in rows), ZERO)
    costs = [r[6] for r in rows if r[6] is not None]
    cost = sum(costs, ZERO) if costs else None
    return (
        TOTAL_EN,
        None,
        leads,
        opps,
        won,
        won_amount,
        cost,
        ratio(cost, leads, unit=CENT),
        ratio(cost, won, unit=CENT),
        growth(won_amount, cost),
        None,
        None,
        None,
        None,
        None,
    )


class CampaignEffect(ReportBase):
    id = "marketing_campaign_effect"
    category = "marketing"
    title_en = "Campaign effect analysis"
    title_zh = "促销活动效果分析表"
    Params = EffectParams

    def campaigns(self, ctx: Context, params: EffectParams) -> list[Campaign]:
        query = sa.select(Campaign).order_by(Campaign.start, Campaign.code)
        if params.campaign:
            query = query.where(Campaign.code == params.campaign)
        else:
            first, last = year_span(params.year, ctx.today())
            query = query.where(Campaign.start <= last, Campaign.end >= first)
        with ctx.reading() as session:
            found = list(session.scalars(query))
        if params.campaign and not found:
            raise no_campaign(params.campaign)
        return found

    def run(self, ctx: Context, params: EffectParams) -> ReportResult:
        as_of = params.as_of or ctx.today()
        show_money = sees_money(ctx)
        with ctx.reading() as session:
            rows = [
                figures(ctx, session, c, as_of, params.weeks_before, show_money)
                for c in self.campaigns(ctx, params)
            ]
        table = Table(
            "effect",
            "Campaign effect",
            "活动效果",
            COLUMNS,
            rows,
            totals=totals(rows),
            drill_columns=DRILLABLE,
        )
        chart = ChartSpec(
            "column",
            "Won amount and cost",
            "成交金额与费用",
            "effect",
            "code",
            ("won_amount", "cost"),
        )
        return self.result(params, [table], [chart])

    def drill(
        self, ctx: Context, params: EffectParams, table_id: str, row: tuple | None, column_id: str
    ) -> Table:
        if table_id != "effect" or column_id not in DRILLABLE:
            return super().drill(ctx, params, table_id, row, column_id)
        if row is None and column_id in SALES_COLUMNS:
            return super().drill(ctx, params, table_id, row, column_id)  # no total shown
        chosen = [c for c in self.campaigns(ctx, params) if row is None or c.code == row[0]]
        if column_id == "leads":
            return customers_table(
                ctx, sa.or_(sa.false(), *(queries.lead_condition(c.code) for c in chosen))
            )
        if column_id == "opportunities":
            return opportunities_table(
                ctx, sa.or_(sa.false(), *(queries.opportunity_condition(c.code) for c in chosen))
            )
        if column_id in ("won", "won_amount", "roi"):
            return opportunities_table(
                ctx,
                sa.or_(sa.false(), *(queries.won_condition(c.code) for c in chosen)),
                title_en="Won deals",
                title_zh="成交商机",
            )
        if column_id in ("cost", "cost_per_lead", "cost_per_won"):
            return cost_lines_table(ctx, CostLine.campaign_id.in_([c.id for c in chosen] or [-1]))
        return self._sales_drill(ctx, params, chosen, column_id)

    def _sales_drill(
        self, ctx: Context, params: EffectParams, chosen: list[Campaign], column_id: str
    ) -> Table:
        """The segment's sales lines of the periods behind a sales or uplift figure."""
        as_of = params.as_of or ctx.today()
        names = {
            "sales": ("during",),
            "sales_ly": ("last_year",),
            "sales_before": ("before",),
            "uplift_ly": ("during", "last_year"),
            "uplift_before": ("during", "before"),
        }[column_id]
        parts: list[Any] = []
        with ctx.reading() as session:
            for c in chosen:
                span = periods(c, as_of, params.weeks_before)
                if span is None:
                    continue
                for name in names:
                    parts.append(
                        sa.and_(
                            *queries.segment_sales_conditions(
                                ctx, session, c, *getattr(span, name), _audience_day(c)
                            )
                        )
                    )
        return sales_lines_table(
            ctx,
            sa.or_(sa.false(), *parts),
            title_en="Segment sales lines",
            title_zh="目标客户销售明细",
        )


__all__ = ["CampaignEffect", "periods"]
