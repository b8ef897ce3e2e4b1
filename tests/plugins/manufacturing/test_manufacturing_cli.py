"""``salesdesk mfg``: list, submit, reverse, approve, stock, receive, tolerance."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from tui.cli import cli


def upgrade_as_the_cli_sees_it(shop: Any) -> None:
    """``salesdesk db upgrade``: with the TUI's hook declarations every plugin loads (the
    test template is migrated without them)."""
    import tui.hookspecs
    from core.runtime import open_runtime

    runtime = open_runtime(str(shop.world.runtime.db.engine.url), extra_specs=[tui.hookspecs])
    runtime.upgrade()
    runtime.db.dispose()


def run(shop: Any, login: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr("core.runtime.os_login", lambda: login)
    url = shop.world.runtime.db.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(cli, ["--database", url, "mfg", *args])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_mfg_commands(shop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade_as_the_cli_sees_it(shop)
    draft = shop.order((shop.flange, "3", "120.00"), submit=False)
    listed = run(shop, "eng", monkeypatch, "list", "order")
    assert listed.exit_code == 0, listed.output
    assert f"{draft.number}\t" in listed.output
    assert "draft" in listed.output

    done = run(shop, "eng", monkeypatch, "submit", draft.number)
    assert done.exit_code == 0, done.output
    refused = run(shop, "eng", monkeypatch, "reverse", draft.number, "--reason", "typo")
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "Traceback" not in refused.output
    reversed_ = run(shop, "fin", monkeypatch, "reverse", draft.number, "--reason", "typo")
    assert reversed_.exit_code == 0 and f"{draft.number}-R" in reversed_.output

    received = run(shop, "ship", monkeypatch, "receive", "FL-100", "12.5")
    assert received.exit_code == 0, received.output
    assert "FL-100\t12.5" in run(shop, "ship", monkeypatch, "stock").output
    bad = run(shop, "ship", monkeypatch, "receive", "FL-100", "lots")
    assert bad.exit_code == 1 and "expected a number" in bad.output
    assert run(shop, "admin", monkeypatch, "tolerance", "0.05").exit_code == 0
    assert run(shop, "admin", monkeypatch, "block-overdue", "off").exit_code == 0
    from core.company import get_setting

    with shop.sales.reading() as session:
        assert get_setting(session, "manufacturing.over_delivery_tolerance") == "0.05"
        assert get_setting(session, "manufacturing.block_overdue") is False
