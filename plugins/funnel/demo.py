"""Demo data: assignment rules per area, the default escalation ladder, and the pool's
leads handed out by the rules (deterministic: rules and leads in id order)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.models import Customer, Region, User
from plugins.funnel.services.leads import set_reclaim_policy, set_rules
from plugins.funnel.services.pool import auto_assign

CAP = {"small": 25, "medium": 60, "large": 120}


def seed_demo(ctx: Any, scale: str, seed: int) -> None:
    with ctx.reading() as session:
        reps = session.execute(
            sa.select(User.login, Region.code)
            .join(Region, Region.id == User.region_id)
            .where(User.active.is_(True))
            .order_by(User.login)
        ).all()
        roles = dict(session.execute(sa.select(User.login, User.roles)).all())
    by_region: dict[str, list[str]] = {}
    for login, region in reps:
        if "sales_rep" in (roles.get(login) or []):
            by_region.setdefault(region, []).append(login)
    rules = [
        {"name": f"region-{code}", "regions": [code], "reps": logins, "cap": CAP.get(scale, 25)}
        for code, logins in sorted(by_region.items())
    ]
    if rules:
        set_rules(ctx, rules)
    set_reclaim_policy(ctx, {"remind": 3, "manager": 5, "reclaim": 7})
    if rules:
        auto_assign(ctx, _most_pool_leads(ctx))
    seed_b2b_deals(ctx, scale, seed)


def _most_pool_leads(ctx: Any) -> list[int]:
    """Two thirds of the pool's leads, oldest first: the rest stay in the pool, so the
    demo's lead pool has leads to claim and hand out."""
    with ctx.reading() as session:
        ids = list(
            session.scalars(
                sa.select(Customer.id).where(Customer.owner_id.is_(None)).order_by(Customer.id)
            )
        )
    return ids[: len(ids) * 2 // 3]


B2B_DEALS = {"small": 12, "medium": 60, "large": 200}
PATHS = (
    ("qualified", "solution", "proposal", "negotiation", "won"),
    ("qualified", "lost"),
    ("qualified", "solution"),
    ("qualified", "solution", "lost"),
    ("qualified", "solution", "proposal"),
    (),
)


def seed_b2b_deals(ctx: Any, scale: str, seed: int) -> None:
    """B2B deals with a stage history spread over the last 90 days, through the services
    (so stage changes, audit entries and customer classes are real)."""
    import datetime as dt
    import random

    from core.context import Context
    from core.models import Customer
    from core.services import opportunities

    rng = random.Random(f"{seed}-funnel-b2b")
    with ctx.reading() as session:
        owned = session.execute(
            sa.select(Customer.id, Customer.owner_id)
            .where(Customer.owner_id.is_not(None))
            .order_by(Customer.id)
            .limit(B2B_DEALS.get(scale, 12))
        ).all()
    now = ctx.now()
    when = [now]
    clock = Context(ctx.db, ctx.actor, ctx.plugins, lambda: when[0])
    for n, (customer_id, owner_id) in enumerate(owned):
        when[0] = now - dt.timedelta(days=90 - rng.randint(0, 30))
        deal = opportunities.create_opportunity(
            clock,
            {
                "customer_id": customer_id,
                "title": f"B2B project {n + 1}",
                "funnel": "b2b",
                "owner_id": owner_id,
                "amount": str(rng.randint(2, 80) * 5000),
                "expected_close": (now + dt.timedelta(days=rng.randint(10, 200))).date(),
            },
        )
        for stage in PATHS[n % len(PATHS)]:
            when[0] += dt.timedelta(days=rng.randint(2, 12))
            opportunities.move_stage(clock, deal.id, stage, reason="demo: price")
