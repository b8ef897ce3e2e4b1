"""How values look in tables: money with thousands separators, dates, enum labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from rich.text import Text

from core.i18n import _

# Enum values stored in the database -> English labels (translated through the catalog).
LABELS = {
    "potential": "Potential",
    "promising": "Most promising",
    "closing": "About to close",
    "customer": "Customer",
    "dormant": "Dormant",
    "active": "Active",
    "inactive": "Inactive",
    "blocked": "Blocked",
    "small": "Small",
    "medium": "Medium",
    "large": "Large",
    "open": "Open",
    "won": "Won",
    "lost": "Lost",
    "order": "Order",
    "collection": "Collection",
    "development": "Development",
    "service": "Service",
    "explanation": "Explanation",
    "prospect": "Prospect",
    "new": "New",
    "existing": "Existing",
    "sunny": "Sunny",
    "cloudy": "Cloudy",
    "overcast": "Overcast",
    "rain": "Rain",
    "snow": "Snow",
    "fog": "Fog",
    "windy": "Windy",
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


def fit_columns(
    table: Any,
    headers: list[str],
    rows: list[tuple[Any, ...]],
    widest: int = 30,
    room: int | None = None,
    keys: list[str] | None = None,
    keep: tuple[int, ...] = (),
) -> None:
    """Add columns (keyed by ``keys`` when given) sized to their content (CJK counted
    as two cells), within the room the table has (the screen's width unless ``room``
    is given).

    Where everything fits, each column is as wide as its content: a wide terminal shows
    whole names. Where it does not, text columns are narrowed (the widest first, never
    below their header) so amounts, dates and the last columns stay on screen.
    Fixed widths keep a table that is refilled while hidden (a tab, a content switcher)
    from drawing rows at the header's width.
    """
    from rich.cells import cell_len

    def width_of(value: Any) -> int:
        return cell_len(value.plain if isinstance(value, Text) else str(value))

    heads = [width_of(h) for h in headers]
    natural = [max([heads[i]] + [width_of(row[i]) for row in rows]) for i in range(len(headers))]
    # ``keep``: columns never narrowed (a document number, cut, names another document)
    shrinkable = [i for i in range(len(headers)) if i not in keep and _is_text(rows, i)]
    if room is None:
        room = _room_for(table)
    pad = 2 * getattr(table, "cell_padding", 1)
    widths = list(natural)
    if room and sum(widths) + pad * len(widths) > room:
        widths = [min(w, widest) if i in shrinkable else w for i, w in enumerate(widths)]
        while sum(widths) + pad * len(widths) > room:
            candidates = [i for i in shrinkable if widths[i] > max(heads[i], 6)]
            if not candidates:
                break
            widths[max(candidates, key=lambda i: widths[i])] -= 1
    elif not room:
        widths = [min(w, widest) for w in widths]
    for i, (header, width) in enumerate(zip(headers, widths, strict=True)):
        if keys:
            table.add_column(header, width=width, key=keys[i])
        else:
            table.add_column(header, width=width)


def widen_to_read(
    widths: dict[str, int], key: str, labels: list[str], donors: dict[str, int]
) -> dict[str, int]:
    """``widths`` (a narrow screen's fixed column widths) with column ``key`` as wide as
    its longest label in the reader's language (CJK counted as two cells), the cells
    taken from ``donors`` in order, each down to the narrowest it may get: a label is
    one of a few words a user scans for, a name cut short still opens its record."""
    from rich.cells import cell_len

    widened = dict(widths)
    wanted = max((cell_len(text) for text in labels), default=0) - widened[key]
    for donor, narrowest in donors.items():
        given = max(0, min(wanted, widened[donor] - narrowest))
        widened[donor] -= given
        widened[key] += given
        wanted -= given
    return widened


def _room_for(table: Any) -> int:
    """Columns the table may use: its own width once laid out, else the screen's (less
    its scrollbar)."""
    try:
        width = table.size.width or table.app.size.width - 2
    except Exception:  # not mounted yet
        return 0
    return max(0, width - 2)


def _is_text(rows: list[tuple[Any, ...]], index: int) -> bool:
    """Free text (names, titles) may be cut; right-aligned figures and dates may not."""
    for row in rows[:50]:
        value = row[index]
        if isinstance(value, Text) and value.justify == "right":
            return False
        text = value.plain if isinstance(value, Text) else str(value)
        if len(text) in (10, 16) and text[4:5] == "-" and text[:4].isdigit():
            return False  # a date, or a date and time ("2026-12-06 13:59")
    return True
