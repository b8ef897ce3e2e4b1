"""``salesdesk mfg``: list, submit, reverse, approve, stock, receive, tolerance."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def run(salesdesk_run: Any) -> Any:
    """``run(login, *args)``: ``salesdesk mfg ARGS`` acting as ``login``."""
    return lambda login, *args: salesdesk_run.cli("mfg", *args, user=login)


@pytest.mark.salesdesk_sqlite_only
def test_mfg_commands(shop: Any, run: Any) -> None:
    draft = shop.order((shop.flange, "3", "120.00"), submit=False)
    listed = run("eng", "list", "order")
    assert listed.exit_code == 0, listed.output
    assert f"{draft.number}\t" in listed.output
    assert "draft" in listed.output

    done = run("eng", "submit", draft.number)
    assert done.exit_code == 0, done.output
    refused = run("eng", "reverse", draft.number, "--reason", "typo")
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "Traceback" not in refused.output
    reversed_ = run("fin", "reverse", draft.number, "--reason", "typo")
    assert reversed_.exit_code == 0 and f"{draft.number}-R" in reversed_.output

    received = run("ship", "receive", "FL-100", "12.5")
    assert received.exit_code == 0, received.output
    assert "FL-100\t12.5" in run("ship", "stock").output
    bad = run("ship", "receive", "FL-100", "lots")
    assert bad.exit_code == 1 and "expected a number" in bad.output
    assert run("admin", "tolerance", "0.05").exit_code == 0
    assert run("admin", "block-overdue", "off").exit_code == 0
    from core.company import get_setting

    with shop.sales.reading() as session:
        assert get_setting(session, "manufacturing.over_delivery_tolerance") == "0.05"
        assert get_setting(session, "manufacturing.block_overdue") is False
