"""Show a report ``Table`` in a DataTable: formatted by column kind, totals last, the
first rows only (a preview; exports write every row)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual.widgets import DataTable

from core.i18n import current_lang, labelled, pick
from core.reports import TOTAL_EN, TOTAL_ZH, ColumnKind, Table

PREVIEW_ROWS = 1000
TOTALS_KEY = "__totals__"


def format_value(kind: ColumnKind, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):  # a label (e.g. "Total") in any column
        return TOTAL_ZH if value == TOTAL_EN and current_lang() == "zh_CN" else value
    if kind is ColumnKind.PERCENT:
        return Text(f"{Decimal(value) * 100:,.1f} %", justify="right")
    if kind is ColumnKind.MONEY:
        return Text(f"{Decimal(value):,.2f}", justify="right")
    if kind is ColumnKind.QUANTITY:
        return Text(quantity_text(value), justify="right")
    if kind is ColumnKind.INTEGER:
        return Text(f"{int(value):,}", justify="right")
    if kind is ColumnKind.DATE:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = str(value)
    return TOTAL_ZH if text == TOTAL_EN and current_lang() == "zh_CN" else text


def quantity_text(value: Any) -> str:
    """A Decimal as stored, to its own places (an area 118.60 m² stays 118.60); a float or
    a long computed Decimal to at most 3 places, trailing zeros dropped."""
    if isinstance(value, Decimal) and value.as_tuple().exponent >= -3:
        return f"{value:,}"
    return f"{Decimal(value):,.3f}".rstrip("0").rstrip(".")


class ReportTable(DataTable[Any]):
    """Cells keep the report's row tuples so a figure can be drilled into."""

    def __init__(self, table: Table, **kwargs: Any) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=True, **kwargs)
        self.table = table
        self.rows_shown: list[tuple[Any, ...]] = list(
            itertools.islice(iter(table.rows), PREVIEW_ROWS)
        )
        if not isinstance(table.rows, list | tuple):
            table.rows = self.rows_shown  # a generator is spent: keep what we read

    def on_mount(self) -> None:
        lang = current_lang()
        for column in self.table.columns:
            self.add_column(column.title(lang), key=column.id)
        for index, row in enumerate(self.rows_shown):
            self.add_row(
                *[format_value(c.kind, v) for c, v in zip(self.table.columns, row, strict=False)],
                key=str(index),
            )
        if self.table.totals is not None:
            cells = [
                format_value(c.kind, v)
                for c, v in zip(self.table.columns, self.table.totals, strict=False)
            ]
            self.add_row(
                *[Text.assemble((c, "bold")) if isinstance(c, str) else c for c in cells],
                key=TOTALS_KEY,
            )

    def figure_at(self, row_index: int, col_index: int) -> tuple[tuple | None, str] | None:
        """(row tuple or None for totals, column id) under the cursor, if drillable."""
        column = self.table.columns[col_index]
        if column.kind is ColumnKind.TEXT or column.kind is ColumnKind.DATE:
            return None
        if self.table.drill_columns and column.id not in self.table.drill_columns:
            return None
        key = self.coordinate_to_cell_key((row_index, col_index)).row_key.value
        if key == TOTALS_KEY:
            return None, column.id
        return self.rows_shown[int(key or 0)], column.id

    def note(self) -> str:
        total = self.table.row_count
        shown = len(self.rows_shown)
        title = pick(self.table.title_en, self.table.title_zh)
        if total is not None and total > shown:
            return labelled(title, f"{shown:,} / {total:,}")
        return labelled(title, f"{shown:,}")
