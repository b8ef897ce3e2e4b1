"""An example third-party salesdesk plugin.

It adds one report (customers per industry) and one exporter (JSON). This module only
implements hooks; the work lives in ``reports.py`` and ``exporters.py`` and is imported
when the hook is called, so loading the plugin stays cheap.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_reports() -> list[Any]:
    from salesdesk_example_report.reports import CustomersPerIndustry

    return [CustomersPerIndustry()]


@hookimpl
def salesdesk_exporters() -> list[Any]:
    from salesdesk_example_report.exporters import JsonExporter

    return [JsonExporter()]
