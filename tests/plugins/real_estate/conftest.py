"""Fixtures of the real-estate tests; the hand-checked building is in re_helpers.py."""

from __future__ import annotations

import pytest
from re_helpers import Estate, make_estate

from core.testing.world import World


@pytest.fixture
def estate(salesdesk_world: World) -> Estate:
    """The hand-checked building with its price list published."""
    return make_estate(salesdesk_world)
