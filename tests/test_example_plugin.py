"""The third-party story end to end: pip builds and installs
examples/salesdesk-example-report (offline: no build isolation, no index) into a folder
put on the path, and salesdesk finds its report (CLI ``report list``, the registry, a run
and a JSON export) and its exporter like any built-in. The example's own tests run too.

The package goes to a ``--target`` folder rather than into the venv itself so the
installed plugin is seen only by these tests, never by others running in parallel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.context import Context
from core.exports import export_report, exporter_registry
from core.plugins import PluginManager
from core.reports import report_registry, run_report

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "salesdesk-example-report"
REPORT = "example_customers_per_industry"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example built by pip and installed into a folder of its own."""
    source = tmp_path_factory.mktemp("example") / "salesdesk-example-report"
    shutil.copytree(
        EXAMPLE,
        source,
        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"),
    )
    target = tmp_path_factory.mktemp("example_site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(target.glob("salesdesk_example_report-*.dist-info"))
    return target


def env_with(site: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def test_report_list_shows_the_installed_report(site: Path, db_factory: Any) -> None:
    from core.runtime import open_runtime, os_login
    from core.services.bootstrap import create_first_admin

    url = db_factory.new("sqlite")
    runtime = open_runtime(url)
    try:  # the command line acts as the OS user, who must be a user of the database
        create_first_admin(runtime, os_login(), "Me")
    finally:
        runtime.db.dispose()
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "--database", url, "report", "list"],
        capture_output=True,
        text=True,
        env=env_with(site),
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert REPORT in done.stdout
    assert "Customers per industry (example plugin)" in done.stdout


def test_plugin_manager_loads_it_like_a_built_in(
    site: Path, world: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(site))
    plugins = PluginManager()
    plugins.load_installed()
    info = plugins.info["example_report"]
    assert info.loaded and info.origin == "entry point" and info.version == "0.1.0"
    assert info.hooks == ["salesdesk_exporters", "salesdesk_reports"]
    assert REPORT in report_registry(plugins)
    exporters = exporter_registry(plugins)
    assert "json" in exporters and "xlsx" in exporters
    assert info.errors == []

    admin = Context(world.runtime.db, world.admin.actor, plugins, world.clock)
    world.customer(industry="Retail")
    world.customer(industry="Retail")
    world.customer(industry="Energy")
    result = run_report(admin, REPORT, {})
    assert sorted(result.tables[0].rows) == [
        ("Energy", 1, Decimal("0.3333"), Decimal("0.00")),
        ("Retail", 2, Decimal("0.6667"), Decimal("0.00")),
    ]
    written = export_report(admin, result, "json", tmp_path / "industries")
    assert written.name == "industries.json"
    assert json.loads(written.read_text("utf-8"))["tables"][0]["totals"][1] == 3


def test_the_examples_own_tests_pass(site: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True,
        text=True,
        env=env_with(site),
        cwd=EXAMPLE,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
