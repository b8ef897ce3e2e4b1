"""Demo data (``salesdesk_demo_data``): two marketing users, segments, campaigns in each
status with approved budgets and cost lines, attributed leads and deals, and negative
information with improvement actions. Deterministic by seed; a few dozen writes at any
scale (it attaches to the core's customers rather than generating its own)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.models import Customer, Opportunity, Product, Region, User
from core.services import opportunities, users
from plugins.marketing.models import NegativeReason
from plugins.marketing.services import attribution, campaigns, negative, segments

SEGMENTS = [
    {"code": "TOP", "name": "Best customers (F and M >= 4)", "min_frequency": 4, "min_monetary": 4},
    {"code": "RECENT", "name": "Bought recently (R >= 4)", "min_recency": 4},
    {
        "code": "LAPSING",
        "name": "Large customers who spend most (M >= 4)",
        "size": "large",
        "min_monetary": 4,
    },
]
# (code, name, kind, start offset in days from today, length, budget, final status)
CAMPAIGNS = [
    ("DEMO-EXPO", "Spring trade fair", "exhibition", -120, 5, "48000", "evaluated"),
    ("DEMO-ADS", "Industry magazine ads", "advertising", -60, 45, "30000", "finished"),
    ("DEMO-CALL", "Call the best customers", "call", -14, 28, "8000", "running"),
    ("DEMO-PROMO", "Year-end promotion", "promotion", 20, 30, "25000", "planned"),
]
COSTS = [
    ("advertising", "print"),
    ("advertising", "online"),
    ("venue", ""),
    ("materials", ""),
    ("gifts", ""),
    ("staff", ""),
    ("travel", ""),
]
STEPS = {
    "planned": [],
    "running": ["running"],
    "finished": ["running", "finished"],
    "evaluated": ["running", "finished", "evaluated"],
}


def seed_demo(ctx: Context, scale: str, seed: int) -> None:
    rng = random.Random(f"marketing-{seed}")
    manager, staff = _users(ctx)
    for seg in SEGMENTS:
        segments.create_segment(staff, seg)
    today = ctx.today()
    with ctx.reading() as session:
        region = session.scalar(sa.select(Region.code).order_by(Region.id).limit(1))
        product_codes = list(session.scalars(sa.select(Product.code).order_by(Product.id).limit(3)))
        # The core's demo gives every customer a channel source (exhibition, phone...);
        # some of them are re-attributed to the demo campaigns.
        customer_ids = list(
            session.scalars(sa.select(Customer.id).order_by(Customer.id).limit(400))
        )
        opp_ids = list(
            session.scalars(sa.select(Opportunity.id).order_by(Opportunity.id).limit(200))
        )
    for index, (code, name, kind, offset, days, budget, status) in enumerate(CAMPAIGNS):
        start = today + dt.timedelta(days=offset)
        row = campaigns.create_campaign(
            staff,
            {
                "code": code,
                "name": name,
                "kind": kind,
                "start": start,
                "end": start + dt.timedelta(days=days - 1),
                "budget": budget,
                "segment": "TOP" if kind == "call" else "",
                "region": region or "",
                "products": product_codes[: 1 + index % 3],
            },
        )
        campaigns.submit_budget(staff, row.id)
        campaigns.decide_budget(manager, row.id, True, "demo")
        for _ in range(rng.randint(2, 4)):
            category, medium = rng.choice(COSTS)
            planned = Decimal(rng.randrange(1000, 12000, 500))
            spent = (
                planned
                if status == "planned"
                else (planned * Decimal(rng.randrange(70, 125)) / 100).quantize(Decimal("1"))
            )
            campaigns.add_cost(
                staff,
                row.id,
                {
                    "date": start + dt.timedelta(days=rng.randrange(0, days)),
                    "category": category,
                    "medium": medium,
                    "budget": planned,
                    "actual": Decimal(0) if status == "planned" else spent,
                },
            )
        for step in STEPS[status]:
            campaigns.set_status(staff, row.id, step)
        if status != "planned":
            _attribute(staff, rng, code, customer_ids, opp_ids, win=status != "running")
    _negative(ctx, staff, manager, rng, today)


def _users(ctx: Context) -> tuple[Context, Context]:
    made = []
    for login, name, role in (
        ("mkt_manager", "Marketing Manager 市场经理", "marketing_manager"),
        ("mkt_staff", "Marketing Staff 市场专员", "marketing_staff"),
    ):
        user = users.add_user(ctx, {"login": login, "display_name": name, "roles": [role]})
        made.append(ctx.as_user(user))
    return made[0], made[1]


def _attribute(
    staff: Context,
    rng: random.Random,
    code: str,
    customer_ids: list[int],
    opp_ids: list[int],
    win: bool,
) -> None:
    """Mark a handful of existing customers and open deals as coming from the campaign;
    the first such deal of a campaign that has ended is won."""
    for customer_id in _take(rng, customer_ids, rng.randint(4, 9)):
        attribution.attribute_customer(staff, customer_id, code)
    for opp_id in _take(rng, opp_ids, rng.randint(2, 4)):
        opp = _opportunity(staff, opp_id)
        if opp is not None and opp.status == "open":
            attribution.attribute_opportunity(staff, opp_id, code)
            if win:
                opportunities.win(staff, opp_id)
                win = False


def _take(rng: random.Random, pool: list[int], n: int) -> list[int]:
    chosen = rng.sample(pool, min(n, len(pool)))
    for item in chosen:
        pool.remove(item)
    return chosen


def _opportunity(ctx: Context, opp_id: int) -> Any:
    with ctx.reading() as session:
        return session.get(Opportunity, opp_id)


def _negative(
    ctx: Context, staff: Context, manager: Context, rng: random.Random, today: dt.date
) -> None:
    with ctx.reading() as session:
        customers = (
            session.execute(sa.select(Customer.code).order_by(Customer.id).limit(50))
            .scalars()
            .all()
        )
        products = (
            session.execute(sa.select(Product.code).order_by(Product.id).limit(5)).scalars().all()
        )
        owner = session.scalar(
            sa.select(User.login).where(User.login != "mkt_staff").order_by(User.id).limit(1)
        )
    kinds = ["complaint", "competitor", "complaint", "lost_deal", "competitor", "complaint"]
    reasons = list(NegativeReason)
    for i, kind in enumerate(kinds):
        row = negative.record_negative(
            staff,
            {
                "kind": kind,
                "date": today - dt.timedelta(days=rng.randrange(1, 90)),
                "reason": rng.choice(reasons),
                "customer": rng.choice(customers) if customers else "",
                "product": rng.choice(products) if products else "",
                "competitor": "Acme" if kind == "competitor" else "",
                "description": f"demo item {i + 1}",
            },
        )
        if i % 2 == 0 and owner:
            negative.assign_action(
                manager,
                row.id,
                {
                    "action": "Review with the team and report back",
                    "owner": owner,
                    "due": today + dt.timedelta(days=rng.randrange(-10, 30)),
                },
            )
