"""A customer's new owner takes over what is open; history stays (issue #16.9).

``core.services.ownership`` moves, in the transaction that changes the owner: open deals,
open follow-ups (the plan, never the visit) and plugins' open records (through the
in-transaction hook ``salesdesk_move_open_records``). Closed deals and visits made stay
with whoever did them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from core.errors import NotFound, PermissionDenied
from core.hookspecs import hookimpl
from core.models import Activity, Customer, Opportunity
from core.services import activities, customers, lists, opportunities

PAST, PLANNED = dt.date(2026, 3, 9), dt.date(2026, 3, 20)


@pytest.fixture
def book(world: Any) -> dict[str, Any]:
    """rep1 owns a customer with an open deal, a won deal, a visit made with a planned
    next visit, and a visit whose plan was already kept."""
    mgr = world.user("mgr", "sales_manager", region="N")
    rep1 = world.user("rep1", "sales_rep", region="N", manager=mgr)
    rep2 = world.user("rep2", "sales_rep", region="N", manager=mgr)
    cust = world.customer(rep1, "N", name="Moving Ltd")
    open_deal = world.opportunity(cust, rep1, "5000.00", title="Still open")
    won = opportunities.win(rep1, world.opportunity(cust, rep1, "700.00", title="Won").id)
    other_cust = world.customer(rep1, "N", name="Staying Ltd")
    other_deal = world.opportunity(other_cust, rep1, title="Other customer's")
    planned = world.insert(
        Activity(
            date=PAST,
            rep_id=rep1.actor.id,
            customer_id=cust.id,
            next_visit=PLANNED,
            result="first talk",
        )
    )
    kept = world.insert(
        Activity(
            date=dt.date(2026, 3, 2),
            rep_id=rep1.actor.id,
            customer_id=cust.id,
            next_visit=dt.date(2026, 3, 5),
        )
    )
    return {
        "mgr": mgr,
        "rep1": rep1,
        "rep2": rep2,
        "cust": cust,
        "open": open_deal,
        "won": won,
        "other": other_deal,
        "planned": planned,
        "kept": kept,
    }


def _row(world: Any, model: type, row_id: int) -> Any:
    with world.runtime.db.read_session() as session:
        return session.get(model, row_id)


def test_reassigning_moves_open_work_and_keeps_history(world: Any, book: dict[str, Any]) -> None:
    rep1, rep2, deal = book["rep1"], book["rep2"], book["open"]
    assert _found(rep1, "Still") == [deal.id] and _found(rep2, "Still") == []
    customers.assign_customer(book["mgr"], book["cust"].id, rep2.actor.id)

    assert _row(world, Opportunity, deal.id).owner_id == rep2.actor.id
    assert _row(world, Opportunity, book["won"].id).owner_id == rep1.actor.id  # history
    assert _row(world, Opportunity, book["other"].id).owner_id == rep1.actor.id
    # the old rep no longer finds, raises or wins it; the new owner does
    assert _found(rep1, "Still") == []  # the search the old rep found it by
    with pytest.raises(NotFound):
        opportunities.get_opportunity(rep1, deal.id)
    with pytest.raises(PermissionDenied):
        opportunities.update_opportunity(rep1, deal.id, {"amount": "9000.00"}, None)
    with pytest.raises(NotFound):
        opportunities.win(rep1, deal.id)
    assert _found(rep2, "Still") == [deal.id]
    raised = opportunities.update_opportunity(rep2, deal.id, {"amount": "6000.00"}, None)
    assert raised.amount == Decimal("6000.00")

    planned, kept = (
        _row(world, Activity, book["planned"].id),
        _row(world, Activity, book["kept"].id),
    )
    assert (planned.rep_id, planned.follow_up_rep_id) == (rep1.actor.id, rep2.actor.id)
    assert (kept.rep_id, kept.follow_up_rep_id) == (rep1.actor.id, None)
    assert [a.id for a in activities.planned_visits(rep2, PLANNED)] == [planned.id]
    assert activities.planned_visits(rep1, PLANNED) == []
    assert [a.result for a in activities.visits_on(rep1, PAST)] == ["first talk"]
    assert activities.visits_on(rep2, PAST) == []


def _found(ctx: Any, text: str) -> list[int]:
    return [r.id for r in lists.opportunity_rows(ctx, text=text)]


def test_returning_to_the_pool_moves_nothing(world: Any, book: dict[str, Any]) -> None:
    customers.assign_customer(book["mgr"], book["cust"].id, None)
    assert _row(world, Opportunity, book["open"].id).owner_id == book["rep1"].actor.id
    assert _row(world, Activity, book["planned"].id).follow_up_rep_id is None


class _Refuses:
    """A plugin whose open records cannot move: the reassignment must not half happen."""

    @hookimpl
    def salesdesk_move_open_records(
        self, uow: Any, customer_id: int, from_owner_id: int, to_owner_id: int
    ) -> None:
        raise PermissionDenied("its records may not move")


class _Records:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int, int]] = []

    @hookimpl
    def salesdesk_move_open_records(
        self, uow: Any, customer_id: int, from_owner_id: int, to_owner_id: int
    ) -> None:
        customer = uow.session.get(Customer, customer_id)
        assert customer.owner_id == to_owner_id  # inside the same transaction
        self.calls.append((customer_id, from_owner_id, to_owner_id))


def test_plugins_move_their_records_in_the_same_transaction(
    world: Any, book: dict[str, Any]
) -> None:
    rep1, rep2, cust = book["rep1"], book["rep2"], book["cust"]
    world.runtime.plugins.register(_Refuses(), "refuses")
    with pytest.raises(PermissionDenied, match="may not move"):
        customers.assign_customer(book["mgr"], cust.id, rep2.actor.id)
    assert _row(world, Customer, cust.id).owner_id == rep1.actor.id  # all or nothing
    assert _row(world, Opportunity, book["open"].id).owner_id == rep1.actor.id
    assert _row(world, Activity, book["planned"].id).follow_up_rep_id is None
    world.runtime.plugins.pm.unregister(name="refuses")

    recorder = _Records()
    world.runtime.plugins.register(recorder, "records")
    customers.assign_customer(book["mgr"], cust.id, rep2.actor.id)
    assert recorder.calls == [(cust.id, rep1.actor.id, rep2.actor.id)]
