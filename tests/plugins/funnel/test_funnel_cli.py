"""``salesdesk funnel``: reclaim from cron (dry run, then twice), handover preview and
refusal, stage settings (a change stranding deals is refused with exit code 1), check."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def run(salesdesk_run: Any) -> Any:
    """``run(login, *args)``: ``salesdesk funnel ARGS`` acting as ``login``."""
    return lambda login, *args: salesdesk_run.cli("funnel", *args, user=login)


@pytest.mark.salesdesk_sqlite_only
def test_funnel_commands(team: Any, run: Any, salesdesk_run: Any) -> None:
    idle = team.customer(team.r1, "N")  # created long before the real today: idle
    # every installed plugin's branch, as the command line loads them
    assert salesdesk_run.cli("db", "upgrade").exit_code == 0
    preview = run("admin", "reclaim", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert f"reclaim\t{idle.code}" in preview.output and "would: " in preview.output
    first = run("admin", "reclaim")
    assert "did: remind 0, tell manager 0, reclaim 1" in first.output
    second = run("admin", "reclaim")
    assert "did: remind 0, tell manager 0, reclaim 0" in second.output
    refused = run("r1", "reclaim")
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "Traceback" not in refused.output

    team.customer(team.r2, "N")
    shown = run("mgr", "handover", "r2", "--to", "r1", "--preview")
    assert shown.exit_code == 0 and "customers 1" in shown.output
    other = run("mgr2", "handover", "r2", "--to", "r3")
    assert other.exit_code == 1 and "outside your team" in other.output

    from core.services import opportunities

    deal = team.opportunity(team.customer(team.r1, "N"), team.r1)
    opportunities.move_stage(team.r1, deal.id, "qualified")
    stage = run(
        "admin",
        "set-stage",
        "basic",
        "lead",
        "--probability",
        "0.15",
        "--max-days",
        "20",
    )
    assert stage.exit_code == 0 and "probability 0.15, max days 20" in stage.output
    stuck = run("admin", "remove-stage", "basic", "qualified")
    assert stuck.exit_code == 1 and "the 1 open deal of Qualified (qualified)" in stuck.output
    mapped = run("admin", "remove-stage", "basic", "qualified", "--map-to", "proposal")
    assert mapped.exit_code == 0, mapped.output
    assert run("admin", "check").exit_code == 0


@pytest.mark.salesdesk_sqlite_only
def test_funnel_summaries_read_in_chinese(team: Any, run: Any, salesdesk_run: Any) -> None:
    """#22: the lines a command prints after it ran were English on a Chinese terminal
    ("did: remind 0, ...", "0 item(s) due"); codes and logins stay as they are."""
    from core.i18n import set_lang

    team.customer(team.r1, "N")
    assert salesdesk_run.cli("db", "upgrade").exit_code == 0
    set_lang("zh_CN")
    try:
        reclaimed = run("admin", "reclaim").output.splitlines()[-1]
        due = run("admin", "due").output.splitlines()[-1]
        checked = run("admin", "check").output.splitlines()[-1]
    finally:
        set_lang("en")
    assert reclaimed == "已完成：提醒 0 个，告知经理 0 个，收回 1 个", reclaimed
    assert due.endswith("项待办"), due
    assert checked == "所有在谈商机都处于已加载漏斗的阶段中", checked


@pytest.mark.salesdesk_sqlite_only
def test_check_lists_stranded_deals_in_the_readers_words(team: Any, run: Any) -> None:
    """`funnel check` printed "b2b.retired: 1 open deal(s); map with ..." on a Chinese
    terminal too: the count and the advice are now worded and translated."""
    from decimal import Decimal

    from core.i18n import set_lang
    from core.models import Opportunity

    customer = team.customer(team.r1, "N")
    team.insert(
        Opportunity(
            customer_id=customer.id,
            title="d",
            funnel="b2b",
            stage="retired",  # a stage the funnel does not have
            amount=Decimal("10"),
            owner_id=team.r1.actor.id,
            stage_entered_at=team.clock(),
            created_at=team.clock(),
        )
    )
    english = run("admin", "check")
    assert english.exit_code == 1, english.output
    assert "b2b.retired: 1 open deal; move them with 'salesdesk funnel map b2b retired" in (
        english.output
    )
    set_lang("zh_CN")
    try:
        chinese = run("admin", "check").output
    finally:
        set_lang("en")
    # the codes as typed, the words and the punctuation the reader's
    assert "b2b.retired：1 个在谈商机；请用 'salesdesk funnel map b2b retired 阶段' 移走" in (
        chinese
    ), chinese
