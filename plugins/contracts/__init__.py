"""The contracts plugin: contract lifecycle as data, approval chains, control nodes,
amendments, reports and screens. Hook implementations only; the work is in the modules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str]:
    from core.i18n import plugin_catalog

    return plugin_catalog(__file__, lang)


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.contracts.models  # noqa: F401  (tables known before migrations run)

    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def salesdesk_permissions() -> list[Any]:
    from plugins.contracts.access import PERMISSIONS

    return list(PERMISSIONS)


@hookimpl
def salesdesk_roles() -> list[Any]:
    from plugins.contracts.access import ROLES

    return list(ROLES)


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.contracts.reports import REPORTS

    return [report() for report in REPORTS]


@hookimpl(optionalhook=True)  # its spec exists only when the TUI is loaded
def salesdesk_views() -> list[Any]:
    from plugins.contracts.views import view_specs

    return view_specs()


@hookimpl
def salesdesk_forms() -> list[Any]:
    from core.forms import FormSpec
    from plugins.contracts.schemas import ContractEntry
    from plugins.contracts.services.records import save_entry

    return [
        FormSpec(
            "contracts.new",
            "New contract",
            "新建合同",
            ContractEntry,
            save_entry,
            description_en="A draft contract; add milestones as 'YYYY-MM-DD amount condition; ...'",
            description_zh="新建合同草稿；收款节点格式：'YYYY-MM-DD 金额 条件; ...'",
        )
    ]


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.contracts.cli import contracts_group

    return [contracts_group]


@hookimpl
def salesdesk_opportunity_stage_changed(ctx: Any, opportunity: Any, to_stage: str) -> None:
    from plugins.contracts.services.events import draft_on_won

    draft_on_won(ctx, opportunity, to_stage)


@hookimpl
def salesdesk_move_open_records(
    uow: Any, customer_id: int, from_owner_id: int, to_owner_id: int
) -> None:
    from plugins.contracts.services.events import move_open_contracts

    move_open_contracts(uow, customer_id, from_owner_id, to_owner_id)


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.contracts.demo import seed_contracts

    seed_contracts(ctx, scale, seed)


@hookimpl
def salesdesk_document_series() -> list[Any]:
    from core.services.numbering import DocumentSeries
    from plugins.contracts.services.records import DEFAULT_NUMBERING

    return [DocumentSeries("contract", "contracts", "合同", DEFAULT_NUMBERING)]
