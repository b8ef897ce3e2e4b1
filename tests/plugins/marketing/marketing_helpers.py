"""Builders and fixtures of the marketing tests (figures in each test's docstring).

Clock: 2026-03-16 (conftest FIXED_NOW). Campaign SPRING: 2026-03-01..2026-03-14 (14 days),
target segment industry "machinery" in region north, budget 2000.00.

The fixtures live here and the test modules import them: this folder has no conftest.py,
since a second module named ``conftest`` replaces tests/conftest.py in ``sys.modules``
and breaks the suite's ``from conftest import ...``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# tests/plugins/ (no __init__.py) would otherwise be found as a namespace package named
# "plugins" ahead of the real one when pytest puts tests/ on sys.path; the project root
# first makes ``import plugins.marketing`` mean the plugin (as ``python -m pytest`` does).
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import datetime as dt  # noqa: E402
from decimal import Decimal  # noqa: E402
from typing import Any  # noqa: E402

import pytest  # noqa: E402

from core.models import SalesLine  # noqa: E402
from plugins.marketing.services import campaigns  # noqa: E402


def sale(world: Any, customer: Any, product: Any, day: str, amount: str, rep: Any = None) -> None:
    world._insert(
        SalesLine(
            date=dt.date.fromisoformat(day),
            customer_id=customer.id,
            product_id=product.id,
            rep_id=world.user_id(rep),
            region_id=customer.region_id,
            quantity=Decimal("1"),
            amount=Decimal(amount),
        )
    )


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


@pytest.fixture
def root_conftest(request: pytest.FixtureRequest) -> Any:
    """The suite's tests/conftest.py module (its World builders)."""
    for plugin in request.config.pluginmanager.get_plugins():
        if str(getattr(plugin, "__file__", "")).endswith(str(Path("tests", "conftest.py"))):
            return plugin
    raise LookupError("tests/conftest.py is not loaded")


@pytest.fixture
def mk(world: Any) -> dict[str, Any]:
    """Marketing staff (planner), two marketing managers, a sales manager and two reps."""
    return make_team(world)
