"""Demo data: tenders, a project registration, and the order-to-cash chain for a few of
the generated customers, written through the services (deterministic by seed)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import sqlalchemy as sa

from core.context import Context
from core.errors import PermissionDenied
from core.models import Customer, Product, User
from core.services import users
from core.services.company import set_setting
from plugins.manufacturing.services import documents, posting, queries, tenders

CUSTOMERS = {"small": 6, "medium": 30, "large": 60}
DEMO_LOGIN = "mfg_demo"
REASONS = ("price too high", "delivery time", "technical specification", "relationship")


def seed(ctx: Context, scale: str, seed_value: int) -> None:
    rng = random.Random(seed_value)
    set_setting(
        ctx, "numbering.mfg_quote", {"prefix": "FQ", "width": 5, "offices": {"SH": 1, "TJ": 20001}}
    )
    clerk = _demo_user(ctx)
    with ctx.reading() as session:
        picked = list(
            session.scalars(
                sa.select(Customer.id).order_by(Customer.id).limit(CUSTOMERS.get(scale, 6))
            )
        )
        products = list(
            session.execute(
                sa.select(Product.id, Product.list_price)
                .where(Product.active.is_(True))
                .order_by(Product.id)
                .limit(4)
            )
        )
    if not picked or not products:
        return
    for product_id, _price in products:
        tenders.receive_stock(clerk, product_id, Decimal(rng.randint(20, 200)))
    today = ctx.today()
    for n, customer_id in enumerate(picked):
        _customer_story(clerk, rng, customer_id, products, today, n)


def _demo_user(ctx: Context) -> Context:
    with ctx.reading() as session:
        user = session.scalar(sa.select(User).where(User.login == DEMO_LOGIN))
    if user is None:
        user = users.add_user(
            ctx,
            {
                "login": DEMO_LOGIN,
                "display_name": "制造业务演示 Demo",
                "roles": ["mfg_sales_manager", "mfg_finance"],
            },
        )
    return ctx.as_user(user)


def _customer_story(
    ctx: Context, rng: random.Random, customer_id: int, products: list, today: dt.date, n: int
) -> None:
    office = "SH" if n % 3 else "TJ"
    tender = tenders.create_tender(
        ctx,
        {
            "customer_id": customer_id,
            "title": f"Project {n + 1} 工程项目",
            "deadline": today - dt.timedelta(days=rng.randint(20, 120)),
            "bid_bond": Decimal(rng.randint(1, 9) * 1000),
            "bid_price": Decimal(rng.randint(50, 400) * 1000),
            "competitors": "Acme Forge; 华东锻造",
        },
    )
    if n % 4 == 3:
        tenders.decide_tender(ctx, tender.id, {"result": "lost", "reason": rng.choice(REASONS)})
        return
    if n % 4 == 2:
        return  # still open
    tenders.decide_tender(ctx, tender.id, {"result": "won"})
    tenders.register_project(
        ctx,
        {
            "customer_id": customer_id,
            "tender_id": tender.id,
            "contact": "王工",
            "specs": "DN200 PN16",
            "office": office,
            "quantity": Decimal(rng.randint(10, 60)),
        },
    )
    start = today - dt.timedelta(days=rng.randint(40, 90))
    lines = [
        {
            "product_id": pid,
            "quantity": Decimal(rng.randint(10, 60)),
            "unit_price": Decimal(price or 100),
        }
        for pid, price in rng.sample(products, 2)
    ]
    quote = documents.create_quote(
        ctx,
        {
            "customer_id": customer_id,
            "tender_id": tender.id,
            "office": office,
            "doc_date": start,
            "lines": lines,
        },
    )
    posting.submit(ctx, quote.id)
    order = documents.order_from_quote(
        ctx, quote.id, promised_date=today + dt.timedelta(days=rng.randint(-10, 25)), on=start
    )
    try:
        posting.submit(ctx, order.id)
    except PermissionDenied:  # past the demo customer's credit limit: finance approves
        posting.submit(ctx, posting.approve_credit(ctx, order.id).id)
    _fulfil(ctx, rng, order.id, today, n)


def _fulfil(ctx: Context, rng: random.Random, order_id: int, today: dt.date, n: int) -> None:
    """Half ships and is invoiced the same past day (an invoice never predates its
    delivery); production is booked first, since deliveries ship from stock."""
    open_lines = queries.document_lines(ctx, order_id)
    _produce(ctx, open_lines)
    shipped_on = today - dt.timedelta(days=rng.randint(10, 70))
    moment = dt.datetime.combine(shipped_on, dt.time(10, 0), dt.UTC)
    that_day = Context(ctx.db, ctx.actor, ctx.plugins, lambda: moment)
    first = queries.deliver_orders(
        that_day,
        [order_id],
        [(q / 2).quantize(Decimal("1")) for _i, _c, _n, q, _p, _a, _d in open_lines],
    )
    posting.submit(that_day, first.id)
    invoice = documents.invoice_deliveries(ctx, [first.id], on=shipped_on)
    posting.submit(ctx, invoice.id)
    if n % 2 == 0:
        posting.submit(ctx, queries.receipt_for(ctx, invoice.id).id)
    if n % 3 == 0:
        posting.submit(ctx, queries.deliver_orders(ctx, [order_id]).id)


def _produce(ctx: Context, open_lines: list) -> None:
    """Book the production of what the order still needs beyond the stock on hand."""
    on_hand = queries.stock_on_hand(ctx)
    with ctx.reading() as session:
        ids = {code: pid for code, pid in session.execute(sa.select(Product.code, Product.id))}
    for _i, code, _n, quantity, _p, _a, done in open_lines:
        short = Decimal(quantity) - Decimal(done) - on_hand.get(code, Decimal(0))
        if short > 0:
            tenders.receive_stock(ctx, ids[code], short)
