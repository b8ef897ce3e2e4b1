"""The manufacturing plugin: engineering tenders, project registration and numbering,
quote -> order -> delivery -> invoice -> receipt, credit control, production
coordination and the order-to-cash reports (docs/domain.md sections 2, 4 and 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl
from core.i18n import plugin_catalog


@hookimpl
def salesdesk_funnels() -> list[Any]:
    from plugins.manufacturing.funnels import ENGINEERING_FUNNEL

    return [ENGINEERING_FUNNEL]


@hookimpl
def salesdesk_permissions() -> list[Any]:
    from plugins.manufacturing.access import PERMISSIONS

    return PERMISSIONS


@hookimpl
def salesdesk_roles() -> list[Any]:
    from plugins.manufacturing.access import ROLES

    return ROLES


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.manufacturing.models  # noqa: F401  (tables known before migrations run)

    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    return plugin_catalog(__file__, lang)


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.manufacturing.reports import all_reports

    return all_reports()


@hookimpl
def salesdesk_forms() -> list[Any]:
    from plugins.manufacturing.forms import all_forms

    return all_forms()


@hookimpl(optionalhook=True)  # declared only when the TUI adds its hookspecs
def salesdesk_views() -> list[Any]:
    from plugins.manufacturing.views import all_views

    return all_views()


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.manufacturing.demo import seed as seed_demo

    seed_demo(ctx, scale, seed)


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.manufacturing.cli import mfg

    return [mfg]


@hookimpl
def salesdesk_document_series() -> list[Any]:
    from core.services.numbering import DocumentSeries, NumberingRule
    from plugins.manufacturing.services.common import SERIES

    titles = {
        "quote": ("quotes and project registrations", "报价单与项目立项"),
        "order": ("sales orders", "销售订单"),
        "delivery": ("delivery notes", "送货单"),
        "invoice": ("sales invoices", "销售发票"),
        "receipt": ("receipts", "收款单"),
        "tender": ("tenders", "投标"),
    }
    return [
        DocumentSeries(series, *titles[kind], NumberingRule(prefix=prefix))
        for kind, (series, prefix) in SERIES.items()
    ]
