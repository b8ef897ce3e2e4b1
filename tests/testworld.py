"""Test-world builders shared by every test module: a fixed clock and a World.

They live outside ``conftest.py`` because plugin test folders have conftests of their
own, and several modules named ``conftest`` cannot all be imported by that name. The
code ships with salesdesk in ``core/testing/world.py`` (plugin authors use it too).
"""

from __future__ import annotations

from core.testing.world import FIXED_NOW, FixedClock, Staff, World, make_world

__all__ = ["FIXED_NOW", "FixedClock", "Staff", "World", "make_world"]
