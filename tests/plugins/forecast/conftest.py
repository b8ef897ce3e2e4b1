"""Fixtures of the forecast plugin's tests (the world itself is in forecast_world.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# tests/plugins/ (no __init__) would otherwise shadow the real ``plugins`` package as a
# namespace package when pytest runs from its script; put the project root first.
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
if getattr(sys.modules.get("plugins"), "__file__", "x") is None:
    del sys.modules["plugins"]

from forecast_world import SalesWorld, build  # noqa: E402


@pytest.fixture
def sales(world: Any) -> SalesWorld:
    return build(world)


@pytest.fixture
def runtime(db_url: str) -> Any:
    """The runtime with the TUI's hook specs, as the app and the CLI open it (the plugin
    contributes views; without the spec it could not register), at the newest schema."""
    import tui.hookspecs
    from core.runtime import open_runtime

    rt = open_runtime(db_url, extra_specs=[tui.hookspecs])
    rt.upgrade()
    yield rt
    rt.db.dispose()
