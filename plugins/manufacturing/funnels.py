"""The engineering (project) sales funnel (docs/domain.md section 2, 工程型销售)."""

from __future__ import annotations

from decimal import Decimal

from core.funnels import FunnelDefinition, Stage
from core.models import CustomerClass

ENGINEERING_FUNNEL = FunnelDefinition(
    "engineering",
    "Engineering tender funnel",
    "工程型销售漏斗",
    (
        Stage(
            "lead_tracking",
            "Lead tracking",
            "潜在客户跟踪",
            Decimal("0.10"),
            CustomerClass.POTENTIAL,
            max_days=90,
            visit_every_days=30,
        ),
        Stage(
            "tender",
            "Tender",
            "工程投标",
            Decimal("0.30"),
            CustomerClass.PROMISING,
            max_days=60,
            visit_every_days=14,
            respond_within_hours=24,
        ),
        Stage(
            "negotiation",
            "Business negotiation",
            "商务洽谈",
            Decimal("0.70"),
            CustomerClass.CLOSING,
            max_days=45,
            visit_every_days=7,
            respond_within_hours=8,
        ),
        Stage(
            "contract_signed",
            "Contract signed",
            "签订合同",
            Decimal("1"),
            CustomerClass.CUSTOMER,
            won=True,
        ),
        Stage("lost", "Lost", "失败", Decimal("0"), CustomerClass.POTENTIAL, lost=True),
    ),
)
