"""Builders of a small hand-checkable marketing world (see the figures in each test's docstring).

Clock: 2026-03-16 (conftest FIXED_NOW). Campaign SPRING: 2026-03-01..2026-03-14 (14 days),
target segment industry "machinery" in region north, budget 2000.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.models import SalesLine
from plugins.marketing.services import campaigns


def sale(world: Any, customer: Any, product: Any, day: str, amount: str,
         rep: Any = None) -> None:
    world._insert(SalesLine(date=dt.date.fromisoformat(day), customer_id=customer.id,
                            product_id=product.id, rep_id=world.user_id(rep),
                            region_id=customer.region_id, quantity=Decimal("1"),
                            amount=Decimal(amount)))


def make_team(world: Any) -> dict[str, Any]:
    """Marketing staff (planner), two marketing managers, a sales manager and two reps."""
    world.region("north")
    world.region("south")
    return {
        "planner": world.user("planner", "marketing_staff"),
        "boss": world.user("boss", "marketing_manager"),
        "boss2": world.user("boss2", "marketing_manager"),
        "mgr": world.user("mgr", "sales_manager", region="north"),
        "rep1": world.user("rep1", "sales_rep", region="north", manager="mgr"),
        "rep2": world.user("rep2", "sales_rep", region="north", manager="mgr"),
    }


def approved_campaign(mk: dict[str, Any], **values: Any) -> Any:
    """A campaign planned by the planner and approved by boss."""
    data = {"name": "Spring machinery promotion", "code": "SPRING", "kind": "promotion",
            "start": "2026-03-01", "end": "2026-03-14", "budget": "2000.00",
            "industry": "machinery", "region": "north"}
    data.update(values)
    row = campaigns.create_campaign(mk["planner"], data)
    campaigns.submit_budget(mk["planner"], row.id)
    return campaigns.decide_budget(mk["boss"], row.id, True)
