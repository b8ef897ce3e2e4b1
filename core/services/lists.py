"""Paged reads for the big lists (customers, opportunities): one page at a time.

A list of 100,000 customers never comes into memory: the screen asks for ``count`` once
per filter, then for one page by ``LIMIT``/``OFFSET``. Pages past the middle are read in
reverse order from the end, so the last page costs what the first one does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.access import visible
from core.context import Context
from core.models import Customer, Opportunity, OpportunityStatus, Region, User


@dataclass(frozen=True)
class CustomerFilter:
    text: str = ""  # plain substring of name or code
    region_id: int | None = None
    owner_id: int | None = None
    customer_class: str | None = None

    def where(self, ctx: Context) -> list[sa.ColumnElement[bool]]:
        conds: list[sa.ColumnElement[bool]] = [visible(ctx, Customer)]
        text = self.text.strip()
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conds.append(
                sa.or_(
                    col(Customer.name).like(pattern, escape="\\"),
                    col(Customer.code).like(pattern, escape="\\"),
                )
            )
        if self.region_id is not None:
            conds.append(col(Customer.region_id) == self.region_id)
        if self.owner_id is not None:
            conds.append(col(Customer.owner_id) == self.owner_id)
        if self.customer_class:
            conds.append(col(Customer.customer_class) == self.customer_class)
        return conds


@dataclass(frozen=True)
class CustomerRow:
    id: int
    code: str
    name: str
    region: str
    owner: str
    customer_class: str
    status: str
    last_follow_up: dt.date | None


CUSTOMER_SORTS: dict[str, Any] = {
    "code": Customer.code,
    "name": Customer.name,
    "region": Customer.region_id,
    "owner": Customer.owner_id,
    "class": Customer.customer_class,
}  # indexed columns only: sorting 100,000 rows on anything else is a full sort


def count_customers(ctx: Context, flt: CustomerFilter) -> int:
    query = sa.select(sa.func.count()).select_from(Customer).where(*flt.where(ctx))
    with ctx.reading() as session:
        return int(session.scalar(query) or 0)


def customer_page(
    ctx: Context,
    flt: CustomerFilter,
    offset: int,
    limit: int,
    sort: str = "name",
    descending: bool = False,
    total: int | None = None,
) -> list[CustomerRow]:
    """Rows ``offset .. offset+limit`` in the chosen order."""
    column = CUSTOMER_SORTS.get(sort, Customer.name)
    if flt.text.strip():
        # A substring filter reads every row anyway: scan the table and sort the few
        # matches, rather than walk the sort index and fetch each row (10x slower on
        # 100,000 customers when matches are rare). "+ ''" / "+ 0" keeps SQLite off it.
        column = column + "" if column.type.python_type is str else column + 0
    reverse = total is not None and offset > total // 2
    if reverse:  # read from the end: the last page is as cheap as the first
        descending = not descending
        offset = max(0, total - offset - limit)  # type: ignore[operator]
        limit = min(limit, (total or 0) - offset)
    order = [column.desc(), col(Customer.id).desc()] if descending else [column, col(Customer.id)]
    ids_query = (
        sa.select(col(Customer.id))
        .where(*flt.where(ctx))
        .order_by(*order)
        .offset(offset)
        .limit(max(limit, 0))
    )
    owner = aliased(User)
    with ctx.reading() as session:
        ids = list(session.scalars(ids_query))
        # Two steps: the page's ids come from an index scan; the names of region and
        # owner are then looked up for those rows only (a join before LIMIT would not).
        query = (
            sa.select(
                col(Customer.id),
                col(Customer.code),
                col(Customer.name),
                col(Region.name),
                col(owner.display_name),
                col(Customer.customer_class),
                col(Customer.status),
                col(Customer.last_follow_up),
            )
            .outerjoin(Region, col(Region.id) == Customer.region_id)
            .outerjoin(owner, col(owner.id) == Customer.owner_id)
            .where(col(Customer.id).in_(ids))
        )
        found = (
            {
                r[0]: CustomerRow(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5], r[6], r[7])
                for r in session.execute(query)
                if r[0] is not None
            }
            if ids
            else {}
        )
    rows = [found[i] for i in ids if i in found]
    return rows[::-1] if reverse else rows


def customer_choices(ctx: Context, text: str, limit: int = 20) -> list[tuple[int, str, str]]:
    """(id, code, name) of visible customers matching ``text``: for pickers and the palette."""
    flt = CustomerFilter(text=text)
    query = (
        sa.select(col(Customer.id), col(Customer.code), col(Customer.name))
        .where(*flt.where(ctx))
        .order_by(col(Customer.name), col(Customer.id))
        .limit(limit)
    )
    with ctx.reading() as session:
        return [
            (r[0], r[1], r[2]) for r in session.execute(query) if r[0] is not None
        ]  # never None: stored rows


def find_customer_by_code(ctx: Context, code: str) -> int | None:
    query = sa.select(col(Customer.id)).where(
        col(Customer.code) == code.strip(), visible(ctx, Customer)
    )
    with ctx.reading() as session:
        return session.scalar(query)


@dataclass(frozen=True)
class OpportunityRow:
    id: int
    title: str
    customer: str
    funnel: str
    stage: str
    amount: Decimal
    expected_close: dt.date | None
    owner: str
    status: str
    stage_entered_at: dt.datetime
    version: int


def _opportunity_where(
    ctx: Context, funnel: str, stage: str | None = None
) -> list[sa.ColumnElement[bool]]:
    """The open deals of ``funnel`` (and ``stage``) the actor may see."""
    conds = [
        visible(ctx, Opportunity),
        col(Opportunity.status) == OpportunityStatus.OPEN,
        col(Opportunity.funnel) == funnel,
    ]
    if stage is not None:
        conds.append(col(Opportunity.stage) == stage)
    return conds


def _soonest_first(descending: bool = False) -> list[Any]:
    """Soonest expected close first, deals without a date last (the list's order)."""
    terms = [
        col(Opportunity.expected_close).is_(None),
        col(Opportunity.expected_close),
        col(Opportunity.id),
    ]
    return [t.desc() for t in terms] if descending else terms


def count_opportunities(ctx: Context, funnel: str, stage: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Opportunity)
    with ctx.reading() as session:
        return int(session.scalar(query.where(*_opportunity_where(ctx, funnel, stage))) or 0)


def opportunity_page(
    ctx: Context,
    funnel: str,
    offset: int,
    limit: int,
    total: int | None = None,
    stage: str | None = None,
) -> list[OpportunityRow]:
    """Open deals ``offset .. offset+limit`` of a funnel (or one of its stages), soonest
    to close first: one page of the list, or the cards a board column shows. Pages past
    the middle are read from the end, so the last page costs what the first one does."""
    reverse = total is not None and offset > total // 2
    if reverse:
        offset = max(0, total - offset - limit)  # type: ignore[operator]
        limit = min(limit, (total or 0) - offset)
    ids_query = (
        sa.select(col(Opportunity.id))
        .where(*_opportunity_where(ctx, funnel, stage))
        .order_by(*_soonest_first(reverse))
        .offset(offset)
        .limit(max(limit, 0))
    )
    with ctx.reading() as session:
        ids = [i for i in session.scalars(ids_query) if i is not None]
    # the names of customer and owner are looked up for the page's rows only
    found = {r.id: r for r in opportunity_rows(ctx, status=None, ids=ids)} if ids else {}
    rows = [found[i] for i in ids if i in found]
    return rows[::-1] if reverse else rows


def opportunity_position(ctx: Context, funnel: str, deal_id: int) -> int | None:
    """How many of the funnel's open deals come before ``deal_id`` in the list; None
    when the list does not show it."""
    close, ident = col(Opportunity.expected_close), col(Opportunity.id)
    with ctx.reading() as session:
        deal = session.scalars(
            sa.select(Opportunity).where(ident == deal_id, *_opportunity_where(ctx, funnel))
        ).first()
        if deal is None:
            return None
        when = deal.expected_close
        before = (
            sa.or_(close.is_not(None), ident < deal_id)
            if when is None
            else sa.and_(
                close.is_not(None), sa.or_(close < when, sa.and_(close == when, ident < deal_id))
            )
        )
        query = sa.select(sa.func.count()).select_from(Opportunity)
        return int(session.scalar(query.where(before, *_opportunity_where(ctx, funnel))) or 0)


def stage_totals(ctx: Context, funnel: str) -> dict[str, tuple[int, Decimal]]:
    """stage -> (open deals, their amount) of a funnel, as the actor sees them."""
    query = (
        sa.select(
            col(Opportunity.stage),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Opportunity.amount)), 0),
        )
        .where(*_opportunity_where(ctx, funnel))
        .group_by(col(Opportunity.stage))
    )
    with ctx.reading() as session:
        return {
            stage: (int(count), Decimal(str(amount)))
            for stage, count, amount in session.execute(query)
        }


def opportunity_rows(
    ctx: Context,
    *,
    text: str = "",
    status: str | None = OpportunityStatus.OPEN,
    funnel: str | None = None,
    limit: int = 500,
    ids: list[int] | None = None,
) -> list[OpportunityRow]:
    """Visible opportunities, soonest expected close first (at most ``limit``)."""
    owner = aliased(User)
    query = (
        sa.select(
            col(Opportunity.id),
            col(Opportunity.title),
            col(Customer.name),
            col(Opportunity.funnel),
            col(Opportunity.stage),
            col(Opportunity.amount),
            col(Opportunity.expected_close),
            col(owner.display_name),
            col(Opportunity.status),
            col(Opportunity.stage_entered_at),
            col(Opportunity.version),
        )
        .join(Customer, col(Customer.id) == Opportunity.customer_id)
        .outerjoin(owner, col(owner.id) == Opportunity.owner_id)
        .where(visible(ctx, Opportunity))
    )
    if status:
        query = query.where(col(Opportunity.status) == status)
    if funnel:
        query = query.where(col(Opportunity.funnel) == funnel)
    if ids is not None:
        query = query.where(col(Opportunity.id).in_(ids))
    if text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(
            sa.or_(col(Opportunity.title).like(pattern), col(Customer.name).like(pattern))
        )
    query = query.order_by(
        col(Opportunity.expected_close).is_(None),
        col(Opportunity.expected_close),
        col(Opportunity.id),
    ).limit(limit)
    with ctx.reading() as session:
        return [
            OpportunityRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5] or Decimal(0),
                r[6],
                r[7] or "",
                r[8],
                r[9],
                r[10],
            )
            for r in session.execute(query)
            if r[0] is not None
        ]  # never None: stored rows
