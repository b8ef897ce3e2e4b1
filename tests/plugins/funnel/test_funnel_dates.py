"""Dates the funnel cannot trust (issue #16, item 19): a last follow-up dated after today
does not stop the lead reclaim, and a leaving rep gets no new leads after the handover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from core.errors import ValidationFailed
from core.i18n import set_lang
from core.models import Activity, Customer
from plugins.funnel.services import due, handover, leads, pool


def _owner(team: Any, customer: Any) -> int | None:
    with team.runtime.db.read_session() as session:
        return session.get(Customer, customer.id).owner_id


def test_a_stored_future_follow_up_does_not_stop_the_reclaim(team: Any) -> None:
    """Rows stored before visits were checked (or imported so) still get reclaimed."""
    leads.set_reclaim_policy(team.admin, {"remind": 3, "manager": 5, "reclaim": 7})
    t0 = team.clock.now
    future = t0.date() + dt.timedelta(days=365)
    never = team.customer(team.r1, "N", last_follow_up=future)
    visited = team.customer(team.r1, "N", last_follow_up=future)
    team.insert(
        Activity(
            date=t0.date() + dt.timedelta(days=2),
            customer_id=visited.id,
            rep_id=team.r1.actor.id,
            created_at=t0,
        )
    )
    team.insert(
        Activity(date=future, customer_id=visited.id, rep_id=team.r1.actor.id, created_at=t0)
    )
    team.clock.now = t0 + dt.timedelta(days=7)
    steps = {s.code: (s.since, s.step) for s in pool.ladder(team.admin)}
    assert steps == {
        never.code: (t0.date(), "reclaim"),
        visited.code: (t0.date() + dt.timedelta(days=2), "manager"),
    }
    assert [(a.code, a.action) for a in pool.reclaim(team.admin)] == [
        (never.code, "reclaim"),
        (visited.code, "manager"),
    ]
    assert _owner(team, never) is None and _owner(team, visited) == team.r1.actor.id


def test_a_stored_future_follow_up_does_not_hide_a_due_visit(team: Any) -> None:
    t0 = team.clock.now
    cust = team.customer(team.r1, "N", last_follow_up=t0.date() + dt.timedelta(days=365))
    team.clock.now = t0 + dt.timedelta(days=100)  # past every class's visit interval
    assert [i.customer_id for i in due.visits_due(team.r1)] == [cust.id]


def _hand_over_r1(team: Any) -> None:
    team.customer(team.r1, "N")
    handover.hand_over(team.mgr, "r1", ["r2"], note="r1 leaves")


def test_rules_skip_a_leaving_rep(team: Any) -> None:
    leads.set_rules(team.admin, [{"name": "north", "regions": ["N"], "reps": ["r1", "r2"]}])
    _hand_over_r1(team)
    fresh = [team.customer(None, "N") for _ in range(3)]
    done = pool.auto_assign(team.mgr, [c.id for c in fresh])
    assert [a.to for a in done] == ["r2", "r2", "r2"]


def test_a_leaving_rep_may_not_claim_or_be_given_leads(team: Any) -> None:
    _hand_over_r1(team)
    lead = team.customer(None, "N")
    day = team.clock.now.date().isoformat()
    with pytest.raises(ValidationFailed, match=f"handed over on {day}"):
        pool.claim(team.r1, lead.id)
    with pytest.raises(ValidationFailed, match="a leaving rep gets no new leads"):
        pool.reassign(team.mgr, [lead.id], "r1")
    other = team.customer(team.r2, "N")
    with pytest.raises(ValidationFailed, match="a leaving rep gets no new leads"):
        handover.hand_over(team.mgr, "r2", ["r1"])  # nor through someone else's handover
    with team.runtime.db.read_session() as session:
        owners = (
            session.execute(
                sa.select(Customer.owner_id)
                .where(Customer.id.in_([lead.id, other.id]))
                .order_by(Customer.id)
            )
            .scalars()
            .all()
        )
    assert owners == [None, team.r2.actor.id]
    pool.claim(team.r2, lead.id)  # the others still take leads


@pytest.fixture
def zh() -> Iterator[None]:
    set_lang("zh_CN")
    yield
    set_lang(None)


def test_the_leaving_rep_refusal_reads_in_chinese(team: Any, zh: None) -> None:
    _hand_over_r1(team)
    with pytest.raises(ValidationFailed) as refused:
        pool.claim(team.r1, team.customer(None, "N").id)
    assert "离职业务员不再接收新线索" in refused.value.problems[0].expected
