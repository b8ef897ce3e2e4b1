"""A small hand-checkable sales team for the funnel tests: a region, a manager with two
reps, another manager with a rep outside the team, and the group admin of ``world``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def team(salesdesk_world: Any) -> Any:
    world = salesdesk_world
    world.mgr = world.user("mgr", "sales_manager", region="N")
    world.r1 = world.user("r1", "sales_rep", region="N", manager=world.mgr)
    world.r2 = world.user("r2", "sales_rep", region="N", manager=world.mgr)
    world.mgr2 = world.user("mgr2", "sales_manager", region="N")
    world.r3 = world.user("r3", "sales_rep", region="N", manager=world.mgr2)
    return world


@pytest.fixture
def tui_team(salesdesk_world: Any) -> Iterator[Any]:
    """The screens' team (a manager and two reps), in English."""
    from core.i18n import set_lang

    world = salesdesk_world
    set_lang("en")
    world.mgr = world.user("mgr", "sales_manager", region="N")
    world.r1 = world.user("r1", "sales_rep", region="N", manager=world.mgr)
    world.r2 = world.user("r2", "sales_rep", region="N", manager=world.mgr)
    yield world
    set_lang(None)
