"""The SQL the reports and views share: RFM scores, segment members, campaign audiences
and attribution conditions. Every query applies the reader's record rules
(``core.access.visible``) so counts and sums never include rows they may not see.

RFM (recency, frequency, monetary) over the sales lines of a window ending on ``as_of``:
recency is the last purchase date, frequency the number of distinct purchase days,
monetary the amount. Each becomes a quintile score 1..5 among the customers who bought in
the window (5 = most recent / most frequent / largest): ``1 + (rank - 1) * 5 // n`` with
SQL ``RANK()``, so tied customers share a score. Customers without purchases score 0.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.access import region_subtree, visible
from core.context import Context
from core.models import Customer, Opportunity, OpportunityStatus, SalesLine
from plugins.marketing.models import Campaign, Segment


def shift_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def rfm_window(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ``months`` months ending on ``as_of`` (both ends included)."""
    return shift_months(as_of, -months) + dt.timedelta(days=1), as_of


_CTE_NAMES = itertools.count(1)  # two RFM windows in one statement need two names


def _score(column: Any, n: Any) -> Any:
    return 1 + (sa.func.rank().over(order_by=column) - 1) * 5 // n


def rfm_subquery(ctx: Context, start: dt.date, end: dt.date) -> Any:
    """customer_id, last_date, frequency, monetary, r, f, m for customers who bought."""
    base = (
        sa.select(
            SalesLine.customer_id.label("customer_id"),
            sa.func.max(SalesLine.date).label("last_date"),
            sa.func.count(sa.distinct(SalesLine.date)).label("frequency"),
            sa.func.sum(SalesLine.amount).label("monetary"),
        )
        .where(visible(ctx, SalesLine), SalesLine.date.between(start, end))
        .group_by(SalesLine.customer_id)
    ).subquery("rfm_base")
    n = sa.func.count().over()
    # A materialized CTE: computed once per query (SQLite otherwise re-runs the window
    # query for every customer it is outer-joined to: 10x slower on 10,000 customers).
    return (
        sa.select(
            base,
            _score(base.c.last_date, n).label("r"),
            _score(base.c.frequency, n).label("f"),
            _score(base.c.monetary, n).label("m"),
        )
        .cte(f"rfm{next(_CTE_NAMES)}")
        .prefix_with("MATERIALIZED")
    )


def customer_filters(
    session: Session,
    *,
    industry: str = "",
    region_id: int | None = None,
    size: str = "",
    customer_class: str = "",
    source: str = "",
) -> list[Any]:
    """Conditions on ``Customer`` for a target segment (a region includes its children)."""
    conds: list[Any] = []
    if industry:
        conds.append(Customer.industry == industry)
    if region_id is not None:
        conds.append(Customer.region_id.in_(region_subtree(session, region_id)))
    if size:
        conds.append(Customer.size == size)
    if customer_class:
        conds.append(Customer.customer_class == customer_class)
    if source:
        conds.append(Customer.source == source)
    return conds


def rfm_conditions(segment: Segment, rfm: Any) -> list[Any]:
    return [
        column >= minimum
        for minimum, column in (
            (segment.min_recency, rfm.c.r),
            (segment.min_frequency, rfm.c.f),
            (segment.min_monetary, rfm.c.m),
        )
        if minimum
    ]


def members_select(customer_conds: list[Any], rfm_conds: list[Any], rfm: Any) -> Any:
    """Customers matching ``customer_conds`` with their RFM columns (NULL for customers
    who did not buy), limited by ``rfm_conds``.

    Written as buyers (the RFM rows joined to their customer by primary key) UNION ALL
    non-buyers (``NOT IN`` the RFM rows), not as customer LEFT JOIN rfm: SQLite puts no
    index on the RFM rows and would scan them once per customer (minutes on 100,000).
    """
    head = (
        Customer.id,
        Customer.code,
        Customer.name,
        Customer.industry,
        Customer.region_id,
        Customer.owner_id,
    )
    buyers = (
        sa.select(
            *head, rfm.c.last_date, rfm.c.frequency, rfm.c.monetary, rfm.c.r, rfm.c.f, rfm.c.m
        )
        .select_from(rfm)
        .join(Customer, Customer.id == rfm.c.customer_id)
        .where(*customer_conds, *rfm_conds)
    )
    if rfm_conds:  # a minimum score leaves out everyone who did not buy
        return buyers
    none = sa.null()
    others = sa.select(
        *head,
        sa.cast(none, sa.Date),
        sa.cast(none, sa.Integer),
        sa.cast(none, sa.Numeric(16, 2)),
        sa.cast(none, sa.Integer),
        sa.cast(none, sa.Integer),
        sa.cast(none, sa.Integer),
    ).where(*customer_conds, Customer.id.not_in(sa.select(rfm.c.customer_id)))
    return sa.union_all(buyers, others)


def segment_members(
    ctx: Context, session: Session, segment: Segment, as_of: dt.date, rfm: Any = None
) -> Any:
    """Visible customers of a segment with their RFM figures and scores (a selectable
    with columns id, code, name, industry, region_id, owner_id, last_date, frequency,
    monetary, r, f, m)."""
    if rfm is None:
        rfm = rfm_subquery(ctx, *rfm_window(as_of, segment.rfm_months))
    conds = [
        visible(ctx, Customer),
        *customer_filters(
            session,
            industry=segment.industry,
            region_id=segment.region_id,
            size=segment.size,
            customer_class=segment.customer_class,
            source=segment.source,
        ),
    ]
    return members_select(conds, rfm_conditions(segment, rfm), rfm)


def audience_ids(ctx: Context, session: Session, campaign: Campaign, as_of: dt.date) -> sa.Select:
    """The campaign's target customers: its segment's members (when it names one) that
    also match its own filters. Not limited by record rules: the sales read over them are."""
    conds = customer_filters(
        session,
        industry=campaign.industry,
        region_id=campaign.region_id,
        size=campaign.size,
        customer_class=campaign.customer_class,
    )
    if campaign.segment_id is not None:
        segment = session.get(Segment, campaign.segment_id)
        if segment is not None:
            members = segment_members(ctx, session, segment, as_of).subquery("members")
            conds.append(Customer.id.in_(sa.select(members.c.id)))
    return sa.select(Customer.id).where(*conds)


# -- attribution ------------------------------------------------------------------------------


def lead_condition(code: str) -> Any:
    """Leads of a campaign: customers whose source is its code."""
    return Customer.source == code


def opportunity_condition(code: str) -> Any:
    """Deals of a campaign: their own source, or (when blank) their customer's."""
    from_customer = sa.select(Customer.id).where(Customer.source == code)
    return sa.or_(
        Opportunity.source == code,
        sa.and_(Opportunity.source == "", Opportunity.customer_id.in_(from_customer)),
    )


def won_condition(code: str) -> Any:
    return sa.and_(opportunity_condition(code), Opportunity.status == OpportunityStatus.WON)


def segment_conditions(
    ctx: Context, session: Session, campaign: Campaign, as_of: dt.date
) -> list[Any]:
    """Visible sales lines of the target segment (and the campaign's products)."""
    from core.models import Product

    conds = [
        visible(ctx, SalesLine),
        SalesLine.customer_id.in_(audience_ids(ctx, session, campaign, as_of)),
    ]
    if campaign.products:
        conds.append(
            SalesLine.product_id.in_(
                sa.select(Product.id).where(Product.code.in_(campaign.products))
            )
        )
    return conds


def segment_sales_conditions(
    ctx: Context, session: Session, campaign: Campaign, start: dt.date, end: dt.date, as_of: dt.date
) -> list[Any]:
    """Sales lines of the target segment (and the campaign's products) in a period."""
    return [*segment_conditions(ctx, session, campaign, as_of), SalesLine.date.between(start, end)]
