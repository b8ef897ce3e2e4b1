"""A small sales team for the contracts tests: a manager with two reps, finance, an
executive approver, a customer of the first rep with an open deal."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def team(salesdesk_world: Any) -> dict[str, Any]:
    from contracts_helpers import build_team

    return build_team(salesdesk_world)
