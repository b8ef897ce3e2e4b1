"""The funnels this plugin ships: a generic B2B funnel (docs/domain.md section 2)."""

from __future__ import annotations

from decimal import Decimal

from core.funnels import FunnelDefinition, Stage
from core.models import CustomerClass

C = CustomerClass

B2B_FUNNEL = FunnelDefinition(
    "b2b",
    "B2B sales funnel",
    "B2B销售漏斗",
    (
        Stage(
            "lead",
            "Lead",
            "潜在线索",
            Decimal("0.05"),
            C.POTENTIAL,
            max_days=14,
            visit_every_days=30,
            respond_within_hours=48,
        ),
        Stage(
            "qualified",
            "Qualified",
            "需求确认",
            Decimal("0.20"),
            C.POTENTIAL,
            max_days=21,
            visit_every_days=21,
            respond_within_hours=24,
        ),
        Stage(
            "solution",
            "Solution",
            "方案演示",
            Decimal("0.40"),
            C.PROMISING,
            max_days=30,
            visit_every_days=14,
            respond_within_hours=24,
        ),
        Stage(
            "proposal",
            "Proposal",
            "报价投标",
            Decimal("0.60"),
            C.PROMISING,
            max_days=21,
            visit_every_days=10,
            respond_within_hours=12,
        ),
        Stage(
            "negotiation",
            "Negotiation",
            "商务谈判",
            Decimal("0.80"),
            C.CLOSING,
            max_days=14,
            visit_every_days=7,
            respond_within_hours=4,
        ),
        Stage("won", "Won", "赢单", Decimal("1"), C.CUSTOMER, won=True),
        Stage("lost", "Lost", "输单", Decimal("0"), C.POTENTIAL, lost=True),
    ),
)

FUNNELS = (B2B_FUNNEL,)
