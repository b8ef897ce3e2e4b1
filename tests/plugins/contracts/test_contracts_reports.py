"""The contract reports, checked against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from contracts_helpers import at_stage, draft, signed

from core.i18n import set_lang
from core.models import SalesTarget
from core.reports import drill_report, report_registry, run_report
from plugins.contracts import services


def rows(result: Any, table: str = "") -> list[tuple]:
    found = result.table(table) if table else result.tables[0]
    return list(found.rows)


def test_by_stage_counts_current_versions(team: dict[str, Any], salesdesk_world: Any) -> None:
    draft(team, amount="100.00", milestones=[])
    draft(team, amount="200.00", milestones=[])
    original = signed(team, amount="1000.00", milestones=[])
    services.amend(team["rep"], original.id, {"amount": "1500.00"})
    result = run_report(team["mgr"], "contracts_by_stage")
    by_stage = {r[0]: (r[3], r[4]) for r in rows(result, "stages")}
    assert by_stage["preparation"] == (3, Decimal("1800.00"))  # two drafts + amendment
    assert by_stage["signed"] == (1, Decimal("1000.00"))
    assert by_stage["closed"] == (0, Decimal("0.00"))
    table = result.table("stages")
    assert table.totals[3] == 4 and table.totals[4] == Decimal("2800.00")
    statuses = dict((s, (n, a)) for s, n, a in rows(result, "statuses"))
    assert statuses["Draft"] == (3, Decimal("1800.00"))
    drilled = drill_report(
        team["mgr"],
        "contracts_by_stage",
        {},
        "stages",
        next(r for r in table.rows if r[0] == "preparation"),
        "count",
    )
    assert sorted(r[4] for r in drilled.rows) == [
        Decimal("100.00"),
        Decimal("200.00"),
        Decimal("1500.00"),
    ]
    set_lang("zh_CN")  # stage titles and statuses in the reader's language
    try:
        zh = run_report(team["mgr"], "contracts_by_stage").table("stages").materialize()
    finally:
        set_lang(None)
    assert zh[0][1:3] == ("准备", "草稿")
    # record rules: the other team's manager sees none of it
    other = run_report(team["mgr2"], "contracts_by_stage").table("stages")
    assert other.totals[3] == 0


@pytest.mark.salesdesk_sqlite_only
def test_approvals_waiting_for_me(team: dict[str, Any], salesdesk_world: Any) -> None:
    contract = at_stage(team, "submitted", amount="300000.00")
    salesdesk_world.clock.advance(days=3)
    (row,) = rows(run_report(team["mgr"], "contracts_approvals_waiting"))
    assert row[0] == contract.number and row[3] == Decimal("300000.00")
    assert row[4] == "1: sales_manager" and row[5] == "rep" and row[7] == 3
    assert rows(run_report(team["fin"], "contracts_approvals_waiting")) == []
    services.approve(team["mgr"], contract.id)
    assert rows(run_report(team["mgr"], "contracts_approvals_waiting")) == []
    assert len(rows(run_report(team["fin"], "contracts_approvals_waiting"))) == 1


@pytest.mark.salesdesk_sqlite_only
def test_milestones_due_and_overdue(team: dict[str, Any]) -> None:
    contract = signed(team)  # milestones 2026-04-30 and 2026-06-30, 75,000.00 each
    draft(team)  # an unsigned contract's milestones are not due
    params = {"as_of": "2026-05-10", "days": "60"}
    result = run_report(team["mgr"], "contracts_milestones_due", params)
    assert [(r[2], r[3], r[5]) for r in rows(result, "overdue")] == [
        (dt.date(2026, 4, 30), Decimal("75000.00"), 10)
    ]
    assert [(r[2], r[5]) for r in rows(result, "due")] == [(dt.date(2026, 6, 30), 51)]
    first = services.contract_detail(team["rep"], contract.id).milestones[0]
    services.mark_milestone_paid(team["rep"], first.id, dt.date(2026, 5, 2), first.version)
    result = run_report(team["mgr"], "contracts_milestones_due", params)
    assert rows(result, "overdue") == []
    short = run_report(
        team["mgr"], "contracts_milestones_due", {"as_of": "2026-05-10", "days": "30"}
    )
    assert rows(short, "due") == []


def test_signed_value_per_month_vs_target(team: dict[str, Any], salesdesk_world: Any) -> None:
    with salesdesk_world.runtime.db.write_session() as session, session.begin():
        session.add(
            SalesTarget(
                month=dt.date(2026, 3, 1),
                dimension="company",
                key_id=0,
                amount=Decimal("400000.00"),
            )
        )
        for month in (3, 4):
            session.add(
                SalesTarget(
                    month=dt.date(2026, month, 1),
                    dimension="rep",
                    key_id=team["rep"].actor.id,
                    amount=Decimal("250000.00"),
                )
            )
    first = signed(team, amount="150000.00")  # signed on the fixed clock: 2026-03-16
    signed(team, amount="50000.00", milestones=[])
    salesdesk_world.clock.advance(days=30)  # April
    amendment = services.amend(team["rep"], first.id, {"amount": "180000.00", "milestones": []})
    for stage in ("drafting", "submitted"):
        services.transition(team["rep"], amendment.id, stage)
    services.approve(team["mgr"], amendment.id)
    services.sign(team["rep"], amendment.id)
    result = run_report(team["mgr"], "contracts_signed_vs_target", {"year": "2026"})
    months = {r[0]: r[1:] for r in rows(result, "months")}
    assert months["2026-03"] == (2, Decimal("200000.00"), Decimal("400000.00"), Decimal("0.5000"))
    assert months["2026-04"] == (1, Decimal("30000.00"), None, None)  # the increase only
    totals = result.tables[0].totals
    assert totals[1:3] == (3, Decimal("230000.00"))
    (rep_row,) = rows(result, "reps")  # every signed contract is the rep's
    assert rep_row[0] == "rep" and rep_row[2:5] == (3, Decimal("230000.00"), Decimal("500000.00"))
    assert rep_row[5] == Decimal("0.4600")
    drilled = drill_report(
        team["mgr"],
        "contracts_signed_vs_target",
        {"year": "2026"},
        "months",
        next(r for r in result.tables[0].rows if r[0] == "2026-03"),
        "value",
    )
    assert len(list(drilled.rows)) == 2


@pytest.mark.salesdesk_sqlite_only
def test_reports_are_registered(salesdesk_world: Any) -> None:
    ids = set(report_registry(salesdesk_world.runtime.plugins))
    assert {
        "contracts_by_stage",
        "contracts_approvals_waiting",
        "contracts_milestones_due",
        "contracts_signed_vs_target",
    } <= ids
