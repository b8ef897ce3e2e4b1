"""The reports the marketing plugin contributes, in menu order."""

from __future__ import annotations

from typing import Any


def all_reports() -> list[Any]:
    from plugins.marketing.reports.campaigns import AdExpense, CampaignPlan, CostAnalysis
    from plugins.marketing.reports.effect import CampaignEffect
    from plugins.marketing.reports.negative import NegativeAnalysis
    from plugins.marketing.reports.segments import CallList, SegmentList

    return [
        CampaignPlan(),
        CostAnalysis(),
        AdExpense(),
        CampaignEffect(),
        SegmentList(),
        CallList(),
        NegativeAnalysis(),
    ]
