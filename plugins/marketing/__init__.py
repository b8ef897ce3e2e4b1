"""The marketing plugin: campaigns, costs, effect, segments, negative information.

Hook implementations only; the work lives in ``services``, ``reports`` and ``views``
(imported inside the hooks so loading the plugin stays cheap and textual-free).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl

PLUGIN = "marketing"


@hookimpl
def salesdesk_permissions() -> list[Any]:
    from plugins.marketing.access import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def salesdesk_roles() -> list[Any]:
    from plugins.marketing.access import ROLES

    return list(ROLES)


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.marketing.models  # noqa: F401  (tables known before migrations run)

    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.marketing.reports import all_reports

    return all_reports()


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.marketing.cli import COMMANDS

    return list(COMMANDS)


@hookimpl
def salesdesk_forms() -> list[Any]:
    from plugins.marketing.forms import form_specs

    return form_specs()


@hookimpl(optionalhook=True)  # its spec exists only when the TUI is loaded
def salesdesk_views() -> list[Any]:
    from plugins.marketing.views import view_specs

    return view_specs()


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.marketing.demo import seed_demo

    seed_demo(ctx, scale, seed)


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    from core.i18n import plugin_catalog

    return plugin_catalog(__file__, lang)


# The forecast plugin's hook (plugins/forecast/hookspecs.py): optional, so marketing
# loads where the forecast plugin is not installed.
@hookimpl(optionalhook=True)
def salesdesk_forecast_drivers(
    ctx: Any, cut: list[str], months: list[Any], series: dict[str, dict[str, str]]
) -> list[Any]:
    from plugins.marketing.forecast_drivers import campaign_drivers

    return campaign_drivers(ctx, cut, months, series)


@hookimpl
def salesdesk_document_series() -> list[Any]:
    from core.services.numbering import DocumentSeries
    from plugins.marketing.services.campaigns import campaign_numbering

    return [
        DocumentSeries(
            "marketing.campaign", "marketing campaigns", "市场活动", campaign_numbering()
        )
    ]
