"""The hook docstrings are the plugin reference: every hook must have one that says what
it is for, and what it receives or returns."""

from __future__ import annotations

import inspect
from types import ModuleType

import pytest

from core import hookspecs as core_hookspecs
from core.plugins import PluginManager, discover, plugin_hookspecs
from tui import hookspecs as tui_hookspecs

SPEC_ATTR = f"{core_hookspecs.PROJECT}_spec"  # set by pluggy's HookspecMarker


def hooks(module: ModuleType) -> list[tuple[str, object]]:
    return [
        (name, obj)
        for name, obj in vars(module).items()
        if inspect.isfunction(obj) and hasattr(obj, SPEC_ATTR)
    ]


# Hooks the installed plugins declare for each other (plugins/forecast/hookspecs.py, ...).
PLUGIN_SPECS = [m for m in (plugin_hookspecs(found.module) for found in discover()) if m]
ALL_HOOKS = [
    pytest.param(obj, id=name)
    for module in (core_hookspecs, tui_hookspecs, *PLUGIN_SPECS)
    for name, obj in hooks(module)
]


def test_hookspec_modules_declare_hooks() -> None:
    assert len(hooks(core_hookspecs)) >= 15
    assert [name for name, _ in hooks(tui_hookspecs)] == ["salesdesk_views"]
    assert "plugins.forecast.hookspecs" in {m.__name__ for m in PLUGIN_SPECS}


@pytest.mark.parametrize("hook", ALL_HOOKS)
def test_every_hook_has_a_docstring(hook: object) -> None:
    name = hook.__name__  # type: ignore[attr-defined]
    assert name.startswith("salesdesk_"), name
    doc = inspect.getdoc(hook)
    assert doc and len(doc.split()) >= 8, f"{name} needs a docstring saying what it is for"
    params = [p for p in inspect.signature(hook).parameters]  # type: ignore[arg-type]
    for param in params:  # each argument a plugin receives is described
        assert f":param {param}:" in doc, f"{name}: document parameter {param!r}"
    if not params:  # contributions say what they return
        assert ":returns:" in doc, f"{name}: document what it returns"


def test_every_documented_hook_is_callable_through_the_manager() -> None:
    manager = PluginManager([tui_hookspecs])
    manager.load_installed()
    plugin_hooks = [h for module in PLUGIN_SPECS for h in hooks(module)]
    for _name, hook in hooks(core_hookspecs) + hooks(tui_hookspecs) + plugin_hooks:
        assert getattr(manager.pm.hook, hook.__name__).has_spec()  # type: ignore[attr-defined]
