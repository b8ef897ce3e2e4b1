"""A small hand-checkable sales team for the funnel tests: a region, a manager with two
reps, another manager with a rep outside the team, and the group admin of ``world``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# tests/plugins/ has no __init__.py: put the project root first so ``plugins.funnel``
# means the plugin, not a namespace package made of the test folders.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@pytest.fixture
def team(world: Any) -> Any:
    world.mgr = world.user("mgr", "sales_manager", region="N")
    world.r1 = world.user("r1", "sales_rep", region="N", manager=world.mgr)
    world.r2 = world.user("r2", "sales_rep", region="N", manager=world.mgr)
    world.mgr2 = world.user("mgr2", "sales_manager", region="N")
    world.r3 = world.user("r3", "sales_rep", region="N", manager=world.mgr2)
    return world
