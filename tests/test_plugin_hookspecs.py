"""Plugins own their hooks: a plugin package's ``hookspecs`` module declares hooks other
plugins implement, added by the loader before any implementation is registered."""

from __future__ import annotations

import types
from typing import Any

import pytest

from core import hookspecs as core_hookspecs
from core.hookspecs import hookimpl
from core.plugins import PluginManager

FORECAST_HOOKS = ["salesdesk_forecasting_methods", "salesdesk_forecast_drivers"]

OWNER_SPECS = '''
from core.hookspecs import hookspec


@hookspec
def salesdesk_greetings(name: str) -> list[str] | None:
    """Contribute greetings for a person.

    :param name: who is greeted.
    :returns: greetings.
    """
'''
OWNER = """
@hookimpl
def salesdesk_reports():
    return []
"""


def _has_spec(manager: PluginManager, hook: str) -> bool:
    caller = getattr(manager.pm.hook, hook, None)
    return caller is not None and caller.has_spec()


def test_the_forecast_hooks_belong_to_the_forecast_plugin() -> None:
    assert not any(hasattr(core_hookspecs, hook) for hook in FORECAST_HOOKS)
    bare = PluginManager()
    assert not any(_has_spec(bare, hook) for hook in FORECAST_HOOKS)
    manager = PluginManager()
    manager.load_installed()
    assert manager.info["forecast"].offers == FORECAST_HOOKS
    assert all(_has_spec(manager, hook) for hook in FORECAST_HOOKS)
    methods = manager.contributions("salesdesk_forecasting_methods")
    assert {plugin for plugin, _ in methods} == {"forecast"} and len(methods) >= 5
    drivers = manager.pm.hook.salesdesk_forecast_drivers.get_hookimpls()
    assert [impl.plugin_name for impl in drivers] == ["marketing"]


@pytest.mark.parametrize("order", [("marketing", "forecast"), ("forecast", "marketing")])
def test_registration_order_does_not_matter(order: tuple[str, str]) -> None:
    import plugins.forecast
    import plugins.marketing

    modules = {"forecast": plugins.forecast, "marketing": plugins.marketing}
    manager = PluginManager()
    for name in order:
        assert manager.register(modules[name], name), manager.info[name].errors
    impls = manager.pm.hook.salesdesk_forecast_drivers.get_hookimpls()
    assert [impl.plugin_name for impl in impls] == ["marketing"]
    assert manager.contributions("salesdesk_forecasting_methods")


def test_marketing_loads_without_the_forecast_plugin() -> None:
    """Its drivers hook is optional: where the forecast plugin is not installed, the
    hook does not exist and marketing still loads and contributes its reports."""
    import plugins.marketing

    manager = PluginManager()
    assert manager.register(plugins.marketing, "marketing"), manager.info["marketing"].errors
    assert manager.contributions("salesdesk_reports")


def test_a_plugin_switched_off_keeps_its_hooks_for_those_implementing_them(
    install_plugin: Any,
) -> None:
    """Forecast off for the company: a third-party plugin implementing its drivers hook
    (without optionalhook) loads; the hook is simply not called."""
    install_plugin(
        "promo",
        """
        @hookimpl
        def salesdesk_forecast_drivers(ctx, cut, months, series):
            return []
    """,
    )
    manager = PluginManager()
    manager.load_installed(lambda name: name != "forecast")
    assert not manager.info["forecast"].loaded
    assert manager.info["promo"].loaded, manager.info["promo"].errors
    assert manager.info["marketing"].loaded, manager.info["marketing"].errors


def test_a_third_party_plugin_offers_a_hook_another_implements(install_plugin: Any) -> None:
    # "aaa" sorts first: its implementation is met before its owner's specification.
    install_plugin(
        "aaa_greeter",
        """
        @hookimpl
        def salesdesk_greetings(name):
            return [f"hello {name}"]
    """,
    )
    install_plugin("owner", OWNER, files={"hookspecs.py": OWNER_SPECS})
    manager = PluginManager()
    manager.load_installed()
    assert manager.info["aaa_greeter"].loaded, manager.info["aaa_greeter"].errors
    assert manager.info["owner"].offers == ["salesdesk_greetings"]
    assert manager.contributions("salesdesk_greetings", name="Li") == [("aaa_greeter", "hello Li")]


def test_an_implementation_is_checked_against_a_plugins_specification(install_plugin: Any) -> None:
    install_plugin(
        "aaa_wrong",
        """
        @hookimpl
        def salesdesk_greetings(person):
            return []
    """,
    )
    install_plugin("owner", OWNER, files={"hookspecs.py": OWNER_SPECS})
    manager = PluginManager()
    manager.load_installed()
    assert not manager.info["aaa_wrong"].loaded
    assert "person" in manager.info["aaa_wrong"].last_error
    assert manager.info["owner"].loaded


def test_an_unknown_hook_is_refused_and_the_message_says_how_to_make_it_optional() -> None:
    typo = types.SimpleNamespace(salesdesk_forecast_driverz=hookimpl(lambda: []))
    manager = PluginManager()
    assert not manager.register(typo, "typo")
    error = manager.info["typo"].last_error
    assert "salesdesk_forecast_driverz" in error and "optionalhook=True" in error


def test_a_plugin_redeclaring_an_existing_hook_is_switched_off(install_plugin: Any) -> None:
    install_plugin(
        "thief",
        OWNER,
        files={
            "hookspecs.py": '''
        from core.hookspecs import hookspec


        @hookspec
        def salesdesk_reports():
            """Mine now."""
    '''
        },
    )
    manager = PluginManager()
    manager.load_installed()
    thief = manager.info["thief"]
    assert not thief.loaded
    assert thief.last_error.startswith("hookspecs:") and "salesdesk_reports" in thief.last_error
    assert manager.info["sales_reports"].loaded


def test_a_broken_hookspecs_module_switches_only_its_plugin_off(install_plugin: Any) -> None:
    install_plugin("broken", OWNER, files={"hookspecs.py": "raise RuntimeError('boom')\n"})
    manager = PluginManager()
    manager.load_installed()
    assert not manager.info["broken"].loaded
    assert "boom" in manager.info["broken"].last_error
    assert manager.info["forecast"].loaded


def test_a_switched_off_plugin_without_hooks_of_its_own_is_not_imported(
    install_plugin: Any,
) -> None:
    import sys

    plain = install_plugin("plain_off", OWNER)
    package = install_plugin("package_off", OWNER, files={"reports.py": ""})
    manager = PluginManager()
    manager.load_installed(lambda name: name not in ("plain_off", "package_off"))
    assert plain not in sys.modules and package not in sys.modules
    assert not manager.info["plain_off"].errors and not manager.info["package_off"].errors
