"""Demo contracts: a few per scale, spread over the lifecycle, through the services (so
numbers, approvals, the timeline and the audit trail are real)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.errors import PermissionDenied
from core.models import Customer, Opportunity, User
from core.services.users import set_roles
from plugins.contracts import services

COUNTS = {"small": 12, "medium": 40, "large": 80}
# How far each demo contract gets: 0 draft, 1 submitted, 2 approved, 3 signed, 4 executing
PROGRESS = (0, 1, 2, 3, 3, 4)


def seed_contracts(ctx: Context, scale: str, seed: int) -> None:
    rng = random.Random(seed * 7 + 3)
    with ctx.reading() as session:
        deals = list(
            session.execute(
                sa.select(
                    Opportunity.id,
                    Opportunity.customer_id,
                    Opportunity.title,
                    Opportunity.amount,
                    Opportunity.owner_id,
                    Customer.name,
                )
                .join(Customer, Customer.id == Opportunity.customer_id)
                .where(Opportunity.status == "open", Opportunity.owner_id.is_not(None))
                .order_by(Opportunity.id)
                .limit(COUNTS.get(scale, 12))
            )
        )
        users = list(session.scalars(sa.select(User).where(User.active).order_by(User.id)))
    users = [_executive_approves(ctx, u) for u in users]
    approvers = {
        role: [u for u in users if role in u.roles]
        for role in ("sales_manager", "finance", "contract_executive")
    }
    for deal in deals:
        _one(ctx, rng, deal, approvers)


def _executive_approves(ctx: Context, user: User) -> User:
    """In the demo the group executives also approve the largest contracts."""
    if "executive" not in user.roles or "contract_executive" in user.roles:
        return user
    return set_roles(ctx, user.login, [*user.roles, "contract_executive"])


def _one(ctx: Context, rng: random.Random, deal: Any, approvers: dict[str, list]) -> None:
    amount = Decimal(deal.amount or 0).quantize(Decimal("0.01")) or Decimal("50000.00")
    start = ctx.today() + dt.timedelta(days=rng.randint(-60, 30))
    first = (amount * Decimal("0.3")).quantize(Decimal("0.01"))
    contract = services.create_contract(
        ctx,
        {
            "title": deal.title,
            "customer_id": deal.customer_id,
            "opportunity_id": deal.id,
            "amount": amount,
            "owner_id": deal.owner_id,
            "terms": "30% on signing, 70% on acceptance",
            "parties": [{"name": deal.name, "role": "buyer"}],
            "start_date": start,
            "end_date": start + dt.timedelta(days=180),
            "milestones": [
                {"due_date": start, "amount": first, "condition": "on signing"},
                {
                    "due_date": start + dt.timedelta(days=90),
                    "amount": amount - first,
                    "condition": "on acceptance",
                },
            ],
        },
    )
    progress = rng.choice(PROGRESS)
    if progress == 0:
        return
    contract = services.transition(ctx, contract.id, "drafting")
    contract = services.submit(ctx, contract.id)
    if progress == 1 or not _approve_all(ctx, contract.id, approvers, deal.owner_id):
        return
    if progress >= 3:
        services.sign(ctx, contract.id)
    if progress >= 4:
        services.transition(ctx, contract.id, "planning")


def _approve_all(
    ctx: Context, contract_id: int, approvers: dict[str, list], owner_id: int | None
) -> bool:
    used: set[int] = {ctx.actor.id or 0, owner_id or 0}
    while True:
        detail = services.contract_detail(ctx, contract_id)
        step = detail.pending_step
        if step is None:
            return detail.contract.stage == "approved"
        if not _first_willing(ctx, contract_id, approvers.get(step.role, []), used):
            return False


def _first_willing(ctx: Context, contract_id: int, candidates: list[User], used: set[int]) -> bool:
    """Approve as the first candidate the record rules let decide (the owner's manager,
    not any manager)."""
    for who in candidates:
        if who.id in used:
            continue
        try:
            services.approve(ctx.as_user(who), contract_id, "demo approval")
        except PermissionDenied:
            continue
        used.add(who.id)
        return True
    return False
