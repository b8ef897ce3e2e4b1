"""The plugin system: entry-point discovery without code changes, failures reported and
contained (import, registration, contribution hook, event hook), per-company switches and
profiles, ``salesdesk plugins list`` and plugin-contributed commands."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from core.company import OVERRIDES_KEY, PROFILE_KEY, plugin_switch
from core.plugins import BUILTIN_PROFILES, PluginManager
from core.runtime import open_runtime
from core.services import company, customers
from tui.cli import cli

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

GOOD = """
from core.access import RoleSpec

@hookimpl
def salesdesk_roles():
    return [RoleSpec("tender_clerk", "Tender clerk", "投标文员", frozenset({"report.run"}))]
"""
RAISES_AT_IMPORT = """
raise RuntimeError("broken at import")
"""
UNKNOWN_HOOK = """
@hookimpl
def salesdesk_no_such_hook():
    return []
"""
RAISES_IN_CONTRIBUTION = """
@hookimpl
def salesdesk_roles():
    raise ValueError("broken in roles")
"""
RAISES_IN_EVENT = """
calls = []

@hookimpl
def salesdesk_customer_created(ctx, customer):
    calls.append(customer.name)
    raise KeyError("broken in event")
"""
CLI_COMMAND = '''
import click

@click.command("hello")
@click.option("--name", default="world")
def hello(name):
    """Say hello (a plugin command)."""
    click.echo(f"hello {name} from a plugin")

@click.command("users")
def clash():
    """Tries to take a built-in name."""

@hookimpl
def salesdesk_cli_commands():
    return [hello, clash]
'''


def loaded(install_plugin: Any, *plugins: tuple[str, str]) -> PluginManager:
    for name, source in plugins:
        install_plugin(name, source)
    manager = PluginManager()
    manager.load_installed()
    return manager


def test_entry_point_plugin_found_without_code_change(install_plugin: Any) -> None:
    manager = loaded(install_plugin, ("tenders", GOOD))
    info = manager.info["tenders"]
    assert (info.origin, info.version, info.loaded, info.enabled) == (
        "entry point",
        "1.0",
        True,
        True,
    )
    assert info.hooks == ["salesdesk_roles"] and not info.errors
    assert "tender_clerk" in manager.roles.roles


def test_builtins_load_through_the_same_path() -> None:
    manager = PluginManager()
    manager.load_installed()
    for name in ("funnel", "contracts", "forecast", "real_estate", "manufacturing"):
        assert manager.info[name].origin == "built-in", name
        assert manager.info[name].loaded, manager.info[name].errors


@pytest.mark.parametrize(
    ("source", "hook", "message"),
    [
        (RAISES_AT_IMPORT, "import", "RuntimeError: broken at import"),
        (UNKNOWN_HOOK, "register", "salesdesk_no_such_hook"),
    ],
)
def test_plugin_failing_to_load_is_reported_and_skipped(
    install_plugin: Any, source: str, hook: str, message: str
) -> None:
    manager = loaded(install_plugin, ("bad", source), ("tenders", GOOD))
    bad = manager.info["bad"]
    assert not bad.loaded and bad.enabled
    assert bad.last_error.startswith(f"{hook}: ") and message in bad.last_error
    assert manager.pm.get_plugin("bad") is None
    assert manager.info["tenders"].loaded  # the others still load
    assert {"group_admin", "tender_clerk"} <= set(manager.roles.roles)


def test_plugin_raising_in_a_contribution_is_switched_off(install_plugin: Any) -> None:
    manager = loaded(install_plugin, ("bad", RAISES_IN_CONTRIBUTION), ("tenders", GOOD))
    roles = manager.roles.roles  # builds the registry: calls every salesdesk_roles
    assert "tender_clerk" in roles and "sales_rep" in roles
    bad = manager.info["bad"]
    assert bad.last_error == "salesdesk_roles: ValueError: broken in roles"
    assert not bad.loaded and manager.pm.get_plugin("bad") is None
    assert manager.contributions("salesdesk_roles")  # asking again: only the good one
    assert len(bad.errors) == 1


def test_plugin_raising_in_an_event_is_reported_and_the_change_kept(
    install_plugin: Any, db_url: str, world: Any
) -> None:
    module = install_plugin("listener", RAISES_IN_EVENT)
    runtime = open_runtime(db_url)
    try:
        rep = runtime.context_for("admin")
        first = customers.create_customer(rep, {"name": "Event Ltd"})
        info = runtime.plugins.info["listener"]
        assert info.last_error == "salesdesk_customer_created: KeyError: 'broken in event'"
        assert not info.loaded
        assert customers.get_customer(rep, first.id).name == "Event Ltd"  # committed
        customers.create_customer(rep, {"name": "Second Ltd"})  # app keeps working
        import sys

        assert sys.modules[module].calls == ["Event Ltd"]  # switched off after one failure
    finally:
        runtime.db.dispose()


# -- enabled per company; profiles -------------------------------------------------------


def test_switch_rules() -> None:
    everything = plugin_switch({})
    assert everything("anything")
    profile = plugin_switch({PROFILE_KEY: "manufacturing"})
    assert profile("manufacturing") and not profile("real_estate")
    override = plugin_switch(
        {PROFILE_KEY: "manufacturing", OVERRIDES_KEY: {"real_estate": True, "forecast": False}}
    )
    assert override("real_estate") and not override("forecast") and override("funnel")
    custom = plugin_switch({PROFILE_KEY: "lean", "plugins.custom_profiles": {"lean": ["funnel"]}})
    assert custom("funnel") and not custom("contracts")


def test_enable_disable_and_profiles_per_company(
    install_plugin: Any, db_url: str, admin_ctx: Any
) -> None:
    install_plugin("tenders", GOOD)

    def reopened() -> PluginManager:
        rt = open_runtime(db_url)
        rt.db.dispose()
        return rt.plugins

    ctx = admin_ctx.as_user(admin_ctx.actor)
    ctx.plugins = reopened()  # a session that knows the newly installed plugin
    assert ctx.plugins.info["tenders"].loaded

    company.set_plugin_enabled(ctx, "tenders", False)
    off = reopened()
    assert not off.info["tenders"].enabled and not off.info["tenders"].loaded
    assert "tender_clerk" not in off.roles.roles

    company.set_profile(ctx, "real_estate")
    profiled = reopened()
    assert {n for n, i in profiled.info.items() if i.loaded} == set(
        BUILTIN_PROFILES["real_estate"]
    ) & set(profiled.info)
    company.set_plugin_enabled(ctx, "tenders", True)  # an override beats the profile
    assert reopened().info["tenders"].loaded
    with pytest.raises(Exception, match="profile"):
        company.set_profile(ctx, "no_such_profile")


# -- the command line --------------------------------------------------------------------


@SQLITE_ONLY
def test_plugins_list_shows_name_version_origin_enabled_hooks_error(
    install_plugin: Any, db_url: str, world: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")  # plugins list needs a user
    install_plugin("tenders", GOOD)
    install_plugin("bad", RAISES_AT_IMPORT)
    install_plugin("noisy", RAISES_IN_CONTRIBUTION)
    result = CliRunner().invoke(cli, ["--database", db_url, "plugins", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert result.output.splitlines()[0].split()[:4] == ["plugin", "version", "origin", "enabled"]
    assert rows["tenders"].split()[:5] == ["tenders", "1.0", "entry", "point", "yes"]
    assert rows["tenders"].rstrip().endswith("roles")
    assert "FAILED" in rows["bad"] and "import: RuntimeError: broken at import" in rows["bad"]
    assert "FAILED" in rows["noisy"] and "salesdesk_roles: ValueError" in rows["noisy"]
    assert "built-in" in rows["funnel"]


@SQLITE_ONLY
def test_plugin_command_is_invocable(
    install_plugin: Any, db_url: str, world: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")  # plugins list needs a user
    install_plugin("greeter", CLI_COMMAND)
    runner = CliRunner()
    result = runner.invoke(cli, ["--database", db_url, "hello", "--name", "Ann"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "hello Ann from a plugin"
    listing = runner.invoke(cli, ["--database", db_url, "--help"])
    assert "hello" in listing.output and "Say hello" in listing.output
    builtin = runner.invoke(cli, ["--database", db_url, "users", "--help"])
    assert "Add, list and change users" in builtin.output  # the built-in kept its name
    plugins = runner.invoke(cli, ["--database", db_url, "plugins", "list"])
    assert "'users' is already taken" in plugins.output


@SQLITE_ONLY
def test_builtin_help_does_not_open_the_database(db_url: str, monkeypatch: Any) -> None:
    def refuse(*_args: Any, **_kw: Any) -> Any:
        raise AssertionError("opened the database for a built-in command's help")

    monkeypatch.setattr("tui.cli._existing_runtime", refuse)
    result = CliRunner().invoke(cli, ["--database", db_url, "users", "--help"])
    assert result.exit_code == 0, result.output
    assert "Add, list and change users" in result.output


def test_keyed_contributions_first_registered_wins_and_duplicates_are_noted() -> None:
    """Items are keyed by id in registration order; a later duplicate is noted, not used."""
    from types import SimpleNamespace

    from core.hookspecs import hookimpl
    from core.plugins import PluginManager

    def plugin(tag: str) -> object:
        class Plugin:
            @hookimpl
            def salesdesk_reports(self) -> list[object]:
                return [SimpleNamespace(id="same", tag=tag), SimpleNamespace(id=tag, tag=tag)]

        return Plugin()

    manager = PluginManager()
    manager.register(plugin("first"), "first")
    manager.register(plugin("second"), "second")
    found = manager.keyed_contributions("salesdesk_reports", "report", lambda _item: [])
    assert list(found) == ["same", "first", "second"]
    assert found["same"].tag == "first"
    assert manager.info["second"].errors == [
        "salesdesk_reports: report same: report id 'same' is already taken"
    ]
    assert manager.info["first"].errors == []


# -- anything a hook raises is the plugin's failure, remembered across runs (#16.18) ------

EXITS_IN_REPORTS = """
import logging
from pathlib import Path

BROKEN = Path({flag!r})

@hookimpl
def salesdesk_reports():
    if BROKEN.exists():
        raise SystemExit(3)
    return []
"""
EXITS_AT_IMPORT = """
raise SystemExit(2)
"""


class _Odd(BaseException):
    """Neither an Exception nor an interrupt: still the plugin's failure."""


@pytest.mark.parametrize(
    "raised", [SystemExit(3), GeneratorExit(), _Odd("odd"), __import__("asyncio").CancelledError()]
)
def test_any_base_exception_in_a_hook_switches_the_plugin_off(raised: BaseException) -> None:
    from core.hookspecs import hookimpl

    class Raiser:
        @hookimpl
        def salesdesk_reports(self) -> list[Any]:
            raise raised

    manager = PluginManager()
    manager.register(Raiser(), "raiser")
    assert manager.contributions("salesdesk_reports") == []
    info = manager.info["raiser"]
    assert not info.loaded and manager.pm.get_plugin("raiser") is None
    assert info.failed and info.last_error.startswith(f"salesdesk_reports: {type(raised).__name__}")


def test_a_keyboard_interrupt_is_the_users_and_stops_the_command() -> None:
    from core.hookspecs import hookimpl

    class Interrupted:
        @hookimpl
        def salesdesk_reports(self) -> list[Any]:
            raise KeyboardInterrupt

    manager = PluginManager()
    manager.register(Interrupted(), "interrupted")
    with pytest.raises(KeyboardInterrupt):
        manager.contributions("salesdesk_reports")


def test_a_plugin_exiting_at_import_is_reported_and_the_others_load(install_plugin: Any) -> None:
    manager = loaded(install_plugin, ("quitter", EXITS_AT_IMPORT), ("tenders", GOOD))
    assert manager.info["quitter"].last_error == "import: SystemExit: 2"
    assert manager.info["tenders"].loaded


def _log_file() -> Path:
    from core.settings import data_dir

    return data_dir() / "salesdesk.log"


def test_plugin_exiting_in_a_hook_is_named_remembered_and_logged_once(
    install_plugin: Any,
    db_url: str,
    world: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    flag = tmp_path / "broken"
    flag.touch()
    install_plugin("quitter", EXITS_IN_REPORTS.format(flag=str(flag)))
    runner = CliRunner()

    def run(*args: str) -> Any:
        caplog.clear()
        result = runner.invoke(cli, ["--database", db_url, *args])
        assert result.exit_code == 0, (args, result.exit_code, result.output)
        assert "Traceback" not in result.output
        return result

    listed = run("report", "list")  # not ended with code 3: the other reports are listed
    assert "sales_summary" in listed.output or len(listed.output.splitlines()) > 3
    loud = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING
        and r.name.startswith("salesdesk")
        and "quitter" in r.getMessage()
    ]
    assert len(loud) == 1 and "Traceback" not in loud[0].getMessage()

    plugins = run("plugins", "list")  # a new run: the failure was remembered
    row = next(line for line in plugins.output.splitlines() if line.startswith("quitter "))
    assert "FAILED" in row and "salesdesk_reports: SystemExit: 3" in row, plugins.output

    run("report", "list")  # the same failure again: nothing new on the terminal or the log
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and "quitter" in r.getMessage()
    ]
    logged = _log_file().read_text(encoding="utf-8")
    assert logged.count("Traceback") == 1 and "quitter" in logged

    flag.unlink()  # fixed: the hook that failed works again, and the record is cleared
    run("report", "list")
    healthy = run("plugins", "list")
    row = next(line for line in healthy.output.splitlines() if line.startswith("quitter "))
    assert "FAILED" not in row and "yes" in row, healthy.output


def test_a_remembered_failure_is_forgotten_once_fixed_or_upgraded(install_plugin: Any) -> None:
    from core.plugins import FAILURES_KEY

    install_plugin("fixed", GOOD)
    install_plugin("upgraded", GOOD, version="2.0")
    install_plugin("still", RAISES_IN_CONTRIBUTION)
    manager = PluginManager()
    manager.company_settings = {
        FAILURES_KEY: {
            "fixed": {"error": "import: SystemExit: 2", "hook": "import", "version": "1.0"},
            "upgraded": {
                "error": "salesdesk_roles: SystemExit: 3",
                "hook": "salesdesk_roles",
                "version": "1.0",
            },
            "still": {
                "error": "salesdesk_roles: ValueError: broken in roles",
                "hook": "salesdesk_roles",
                "version": "1.0",
            },
        }
    }
    manager.load_installed()
    assert not manager.info["fixed"].failed  # imports now
    assert not manager.info["upgraded"].failed  # the failure was another version's
    assert manager.info["still"].failed  # not called yet this run: still remembered
    manager.roles  # noqa: B018  (calls salesdesk_roles: fails the same way again)
    remember, forget = manager.failure_changes()
    assert remember == {} and forget == {"fixed", "upgraded"}
    assert manager.info["still"].last_error == "salesdesk_roles: ValueError: broken in roles"


def test_discovery_reads_each_plugins_metadata_once(
    install_plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every runtime opened discovers the plugins (each command, each test): reading a
    distribution's name and then its version parsed its METADATA twice, 40 % of an
    ``open_runtime`` with the built-in plugins installed."""
    from importlib import metadata

    from core.plugins import discover

    module = install_plugin("metaonce", "", version="2.5")
    reads: list[str] = []
    read_text = metadata.PathDistribution.read_text

    def counted(self: Any, filename: str) -> str | None:
        text = read_text(self, filename)
        # an egg-info (an editable install's, found through the checkout on sys.path) is
        # asked for METADATA first and has only PKG-INFO: a miss is not a parse
        if filename in ("METADATA", "PKG-INFO") and text is not None:
            reads.append(str(self._path))
        return text

    monkeypatch.setattr(metadata.PathDistribution, "read_text", counted)
    found = {d.name: d for d in discover()}
    assert (found["metaonce"].distribution, found["metaonce"].version) == (module, "2.5")
    assert found["funnel"].distribution == "salesdesk"
    assert reads and len(reads) == len(set(reads)), sorted(reads)
