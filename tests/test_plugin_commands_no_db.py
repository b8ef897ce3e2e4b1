"""Plugin commands before a database exists (issue #20.8).

On a fresh machine (an empty SALESDESK_HOME, no settings, no database) the commands of the
installed plugins are listed and their help works; running one says to run
``salesdesk init`` instead of "No such command". In an existing database a plugin the
company switched off keeps its commands out of the listing, and naming one says so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tui.cli import cli

GREETER = '''
import click

@click.command("hello")
def hello():
    """Say hello (a plugin command)."""
    click.echo("hello from a plugin")

@hookimpl
def salesdesk_cli_commands():
    return [hello]
'''


def home() -> Path:
    return Path(os.environ["SALESDESK_HOME"])  # a fresh tmp folder (conftest)


def no_database_made() -> bool:
    return not any(home().rglob("*.db"))


def test_fresh_machine_lists_plugin_commands_and_their_help() -> None:
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"])
    assert listing.exit_code == 0, listing.output
    assert "forecast" in listing.output and "targets" in listing.output  # built-in plugins
    helped = runner.invoke(cli, ["forecast", "--help"])
    assert helped.exit_code == 0, helped.output
    assert "Forecast sales by a cut" in helped.output and "--horizon" in helped.output
    group = runner.invoke(cli, ["targets", "allocate", "--help"])
    assert group.exit_code == 0 and "--total" in group.output
    assert no_database_made()


def test_fresh_machine_running_a_plugin_command_says_run_init() -> None:
    result = CliRunner().invoke(cli, ["forecast", "--horizon", "3"])
    assert result.exit_code == 1, result.output
    assert "No such command" not in result.output and "Traceback" not in result.output
    assert "salesdesk init" in result.output
    assert no_database_made()


def test_installed_third_party_plugin_is_listed_without_a_database(
    install_plugin: Any, tmp_path: Path
) -> None:
    install_plugin("greeter", GREETER)
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    runner = CliRunner()
    listing = runner.invoke(cli, ["--database", missing, "--help"])
    assert "hello" in listing.output and "Say hello" in listing.output
    helped = runner.invoke(cli, ["--database", missing, "hello", "--help"])
    assert helped.exit_code == 0 and "Say hello" in helped.output
    assert not (tmp_path / "none.db").exists()


def test_server_down_still_lists_plugin_commands() -> None:
    down = "postgresql://nobody@127.0.0.1:1/x"
    runner = CliRunner()
    helped = runner.invoke(cli, ["--database", down, "forecast", "--help"])
    assert helped.exit_code == 0 and "--horizon" in helped.output
    ran = runner.invoke(cli, ["--database", down, "forecast"])
    assert ran.exit_code == 1 and "Traceback" not in ran.output
    assert "No such command" not in ran.output


def test_unknown_command_is_still_unknown() -> None:
    result = CliRunner().invoke(cli, ["no-such-thing"])
    assert result.exit_code == 2 and "No such command 'no-such-thing'" in result.output


def test_switched_off_plugin_hides_its_commands_and_says_so(world: Any, db_url: str) -> None:
    from core.services.company import set_plugin_enabled

    set_plugin_enabled(world.admin, "forecast", False)
    runner = CliRunner()
    listing = runner.invoke(cli, ["--database", db_url, "--help"])
    assert listing.exit_code == 0, listing.output
    assert "forecast" not in listing.output.split("Commands:")[1]
    assert "funnel" in listing.output or "leads" in listing.output  # others still listed
    for args in (["forecast"], ["forecast", "--help"], ["targets", "show"]):
        result = runner.invoke(cli, ["--database", db_url, *args])
        assert result.exit_code == 1, (args, result.output)
        assert "No such command" not in result.output
        assert "forecast" in result.output and "switched off" in result.output
        assert "salesdesk plugins enable forecast" in result.output


def test_switched_off_sentence_reads_in_chinese(world: Any, db_url: str) -> None:
    from core import i18n
    from core.services.company import set_plugin_enabled

    set_plugin_enabled(world.admin, "forecast", False)
    try:
        i18n.set_lang("zh_CN")
        result = CliRunner().invoke(cli, ["--database", db_url, "forecast"])
    finally:
        i18n.set_lang(None)
    assert result.exit_code == 1
    assert "已为本公司停用" in result.output
    assert "salesdesk plugins enable forecast" in result.output
