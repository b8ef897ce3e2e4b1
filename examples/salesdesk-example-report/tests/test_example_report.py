"""Tests of the example plugin, run against a real salesdesk database (SQLite in a
temporary folder) with only this plugin registered. Run them with
``pytest examples/salesdesk-example-report/tests`` after installing the package."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import salesdesk_example_report

from core.context import Context
from core.exports import export_report, exporter_registry
from core.reports import drill_report, report_registry, run_report
from core.runtime import open_runtime
from core.services.bootstrap import create_first_admin
from core.services.customers import create_customer
from core.services.users import add_user

REPORT = "example_customers_per_industry"


@pytest.fixture
def admin(tmp_path: Path) -> Any:
    runtime = open_runtime(f"sqlite:///{tmp_path / 'example.db'}", load_plugins=False)
    runtime.upgrade()
    runtime.plugins.register(salesdesk_example_report, "example_report")
    admin = runtime.context_for(create_first_admin(runtime, "admin", "Admin").login)
    yield admin
    runtime.db.dispose()


def customers(admin: Context, owner_id: int | None = None) -> None:
    for name, industry, limit in [
        ("A", "Retail", "100.10"),
        ("B", "Retail", "50.00"),
        ("C", "Energy", "0"),
        ("D", "", "0"),
    ]:
        create_customer(
            admin,
            {
                "name": name,
                "industry": industry,
                "credit_limit": Decimal(limit),
                "owner_id": owner_id,
            },
        )


def test_the_plugin_contributes_its_report_and_exporter(admin: Context) -> None:
    assert REPORT in report_registry(admin.plugins)
    assert "json" in exporter_registry(admin.plugins)


def test_counts_shares_and_credit_per_industry(admin: Context) -> None:
    customers(admin)
    result = run_report(admin, REPORT, {})
    table = result.tables[0]
    assert table.rows == [
        ("Retail", 2, Decimal("0.5"), Decimal("150.10")),
        ("(none)", 1, Decimal("0.25"), Decimal("0.00")),
        ("Energy", 1, Decimal("0.25"), Decimal("0.00")),
    ]
    assert table.totals == ("Total", 4, Decimal("1"), Decimal("150.10"))
    assert run_report(admin, REPORT, {"min_customers": "2"}).tables[0].rows[0][0] == "Retail"
    assert len(run_report(admin, REPORT, {"min_customers": "2"}).tables[0].rows) == 1


def test_a_rep_counts_only_own_customers_and_the_pool(admin: Context) -> None:
    rep_user = add_user(admin, {"login": "rep1", "display_name": "Rep", "roles": ["sales_rep"]})
    customers(admin, owner_id=rep_user.id)
    create_customer(
        admin, {"name": "Other", "industry": "Retail", "owner_id": create_first_rep(admin).id}
    )
    rep = admin.as_user(rep_user)
    assert run_report(rep, REPORT, {}).tables[0].totals[1] == 4
    assert run_report(admin, REPORT, {}).tables[0].totals[1] == 5
    drilled = drill_report(rep, REPORT, {}, "industries", ("Retail", 2, None, None), "customers")
    assert [r[1] for r in drilled.rows] == ["A", "B"]


def create_first_rep(admin: Context) -> Any:
    return add_user(admin, {"login": "rep2", "display_name": "Rep 2", "roles": ["sales_rep"]})


def test_json_export_keeps_cents_and_text(admin: Context, tmp_path: Path) -> None:
    customers(admin)
    result = run_report(admin, REPORT, {})
    written = export_report(admin, result, "json", tmp_path / "out.json", lang="zh_CN")
    data = json.loads(written.read_text("utf-8"))
    assert data["report"] == REPORT and data["title"] == "各行业客户数（示例插件）"
    table = data["tables"][0]
    assert [c["id"] for c in table["columns"]] == ["industry", "customers", "share", "credit_limit"]
    assert table["rows"][0] == ["Retail", 2, "0.5000", "150.10"]
    assert table["totals"] == ["Total", 4, "1.0000", "150.10"]  # share: 4 / 4, to 4 places


def test_the_plugin_keeps_the_plugin_contract(tmp_path: Path) -> None:
    """The checks salesdesk runs over every installed plugin (docs/plugins.md, section 8).
    The report id predates the convention (``example_report.<name>``): its prefix is
    accepted by name rather than renamed under its users."""
    from core.testing.contract import check_plugin

    problems = check_plugin(
        "example_report",
        f"sqlite:///{tmp_path / 'contract.db'}",
        tests=[Path(__file__).parent],
        report_prefixes=("example",),
    )
    assert not problems, "\n".join(problems)
