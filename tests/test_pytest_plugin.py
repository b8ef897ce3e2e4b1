"""salesdesk's shipped pytest plugin (core/testing/pytest_plugin.py), used as a plugin
author uses it: a test folder of its own, outside this repository's conftest, run by
pytest with the plugin loaded (through its ``pytest11`` entry point once salesdesk is
installed; by ``-p`` before that)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

AUTHORS_TESTS = """
import datetime as dt
from decimal import Decimal

import openpyxl


def test_a_migrated_runtime_with_the_builtin_exporters(salesdesk_runtime, salesdesk_exporters,
                                                       salesdesk_backend):
    assert salesdesk_runtime.is_current()
    assert {"xlsx", "pdf", "csv", "html"} <= set(salesdesk_exporters)
    assert salesdesk_runtime.db.url.startswith(
        "sqlite" if salesdesk_backend == "sqlite" else "postgresql")
    print("BACKEND", salesdesk_backend)


def _sales(world, users):
    product = world.product("P1", "10.00")
    mine = world.customer(users.rep, "N", name="Mine Ltd")
    theirs = world.customer(users.other_rep, "S", name="Theirs Ltd")
    world.sales_lines([
        {"date": dt.date(2026, 3, 2), "customer": mine, "product": product,
         "amount": "100.00"},
        {"date": dt.date(2026, 3, 3), "customer": theirs, "product": product,
         "amount": "40.50", "quantity": 2}])


def test_users_by_role_see_what_their_role_allows(salesdesk_world, salesdesk_users,
                                                  salesdesk_run):
    _sales(salesdesk_world, salesdesk_users)

    def total(ctx):
        table = salesdesk_run.report("top_customers", ctx, as_of="2026-03-16").tables[0]
        return table.totals[table.index("ytd")]

    assert total(salesdesk_users.admin) == Decimal("140.50")
    assert total(salesdesk_users.executive) == Decimal("140.50")
    assert total(salesdesk_users.manager) == Decimal("100.00")
    assert total(salesdesk_users.rep) == Decimal("100.00")
    assert total(salesdesk_users.other_rep) == Decimal("40.50")
    assert set(salesdesk_users.by_role()) >= {"sales_rep", "sales_manager", "executive"}


def test_a_report_exports_to_xlsx_and_pdf(salesdesk_world, salesdesk_users, salesdesk_run,
                                          tmp_path):
    _sales(salesdesk_world, salesdesk_users)
    result = salesdesk_run.report("top_customers", as_of="2026-03-16")
    xlsx = salesdesk_run.export(result, "xlsx", tmp_path / "top.xlsx")
    cells = [c.value for row in openpyxl.load_workbook(xlsx).active.iter_rows()
             for c in row]
    assert "Mine Ltd" in cells
    pdf = salesdesk_run.export(result, "pdf", tmp_path / "top.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_commands_run_as_a_user_of_the_database(salesdesk_run, salesdesk_users):
    listed = salesdesk_run.cli("report", "list")
    assert listed.exit_code == 0 and "top_customers" in listed.output
    refused = salesdesk_run.cli("plugins", "disable", "funnel", user="rep")
    assert refused.exit_code != 0
    assert "Traceback" not in refused.output
    assert salesdesk_run.cli("plugins", "disable", "funnel").exit_code == 0  # the admin may


def test_one_sales_line_on_the_clocks_day(salesdesk_world, salesdesk_users, salesdesk_run):
    product = salesdesk_world.product("P2", "1.00")
    customer = salesdesk_world.customer(salesdesk_users.rep, "N")
    salesdesk_world.sales_line(customer, product, "12.34")
    table = salesdesk_run.report("top_customers", salesdesk_users.rep,
                                 as_of="2026-03-16").tables[0]
    assert table.totals[table.index("ytd")] == Decimal("12.34")


def test_the_plugin_contract_runs_from_the_fixtures(salesdesk_contract, tmp_path):
    # The funnel plugin's events, checked against a folder without tests.
    problems = salesdesk_contract("funnel", tests=[tmp_path])
    assert problems == [
        "hooks: salesdesk_check_new_owner is implemented but named in no test",
        "hooks: salesdesk_opportunity_created is implemented but named in no test",
        "hooks: salesdesk_opportunity_stage_changed is implemented but named in no test"]


def test_the_clock_stands_still(salesdesk_clock, salesdesk_world):
    assert salesdesk_clock() == dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)
    assert salesdesk_world.clock is salesdesk_clock
"""


def _entry_point_installed() -> bool:
    return any(
        ep.value == "core.testing.pytest_plugin" for ep in metadata.entry_points(group="pytest11")
    )


@pytest.mark.slow
def test_a_plugin_authors_tests_use_the_shipped_fixtures(tmp_path: Path) -> None:
    folder = tmp_path / "acme_tests"
    folder.mkdir()
    (folder / "test_acme.py").write_text(textwrap.dedent(AUTHORS_TESTS), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    load = [] if _entry_point_installed() else ["-p", "core.testing.pytest_plugin"]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            *load,
            "--rootdir",
            str(folder),
            str(folder),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    backends = 2 if os.environ.get("SALESDESK_TEST_PG_URL") else 1
    assert f"{7 * backends} passed" in done.stdout, done.stdout[-2000:]
    assert "BACKEND sqlite" in done.stdout


# The fixtures salesdesk ships, as the built-in plugins' tests use them (the suite loads
# the pytest plugin itself: tests/conftest.py).


@pytest.mark.parametrize("salesdesk_backend", ["sqlite"], indirect=True)
def test_a_test_pinned_to_sqlite_runs_on_sqlite_only(salesdesk_backend: str, request: Any) -> None:
    """A test of a screen, not of SQL, names its backend; the fixtures' own
    parametrization over the backends steps aside (no duplicate parametrization)."""
    assert salesdesk_backend == "sqlite"
    assert request.node.name.endswith("[sqlite]")


class TestMoreHookSpecifications:
    @pytest.fixture
    def salesdesk_hookspecs(self) -> list[Any]:
        import tui.hookspecs

        return [tui.hookspecs]

    def test_the_runtime_loads_the_hook_specifications_a_folder_asks_for(
        self, salesdesk_runtime: Any
    ) -> None:
        views = salesdesk_runtime.plugins.pm.hook.salesdesk_views
        assert views.spec is not None  # a plugin's screens are checked against the TUI's spec
        assert "forecast" in {impl.plugin_name for impl in views.get_hookimpls()}


def test_no_more_hook_specifications_by_default(salesdesk_runtime: Any) -> None:
    assert salesdesk_runtime.plugins.pm.hook.salesdesk_views.spec is None


def test_the_world_inserts_any_row_a_plugin_test_needs(salesdesk_world: Any) -> None:
    """A plugin's own tables (or a core table without a factory) are set up with
    ``insert``: the row comes back with its id."""
    import datetime as dt
    from decimal import Decimal

    from core.models import SalesTarget

    target = salesdesk_world.insert(
        SalesTarget(month=dt.date(2026, 4, 1), dimension="rep", key_id=1, amount=Decimal("5"))
    )
    assert target.id is not None


@pytest.mark.salesdesk_sqlite_only
def test_the_sqlite_only_mark_runs_a_test_once_on_sqlite(
    salesdesk_backend: str, request: Any
) -> None:
    """The short way to pin a screen test to SQLite, whatever SALESDESK_TEST_PG_URL says."""
    assert salesdesk_backend == "sqlite"
    assert request.node.name.endswith("[sqlite]")


def test_the_session_drops_its_postgres_databases_side_by_side(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DROP DATABASE waits for a checkpoint: one after the other, the end of a session
    with 50 PostgreSQL tests waited for 50 checkpoints (45-106 s in CI)."""
    import threading
    import time

    from core.testing.pytest_plugin import Databases

    running, most, dropped = 0, 0, []
    lock = threading.Lock()

    def admin(statement: str) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)  # a checkpoint
        with lock:
            running -= 1
            dropped.append(statement.split('"')[1])

    databases = Databases(tmp_path)
    monkeypatch.setattr(databases, "_pg_admin", admin)
    names = [f"{databases.prefix}_{i}" for i in range(1, 9)]
    databases._pg = [f"{databases.prefix}_template", *names]
    databases.drop_all()
    assert sorted(dropped) == sorted([f"{databases.prefix}_template", *names])
    assert most > 4  # side by side
    assert databases._pg == []
