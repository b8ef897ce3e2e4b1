"""The list of reports this plugin contributes, in the order menus show them."""

from __future__ import annotations

from typing import Any

from plugins.sales_reports.reports.benchmark import (
    ProductRegionMonths,
    RepPeriods,
    TopCustomers,
)
from plugins.sales_reports.reports.collection import CollectionStatus, ReceivablesAgeing
from plugins.sales_reports.reports.daily import DailyVisitForm, RepWeekly
from plugins.sales_reports.reports.other import (
    ActivityStats,
    BudgetVsActual,
    CustomerChanges,
    PriceList,
)
from plugins.sales_reports.reports.sales import DailySales, MonthlySales, MultiYear, RepMonthly


def all_reports() -> list[Any]:
    return [
        DailySales(),
        DailyVisitForm(),
        RepWeekly(),
        ActivityStats(),
        RepMonthly(),
        MonthlySales(),
        CustomerChanges(),
        MultiYear(),
        PriceList(),
        BudgetVsActual(),
        RepPeriods(),
        ProductRegionMonths(),
        TopCustomers(),
        CollectionStatus(),
        ReceivablesAgeing(),
    ]
