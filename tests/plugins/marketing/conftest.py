"""Fixtures of the marketing tests; the builders are in ``marketing_helpers``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

# tests/plugins/ (no __init__.py) would otherwise be found as a namespace package named
# "plugins" ahead of the real one when pytest puts tests/ on sys.path; the project root
# first makes ``import plugins.marketing`` mean the plugin (as ``python -m pytest`` does).
_ROOT = str(Path(__file__).resolve().parents[3])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from marketing_helpers import make_team  # noqa: E402


@pytest.fixture
def root_conftest(request: pytest.FixtureRequest) -> Any:
    """The suite's tests/conftest.py module (its World builders), which a plain
    ``import conftest`` here would not reach: this folder's conftest has the same name."""
    for plugin in request.config.pluginmanager.get_plugins():
        if str(getattr(plugin, "__file__", "")).endswith(str(Path("tests", "conftest.py"))):
            return plugin
    raise LookupError("tests/conftest.py is not loaded")


@pytest.fixture
def mk(world: Any) -> dict[str, Any]:
    """Marketing staff (planner), two marketing managers, a sales manager and two reps."""
    return make_team(world)
