"""Roles are shown by their titles in the reader's language, never their ids (#22: the
users list printed sales_manager)."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from core.i18n import set_lang
from tui.cli import cli


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_users_list_names_roles_by_title(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    world.user("mgr", "sales_manager")
    world.user("fin", ["finance", "sales_rep"])
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    url = world.runtime.db.url
    english = CliRunner().invoke(cli, ["--database", url, "users", "list"])
    assert english.exit_code == 0, english.output
    assert "Sales manager" in english.output and "Finance, Sales rep" in english.output
    assert "sales_manager" not in english.output and "group_admin" not in english.output
    monkeypatch.setenv("SALESDESK_LANG", "zh_CN")
    set_lang("zh_CN")
    try:
        chinese = CliRunner().invoke(cli, ["--database", url, "users", "list"])
    finally:
        set_lang("en")
    assert chinese.exit_code == 0, chinese.output
    assert "销售经理" in chinese.output and "财务、业务员" in chinese.output
    assert "sales_manager" not in chinese.output
