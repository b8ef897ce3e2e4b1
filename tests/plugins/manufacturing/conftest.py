"""A small order-to-cash world: a sales engineer, a shipping clerk, finance, a customer
owned by the engineer, two products."""

from __future__ import annotations

from typing import Any

import pytest
from mfg_helpers import Shop, make_shop


@pytest.fixture
def shop(salesdesk_world: Any) -> Shop:
    return make_shop(salesdesk_world)
