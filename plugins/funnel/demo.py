"""Demo data: assignment rules per area, the default escalation ladder, and the pool's
leads handed out by the rules (deterministic: rules and leads in id order)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.models import Region, User
from plugins.funnel.services.leads import set_reclaim_policy, set_rules
from plugins.funnel.services.pool import auto_assign

CAP = {"small": 25, "medium": 60, "large": 120}


def seed_demo(ctx: Any, scale: str, seed: int) -> None:
    with ctx.reading() as session:
        reps = session.execute(sa.select(User.login, Region.code)
                               .join(Region, Region.id == User.region_id)
                               .where(User.active.is_(True)).order_by(User.login)).all()
        roles = dict(session.execute(sa.select(User.login, User.roles)).all())
    by_region: dict[str, list[str]] = {}
    for login, region in reps:
        if "sales_rep" in (roles.get(login) or []):
            by_region.setdefault(region, []).append(login)
    rules = [{"name": f"region-{code}", "regions": [code], "reps": logins,
              "cap": CAP.get(scale, 25)} for code, logins in sorted(by_region.items())]
    if rules:
        set_rules(ctx, rules)
    set_reclaim_policy(ctx, {"remind": 3, "manager": 5, "reclaim": 7})
    if rules:
        auto_assign(ctx)
