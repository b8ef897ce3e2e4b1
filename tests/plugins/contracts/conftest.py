"""A small sales team for the contracts tests: a manager with two reps, finance, an
executive approver, a customer of the first rep with an open deal."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# ``tests/plugins`` (no __init__) would otherwise shadow the real ``plugins`` package as a
# namespace package when pytest puts ``tests`` on sys.path before the project root.
ROOT = str(Path(__file__).resolve().parents[3])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
if "plugins" in sys.modules and getattr(sys.modules["plugins"], "__file__", None) is None:
    del sys.modules["plugins"]


@pytest.fixture
def team(world: Any) -> dict[str, Any]:
    from contracts_helpers import build_team

    return build_team(world)
