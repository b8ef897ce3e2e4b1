"""``salesdesk marketing ...``: leads import, budget decision, status and call list from
the command line; errors are one line and exit code 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from marketing_helpers import approved_campaign

from plugins.marketing.services import campaigns, segments


def test_cli_flow(salesdesk_run: Any, mk: dict[str, Any], tmp_path: Path) -> None:
    row = campaigns.create_campaign(
        mk["planner"], {"name": "Fair", "code": "FAIR", "start": "2026-03-01", "end": "2026-03-20"}
    )
    campaigns.submit_budget(mk["planner"], row.id)
    refused = salesdesk_run.cli("marketing", "decide", "FAIR", user="planner")
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "may not" in refused.output

    def run(*args: str) -> Any:
        return salesdesk_run.cli("marketing", *args, user="boss")

    assert "budget approved" in run("decide", "FAIR").output
    assert run("status", "FAIR", "running").output.strip() == "FAIR: running"
    leads = tmp_path / "leads.csv"
    leads.write_text(
        "code,name,region_code,source\nF1,Fair lead,north,\nF2,Other lead,north,WEB\n",
        encoding="utf-8",
    )
    bad = run("import-leads", "FAIR", str(leads))
    assert bad.exit_code == 1 and "row 3" in bad.output and "WEB" in bad.output
    leads.write_text("code,name,region_code\nF1,Fair lead,north\nF2,Two,north\n", encoding="utf-8")
    ok = run("import-leads", "FAIR", str(leads))
    assert ok.exit_code == 0, ok.output
    assert "2 leads of FAIR imported" in ok.output
    segments.create_segment(mk["planner"], {"code": "N", "name": "North", "region": "north"})
    out = tmp_path / "calls.csv"
    done = run("call-list", "--segment", "N", "-o", str(out))
    assert done.exit_code == 0, done.output
    assert "F1" in out.read_text(encoding="utf-8-sig")


def test_stale_budget_decision_conflicts(salesdesk_world: Any, mk: dict[str, Any]) -> None:
    from core.errors import Conflict

    row = approved_campaign(mk)
    campaigns.update_campaign(mk["planner"], row.id, {"name": "Renamed"}, row.version)
    with pytest.raises(Conflict):
        campaigns.update_campaign(mk["boss"], row.id, {"notes": "stale"}, row.version)
