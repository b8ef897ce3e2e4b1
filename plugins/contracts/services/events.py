"""Cooperation with the funnel through core events: a deal reaching its funnel's won stage
gets a draft contract when the company wants one (setting ``contracts.draft_on_won``); a
customer changing owner takes its contracts not yet signed along (``move_open_contracts``)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from core.company import get_setting
from core.context import Context
from core.errors import SalesdeskError
from core.models import Customer
from core.services.base import UnitOfWork
from plugins.contracts.models import Contract
from plugins.contracts.services.common import DRAFT_ON_WON_KEY, log, machine_of
from plugins.contracts.services.records import create_contract

logger = logging.getLogger("salesdesk.contracts")


def draft_on_won(ctx: Context, opportunity: Any, to_stage: str) -> Contract | None:
    """Create a draft contract for a deal that was just won, unless one exists."""
    funnel = ctx.plugins.funnels.get(opportunity.funnel)
    won = funnel.won_stage.id if funnel is not None else None
    if opportunity.status != "won" or to_stage != won:
        return None
    with ctx.reading() as session:
        if not get_setting(session, DRAFT_ON_WON_KEY, False):
            return None
        exists = session.scalar(
            sa.select(Contract.id).where(Contract.opportunity_id == opportunity.id)
        )
        customer = session.get(Customer, opportunity.customer_id)
    if exists is not None or customer is None:
        return None
    try:
        return create_contract(
            ctx,
            {
                "title": opportunity.title,
                "customer_id": customer.id,
                "opportunity_id": opportunity.id,
                "amount": opportunity.amount,
                "owner_id": opportunity.owner_id,
                "parties": [{"name": customer.name, "role": "buyer"}],
            },
        )
    except SalesdeskError as exc:  # the deal stays won; the draft is simply not made
        logger.warning("no draft contract for won deal %s: %s", opportunity.id, exc)
        return None


def move_open_contracts(
    uow: UnitOfWork, customer_id: int, from_owner_id: int, to_owner_id: int
) -> int:
    """Give the customer's contracts not yet signed (drafts, in approval, approved or
    rejected) held by the previous owner to the new one, in the reassignment's own
    transaction; signed, cancelled and closed contracts stay as history."""
    machine = machine_of(uow.session)
    history = set(machine.locked) | {machine.role("signed"), machine.role("cancelled")}
    moved = 0
    for contract in list(
        uow.session.scalars(
            sa.select(Contract)
            .where(
                Contract.customer_id == customer_id,
                Contract.owner_id == from_owner_id,
                Contract.stage.not_in(sorted(history)),
            )
            .order_by(Contract.id)
        )
    ):
        uow.apply_changes(contract, {"owner_id": to_owner_id}, action="reassign")
        log(uow, contract, "reassign")
        moved += 1
    return moved
