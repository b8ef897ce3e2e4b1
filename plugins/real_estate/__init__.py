"""The real-estate plugin (docs/domain.md section 6): units and their sign-off, price tables and
price lists, sales control, payments and area settlement, sales plans, the call register,
a real-estate funnel, the sales-office roles, reports, screens and demo data.

Hook implementations only; everything they return is imported when the hook is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_permissions() -> list[Any]:
    from plugins.real_estate.access import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def salesdesk_roles() -> list[Any]:
    from plugins.real_estate.access import ROLES

    return list(ROLES)


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.real_estate.models  # noqa: F401  (tables registered before migrating)

    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def salesdesk_funnels() -> list[Any]:
    from plugins.real_estate.funnels import FUNNEL

    return [FUNNEL]


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.real_estate.reports import all_reports

    return all_reports()


@hookimpl(optionalhook=True)
def salesdesk_views() -> list[Any]:
    from plugins.real_estate.views import views

    return views()


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    from core.i18n import plugin_catalog

    return plugin_catalog(__file__, lang)


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.real_estate.demo import seed_demo

    seed_demo(ctx, scale, seed)


@hookimpl
def salesdesk_forms() -> list[Any]:
    from plugins.real_estate.forms import all_forms

    return all_forms()


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.real_estate.cli import COMMANDS

    return list(COMMANDS)


@hookimpl
def salesdesk_document_series() -> list[Any]:
    from core.services.numbering import DocumentSeries
    from plugins.real_estate.services.control import contract_numbering

    return [
        DocumentSeries(
            "real_estate.contract", "property sales contracts", "房产销售合同", contract_numbering()
        )
    ]
