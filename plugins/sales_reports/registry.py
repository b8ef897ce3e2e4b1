"""The list of reports this plugin contributes, in the order menus show them."""

from __future__ import annotations

from typing import Any

from plugins.sales_reports.benchmark_reports import (
    ProductRegionMonths,
    RepPeriods,
    TopCustomers,
)


def all_reports() -> list[Any]:
    return [RepPeriods(), ProductRegionMonths(), TopCustomers()]
