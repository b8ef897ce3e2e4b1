"""Data never drives the terminal: a name holding escape sequences prints as visible
characters in every ``salesdesk`` subcommand's output, and CJK stays as it is."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from core.terminal import clean, clean_cell
from tui.cli import cli

EVIL = "Acme\x1b]0;pwned\x07 上海精密\x1b[2J\x9b31m\u202eevil"
RAW = ("\x1b", "\x07", "\x9b", "\u202e")


def test_clean_shows_control_characters_and_keeps_every_script() -> None:
    assert clean(EVIL) == ("Acme\\x1b]0;pwned\\x07 上海精密\\x1b[2J\\x9b31m\\u202eevil")
    assert clean("第一行\n\t第二行\r") == "第一行\n\t第二行\\x0d"
    assert clean_cell("two\nlines\tx") == "two\\x0alines\\x09x"


def assert_clean(output: str) -> None:
    assert not any(c in output for c in RAW), repr(output)
    assert "\\x1b]0;pwned\\x07 上海精密" in output


@pytest.fixture
def cli_as_admin(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")

    def run(*args: str) -> Any:
        return CliRunner().invoke(cli, ["--database", world.runtime.db.url, *args])

    return run


def test_user_names_print_escaped(world: Any, cli_as_admin: Any) -> None:
    from core.services import users

    users.add_user(world.admin, {"login": "eve", "display_name": EVIL, "roles": ["sales_rep"]})
    listed = cli_as_admin("users", "list")
    assert listed.exit_code == 0, listed.output
    assert_clean(listed.output)


def test_report_rows_print_escaped(world: Any, cli_as_admin: Any) -> None:
    world.product(name=EVIL)
    shown = cli_as_admin("report", "run", "price_list")
    assert shown.exit_code == 0, shown.output
    assert_clean(shown.output)


def test_error_messages_print_escaped(world: Any, cli_as_admin: Any) -> None:
    refused = cli_as_admin("users", "deactivate", EVIL)
    assert refused.exit_code == 1
    assert_clean(refused.output)


def test_usage_errors_print_escaped() -> None:
    """Click's own messages quote what was typed (here an unknown command)."""
    result = CliRunner().invoke(cli, [EVIL])
    assert result.exit_code == 2
    assert_clean(result.output)
