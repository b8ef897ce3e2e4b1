"""docs/plugins.md documents every hook: its generated reference matches the hook
docstrings of core/hookspecs.py and tui/hookspecs.py."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "plugins.md"


def gen_hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_hooks", ROOT / "docs" / "gen_hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = gen_hooks()
HOOKS = [f for module, _ in GEN.hook_modules() for f in GEN.hooks(module)]


def test_every_hook_is_found() -> None:
    names = {f.__name__ for f in HOOKS}
    assert {
        "salesdesk_reports",
        "salesdesk_exporters",
        "salesdesk_views",
        "salesdesk_customer_created",
    } <= names
    from core import hookspecs

    declared = {n for n in dir(hookspecs) if n.startswith("salesdesk_")}
    assert declared <= names


@pytest.mark.parametrize("hook", HOOKS, ids=lambda f: f.__name__)
def test_hook_is_documented_in_plugins_md(hook: object) -> None:
    page = PAGE.read_text(encoding="utf-8")
    doc = inspect.getdoc(hook)
    assert doc, f"{hook.__name__} has no docstring"
    assert f"#### `{hook.__name__}`" in page
    assert doc.splitlines()[0] in page


def test_generated_reference_is_up_to_date() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert GEN.updated(page) == page, "run: .venv/bin/python docs/gen_hooks.py"
