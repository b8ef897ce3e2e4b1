"""Builders of the marketing tests (figures in each test's docstring).

Clock: 2026-03-16 (conftest FIXED_NOW). Campaign SPRING: 2026-03-01..2026-03-14 (14 days),
target segment industry "machinery" in region north, budget 2000.00.

The fixtures are in this folder's conftest.py; lines are sold with the shipped world's
``sales_line``/``sales_lines``.
"""

from __future__ import annotations

from typing import Any

from plugins.marketing.services import campaigns

# A campaign planned for April: the form as the planner fills it in.
PLAN = {
    "name": "Expo",
    "code": "EXPO26",
    "kind": "exhibition",
    "start": "2026-04-01",
    "end": "2026-04-03",
    "budget": "5000",
}


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
    data = {
        "name": "Spring machinery promotion",
        "code": "SPRING",
        "kind": "promotion",
        "start": "2026-03-01",
        "end": "2026-03-14",
        "budget": "2000.00",
        "industry": "machinery",
        "region": "north",
    }
    data.update(values)
    row = campaigns.create_campaign(mk["planner"], data)
    campaigns.submit_budget(mk["planner"], row.id)
    return campaigns.decide_budget(mk["boss"], row.id, True)
