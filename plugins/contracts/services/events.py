"""Cooperation with the funnel through core events: a deal reaching its funnel's won stage
gets a draft contract when the company wants one (setting ``contracts.draft_on_won``)."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from core.company import get_setting
from core.context import Context
from core.errors import SalesdeskError
from core.models import Customer
from plugins.contracts.models import Contract
from plugins.contracts.services.common import DRAFT_ON_WON_KEY
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
        exists = session.scalar(sa.select(Contract.id).where(
            Contract.opportunity_id == opportunity.id))
        customer = session.get(Customer, opportunity.customer_id)
    if exists is not None or customer is None:
        return None
    try:
        return create_contract(ctx, {
            "title": opportunity.title, "customer_id": customer.id,
            "opportunity_id": opportunity.id, "amount": opportunity.amount,
            "owner_id": opportunity.owner_id,
            "parties": [{"name": customer.name, "role": "buyer"}],
        })
    except SalesdeskError as exc:  # the deal stays won; the draft is simply not made
        logger.warning("no draft contract for won deal %s: %s", opportunity.id, exc)
        return None
