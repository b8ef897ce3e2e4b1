"""The standard sales forms (docs/domain.md section 7) and the benchmark reports Q1-Q3.

Every report reads the summary tables of ``core.models_summary`` where the reader's
record rules allow it and the sales lines otherwise, so totals never include rows the
reader may not see.
"""

from __future__ import annotations

from typing import Any

from core.hookspecs import hookimpl


@hookimpl
def salesdesk_reports() -> list[Any]:
    from plugins.sales_reports.reports import all_reports

    return all_reports()
