"""The funnel plugin: funnel definitions, weighted pipeline, conversion and dwell time,
the due list, the lead pool with its escalation ladder, and handover (docs/domain.md section 2).

Hook implementations only; the work lives in ``services``, ``reports``, ``cli`` and
``views`` (the only module importing textual), each imported when its hook is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_funnels() -> list[Any]:
    from plugins.funnel.funnels import FUNNELS

    return list(FUNNELS)


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.funnel.reports import all_reports

    return all_reports()


@hookimpl
def salesdesk_migrations() -> list[str]:
    import plugins.funnel.models  # noqa: F401  (the tables, before migrations run)

    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def salesdesk_cli_commands() -> list[Any]:
    from plugins.funnel.cli import funnel

    return [funnel]


@hookimpl(optionalhook=True)  # its spec exists only when the TUI is loaded
def salesdesk_views() -> list[Any]:
    from plugins.funnel.views import view_specs

    return view_specs()


@hookimpl
def salesdesk_translations(lang: str) -> dict[str, str] | None:
    from core.i18n import plugin_catalog

    return plugin_catalog(__file__, lang)


@hookimpl
def salesdesk_opportunity_created(ctx: Any, opportunity: Any) -> None:
    from plugins.funnel.services.funnels import refresh_class

    refresh_class(ctx, opportunity.customer_id)


@hookimpl
def salesdesk_opportunity_stage_changed(
    ctx: Any, opportunity: Any, from_stage: str, to_stage: str
) -> None:
    from core.models import OpportunityStatus
    from plugins.funnel.services.funnels import refresh_class

    refresh_class(ctx, opportunity.customer_id, won=opportunity.status == OpportunityStatus.WON)


@hookimpl
def salesdesk_demo_data(ctx: Any, scale: str, seed: int) -> None:
    from plugins.funnel.demo import seed_demo

    seed_demo(ctx, scale, seed)


@hookimpl
def salesdesk_check_new_owner(uow: Any, customer_id: int | None, owner: Any) -> None:
    from plugins.funnel.services.pool import refuse_leaving

    refuse_leaving(uow, owner)
