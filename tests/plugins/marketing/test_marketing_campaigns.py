"""Campaign plans: the budget approval rule, the status machine, cost lines and the cost
reports' arithmetic, and who may read money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from marketing_helpers import PLAN, approved_campaign

from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry
from core.reports import drill_report, run_report
from plugins.marketing.services import campaigns


def test_requester_cannot_approve_own_budget(salesdesk_world: Any, mk: dict[str, Any]) -> None:
    boss, boss2 = mk["boss"], mk["boss2"]
    row = campaigns.create_campaign(boss, PLAN)
    assert (row.code, row.budget, row.status, row.budget_status) == (
        "EXPO26",
        Decimal("5000.00"),
        "planned",
        "draft",
    )
    with pytest.raises(ValidationFailed, match="submitted budget"):
        campaigns.decide_budget(boss2, row.id, True)  # nothing asked yet
    campaigns.submit_budget(boss, row.id)
    with pytest.raises(PermissionDenied, match="may not approve it"):
        campaigns.decide_budget(boss, row.id, True)  # a manager, but the requester
    with pytest.raises(PermissionDenied):
        campaigns.decide_budget(mk["planner"], row.id, True)  # no approval right
    with pytest.raises(ValidationFailed, match="why the budget is rejected"):
        campaigns.decide_budget(boss2, row.id, False)
    row = campaigns.decide_budget(boss2, row.id, True, "ok")
    assert row.budget_status == "approved"
    assert row.approved_by_id == boss2.actor.id
    with salesdesk_world.runtime.db.read_session() as session:
        actions = set(
            session.scalars(
                sa.select(AuditEntry.action).where(
                    AuditEntry.entity == "marketing_campaign", AuditEntry.entity_id == str(row.id)
                )
            )
        )
    assert {"create", "submit", "approve"} <= actions


def test_changed_budget_needs_approval_again(mk: dict[str, Any]) -> None:
    row = approved_campaign(mk)
    row = campaigns.update_campaign(mk["planner"], row.id, {"budget": "2500"}, row.version)
    assert (row.budget_status, row.approved_by_id) == ("draft", None)
    with pytest.raises(ValidationFailed, match="approved budget"):
        campaigns.set_status(mk["planner"], row.id, "running")


def test_status_machine_refuses_illegal_moves(mk: dict[str, Any]) -> None:
    planner = mk["planner"]
    draft = campaigns.create_campaign(planner, PLAN)
    with pytest.raises(ValidationFailed, match="approved budget"):
        campaigns.set_status(planner, draft.id, "running")
    row = approved_campaign(mk)
    for illegal in ("finished", "evaluated", "planned"):
        with pytest.raises(ValidationFailed, match="the status after Planned: running"):
            campaigns.set_status(planner, row.id, illegal)
    for step in ("running", "finished", "evaluated"):
        row = campaigns.set_status(planner, row.id, step)
        assert row.status == step
    with pytest.raises(ValidationFailed, match="no further status"):
        campaigns.set_status(planner, row.id, "running")
    with pytest.raises(ValidationFailed, match="costs are closed"):
        campaigns.add_cost(planner, row.id, {"date": "2026-03-02", "actual": "1"})


def test_rep_may_not_plan_and_errors_name_fields(mk: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        campaigns.create_campaign(mk["rep1"], PLAN)
    with pytest.raises(ValidationFailed) as caught:
        campaigns.create_campaign(
            mk["planner"], {**PLAN, "region": "nowhere", "products": ["NOPE"], "owner": "ghost"}
        )
    text = str(caught.value)
    assert "Region:" in text and "Products:" in text and "Owner:" in text
    with pytest.raises(ValidationFailed, match="End: got '2026-03-01', expected a date on or"):
        campaigns.create_campaign(mk["planner"], {**PLAN, "end": "2026-03-01"})


def _costs(mk: dict[str, Any]) -> Any:
    row = approved_campaign(mk)
    p = mk["planner"]
    for line in (
        {
            "date": "2026-02-20",
            "category": "advertising",
            "medium": "print",
            "budget": "800",
            "actual": "900",
        },
        {
            "date": "2026-03-02",
            "category": "advertising",
            "medium": "online",
            "budget": "400",
            "actual": "100",
        },
        {"date": "2026-03-03", "category": "venue", "budget": "400", "actual": "500"},
    ):
        campaigns.add_cost(p, row.id, line)
    return row


def test_cost_analysis_arithmetic(mk: dict[str, Any]) -> None:
    """Budget 1600, actual 1500: advertising 1200/1000, venue 400/500; Feb 800/900,
    Mar 800/600."""
    _costs(mk)
    result = run_report(mk["boss"], "marketing_cost_analysis", {})
    by = result.table("campaigns")
    rows = {r[2]: r for r in by.rows}
    assert rows["advertising"][3:] == (
        2,
        Decimal("1200.00"),
        Decimal("1000.00"),
        Decimal("-200.00"),
        Decimal("0.8333"),
    )
    assert rows["venue"][3:] == (
        1,
        Decimal("400.00"),
        Decimal("500.00"),
        Decimal("100.00"),
        Decimal("1.2500"),
    )
    assert by.totals[3:] == (
        3,
        Decimal("1600.00"),
        Decimal("1500.00"),
        Decimal("-100.00"),
        Decimal("0.9375"),
    )
    months = result.table("months")
    assert [(r[0], r[2], r[3]) for r in months.rows] == [
        ("2026-02", Decimal("800.00"), Decimal("900.00")),
        ("2026-03", Decimal("800.00"), Decimal("600.00")),
    ]
    lines = drill_report(
        mk["boss"], "marketing_cost_analysis", {}, "campaigns", rows["advertising"], "actual"
    )
    assert lines.totals[-2:] == (Decimal("1200.00"), Decimal("1000.00"))
    march = drill_report(
        mk["boss"], "marketing_cost_analysis", {}, "months", months.rows[1], "actual"
    )
    assert march.row_count == 2


def test_ad_expense_by_medium_and_plan(mk: dict[str, Any]) -> None:
    """Advertising only: print 800/900 (share 0.9), online 400/100 (share 0.1)."""
    _costs(mk)
    media = run_report(mk["boss"], "marketing_ad_expense", {}).table("media")
    assert [(r[0], r[2], r[3], r[6]) for r in media.rows] == [
        ("online", Decimal("400.00"), Decimal("100.00"), Decimal("0.1000")),
        ("print", Decimal("800.00"), Decimal("900.00"), Decimal("0.9000")),
    ]
    drill = drill_report(mk["boss"], "marketing_ad_expense", {}, "media", media.rows[1], "actual")
    assert [r[5] for r in drill.rows] == ["print"]
    plan = run_report(mk["boss"], "marketing_campaign_plan", {}).table("campaigns")
    (row,) = plan.rows
    assert row[0] == "SPRING" and row[10:] == (
        Decimal("2000.00"),
        "approved",
        Decimal("1600.00"),
        Decimal("1500.00"),
        Decimal("0.7500"),
    )
    assert "machinery" in row[7] and "north" in row[7]


def test_rep_reads_plan_without_money(mk: dict[str, Any]) -> None:
    _costs(mk)
    (row,) = run_report(mk["rep1"], "marketing_campaign_plan", {}).table("campaigns").rows
    assert row[0] == "SPRING" and row[10] is None and row[12] is None
    with pytest.raises(PermissionDenied):
        run_report(mk["rep1"], "marketing_cost_analysis", {})


def test_generated_codes_follow_the_numbering_series(mk: dict[str, Any]) -> None:
    plan = {k: v for k, v in PLAN.items() if k != "code"}
    campaigns.create_campaign(mk["planner"], {**plan, "code": "MC260002"})  # typed by hand
    first = campaigns.create_campaign(mk["planner"], plan)
    second = campaigns.create_campaign(mk["planner"], plan)
    assert (first.code, second.code) == ("MC260001", "MC260003")


def test_cost_line_corrected_with_its_version(mk: dict[str, Any]) -> None:
    from core.errors import Conflict

    row = approved_campaign(mk)
    line = campaigns.add_cost(mk["planner"], row.id, {"date": "2026-03-02", "actual": "10"})
    line = campaigns.update_cost(mk["planner"], line.id, {"actual": "12.50"}, line.version)
    assert line.actual == Decimal("12.50")
    with pytest.raises(Conflict):
        campaigns.update_cost(mk["boss"], line.id, {"actual": "1"}, line.version - 1)
    with pytest.raises(PermissionDenied):
        campaigns.list_costs(mk["rep1"], row.id)


def test_plan_form_speaks_the_readers_words(salesdesk_world: Any, mk: dict[str, Any]) -> None:
    """The plan form puts an end before the start under End, names its fields so the
    shared catalog cannot mistake them (the core's Type is a customer type, its Medium a
    size), and answers a saved plan in the reader's language."""
    from core.forms import submit_form
    from core.i18n import _, set_lang

    raw = {"name": "Winter", "code": "WINTER", "start": "2026-12-10", "end": "2026-12-01"}
    with pytest.raises(ValidationFailed) as failed:
        submit_form(mk["planner"], "marketing.campaign", raw)
    assert [(p.field, p.expected) for p in failed.value.problems] == [
        ("end", "a date on or after the start (2026-12-10)")
    ]
    try:
        set_lang("zh_CN")
        from plugins.marketing.forms import CampaignForm, CostForm

        titles = (CampaignForm.model_fields["kind"].title, CostForm.model_fields["medium"].title)
        assert tuple(_(t or "") for t in titles) == ("活动类型", "广告媒体")
        message = submit_form(mk["planner"], "marketing.campaign", {**raw, "end": "2026-12-20"})
        assert message == "活动 WINTER 已计划；请提交其预算审批"
    finally:
        set_lang(None)
