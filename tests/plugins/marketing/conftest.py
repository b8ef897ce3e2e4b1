"""Fixtures of the marketing tests, on the fixtures salesdesk ships (salesdesk_world, ...);
the builders are in marketing_helpers.py."""

from __future__ import annotations

from typing import Any

import pytest
from marketing_helpers import make_team

from core.testing.world import World


@pytest.fixture
def mk(salesdesk_world: World) -> dict[str, Any]:
    """Marketing staff (planner), two marketing managers, a sales manager and two reps."""
    return make_team(salesdesk_world)
