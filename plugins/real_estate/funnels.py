"""The real-estate funnel (call/visit -> reserve -> subscribe -> sign)."""

from __future__ import annotations

from decimal import Decimal

from core.funnels import FunnelDefinition, Stage
from core.models import CustomerClass

FUNNEL = FunnelDefinition(
    "real_estate",
    "Real estate",
    "房地产",
    (
        Stage(
            "call_visit",
            "Call / visit",
            "来电来访",
            Decimal("0.10"),
            CustomerClass.POTENTIAL,
            max_days=30,
            visit_every_days=7,
            respond_within_hours=24,
        ),
        Stage(
            "reserved",
            "Reserved",
            "预留",
            Decimal("0.40"),
            CustomerClass.PROMISING,
            max_days=7,
            visit_every_days=2,
            respond_within_hours=4,
        ),
        Stage(
            "subscribed",
            "Subscribed",
            "认购",
            Decimal("0.80"),
            CustomerClass.CLOSING,
            max_days=15,
            visit_every_days=2,
            respond_within_hours=4,
        ),
        Stage("signed", "Signed", "签约", Decimal("1"), CustomerClass.CUSTOMER, won=True),
        Stage("lost", "Lost", "流失", Decimal("0"), CustomerClass.DORMANT, lost=True),
    ),
)
