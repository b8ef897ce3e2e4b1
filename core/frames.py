"""Report tables to and from pandas DataFrames.

For analysts: ``result.to_pandas()`` (or ``table.to_pandas()``) turns a report's tables into
DataFrames for scripts and notebooks. One column per report column, named by its id;
money, quantities and percentages stay exact ``Decimal`` objects (``frame["amount"].sum()``
is exact), integers are pandas' nullable ``Int64``, dates ``datetime64``, text ``str``. The
column titles, kinds and the totals row travel in ``frame.attrs["salesdesk"]``.

For report authors: :func:`table_from_frame` builds a :class:`core.reports.Table` from a
DataFrame, keeping column kinds (given, carried in ``attrs``, or read from the values) and
turning money into ``Decimal``. It cannot see where the rows came from: the query that fed
the frame must already apply the reader's record rules, as :func:`frame_from_query`'s
caller does with ``core.access.visible``. pandas is imported only by this module, so
opening salesdesk does not pay for it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.reports import TOTAL_EN, Column, ColumnKind, ReportResult, Table

if TYPE_CHECKING:
    import sqlalchemy as sa

    from core.context import Context

ATTRS = "salesdesk"  # frame.attrs key holding the table's titles, columns and totals
CENT = Decimal("0.01")
DECIMAL_KINDS = (ColumnKind.MONEY, ColumnKind.QUANTITY, ColumnKind.PERCENT)


# ---------------------------------------------------------------------------------------
# Report tables -> DataFrames
# ---------------------------------------------------------------------------------------


def table_to_frame(table: Table) -> pd.DataFrame:
    """The table as a DataFrame (its rows are read, a generator once)."""
    rows = table.materialize()
    data = {
        col.id: _series([row[i] for row in rows], col.kind) for i, col in enumerate(table.columns)
    }
    frame = pd.DataFrame(data, columns=[col.id for col in table.columns])
    frame.attrs[ATTRS] = {
        "id": table.id,
        "title_en": table.title_en,
        "title_zh": table.title_zh,
        "columns": [
            {
                "id": c.id,
                "title_en": c.title_en,
                "title_zh": c.title_zh,
                "kind": str(c.kind),
                "total": c.total,
            }
            for c in table.columns
        ],
        "totals": list(table.totals) if table.totals is not None else None,
        "drill_columns": list(table.drill_columns),
    }
    return frame


def result_to_frames(result: ReportResult) -> dict[str, pd.DataFrame]:
    """Every table of the result by its id, in the report's order."""
    return {table.id: table_to_frame(table) for table in result.tables}


def _series(values: list[Any], kind: ColumnKind) -> pd.Series:
    if kind == ColumnKind.INTEGER:
        return pd.Series(values, dtype="Int64")
    if kind == ColumnKind.DATE:
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)))
    if kind in DECIMAL_KINDS:
        return pd.Series(values, dtype=object)
    return pd.Series(values, dtype="str") if values else pd.Series(values, dtype=object)


# ---------------------------------------------------------------------------------------
# DataFrames -> report tables
# ---------------------------------------------------------------------------------------


def table_from_frame(
    frame: pd.DataFrame,
    table_id: str | None = None,
    title_en: str | None = None,
    title_zh: str | None = None,
    *,
    kinds: Mapping[str, ColumnKind | str] | None = None,
    titles: Mapping[str, tuple[str, str]] | None = None,
    total_columns: Iterable[str] | None = None,
) -> Table:
    """A report table from ``frame``: one column per frame column, in order.

    :param kinds: column name -> kind; for the others the kind carried in
        ``frame.attrs`` (a frame made by :func:`table_to_frame`) or read from the values:
        ``Decimal`` is money, whole numbers integers, other numbers quantities, dates and
        timestamps dates, anything else text. Say ``MONEY`` for a money column held as
        floats: its values become ``Decimal`` rounded to the cent.
    :param titles: column name -> (English, Chinese) title (default: the carried ones,
        or the name in English).
    :param total_columns: columns whose sum is the totals row (the first text column
        reads "Total"); default: the carried totals, or none.
    """
    meta = frame.attrs.get(ATTRS) or {}
    carried = {c["id"]: c for c in meta.get("columns", [])}
    kinds = dict(kinds or {})
    titles = dict(titles or {})
    columns = []
    for name in frame.columns:
        key = str(name)
        old = carried.get(key, {})
        kind = ColumnKind(kinds.get(key) or old.get("kind") or _infer(frame[name]))
        en, zh = titles.get(key) or (old.get("title_en", key), old.get("title_zh", ""))
        total = key in set(total_columns) if total_columns is not None else bool(old.get("total"))
        columns.append(Column(key, en, zh, kind, total))
    rows = [
        tuple(_cell(value, col.kind) for value, col in zip(values, columns, strict=True))
        for values in frame.itertuples(index=False, name=None)
    ]
    if total_columns is not None:
        totals = _totals(columns, rows)
    else:
        totals = tuple(meta["totals"]) if meta.get("totals") is not None else None
    return Table(
        table_id or meta.get("id", "table"),
        title_en or meta.get("title_en", ""),
        title_zh if title_zh is not None else meta.get("title_zh", ""),
        columns,
        rows,
        totals=totals,
        drill_columns=tuple(meta.get("drill_columns", ())),
    )


def _infer(series: pd.Series) -> ColumnKind:
    if pd.api.types.is_bool_dtype(series):
        return ColumnKind.TEXT
    if pd.api.types.is_integer_dtype(series):
        return ColumnKind.INTEGER
    if pd.api.types.is_float_dtype(series):
        return ColumnKind.QUANTITY
    if pd.api.types.is_datetime64_any_dtype(series):
        return ColumnKind.DATE
    sample = next((v for v in series if not _missing(v)), None)
    if isinstance(sample, Decimal):
        return ColumnKind.MONEY
    if isinstance(sample, dt.date):
        return ColumnKind.DATE
    if isinstance(sample, int) and not isinstance(sample, bool):
        return ColumnKind.INTEGER
    return ColumnKind.TEXT


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _cell(value: Any, kind: ColumnKind) -> Any:
    """One value as a report table holds it for ``kind`` (None when missing)."""
    if _missing(value):
        return None
    if kind == ColumnKind.TEXT:
        return str(value)
    if kind == ColumnKind.INTEGER:
        return int(value)
    if kind == ColumnKind.DATE:
        return value.date() if isinstance(value, dt.datetime) else value
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 0.1 -> "0.1"
        exact = Decimal(repr(value))
        return exact.quantize(CENT) if kind == ColumnKind.MONEY else exact
    return Decimal(int(value)) if isinstance(value, int) else Decimal(str(value))


def _totals(columns: list[Column], rows: list[tuple]) -> tuple | None:
    if not any(col.total for col in columns):
        return None
    totals: list[Any] = [None] * len(columns)
    for i, col in enumerate(columns):
        if col.total:
            totals[i] = sum(
                (row[i] for row in rows if row[i] is not None),
                Decimal(0) if col.kind in DECIMAL_KINDS else 0,
            )
    label = next(
        (i for i, col in enumerate(columns) if col.kind == ColumnKind.TEXT and not col.total), None
    )
    if label is not None:
        totals[label] = TOTAL_EN
    return tuple(totals)


# ---------------------------------------------------------------------------------------
# Reading a frame from the database
# ---------------------------------------------------------------------------------------


def frame_from_query(ctx: Context, statement: sa.Select) -> pd.DataFrame:
    """Run ``statement`` in a read session of ``ctx`` into a DataFrame, one column per
    selected label, values as the database returns them (``Decimal`` money stays exact).

    The statement must filter with ``core.access.visible(ctx, Model)`` for every model
    it reads, like any report query: this function cannot add the reader's record rules.
    """
    with ctx.reading() as session:
        result = session.execute(statement)
        names = list(result.keys())
        rows = result.all()
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=names)
