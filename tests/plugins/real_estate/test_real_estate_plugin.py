"""The plugin's contributions: roles, funnel, forms, migrations, demo data, CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from re_helpers import unit_rows

from core import db as dbmod
from core.errors import PermissionDenied, ValidationFailed
from core.forms import form_registry, submit_form
from core.i18n import set_lang
from plugins.real_estate.models import Call, Change, SalesPlan, Unit


def test_roles_funnel_and_reports_are_contributed(salesdesk_world: Any) -> None:
    plugins = salesdesk_world.runtime.plugins
    assert {"re_sales_control", "re_finance", "re_sales_service", "re_senior_marketing"} <= set(
        plugins.roles.roles
    )
    funnel = plugins.funnels.get("real_estate")
    assert [s.id for s in funnel.open_stages] == ["call_visit", "reserved", "subscribed"]
    assert funnel.won_stage.id == "signed"
    assert {"real_estate_unit", "real_estate_plan", "real_estate_call"} <= set(
        form_registry(plugins)
    )


def test_unit_form_submits_a_change_and_refuses_bad_areas(salesdesk_world: Any) -> None:
    operator = salesdesk_world.user("op", "business_operator")
    row = {k: str(v) for k, v in unit_rows()[0].items()}
    message = submit_form(operator, "real_estate_unit", row)
    assert "signs it off" in message
    with pytest.raises(ValidationFailed) as areas:
        submit_form(operator, "real_estate_unit", {**row, "shared_area": "30"})
    assert "the building area 100.00 to equal the suite area + shared area (110.00)" in str(
        areas.value
    ), str(areas.value)
    with pytest.raises(ValidationFailed) as total:
        submit_form(operator, "real_estate_unit", {**row, "total_price": "1"})
    assert "the total price 1 to equal the unit price x building area" in str(total.value)
    set_lang("zh_CN")
    try:
        with pytest.raises(ValidationFailed) as areas:
            submit_form(operator, "real_estate_unit", {**row, "shared_area": "30"})
        areas_zh = str(areas.value)
        with pytest.raises(ValidationFailed) as total:
            submit_form(operator, "real_estate_unit", {**row, "total_price": "1"})
        total_zh = str(total.value)
    finally:
        set_lang(None)
    assert (
        "公摊面积：填的是 '30'，应为 建筑面积 100.00 等于套内面积与公摊面积之和（110.00）"
        in areas_zh
    )
    assert "总价：填的是 '1'，应为 总价 1 等于单价乘以建筑面积（900000.00）" in total_zh, total_zh
    for text in (str(areas.value), str(total.value), areas_zh, total_zh):
        assert not any(code in text for code in ("_area", "_price")), text
    with pytest.raises(PermissionDenied):
        submit_form(salesdesk_world.user("rep", "sales_rep"), "real_estate_unit", row)
    with salesdesk_world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Change)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


def test_plan_and_call_forms(estate: Any) -> None:
    submit_form(
        estate.senior,
        "real_estate_plan",
        {"project": "P1", "building": "A1", "month": "2026-04", "units": "2", "amount": "2000000"},
    )
    with pytest.raises(ValidationFailed, match="building"):
        submit_form(
            estate.senior,
            "real_estate_plan",
            {"project": "P1", "building": "ZZ", "month": "2026-04", "units": "2", "amount": "1"},
        )
    rep = estate.world.user("rep", "sales_rep")
    assert "2026-03-19" in submit_form(
        rep, "real_estate_call", {"project": "P1", "phone": "139", "source": "web", "grade": "B"}
    )
    with pytest.raises(ValidationFailed, match="Grade"):
        submit_form(
            rep, "real_estate_call", {"project": "P1", "phone": "1", "source": "web", "grade": "Z"}
        )
    with estate.world.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(SalesPlan)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1


def test_own_branch_downgrades_and_upgrades(salesdesk_world: Any) -> None:
    runtime = salesdesk_world.runtime
    locations = runtime.plugins.migration_locations()
    dbmod.downgrade(runtime.db, "real_estate@base", locations)
    assert "real_estate_unit" not in sa.inspect(runtime.db.engine).get_table_names()
    runtime.upgrade()
    assert "real_estate_unit" in sa.inspect(runtime.db.engine).get_table_names()
    assert runtime.is_current()


@pytest.mark.salesdesk_sqlite_only  # the services it calls run on both
def test_demo_data_is_deterministic(salesdesk_world: Any) -> None:
    from core.reports import run_report
    from plugins.real_estate.demo import seed_demo

    seed_demo(salesdesk_world.admin, "small", 7)
    first = run_report(salesdesk_world.admin, "real_estate_sales_control", {}).tables[0].totals
    assert first[2] == 24 and first[8] > 0  # 24 units, some sold
    seed_demo(salesdesk_world.admin, "small", 7)  # a second run adds nothing
    assert (
        run_report(salesdesk_world.admin, "real_estate_sales_control", {}).tables[0].totals == first
    )


@pytest.mark.salesdesk_sqlite_only
def test_cli_imports_lists_and_approves(
    salesdesk_world: Any, salesdesk_run: Any, tmp_path: Path
) -> None:
    from test_real_estate_signoff import write_workbook

    salesdesk_world.user("op", "business_operator")
    salesdesk_world.user("senior", "re_senior_marketing")
    path = write_workbook(tmp_path / "u.xlsx", unit_rows())

    def run(login: str, *args: str) -> Any:
        return salesdesk_run.cli("real-estate", *args, user=login)

    result = run("op", "import-units", str(path))
    assert result.exit_code == 0 and "4 unit(s) waiting" in result.output, result.output
    refused = run("op", "approve", "change", "1")
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "change 1" in run("senior", "pending").output
    done = run("senior", "approve", "change", "1")
    assert done.exit_code == 0 and "approved by Senior" in done.output
    assert "Nothing is waiting" in run("senior", "pending").output


def test_salesdesk_document_series_names_its_numbers_in_both_languages() -> None:
    """Admin shows "Numbering of <title>", never the series' code (issue #22)."""
    from plugins.real_estate import salesdesk_document_series

    declared = {d.id: (d.title_en, d.title_zh) for d in salesdesk_document_series()}
    assert declared == {"real_estate.contract": ("property sales contracts", "房产销售合同")}
