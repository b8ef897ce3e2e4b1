"""The order-to-cash reports of the manufacturing plugin."""

from __future__ import annotations

from typing import Any


def all_reports() -> list[Any]:
    from plugins.manufacturing.reports.operations import OrderBacklog, ProfitCheck, TenderAnalysis
    from plugins.manufacturing.reports.receivables import CollectionStatus, ReceivablesAgeing

    return [
        CollectionStatus(),
        ReceivablesAgeing(),
        OrderBacklog(),
        TenderAnalysis(),
        ProfitCheck(),
    ]
