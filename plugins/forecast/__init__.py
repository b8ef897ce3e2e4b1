"""The forecast plugin: forecasting methods, automatic choice by backtest, forecasts by any
cut, target allocation (指标分摊) with approval, and target-vs-actual evaluation.

Hook implementations only; everything heavy is imported inside the hook.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.i18n import plugin_catalog

HERE = Path(__file__).parent


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    return plugin_catalog(__file__, lang)


@hookimpl
def salesdesk_forecasting_methods() -> list[Any]:
    from plugins.forecast.methods import BUILTIN_METHODS

    return list(BUILTIN_METHODS)


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.forecast.models  # noqa: F401  (tables on the metadata before migrating)

    return [str(HERE / "migrations" / "versions")]


@hookimpl
def salesdesk_permissions() -> list[Any]:
    from plugins.forecast.access import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def salesdesk_roles() -> list[Any]:
    from plugins.forecast.access import ROLES

    return list(ROLES)


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.forecast.reports import REPORTS

    return list(REPORTS)


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.forecast.cli import COMMANDS

    return list(COMMANDS)


@hookimpl(optionalhook=True)  # its spec exists only when the TUI is loaded
def salesdesk_views() -> list[Any]:
    from plugins.forecast.views import VIEWS

    return list(VIEWS)


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.forecast.demo import seed_demo

    seed_demo(ctx, scale, seed)
