"""A small, fixed world for the TUI tests and snapshots: same rows, same clock, always."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
from decimal import Decimal
from typing import Any

from core.models import Activity, SalesLine, SalesTarget
from core.summaries import refresh_sales_summaries

DAY = dt.date(2026, 3, 16)


def aio(fn: Any) -> Any:
    """Run an async test with asyncio (the suite has no async pytest plugin)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


async def settle(pilot: Any, rounds: int = 3) -> None:
    """Wait until the app's workers are done and the screen has been redrawn. A worker
    cancelled by a newer one (exclusive groups) is expected, not an error."""
    from textual.worker import WorkerError

    for _ in range(rounds):
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerError:
            continue
        await pilot.pause()


async def until(pilot: Any, condition: Any, timeout: float = 10.0) -> bool:
    """Settle until ``condition()`` holds (a save, then the reload it starts, are two
    workers one after the other: on a loaded machine three rounds may not see both)."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await settle(pilot, rounds=1)
        await pilot.pause(0.05)
    return bool(condition())


def seed(world: Any) -> dict[str, Any]:
    """Regions, a manager with two reps, customers (some Chinese names), deals, visits,
    sales lines and this month's targets. Returns the contexts and rows by name."""
    east = world.region("EAST", name="East 华东")
    world.region("NORTH", name="North 华北")
    manager = world.user("wang", "sales_manager", region="EAST")
    rep = world.user("li", "sales_rep", region="EAST", manager=manager)
    rep2 = world.user("zhao", "sales_rep", region="NORTH", manager=manager)
    _rename(world, rep, "李雷 Li Lei")
    _rename(world, rep2, "赵敏 Zhao Min")
    names = [
        "上海精密锻造有限公司",
        "Acme Trading",
        "北京远航科技",
        "Blue River Foods",
        "Zenith Motors",
        "深圳华光电子",
        "Golden Gate Supply",
        "杭州西湖茶业",
    ]
    customers = []
    for i, name in enumerate(names):
        owner = rep if i % 2 == 0 else rep2
        customers.append(
            world.customer(
                owner=owner,
                region="EAST" if i % 2 == 0 else "NORTH",
                name=name,
                code=f"C{i + 1:05d}",
                customer_class="promising" if i % 3 else "potential",
            )
        )
    product = world.product(code="P0001", name="Forged flange")
    deals = []
    for i, customer in enumerate(customers[:6]):
        deals.append(
            world.opportunity(
                customer,
                owner=rep if i % 2 == 0 else rep2,
                amount=f"{(i + 1) * 12500}.00",
                title=f"Deal {i + 1} {customer.name[:6]}",
                expected_close=DAY + dt.timedelta(days=10 * i),
            )
        )
    # move some deals on, one of them stalled (entered its stage 60 days ago)
    stages = ["lead", "qualified", "proposal", "negotiation", "qualified", "lead"]
    with world.runtime.db.write_session() as session, session.begin():
        for deal, stage in zip(deals, stages, strict=True):
            row = session.get(type(deal), deal.id)
            row.stage = stage
            if deal is deals[1]:
                row.stage_entered_at = world.clock() - dt.timedelta(days=60)
        for i, customer in enumerate(customers[:4]):
            session.add(
                Activity(
                    date=DAY - dt.timedelta(days=3),
                    rep_id=customer.owner_id,
                    customer_id=customer.id,
                    purpose="development",
                    result="met buyer",
                    next_visit=DAY - dt.timedelta(days=i % 2),
                    created_at=world.clock(),
                )
            )
        for month_back in range(3):
            for i, customer in enumerate(customers):
                day = DAY.replace(day=2 + i) - dt.timedelta(days=31 * month_back)
                session.add(
                    SalesLine(
                        date=day,
                        customer_id=customer.id,
                        product_id=product.id,
                        rep_id=customer.owner_id,
                        region_id=customer.region_id,
                        quantity=Decimal(i + 1),
                        amount=Decimal(1000 * (i + 1) + 50 * month_back),
                    )
                )
        session.add(
            SalesTarget(
                month=DAY.replace(day=1), dimension="company", key_id=0, amount=Decimal("60000")
            )
        )
        session.add(
            SalesTarget(
                month=DAY.replace(day=1),
                dimension="rep",
                key_id=rep.actor.id,
                amount=Decimal("25000"),
            )
        )
        session.flush()
        # as an import would: the summaries Home and the reports read follow the lines
        refresh_sales_summaries(session, DAY - dt.timedelta(days=93), DAY)
    return {
        "admin": world.admin,
        "manager": manager,
        "rep": rep,
        "rep2": rep2,
        "customers": customers,
        "deals": deals,
        "east": east,
    }


def _rename(world: Any, ctx: Any, name: str) -> None:
    with world.runtime.db.write_session() as session, session.begin():
        session.get(type(ctx.actor), ctx.actor.id).display_name = name
    ctx.actor.display_name = name


def keep_errors(app: Any) -> list[str]:
    """Every error the app shows, kept in the list returned: a notification leaves the
    screen after its timeout, which a busy machine reaches before the test reads it."""
    shown: list[str] = []
    notify = app.notify

    def keep(message: Any, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("severity") == "error":
            shown.append(str(message))
        notify(message, *args, **kwargs)

    app.notify = keep
    return shown
