"""Campaigns as drivers of the sales forecast (``salesdesk_forecast_drivers``).

A campaign touches the series whose product is among its products (all products when it
names none) and whose region is its region (all regions when it names none); a cut
without a product or region dimension is touched whenever the campaign reaches any of
it. The value of a month is the share of its days under the campaign, for planned
campaigns too (that is what lets the forecast expect their lift).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from core.context import Context
from core.models import Region
from plugins.marketing.models import Campaign, CampaignKind

DRIVER_KINDS = (CampaignKind.PROMOTION, CampaignKind.ADVERTISING)


def _month_end(month: dt.date) -> dt.date:
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_shares(start: dt.date, end: dt.date, months: list[dt.date]) -> list[float]:
    """The share of each month's days from ``start`` to ``end`` (inclusive)."""
    out = []
    for month in months:
        last = _month_end(month)
        days = (min(end, last) - max(start, month)).days + 1
        out.append(max(0, days) / ((last - month).days + 1))
    return out


def campaign_drivers(
    ctx: Context, cut: list[str], months: list[dt.date], series: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    if not months:
        return []
    with ctx.reading() as session:
        campaigns = session.scalars(
            sa.select(Campaign).where(
                Campaign.kind.in_([str(k) for k in DRIVER_KINDS]),
                Campaign.end >= months[0],
                Campaign.start <= _month_end(months[-1]),
            )
        ).all()
        regions = dict(session.execute(sa.select(Region.id, Region.code)).all())
    values: dict[str, list[float]] = {}
    for campaign in campaigns:
        shares = month_shares(campaign.start, campaign.end, months)
        region = regions.get(campaign.region_id) if campaign.region_id else None
        for code, dims in series.items():
            if campaign.products and dims.get("product", None) not in (None, *campaign.products):
                continue
            if region and dims.get("region", None) not in (None, region):
                continue
            current = values.setdefault(code, [0.0] * len(months))
            values[code] = [max(a, b) for a, b in zip(current, shares, strict=True)]
    if not values:
        return []
    return [{"id": "campaign", "title": "Promotion campaigns", "values": values}]
