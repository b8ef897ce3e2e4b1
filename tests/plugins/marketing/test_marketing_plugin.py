"""The plugin as a whole: registered through its entry point with its hooks, roles and
reports; its migration branch; demo data on a small world; every report runs for a rep."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.reports import report_registry, run_report
from plugins.marketing.models import Campaign, CostLine, NegativeInfo, Segment

REPORTS = {
    "marketing_campaign_plan",
    "marketing_cost_analysis",
    "marketing_ad_expense",
    "marketing_campaign_effect",
    "marketing_segments",
    "marketing_call_list",
    "marketing_negative",
}


def test_registered_with_roles_reports_and_tables(salesdesk_world: Any) -> None:
    plugins = salesdesk_world.runtime.plugins
    info = plugins.info["marketing"]
    assert info.loaded and not info.errors
    assert {"marketing_manager", "marketing_staff"} <= set(plugins.roles.roles)
    assert set(report_registry(plugins)) >= REPORTS
    tables = set(sa.inspect(salesdesk_world.runtime.db.engine).get_table_names())
    assert {
        "marketing_campaign",
        "marketing_cost",
        "marketing_segment",
        "marketing_negative",
    } <= tables


def test_demo_data_then_every_report_runs(salesdesk_world: Any) -> None:
    from plugins.marketing.demo import seed_demo

    salesdesk_world.region("east")
    rep = salesdesk_world.user("rep", "sales_rep", region="east")
    for i in range(12):
        cust = salesdesk_world.customer(owner=rep, region="east", industry="machinery")
        if i % 3 == 0:
            salesdesk_world.opportunity(cust, owner=rep, amount=f"{1000 * (i + 1)}.00")
    salesdesk_world.product(code="DP1")
    seed_demo(salesdesk_world.admin, "small", 7)
    with salesdesk_world.runtime.db.read_session() as session:
        counts = {
            m.__name__: session.scalar(sa.select(sa.func.count()).select_from(m))
            for m in (Campaign, CostLine, Segment, NegativeInfo)
        }
        statuses = set(session.scalars(sa.select(Campaign.status)))
    assert counts["Campaign"] == 4 and counts["Segment"] == 3 and counts["NegativeInfo"] == 6
    assert counts["CostLine"] >= 8
    assert statuses == {"planned", "running", "finished", "evaluated"}
    manager = salesdesk_world.runtime.context_for("mkt_manager")
    manager.clock = salesdesk_world.clock
    for report_id in REPORTS - {"marketing_call_list"}:
        assert run_report(manager, report_id, {}).tables
    effect = run_report(manager, "marketing_campaign_effect", {}).table("effect")
    assert sum(r[2] for r in effect.rows) > 0  # leads were attributed
    assert run_report(manager, "marketing_call_list", {"segment": "TOP"}).tables
    assert run_report(rep, "marketing_campaign_effect", {}).tables  # a rep may read it


def test_views_hook_waits_for_its_spec_in_a_core_only_manager() -> None:
    """The plugin's salesdesk_views is marked optionalhook, so a manager without the TUI
    hookspecs (tests, CLI) still loads it; a misspelt hook is still refused."""
    import types

    import plugins.marketing
    from core.hookspecs import hookimpl
    from core.plugins import PluginManager

    manager = PluginManager()
    assert manager.register(plugins.marketing, "marketing")
    typo = types.SimpleNamespace(salesdesk_reprots=hookimpl(lambda: []))
    assert not manager.register(typo, "typo")
    assert "salesdesk_reprots" in manager.info["typo"].errors[0]


def test_report_parameters_read_in_chinese(salesdesk_world: Any) -> None:
    """Every parameter of the marketing reports has a Chinese label and hint (they were
    English on the Reports screen: Year, As of, 'Campaign code (default: ...)')."""
    from core.i18n import _, set_lang
    from tui.screens.reports import param_specs

    registry = report_registry(salesdesk_world.runtime.plugins)
    untranslated = []
    try:
        set_lang("zh_CN")
        for report_id in sorted(REPORTS):
            specs, _values = param_specs(registry[report_id].Params)
            for spec in specs:
                hint = spec.placeholder.removeprefix("YYYY-MM-DD · ")
                untranslated += [
                    f"{report_id}: {text}"
                    for text in (spec.title, hint)
                    if text and _(text) == text and text.isascii()
                ]
    finally:
        set_lang(None)
    assert untranslated == []


def test_salesdesk_document_series_names_its_numbers_in_both_languages() -> None:
    """Admin shows "Numbering of <title>", never the series' code (issue #22)."""
    from plugins.marketing import salesdesk_document_series

    declared = {d.id: (d.title_en, d.title_zh) for d in salesdesk_document_series()}
    assert declared == {"marketing.campaign": ("marketing campaigns", "市场活动")}
