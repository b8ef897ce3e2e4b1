"""Fixtures of the real-estate tests; the hand-checked building lives in re_helpers."""

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

from re_helpers import Estate, make_estate  # noqa: E402


@pytest.fixture
def estate(world: Any) -> Estate:
    return make_estate(world)
