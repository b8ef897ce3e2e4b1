"""``salesdesk funnel``: reclaim from cron (dry run, then twice), handover preview and
refusal, stage settings (a change stranding deals is refused with exit code 1), check."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from tui.cli import cli


def run(team: Any, login: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setattr("core.runtime.os_login", lambda: login)
    url = team.runtime.db.engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(cli, ["--database", url, "funnel", *args])


@pytest.mark.parametrize("backend", ["sqlite"])
def test_funnel_commands(team: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    idle = team.customer(team.r1, "N")  # created long before the real today: idle
    url = team.runtime.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    # every installed plugin's branch, as the command line loads them
    assert CliRunner().invoke(cli, ["--database", url, "db", "upgrade"]).exit_code == 0
    preview = run(team, "admin", monkeypatch, "reclaim", "--dry-run")
    assert preview.exit_code == 0, preview.output
    assert f"reclaim\t{idle.code}" in preview.output and "would: " in preview.output
    first = run(team, "admin", monkeypatch, "reclaim")
    assert "did: remind 0, tell manager 0, reclaim 1" in first.output
    second = run(team, "admin", monkeypatch, "reclaim")
    assert "did: remind 0, tell manager 0, reclaim 0" in second.output
    refused = run(team, "r1", monkeypatch, "reclaim")
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "Traceback" not in refused.output

    team.customer(team.r2, "N")
    shown = run(team, "mgr", monkeypatch, "handover", "r2", "--to", "r1", "--preview")
    assert shown.exit_code == 0 and "customers 1" in shown.output
    other = run(team, "mgr2", monkeypatch, "handover", "r2", "--to", "r3")
    assert other.exit_code == 1 and "outside your team" in other.output

    from core.services import opportunities

    deal = team.opportunity(team.customer(team.r1, "N"), team.r1)
    opportunities.move_stage(team.r1, deal.id, "qualified")
    stage = run(
        team,
        "admin",
        monkeypatch,
        "set-stage",
        "basic",
        "lead",
        "--probability",
        "0.15",
        "--max-days",
        "20",
    )
    assert stage.exit_code == 0 and "probability 0.15, max days 20" in stage.output
    stuck = run(team, "admin", monkeypatch, "remove-stage", "basic", "qualified")
    assert stuck.exit_code == 1 and "still has 1 open deal" in stuck.output
    mapped = run(
        team, "admin", monkeypatch, "remove-stage", "basic", "qualified", "--map-to", "proposal"
    )
    assert mapped.exit_code == 0, mapped.output
    assert run(team, "admin", monkeypatch, "check").exit_code == 0
