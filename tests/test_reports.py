"""The report contract: registry (bad plugins reported and left out), parameter
validation, permission, failing reports, and the ``salesdesk report`` CLI."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pydantic
import pytest
from click.testing import CliRunner
from reports_helpers import build

from core.errors import PermissionDenied, ValidationFailed
from core.hookspecs import hookimpl
from core.reports import (
    ReportFailed,
    ReportResult,
    Table,
    registry_errors,
    report_registry,
    run_report,
)

STANDARD = {
    "daily_sales",
    "activity_stats",
    "rep_monthly",
    "monthly_sales",
    "customer_changes",
    "multi_year",
    "price_list",
    "budget_vs_actual",
    "rep_periods",
    "product_region_months",
    "top_customers",
    "collection_status",
    "receivables_ageing",
}


class NoParams(pydantic.BaseModel):
    pass


class GoodReport:
    id, title_en, title_zh, category, Params = "tp_good", "Good", "好", "x", NoParams

    def run(self, ctx, params):
        return ReportResult(
            self.id, self.title_en, self.title_zh, {}, [Table("t", "T", "T", [], [])]
        )


class ExplodingReport(GoodReport):
    id = "tp_explodes"

    def run(self, ctx, params):
        raise ZeroDivisionError("division by zero in a plugin")


class RaisingPlugin:
    @hookimpl
    def salesdesk_reports(self):
        raise RuntimeError("the plugin is broken")


class MixedPlugin:
    @hookimpl
    def salesdesk_reports(self):
        shapeless = SimpleNamespace(id="tp_shapeless", title_en="No run", title_zh="", Params=dict)
        return [GoodReport(), ExplodingReport(), shapeless, GoodReport()]


@pytest.fixture
def plugins(runtime):
    runtime.plugins.register(RaisingPlugin(), "tp_raising")
    runtime.plugins.register(MixedPlugin(), "tp_mixed")
    return runtime.plugins


def test_registry_keeps_good_reports_and_reports_bad_ones(plugins):
    reports = report_registry(plugins)
    assert set(reports) >= STANDARD
    assert {"tp_good", "tp_explodes"} <= set(reports)
    assert "tp_shapeless" not in reports
    errors = dict(registry_errors(plugins))
    assert "the plugin is broken" in errors["tp_raising"]
    mixed = [e for p, e in registry_errors(plugins) if p == "tp_mixed"]
    assert any("tp_shapeless" in e and "'run' must be callable" in e for e in mixed)
    assert any("'tp_good' is already taken" in e for e in mixed)


def test_failing_report_is_a_clear_error(plugins, world, caplog):
    with (
        caplog.at_level(logging.ERROR, logger="salesdesk.reports"),
        pytest.raises(ReportFailed, match=r"^The report 'Good' failed.*ZeroDivisionError"),
    ):
        run_report(world.admin, "tp_explodes", {})
    assert "Traceback" in caplog.text
    assert run_report(world.admin, "tp_good", {}).report_id == "tp_good"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"as_of": "2026-02-30"}, "as_of"),
        ({"top": "0"}, "top"),
        ({"top": "many"}, "top"),
        ({"topp": "5"}, "topp"),
    ],
)
def test_parameters_are_validated(world, raw, field):
    with pytest.raises(ValidationFailed) as err:
        run_report(world.admin, "top_customers", raw)
    assert [p.field for p in err.value.problems] == [field]
    assert "top_customers" in err.value.subject


def test_unknown_report_and_region(world):
    with pytest.raises(Exception, match="no report 'nope'"):
        run_report(world.admin, "nope", {})
    with pytest.raises(ValidationFailed, match="region"):
        run_report(world.admin, "rep_periods", {"region": "ATLANTIS"})


def test_readers_need_report_run(world):
    nobody = world.user("nobody", [])
    with pytest.raises(PermissionDenied):
        run_report(nobody, "price_list", {})
    boss = world.user("boss", "executive")  # read-only roles may read reports
    assert run_report(boss, "price_list", {}).tables[0].id == "products"


# -- CLI ------------------------------------------------------------------------------------


@pytest.fixture
def cli_run(world, db_url, monkeypatch):
    import core.runtime
    from tui.cli import cli

    build(world)
    monkeypatch.setattr(core.runtime, "os_login", lambda: "admin")
    # English whatever an earlier test in this process left (report run --lang sets it)
    monkeypatch.setenv("SALESDESK_LANG", "en")

    def run(*args: str):
        return CliRunner().invoke(cli, ["--database", db_url, "report", *args])

    return run


def test_cli_list_and_run(cli_run):
    listed = cli_run("list")
    assert listed.exit_code == 0, listed.output
    assert all(report_id in listed.output for report_id in STANDARD)
    shown = cli_run("run", "top_customers", "--param", "as_of=2026-03-16", "--lang", "zh_CN")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == "本年累计前列客户及同比"
    assert any("C3" in line and "340.00" in line for line in lines)
    assert lines[-1].startswith("合计")
    header = next(line for line in lines if line.startswith("排名"))
    row = next(line for line in lines if "C3" in line)
    from rich.cells import cell_len

    assert cell_len(header) <= cell_len(row) + 2  # CJK header aligned with the figures


def test_cli_errors_exit_1_without_traceback(cli_run):
    bad = cli_run("run", "top_customers", "-p", "top=zero")
    assert bad.exit_code == 1
    assert "Top:" in bad.output and "Traceback" not in bad.output
    usage = cli_run("run", "top_customers", "-p", "top")
    assert usage.exit_code == 2
    missing = cli_run("run", "no_such_report")
    assert missing.exit_code == 1 and "no report" in missing.output


def test_cli_export(cli_run, tmp_path):
    target = tmp_path / "top.csv"
    done = cli_run(
        "run", "top_customers", "-p", "as_of=2026-03-16", "--format", "csv", "-o", str(target)
    )
    assert done.exit_code == 0, done.output
    assert "C3" in target.read_text(encoding="utf-8-sig")


def test_cli_list_survives_a_broken_report_plugin(cli_run, monkeypatch):
    import tui.cli

    original = tui.cli.runtime_from

    def with_broken_plugin(click_ctx, **kw):
        runtime = original(click_ctx, **kw)
        runtime.plugins.register(RaisingPlugin(), "tp_raising")
        runtime.plugins.register(MixedPlugin(), "tp_mixed")
        return runtime

    monkeypatch.setattr(tui.cli, "runtime_from", with_broken_plugin)
    listed = cli_run("list")
    assert listed.exit_code == 0
    assert "rep_periods" in listed.stdout and "tp_good" in listed.stdout
    assert "tp_raising" in listed.stderr and "the plugin is broken" in listed.stderr
    failed = cli_run("run", "tp_explodes")
    assert failed.exit_code == 1 and "ZeroDivisionError" in failed.stderr
