"""Read models for detail pages: one customer with everything around it, a team's day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import follow_up_owner, visible, visible_follow_ups
from core.context import Context
from core.models import Activity, AuditEntry, Contact, Customer, Opportunity, SalesLine, User
from core.services.customers import get_customer


@dataclass
class CustomerOverview:
    customer: Customer
    region: str
    owner: str
    contacts: list[Contact]
    opportunities: list[Opportunity]
    activities: list[Activity]
    sales_by_month: list[tuple[str, Decimal, int]]  # (YYYY-MM, amount, lines)
    audit: list[AuditEntry] | None  # None: the actor may not read the audit trail


def customer_overview(ctx: Context, customer_id: int, limit: int = 200) -> CustomerOverview:
    customer = get_customer(ctx, customer_id)
    month = sa.func.substr(sa.cast(SalesLine.date, sa.String), 1, 7)
    with ctx.reading() as session:
        region = session.scalar(sa.text("select name from region where id = :i"),
                                {"i": customer.region_id}) if customer.region_id else ""
        owner = session.get(User, customer.owner_id) if customer.owner_id else None
        contacts = list(session.scalars(sa.select(Contact).where(
            col(Contact.customer_id) == customer_id).order_by(col(Contact.is_primary).desc(),
                                                         Contact.name)))
        opps = list(session.scalars(sa.select(Opportunity).where(
            col(Opportunity.customer_id) == customer_id, visible(ctx, Opportunity))
            .order_by(col(Opportunity.id).desc()).limit(limit)))
        acts = list(session.scalars(sa.select(Activity).where(
            col(Activity.customer_id) == customer_id, visible(ctx, Activity))
            .order_by(col(Activity.date).desc(), col(Activity.id).desc()).limit(limit)))
        sales = [(str(m), Decimal(a or 0), int(n)) for m, a, n in session.execute(
            sa.select(month, sa.func.sum(SalesLine.amount), sa.func.count())
            .where(col(SalesLine.customer_id) == customer_id, visible(ctx, SalesLine))
            .group_by(month).order_by(month.desc()).limit(36))]
        audit = None
        if ctx.grant.has("audit.read") or ctx.grant.scope.name == "ALL":
            audit = list(session.scalars(sa.select(AuditEntry).where(
                col(AuditEntry.entity) == "customer", col(AuditEntry.entity_id) == str(customer_id))
                .order_by(col(AuditEntry.id).desc()).limit(limit)))
    return CustomerOverview(customer, region or "", owner.display_name if owner else "",
                            contacts, opps, acts, sales, audit)


@dataclass
class RepDay:
    rep_id: int
    name: str
    visits: int
    orders: int  # visits whose purpose was an order
    sales: Decimal
    planned: int  # visits planned for this day by earlier reports


def team_day(ctx: Context, day: dt.date) -> list[RepDay]:
    """Every visible rep's day, best first (sales, then visits): the manager's ranking."""
    with ctx.reading() as session:
        reps: dict[int, RepDay] = {}

        def rep(rep_id: int, name: str) -> RepDay:
            return reps.setdefault(rep_id, RepDay(rep_id, name, 0, 0, Decimal(0), 0))

        counts = sa.select(col(Activity.rep_id), col(User.display_name), sa.func.count(),
                           sa.func.sum(sa.case((col(Activity.purpose) == "order", 1), else_=0)))
        for rid, name, n, orders in session.execute(
                counts.join(User, col(User.id) == col(Activity.rep_id))
                .where(col(Activity.date) == day, visible(ctx, Activity))
                .group_by(col(Activity.rep_id), col(User.display_name))):
            entry = rep(rid, name)
            entry.visits, entry.orders = n, int(orders or 0)
        planner = follow_up_owner()  # who is to make it, not who planned it
        for rid, name, n in session.execute(
                sa.select(planner, col(User.display_name), sa.func.count())
                .join(User, col(User.id) == planner)
                .where(col(Activity.next_visit) == day, col(Activity.date) < day,
                       visible_follow_ups(ctx))
                .group_by(planner, User.display_name)):
            rep(rid, name).planned = n
        for rid, name, amount in session.execute(
                sa.select(col(SalesLine.rep_id), col(User.display_name),
                          sa.func.sum(SalesLine.amount))
                .join(User, col(User.id) == col(SalesLine.rep_id))
                .where(col(SalesLine.date) == day, visible(ctx, SalesLine))
                .group_by(col(SalesLine.rep_id), col(User.display_name))):
            assert rid is not None  # the inner join drops lines without a rep
            rep(rid, name).sales = Decimal(amount or 0)
    return sorted(reps.values(), key=lambda r: (-r.sales, -r.visits, r.name))


def names_of(ctx: Context, model: Any, ids: set[int]) -> dict[int, str]:
    """id -> display name for users or code+name for customers (for showing ids)."""
    if not ids:
        return {}
    with ctx.reading() as session:
        if model is User:
            return {uid: name for uid, name in session.execute(
                sa.select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids)))
                if uid is not None}  # never None: stored rows
        return {cid: name for cid, name in session.execute(
            sa.select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(ids)))
            if cid is not None}
