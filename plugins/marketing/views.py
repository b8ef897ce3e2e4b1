"""TUI views of the marketing plugin (filled in below)."""

from __future__ import annotations

from typing import Any


def view_specs() -> list[Any]:
    return []
