"""Handover: permission-checked, all or nothing, everything open moves, history stays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import PermissionDenied
from core.models import Activity, AuditEntry, Contact, Customer, Opportunity, SalesTarget
from core.reports import run_report
from core.services import activities, opportunities
from plugins.funnel.models import Handover, LeadEvent
from plugins.funnel.services import handover


def _book(team: Any) -> dict[str, Any]:
    """r1 owns 3 customers: one deal about to close (negotiation), one early deal, an
    open follow-up, and April/May targets of 1000.01 each."""
    t0 = team.clock.now
    cs = [team.customer(team.r1, "N") for _ in range(3)]
    team.insert(Contact(customer_id=cs[0].id, name="王经理", phone="138", is_primary=True))
    close = opportunities.create_opportunity(
        team.r1,
        {
            "customer_id": cs[0].id,
            "title": "Big one",
            "funnel": "b2b",
            "stage": "negotiation",
            "amount": "9000",
        },
    )
    early = opportunities.create_opportunity(
        team.r1, {"customer_id": cs[1].id, "title": "Early", "funnel": "b2b", "amount": "100"}
    )
    visit = activities.log_visit(
        team.r1,
        {
            "date": t0.date(),
            "customer_id": cs[2].id,
            "next_visit": t0.date() + dt.timedelta(days=3),
        },
    )
    for month in (dt.date(2026, 4, 1), dt.date(2026, 5, 1)):
        team.insert(
            SalesTarget(
                month=month, dimension="rep", key_id=team.r1.actor.id, amount=Decimal("1000.01")
            )
        )
    team.insert(
        SalesTarget(
            month=dt.date(2026, 4, 1),
            dimension="rep",
            key_id=team.r2.actor.id,
            amount=Decimal("50.00"),
        )
    )
    return {"customers": cs, "close": close, "early": early, "visit": visit}


def _state(team: Any) -> tuple:
    with team.runtime.db.read_session() as session:
        return (
            sorted(session.execute(sa.select(Customer.id, Customer.owner_id)).all()),
            sorted(session.execute(sa.select(Opportunity.id, Opportunity.owner_id)).all()),
            sorted(session.execute(sa.select(Activity.id, Activity.rep_id)).all()),
            sorted(session.execute(sa.select(SalesTarget.id, SalesTarget.amount)).all()),
            session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        )


def test_handover_refused_for_reps_and_other_teams(team: Any) -> None:
    _book(team)
    before = _state(team)
    with pytest.raises(PermissionDenied):
        handover.hand_over(team.r2, "r1", ["r2"])  # a rep cannot hand over r1's book
    with pytest.raises(PermissionDenied, match="outside your team"):
        handover.hand_over(team.mgr2, "r1", ["r3"])
    with pytest.raises(PermissionDenied, match="is not in your team"):
        handover.hand_over(team.mgr, "r1", ["r2", "r3"])  # r3 is another team's
    assert _state(team) == before


def test_handover_is_all_or_nothing(team: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _book(team)
    before = _state(team)
    real = handover._move_target

    def fail_late(*args: Any) -> None:
        real(*args)
        raise RuntimeError("disk full")

    monkeypatch.setattr(handover, "_move_target", fail_late)
    with pytest.raises(RuntimeError):
        handover.hand_over(team.mgr, "r1", ["r2"])
    assert _state(team) == before
    with team.runtime.db.read_session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Handover)) == 0


def test_handover_moves_everything_open_to_successors(team: Any) -> None:
    book = _book(team)
    plan = handover.preview(team.mgr, "r1", ["r2", "mgr"])
    assert [c[3] for c in plan.customers] == ["r2", "mgr", "r2"]  # in turn
    assert [(d[1], d[5]) for d in plan.deals] == [("Big one", "r2"), ("Early", "mgr")]
    assert plan.closing == [(book["close"].id, "Big one", plan.customers[0][2], "r2", "王经理 138")]
    assert [(f[0], f[3]) for f in plan.follow_ups] == [(book["visit"].id, "r2")]
    assert plan.targets[0][2] == {"r2": Decimal("500.01"), "mgr": Decimal("500.00")}
    record = handover.hand_over(team.mgr, "r1", ["r2", "mgr"], note="r1 left")
    assert (record.customers, record.opportunities, record.follow_ups, record.targets) == (
        3,
        2,
        1,
        2,
    )
    r1, r2, mgr = team.r1.actor.id, team.r2.actor.id, team.mgr.actor.id
    with team.runtime.db.read_session() as session:
        owners = [session.get(Customer, c.id).owner_id for c in book["customers"]]
        assert owners == [r2, mgr, r2]
        assert session.get(Opportunity, book["early"].id).owner_id == mgr
        visit = session.get(Activity, book["visit"].id)  # the plan moves, the visit stays
        assert (visit.rep_id, visit.follow_up_rep_id) == (r1, r2)
        april = dict(
            session.execute(
                sa.select(SalesTarget.key_id, SalesTarget.amount).where(
                    SalesTarget.month == dt.date(2026, 4, 1)
                )
            ).all()
        )
        assert {k: Decimal(v) for k, v in april.items()} == {
            r1: Decimal("0.00"),
            r2: Decimal("550.01"),
            mgr: Decimal("500.00"),
        }
        kinds = session.scalars(
            sa.select(LeadEvent.kind).where(LeadEvent.handover_id == record.id)
        ).all()
        assert list(kinds) == ["handover"] * 3
        history = session.scalars(
            sa.select(AuditEntry.actor_login).where(
                AuditEntry.entity == "opportunity",
                AuditEntry.entity_id == str(book["close"].id),
                AuditEntry.action == "create",
            )
        ).first()
        assert history == "r1"  # history stays with the record
    # the people by name, not by login
    report = run_report(team.mgr, "funnel.handover", {})
    assert report.tables[0].materialize()[0][2:5] == ("R1", "R2, Mgr", 3)
    assert handover.preview(team.mgr, "r1", ["r2"]).customers == []


def test_handover_moves_plans_never_the_visits_made(team: Any) -> None:
    """Issue #16.20: handing r1 over used to set ``rep_id`` of r1's past visits that had a
    next-visit date, so the team ranking of past days changed and r2's day listed a visit
    she never made. The planned visit moves; the visit stays r1's."""
    from core.services.overview import team_day

    past, later = dt.date(2026, 3, 9), dt.date(2026, 3, 20)
    cust = team.customer(team.r1, "N")
    done = team.customer(team.r1, "N")
    made = team.insert(
        Activity(
            date=past,
            rep_id=team.r1.actor.id,
            customer_id=cust.id,
            next_visit=later,
            result="first talk",
        )
    )
    kept = team.insert(
        Activity(
            date=past, rep_id=team.r1.actor.id, customer_id=done.id, next_visit=dt.date(2026, 3, 12)
        )
    )
    team.insert(
        Activity(date=dt.date(2026, 3, 12), rep_id=team.r1.actor.id, customer_id=done.id)
    )  # that plan was kept: history
    ranking = [(r.name, r.visits, r.orders, r.planned) for r in team_day(team.mgr, past)]
    assert [v.id for v in activities.planned_visits(team.r1, later)] == [made.id]

    plan = handover.preview(team.mgr, "r1", ["r2"])
    assert [f[0] for f in plan.follow_ups] == [made.id]
    handover.hand_over(team.mgr, "r1", ["r2"])

    assert [(r.name, r.visits, r.orders, r.planned) for r in team_day(team.mgr, past)] == ranking
    assert activities.visits_on(team.r2, past) == []  # r2's day: nothing she did not do
    assert sorted(v.result for v in activities.visits_on(team.r1, past)) == ["", "first talk"]
    assert [v.id for v in activities.planned_visits(team.r2, later)] == [made.id]
    assert activities.planned_visits(team.r1, later) == []
    with team.runtime.db.read_session() as session:
        moved, history = session.get(Activity, made.id), session.get(Activity, kept.id)
        assert (moved.rep_id, moved.follow_up_rep_id) == (team.r1.actor.id, team.r2.actor.id)
        assert (history.rep_id, history.follow_up_rep_id) == (team.r1.actor.id, None)
        assert (
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "activity", AuditEntry.field == "rep_id")
            )
            == 0
        )
