"""Read models for detail pages: one customer with everything around it, a team's day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from core.access import visible
from core.context import Context
from core.models import Activity, AuditEntry, Contact, Customer, Opportunity, SalesLine, User
from core.models_summary import SalesSumCustomerMonth
from core.report_kit import money
from core.services.customers import get_customer
from core.services.daily import RepDay, day_ranking
from core.summaries import summary_visible

__all__ = ["CustomerOverview", "RepDay", "customer_overview", "names_of", "team_day"]


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
    with ctx.reading() as session:
        region = (
            session.scalar(
                sa.text("select name from region where id = :i"), {"i": customer.region_id}
            )
            if customer.region_id
            else ""
        )
        owner = session.get(User, customer.owner_id) if customer.owner_id else None
        contacts = list(
            session.scalars(
                sa.select(Contact)
                .where(col(Contact.customer_id) == customer_id)
                .order_by(col(Contact.is_primary).desc(), Contact.name)
            )
        )
        opps = list(
            session.scalars(
                sa.select(Opportunity)
                .where(col(Opportunity.customer_id) == customer_id, visible(ctx, Opportunity))
                .order_by(col(Opportunity.id).desc())
                .limit(limit)
            )
        )
        acts = list(
            session.scalars(
                sa.select(Activity)
                .where(col(Activity.customer_id) == customer_id, visible(ctx, Activity))
                .order_by(col(Activity.date).desc(), col(Activity.id).desc())
                .limit(limit)
            )
        )
        sales = _sales_by_month(ctx, session, customer_id)
        audit = None
        if ctx.grant.has("audit.read") or ctx.grant.scope.name == "ALL":
            audit = list(
                session.scalars(
                    sa.select(AuditEntry)
                    .where(
                        col(AuditEntry.entity) == "customer",
                        col(AuditEntry.entity_id) == str(customer_id),
                    )
                    .order_by(col(AuditEntry.id).desc())
                    .limit(limit)
                )
            )
    return CustomerOverview(
        customer,
        region or "",
        owner.display_name if owner else "",
        contacts,
        opps,
        acts,
        sales,
        audit,
    )


def _sales_by_month(
    ctx: Context, session: Any, customer_id: int, months: int = 36
) -> list[tuple[str, Decimal, int]]:
    """(YYYY-MM, amount, lines) of the last ``months`` months with sales, newest first:
    from the customer x month summary when the reader's rules apply to it (it has no rep
    or region), else from the lines."""
    if summary_visible(ctx, SalesSumCustomerMonth) is not None:
        cm = SalesSumCustomerMonth
        query = (
            sa.select(col(cm.month), col(cm.amount), col(cm.line_count))
            .where(col(cm.customer_id) == customer_id, col(cm.line_count) > 0)
            .order_by(col(cm.month).desc())
            .limit(months)
        )
        return [(str(m)[:7], money(a), int(n)) for m, a, n in session.execute(query)]
    month = sa.func.substr(sa.cast(SalesLine.date, sa.String), 1, 7)
    return [
        (str(m), money(a), int(n))
        for m, a, n in session.execute(
            sa.select(month, sa.func.sum(col(SalesLine.amount)), sa.func.count())
            .where(col(SalesLine.customer_id) == customer_id, visible(ctx, SalesLine))
            .group_by(month)
            .order_by(month.desc())
            .limit(months)
        )
    ]


def team_day(ctx: Context, day: dt.date) -> list[RepDay]:
    """Every visible rep's day, best first: the manager's ranking (reps only)."""
    return day_ranking(ctx, day)


def names_of(ctx: Context, model: Any, ids: set[int]) -> dict[int, str]:
    """id -> display name for users or code+name for customers (for showing ids)."""
    if not ids:
        return {}
    with ctx.reading() as session:
        if model is User:
            return {
                uid: name
                for uid, name in session.execute(
                    sa.select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids))
                )
                if uid is not None
            }  # never None: stored rows
        return {
            cid: name
            for cid, name in session.execute(
                sa.select(col(Customer.id), col(Customer.name)).where(col(Customer.id).in_(ids))
            )
            if cid is not None
        }
