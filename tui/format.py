"""How values look in tables: money with thousands separators, dates, enum labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rich.text import Text

from core.i18n import _

# Enum values stored in the database -> English labels (translated through the catalog).
LABELS = {
    "potential": "Potential", "promising": "Most promising", "closing": "About to close",
    "customer": "Customer", "dormant": "Dormant", "active": "Active", "inactive": "Inactive",
    "blocked": "Blocked", "small": "Small", "medium": "Medium", "large": "Large",
    "open": "Open", "won": "Won", "lost": "Lost", "order": "Order",
    "collection": "Collection", "development": "Development", "service": "Service",
    "explanation": "Explanation", "prospect": "Prospect", "new": "New",
    "existing": "Existing", "sunny": "Sunny", "cloudy": "Cloudy", "overcast": "Overcast",
    "rain": "Rain", "snow": "Snow", "fog": "Fog", "windy": "Windy",
}


def label(value: Any) -> str:
    text = str(getattr(value, "value", value) or "")
    return _(LABELS[text]) if text in LABELS else text


def money(value: Any) -> Text:
    if value is None:
        return Text("—", justify="right")
    return Text(f"{Decimal(value):,.2f}", justify="right")


def number(value: Any) -> Text:
    return Text(f"{value:,}" if isinstance(value, int) else str(value), justify="right")


def cell(value: Any) -> Any:
    """A table cell for any value a service returns."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return money(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return label(value) if str(value) in LABELS else str(value)


def fit_columns(table: Any, headers: list[str], rows: list[tuple[Any, ...]],
                widest: int = 30) -> None:
    """Add columns sized to their content (CJK counted as two cells), at most ``widest``.

    Fixed widths keep a table that is refilled while hidden (a tab, a content switcher)
    from drawing rows at the header's width.
    """
    from rich.cells import cell_len

    def width_of(value: Any) -> int:
        return cell_len(value.plain if isinstance(value, Text) else str(value))

    for index, header in enumerate(headers):
        content = max((width_of(row[index]) for row in rows), default=0)
        table.add_column(header, width=min(widest, max(width_of(header), content)))
