"""Fixtures of the forecast plugin's tests (the world itself is in forecast_world.py)."""

from __future__ import annotations

import pytest
from forecast_world import SalesWorld, build

from core.testing.world import World


@pytest.fixture
def sales(salesdesk_world: World) -> SalesWorld:
    return build(salesdesk_world)
