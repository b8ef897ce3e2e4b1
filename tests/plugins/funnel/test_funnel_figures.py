"""Weighted pipeline, funnel by stage, conversion, days in stage, velocity and customer
class changes on hand-checkable deals (figures worked out in the comments)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from core.models import Customer, SalesTarget
from core.reports import drill_report, run_report
from core.services import dashboard, opportunities
from plugins.funnel.services import analytics, pipeline
from plugins.funnel.services.funnels import set_override

D = Decimal


def _deal(
    ctx: Any,
    customer: Any,
    amount: str,
    funnel: str,
    stage: str,
    close: dt.date | None,
    **extra: Any,
) -> Any:
    return opportunities.create_opportunity(
        ctx,
        {
            "customer_id": customer.id,
            "title": f"{funnel}-{stage}-{amount}",
            "funnel": funnel,
            "stage": stage,
            "amount": amount,
            "expected_close": close,
            **extra,
        },
    )


def _pipeline_world(team: Any) -> Any:
    """r1: b2b proposal 1000 (0.60) closing April -> 600; b2b negotiation 2500 (0.80) in
    May -> 2000. r2: basic proposal 3000 with its own 0.30 in April -> 900; b2b lead 400
    (0.05) in September, outside a March..May window -> 20 only on the dashboard."""
    c1, c2 = team.customer(team.r1, "N"), team.customer(team.r2, "N")
    _deal(team.r1, c1, "1000", "b2b", "proposal", dt.date(2026, 4, 10))
    _deal(team.r1, c1, "2500", "b2b", "negotiation", dt.date(2026, 5, 20))
    _deal(
        team.r2, c2, "3000", "basic", "proposal", dt.date(2026, 4, 1), probability_override="0.30"
    )
    _deal(team.r2, c2, "400", "b2b", "lead", dt.date(2026, 9, 1))
    r1 = team.r1.actor.id
    team.insert(
        SalesTarget(month=dt.date(2026, 4, 1), dimension="rep", key_id=r1, amount=D("5000"))
    )
    team.insert(
        SalesTarget(month=dt.date(2026, 5, 1), dimension="rep", key_id=r1, amount=D("5000"))
    )
    product = team.product()
    team.sales_lines(
        [
            {
                "date": dt.date(2025, 4, 15),
                "customer": c1,
                "product": product,
                "amount": "1200",
                "rep": r1,
            },
            # outside: July
            {
                "date": dt.date(2025, 7, 1),
                "customer": c1,
                "product": product,
                "amount": "999",
                "rep": r1,
            },
        ]
    )
    return team


def test_weighted_pipeline_by_rep_with_target_and_last_year(team: Any) -> None:
    _pipeline_world(team)
    result = pipeline.weighted_pipeline(team.admin, dt.date(2026, 3, 5), 3, "rep")
    assert result.months == ["2026-03", "2026-04", "2026-05"]
    rows = {r.key: r for r in result.rows}
    assert rows["r1"].weighted == {"2026-04": D("600.00"), "2026-05": D("2000.00")}
    assert rows["r1"].weighted_total == D("2600.00")
    assert rows["r1"].amount == D("3500.00") and rows["r1"].deals == 2
    assert rows["r1"].target == D("10000.00")
    assert rows["r1"].last_year == D("1200.00")
    assert rows["r2"].weighted_total == D("900.00") and rows["r2"].target is None


def test_pipeline_by_team_and_funnel_and_record_rules(team: Any) -> None:
    _pipeline_world(team)
    start = dt.date(2026, 3, 1)
    by_team = {r.key: r for r in pipeline.weighted_pipeline(team.admin, start, 3, "team").rows}
    assert by_team["mgr"].weighted_total == D("3500.00")
    by_funnel = {
        r.key: r.weighted_total
        for r in pipeline.weighted_pipeline(team.admin, start, 3, "funnel").rows
    }
    assert by_funnel == {"b2b": D("2600.00"), "basic": D("900.00")}
    mine = pipeline.weighted_pipeline(team.r1, start, 3, "rep").rows
    assert [r.key for r in mine] == ["r1"]
    assert pipeline.weighted_pipeline(team.r3, start, 3, "rep").rows == []


def test_pipeline_report_totals_and_drill_down(team: Any) -> None:
    _pipeline_world(team)
    params = {"start": "2026-03-01", "months": "3", "by": "rep"}
    table = run_report(team.admin, "funnel.pipeline", params).tables[0]
    totals = dict(zip([c.id for c in table.columns], table.totals, strict=True))
    assert totals["weighted"] == D("3500.00") and totals["target"] == D("10000.00")
    assert totals["vs_target"] == D("0.3500")
    r1 = next(r for r in table.materialize() if r[0] == "r1")
    behind = drill_report(team.admin, "funnel.pipeline", params, "pipeline", r1, "m2026-05")
    assert [r[-1] for r in behind.materialize()] == [D("2500.00")]


def test_company_override_reaches_pipeline_and_dashboard(team: Any) -> None:
    _pipeline_world(team)
    set_override(team.admin, "b2b", {"stages": {"proposal": {"probability": "0.5"}}})
    rows = {
        r.key: r for r in pipeline.weighted_pipeline(team.admin, dt.date(2026, 3, 1), 3, "rep").rows
    }
    assert rows["r1"].weighted["2026-04"] == D("500.00")
    # dashboard: 500 + 2000 + 900 + 400 x 0.05 = 3420 over every open deal
    assert dashboard.compute(team.admin).weighted == D("3420.00")
    stages = {
        s.stage_id: s
        for s in analytics.funnel_stages(team.admin, team.runtime.plugins.funnels.get("b2b"))
    }
    assert stages["proposal"].weighted == D("500.00") and stages["lead"].weighted == D("20.00")


def _history_world(team: Any) -> tuple[Any, Any, Any]:
    """Three b2b deals created at t0 = 2026-03-16 09:30:
    A: lead -> qualified (+2 d) -> solution (+5 d) -> won (+10 d), 5000
    B: lead -> qualified (+4 d) -> lost (+5 d), 1000
    C: stays in lead, 700."""
    t0, clock = team.clock.now, team.clock
    ca, cb = team.customer(team.r1, "N"), team.customer(team.r1, "N")
    a = _deal(team.r1, ca, "5000", "b2b", "lead", None)
    b = _deal(team.r1, cb, "1000", "b2b", "lead", None)
    _deal(team.r1, cb, "700", "b2b", "lead", None)
    for when, deal, stage in (
        (2, a, "qualified"),
        (4, b, "qualified"),
        (5, a, "solution"),
        (5, b, "lost"),
        (10, a, "won"),
    ):
        clock.now = t0 + dt.timedelta(days=when)
        opportunities.move_stage(team.r1, deal.id, stage, reason="price")
    return ca, cb, a


def test_conversion_days_in_stage_and_velocity(team: Any) -> None:
    _history_world(team)
    b2b = team.runtime.plugins.funnels.get("b2b")
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    rows = {c.stage_id: c for c in analytics.conversion(team.admin, b2b, *march)}
    # furthest stage: A won, B qualified, C lead -> reached 3, 2, 1, 1, 1, 1
    assert [
        rows[s].reached for s in ("lead", "qualified", "solution", "proposal", "negotiation", "won")
    ] == [3, 2, 1, 1, 1, 1]
    assert rows["lead"].rate == D("0.6667") and rows["qualified"].rate == D("0.5000")
    assert rows["won"].rate is None
    # stays ended in March: lead 2 d (A) and 4 d (B); qualified 3 d and 1 d; solution 5 d
    assert (rows["lead"].avg_days, rows["lead"].stays) == (D("3.0"), 2)
    assert rows["qualified"].avg_days == D("2.0") and rows["solution"].avg_days == D("5.0")
    v = analytics.velocity(team.admin, b2b, *march)
    assert (v.won, v.lost, v.win_rate) == (1, 1, D("0.5000"))
    assert v.avg_deal == D("5000.00") and v.avg_cycle_days == D("10.0")
    april = analytics.conversion(team.admin, b2b, dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert all(c.reached == 0 and c.stays == 0 for c in april)


def test_customer_class_follows_the_deals(team: Any) -> None:
    """The plugin's salesdesk_opportunity_created and salesdesk_opportunity_stage_changed
    implementations keep the customer's class in step with its deals."""
    t0 = team.clock.now
    ca, cb, _a = _history_world(team)

    def cls(customer: Any) -> str:
        with team.runtime.db.read_session() as session:
            return session.get(Customer, customer.id).customer_class

    assert cls(ca) == "customer"  # won
    assert cls(cb) == "potential"  # qualified is still potential; B lost, C in lead
    team.clock.now = t0 + dt.timedelta(days=11)
    other = team.customer(team.r1, "N")
    deal = _deal(team.r1, other, "100", "b2b", "lead", None)
    opportunities.move_stage(team.r1, deal.id, "proposal")
    assert cls(other) == "promising"
    opportunities.move_stage(team.r1, deal.id, "negotiation")
    assert cls(other) == "closing"
    fresh = team.customer(team.r1, "N")
    _deal(team.r1, fresh, "100", "b2b", "proposal", None)  # created past the lead stage
    assert cls(fresh) == "promising"


def test_funnel_report_stalled_matches_dashboard(team: Any) -> None:
    _history_world(team)  # C sits in lead (limit 14 days) since t0
    params = {"funnel": "b2b"}
    stages = run_report(team.admin, "funnel.stages", params).tables[0]
    lead = next(r for r in stages.materialize() if r[1] == "lead")
    assert lead[4:] == (1, D("700.00"), D("35.00"), 0)
    team.clock.now = team.clock.now + dt.timedelta(days=15)
    lead = next(
        r
        for r in run_report(team.admin, "funnel.stages", params).tables[0].materialize()
        if r[1] == "lead"
    )
    assert lead[7] == 1 == dashboard.compute(team.admin).stalled
    behind = drill_report(team.admin, "funnel.stages", params, "stages", lead, "stalled")
    assert [r[-1] for r in behind.materialize()] == [D("700.00")]
    stalled = dashboard.drill(team.admin, "stalled")
    assert [row[2] for row in stalled.rows] == ["Lead"]  # the stage's title, not its id


def test_board_shows_each_stages_biggest_deals_with_their_people(team: Any) -> None:
    """The board: per open stage the ``per_stage`` biggest open deals (ties by id), each
    with its customer, its owner's name and whether it is stalled, under the reader's
    record rules; lost, won and other funnels' deals are not on it."""
    w = team
    c1, c2 = w.customer(w.r1, "N", name="Alpha"), w.customer(w.r2, "N", name="Beta")
    amounts = ["50", "70", "70", "10", "90"]
    deals = [
        w.opportunity(c1 if n % 2 else c2, w.r1 if n % 2 else w.r2, a)
        for n, a in enumerate(amounts)
    ]
    lost = w.opportunity(c1, w.r1, "99", status="lost")
    _deal(w.r1, c1, "98", "b2b", "lead", None)
    w.clock.now += dt.timedelta(days=31)  # every "lead" deal stalled (30 days)
    w.opportunity(c1, w.r1, "1")  # new ones, not stalled
    qualified = _deal(w.r2, c2, "5", "basic", "qualified", None)
    basic = w.runtime.plugins.funnels.get("basic")
    cards = analytics.board(w.admin, basic, per_stage=3)
    assert [(c.deal_id, c.customer, c.amount, c.stalled) for c in cards["lead"]] == [
        (deals[4].id, "Beta", D("90"), True),
        (deals[1].id, "Alpha", D("70"), True),
        (deals[2].id, "Beta", D("70"), True),
    ]
    assert [(c.deal_id, c.stalled) for c in cards["qualified"]] == [(qualified.id, False)]
    assert lost.id not in {c.deal_id for stage in cards.values() for c in stage}
    mine = analytics.board(w.r1, basic)
    assert [(c.amount, c.owner) for c in mine["lead"]] == [
        (D("70"), "R1"),
        (D("10"), "R1"),
        (D("1"), "R1"),
    ]
