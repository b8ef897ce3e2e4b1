from __future__ import annotations

from typing import Any

from contracts_helpers import signed


def test_smoke(team: dict[str, Any]) -> None:
    c = signed(team)
    assert c.stage == "signed"
