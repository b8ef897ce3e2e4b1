"""Demo data: a forecast by product and this year's targets by region, approved.

Deterministic (no randomness): the company target is last year's sales plus 10 %,
allocated by year-to-date share, drafted by the admin and approved by the first sales
manager, so the TUI's allocation screen, the reports and ``core.targets`` have figures.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from core.context import Context
from core.models import SalesLine, User
from plugins.forecast import allocate as al
from plugins.forecast.services.forecasting import run_forecast
from plugins.forecast.services.targets import approve_allocation, create_allocation


def seed_demo(ctx: Context, scale: str, seed: int) -> None:
    del scale, seed  # the same data for every seed: nothing here is random
    today = ctx.today()
    start = dt.date(today.year, 1, 1)
    with ctx.reading() as session:
        last_year = session.scalar(
            sa.select(sa.func.sum(SalesLine.amount)).where(
                SalesLine.date.between(
                    dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
                )
            )
        )
        managers = [
            u
            for u in session.scalars(sa.select(User).order_by(User.login))
            if "sales_manager" in (u.roles or []) and u.active
        ]
        session.expunge_all()
    if not last_year or not managers:
        return
    run_forecast(ctx, "product", horizon=12, processes=1)
    total = al.cents(Decimal(str(last_year)) * Decimal("1.1")).quantize(Decimal("10000"))
    view = create_allocation(
        ctx,
        period_kind="year",
        period_start=start,
        dimension="region",
        total=total,
        basis="ytd",
        as_of=today,
        note="Demo: last year + 10 %",
    )
    approve_allocation(ctx.as_user(managers[0]), view.allocation.id, view.allocation.version)
