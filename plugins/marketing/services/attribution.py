"""Attribution: a lead or deal carries the code of the campaign it came from in its core
``source`` field (brief, core contract 5). Every change goes through core services, so
the actor's permissions and record rules apply as for any other edit."""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.models import Customer, Opportunity
from core.services import customers, opportunities
from plugins.marketing.services.campaigns import find_campaign


def create_lead(ctx: Context, campaign_code: str, data: dict[str, Any]) -> Customer:
    """A new lead from a campaign (a rep owns it; others leave it in the pool)."""
    campaign = find_campaign(ctx, campaign_code)
    return customers.create_customer(ctx, {**data, "source": campaign.code})


def attribute_customer(
    ctx: Context, customer_id: int, campaign_code: str, expected_version: int | None = None
) -> Customer:
    campaign = find_campaign(ctx, campaign_code)
    return customers.update_customer(ctx, customer_id, {"source": campaign.code}, expected_version)


def attribute_opportunity(
    ctx: Context, opportunity_id: int, campaign_code: str, expected_version: int | None = None
) -> Opportunity:
    campaign = find_campaign(ctx, campaign_code)
    return opportunities.update_opportunity(
        ctx, opportunity_id, {"source": campaign.code}, expected_version
    )
