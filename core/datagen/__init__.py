"""Deterministic demo and benchmark data (scales small, medium, large).

``generate(db, scale, seed)`` loads a whole company; ``seed_demo(ctx, ...)`` does that and
then lets every enabled plugin seed its own records; ``write_sales_csv`` writes the same
sales lines as an import file for import benchmarks.
"""

from __future__ import annotations

import datetime as dt

from core.context import Context
from core.datagen.load import GenerationResult, Progress, generate
from core.datagen.sales import CSV_HEADER, write_sales_csv
from core.datagen.scales import SCALES, Scale, get_scale

__all__ = [
    "CSV_HEADER",
    "SCALES",
    "GenerationResult",
    "Progress",
    "Scale",
    "generate",
    "get_scale",
    "seed_demo",
    "write_sales_csv",
]


def seed_demo(
    ctx: Context,
    scale: str = "small",
    seed: int = 1,
    *,
    reference: dt.date | None = None,
    progress: Progress | None = None,
) -> GenerationResult:
    """Generate the core data acting as ``ctx.actor``, then call ``salesdesk_demo_data``."""
    result = generate(
        ctx.db,
        scale,
        seed,
        reference=reference,
        actor_login=ctx.actor.login,
        actor_id=ctx.actor.id,
        funnel=ctx.plugins.funnels.default,
        progress=progress,
    )
    ctx.plugins.call_each("salesdesk_demo_data", ctx=ctx, scale=scale, seed=seed)
    return result
