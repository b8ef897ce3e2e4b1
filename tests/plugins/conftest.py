"""The built-in plugins' tests run on the fixtures salesdesk ships to plugin authors
(``core/testing/pytest_plugin.py``: salesdesk_world, salesdesk_users, salesdesk_run, ...).
Their runtime loads the TUI's hook specs, as the app and the command line open it: the
plugins' screens are tested here too."""

from __future__ import annotations

from types import ModuleType

import pytest


@pytest.fixture
def salesdesk_hookspecs() -> list[ModuleType]:
    import tui.hookspecs

    return [tui.hookspecs]
