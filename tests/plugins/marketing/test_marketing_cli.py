"""``salesdesk marketing ...``: leads import, budget decision, status and call list from
the command line; errors are one line and exit code 1."""
# ruff: noqa: F811  (pytest fixtures imported from marketing_helpers, used as arguments)

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from marketing_helpers import approved_campaign, mk  # noqa: F401 (fixtures)

from plugins.marketing.services import campaigns, segments
from tui.cli import cli


def upgrade_for_cli(url: str) -> None:
    """The CLI loads plugins with the TUI hookspecs; a plugin whose views hook is not
    optional loads only then, so its branch may be missing from the test template."""
    import tui.hookspecs
    from core.runtime import open_runtime

    runtime = open_runtime(url, extra_specs=[tui.hookspecs])
    runtime.upgrade()
    runtime.db.dispose()


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--database", url, "marketing", *args])


@pytest.fixture
def as_login(monkeypatch: pytest.MonkeyPatch) -> Any:
    def use(login: str) -> None:
        monkeypatch.setattr("core.runtime.os_login", lambda: login)

    return use


def test_cli_flow(
    world: Any, mk: dict[str, Any], db_url: str, as_login: Any, tmp_path: Path
) -> None:
    row = campaigns.create_campaign(
        mk["planner"], {"name": "Fair", "code": "FAIR", "start": "2026-03-01", "end": "2026-03-20"}
    )
    campaigns.submit_budget(mk["planner"], row.id)
    upgrade_for_cli(db_url)
    as_login("planner")
    refused = run(db_url, "decide", "FAIR")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "may not" in refused.output
    as_login("boss")
    assert "budget approved" in run(db_url, "decide", "FAIR").output
    assert run(db_url, "status", "FAIR", "running").output.strip() == "FAIR: running"
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "code,name,region_code,source\nF1,Fair lead,north,\nF2,Other lead,north,WEB\n",
        encoding="utf-8",
    )
    bad = run(db_url, "import-leads", "FAIR", str(leads))
    assert bad.exit_code == 1 and "row 3" in bad.output and "WEB" in bad.output
    leads.write_text("code,name,region_code\nF1,Fair lead,north\nF2,Two,north\n", encoding="utf-8")
    ok = run(db_url, "import-leads", "FAIR", str(leads))
    assert ok.exit_code == 0, ok.output
    assert "2 leads of FAIR imported" in ok.output
    segments.create_segment(mk["planner"], {"code": "N", "name": "North", "region": "north"})
    out = tmp_path / "calls.csv"
    done = run(db_url, "call-list", "--segment", "N", "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "F1" in out.read_text(encoding="utf-8-sig")


def test_stale_budget_decision_conflicts(world: Any, mk: dict[str, Any]) -> None:
    from core.errors import Conflict

    row = approved_campaign(mk)
    campaigns.update_campaign(mk["planner"], row.id, {"name": "Renamed"}, row.version)
    with pytest.raises(Conflict):
        campaigns.update_campaign(mk["boss"], row.id, {"notes": "stale"}, row.version)
