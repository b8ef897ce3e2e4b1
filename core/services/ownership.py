"""What follows a customer to a new owner, and what stays (issue #16.9, #16.20).

The rule: **what is open follows the customer; what happened stays with whoever did it.**
When a customer changes owner (``customers.assign_customer``, the funnel's bulk
reassignment, rule-based assignment and handover), ``move_open_work`` moves, in the same
transaction and audited:

* the customer's open deals held by the previous owner (won and lost deals stay theirs);
* the customer's open follow-ups the previous owner was to make: a planned visit
  (``next_visit``) not yet followed by a visit moves to the new owner through
  ``Activity.follow_up_rep_id``; the visit itself keeps its ``rep_id``, so daily reports,
  rankings and "My day" of past days never change hands;
* the customer's visits the previous owner planned for a later day on a daily report
  (``VisitPlan`` after today; the day's own plan stays, it is that day's work);
* every plugin's own open records of the customer, through the in-transaction hook
  ``salesdesk_move_open_records`` (the contracts plugin: contracts not yet signed).

Returning a customer to the lead pool moves nothing (there is no one to move it to); a
rep claiming a pool customer takes over only the customer.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.access import follow_up_owner
from core.models import Activity, Opportunity, OpportunityStatus, VisitPlan
from core.services.base import UnitOfWork


@dataclass
class MovedWork:
    deals: int = 0
    follow_ups: int = 0


def open_follow_up() -> sa.ColumnElement[bool]:
    """A planned visit not yet made: no later visit to that customer on or after it."""
    later = aliased(Activity)
    done = sa.exists().where(
        col(later.customer_id) == col(Activity.customer_id),
        col(later.date) >= col(Activity.next_visit),
        col(later.id) != col(Activity.id),
    )
    return sa.and_(col(Activity.next_visit).is_not(None), ~done)


def open_follow_ups_of(owner_id: int, customer_id: int | None = None) -> sa.Select:
    """The open follow-ups ``owner_id`` is to make (of one customer when given)."""
    query = sa.select(Activity).where(follow_up_owner() == owner_id, open_follow_up())
    if customer_id is not None:
        query = query.where(col(Activity.customer_id) == customer_id)
    return query.order_by(col(Activity.next_visit), col(Activity.id))


def move_follow_up(uow: UnitOfWork, activity: Activity, to_id: int, action: str) -> None:
    """Hand a planned visit to ``to_id``; the visit stays with the rep who made it."""
    uow.apply_changes(
        activity, {"follow_up_rep_id": None if to_id == activity.rep_id else to_id}, action=action
    )


def move_deal(uow: UnitOfWork, deal: Opportunity, to_id: int, action: str) -> None:
    uow.apply_changes(deal, {"owner_id": to_id}, action=action)


def move_plans(uow: UnitOfWork, customer_id: int, from_id: int, to_id: int, action: str) -> int:
    """Move the previous owner's plan lines for the customer after today to the new
    owner (one the new owner already has for that day is left where it is)."""
    session, moved = uow.session, 0
    for plan in list(
        session.scalars(
            sa.select(VisitPlan)
            .where(
                col(VisitPlan.customer_id) == customer_id,
                col(VisitPlan.rep_id) == from_id,
                col(VisitPlan.date) > uow.ctx.today(),
            )
            .order_by(col(VisitPlan.id))
        )
    ):
        if (
            session.scalar(
                sa.select(col(VisitPlan.id)).where(
                    col(VisitPlan.customer_id) == customer_id,
                    col(VisitPlan.rep_id) == to_id,
                    col(VisitPlan.date) == plan.date,
                )
            )
            is None
        ):
            uow.apply_changes(plan, {"rep_id": to_id}, action=action)
            moved += 1
    return moved


def move_open_work(
    uow: UnitOfWork, customer_id: int, from_id: int | None, to_id: int | None, action: str
) -> MovedWork:
    """Move a customer's open deals, open follow-ups and plugins' open records from its
    previous owner to its new one (call it right after the owner changed)."""
    moved = MovedWork()
    if from_id is None or to_id is None or from_id == to_id:
        return moved
    session = uow.session
    for deal in list(
        session.scalars(
            sa.select(Opportunity)
            .where(
                col(Opportunity.customer_id) == customer_id,
                col(Opportunity.owner_id) == from_id,
                col(Opportunity.status) == OpportunityStatus.OPEN,
            )
            .order_by(col(Opportunity.id))
        )
    ):
        move_deal(uow, deal, to_id, action)
        moved.deals += 1
    for activity in list(session.scalars(open_follow_ups_of(from_id, customer_id))):
        move_follow_up(uow, activity, to_id, action)
        moved.follow_ups += 1
    moved.follow_ups += move_plans(uow, customer_id, from_id, to_id, action)
    uow.ctx.plugins.call_in_transaction(
        "salesdesk_move_open_records",
        uow=uow,
        customer_id=customer_id,
        from_owner_id=from_id,
        to_owner_id=to_id,
    )
    return moved
