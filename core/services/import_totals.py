"""The summary totals of one imported batch, gathered while its lines go in (SQLite).

Re-reading a million fresh lines with ``GROUP BY`` costs SQLite about a second per summary
table (a sort each), and recomputing whole months costs more. The importer already holds
every validated line, so it hands each chunk here: the columns go into numpy arrays as
integers (day ordinals, ids, cents, thousandths), and at the end one sort per grain gives
the batch's totals, which ``core.summaries.upsert_parts`` adds to the summary tables in
key order. Sums are exact integers; amounts reach SQLite as the float SQLite would have made of
the decimal text anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from core.models_summary import YTD_COLUMNS
from core.services.import_rows import LineTuple
from core.services.import_writes import insert_flat
from core.summaries import GRAINS, Grain, upsert_parts, ytd_upsert_parts

# Below these the float parse of the checked decimal text, times 100 (1000), is exact after
# rounding; bigger values take the Decimal path.
FLOAT_EXACT_AMOUNT = 1e11
FLOAT_EXACT_QUANTITY = 1e9
Arrays = dict[str, np.ndarray]
Upsert = tuple[str, int, str, list[Any]]  # head, values per row, tail, the values


class _Ordinals(dict[str, int]):
    """ISO date text -> proleptic ordinal, filled on first sight (few distinct dates)."""

    def __missing__(self, day: str) -> int:
        value = self[day] = dt.date.fromisoformat(day).toordinal()
        return value


class BatchTotals:
    """Collects validated lines chunk by chunk; ``apply`` upserts the totals."""

    def __init__(self) -> None:
        self._ordinals = _Ordinals()
        self._parts: list[Arrays] = []
        self.rows = 0

    def add(self, chunk: Sequence[LineTuple]) -> None:
        if not chunk:
            return
        days, customers, products, reps, regions, qty, amount = (
            list(map(itemgetter(i), chunk)) for i in (0, 1, 2, 3, 4, 6, 7)
        )
        n = len(chunk)
        self._parts.append(
            {
                "day": np.fromiter(map(self._ordinals.__getitem__, days), np.int64, n),
                "customer_id": np.array(customers, dtype=np.int64),
                "product_id": np.array(products, dtype=np.int64),
                "rep_id": _ids(reps),
                "region_id": _ids(regions),
                "cents": _scaled(amount, 2, FLOAT_EXACT_AMOUNT),
                "milli": _scaled(qty, 3, FLOAT_EXACT_QUANTITY),
            }
        )
        self.rows += n

    def prepare(self) -> list[Upsert]:
        """Each summary's upsert with its values flat and ready to bind; touches no
        database, so it runs while SQLite rebuilds the line indexes on another thread
        (building the Python values there takes them off the connection's time)."""
        if not self._parts:
            return []
        cols = {k: np.concatenate([p.pop(k) for p in self._parts]) for k in list(self._parts[0])}
        self._parts = []
        first_day = int(cols["day"].min())
        span = int(cols["day"].max()) - first_day + 1
        cols["month"] = _month_index(first_day, span)[cols["day"] - first_day]
        upserts = []
        for grain in GRAINS:
            keys, sums = _totals(cols, grain)
            upserts.append((*upsert_parts(grain), _flat(_rows(grain, keys, sums))))
        # YTD from the customer x month totals (the last grain)
        upserts.append((*ytd_upsert_parts(), _flat(_ytd_rows(keys, sums))))
        return upserts

    def apply(self, session: Session, prepared: list[Upsert] | None = None) -> None:
        """Add the totals (``prepare``'s, or prepared now) to every summary table."""
        for head, width, tail, values in self.prepare() if prepared is None else prepared:
            insert_flat(session, head, width, values, tail)


def _flat(rows: Iterator[tuple[Any, ...]]) -> list[Any]:
    """Rows as one list of values: a third of the memory of as many tuples."""
    return list(chain.from_iterable(rows))


def _ids(values: list[int | None]) -> np.ndarray:
    """Ids with NULL as 0 (ids start at 1; the summaries' unique keys fold NULL to 0)."""
    if None in values:
        return np.array([v or 0 for v in values], dtype=np.int64)
    return np.array(values, dtype=np.int64)


def _scaled(texts: list[str], places: int, exact_below: float) -> np.ndarray:
    """Checked decimal text as integers of 10**-places (cents, thousandths)."""
    floats = np.array(texts, dtype=np.float64)
    if floats.size and np.abs(floats).max() < exact_below:  # returns are negative
        return np.rint(floats * 10**places).astype(np.int64)
    return np.array([int(Decimal(t).scaleb(places)) for t in texts], dtype=np.int64)


def _month_index(first_day: int, span: int) -> np.ndarray:
    """For each day ordinal from ``first_day``, year * 12 + month - 1."""
    out = np.empty(span, dtype=np.int64)
    for offset in range(span):
        day = dt.date.fromordinal(first_day + offset)
        out[offset] = day.year * 12 + day.month - 1
    return out


def _totals(cols: Arrays, grain: Grain) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Distinct keys of ``grain`` in key order, and per key: cents, thousandths, count."""
    key_cols = [cols[c] for c in grain.columns]
    order = np.argsort(_packed(key_cols))
    sorted_keys = [k[order] for k in key_cols]
    new = np.zeros(len(order), dtype=bool)
    new[0] = True
    for k in sorted_keys:
        new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, len(order)))
    sums = [np.add.reduceat(_exact(cols[m])[order], starts) for m in ("cents", "milli")]
    return [k[starts] for k in sorted_keys], [*sums, counts]


def _exact(values: np.ndarray) -> np.ndarray:
    """``values`` as they are when no sum of them can pass int64, else as Python ints
    (slower, exact): 100,000 lines of the largest quantity would wrap."""
    if values.size and int(np.abs(values).max()) * values.size >= 2**63:
        return values.astype(object)
    return values


def _packed(key_cols: list[np.ndarray]) -> np.ndarray:
    """One int64 per row ordering like the key columns (one sort instead of a lexsort)."""
    packed = np.zeros(len(key_cols[0]), dtype=np.int64)
    room = 1
    for k in key_cols:
        low, span = int(k.min()), int(k.max() - k.min()) + 1
        room *= span
        if room >= 2**62:  # too wide to pack: sort on the columns themselves
            return np.lexsort(key_cols[::-1]).argsort(kind="stable")
        packed = packed * span + (k - low)
    return packed


def _rows(
    grain: Grain, keys: list[np.ndarray], sums: list[np.ndarray]
) -> Iterator[tuple[Any, ...]]:
    time = keys[0].tolist()
    when = _iso_days(time) if grain.time == "day" else _iso_months(time)
    others = [
        _nullable(k) if name in ("rep_id", "region_id") else k.tolist()
        for name, k in zip(grain.keys, keys[1:], strict=True)
    ]
    cents, milli, counts = sums
    return zip(
        when, *others, (cents / 100).tolist(), (milli / 1000).tolist(), counts.tolist(), strict=True
    )


def _ytd_rows(keys: list[np.ndarray], sums: list[np.ndarray]) -> Iterator[tuple[Any, ...]]:
    """Per (year, customer): the cumulative amount at each month end, as YTD deltas."""
    years, month_no = np.divmod(keys[0], 12)
    order = np.lexsort((month_no, keys[1], years))
    years, month_no, customers = years[order], month_no[order], keys[1][order]
    pair = np.ones(len(years), dtype=bool)
    pair[1:] = (years[1:] != years[:-1]) | (customers[1:] != customers[:-1])
    starts = np.flatnonzero(pair)
    grid = np.zeros((len(starts), len(YTD_COLUMNS)), dtype=sums[0].dtype)
    grid[np.cumsum(pair) - 1, month_no] = sums[0][order]  # one (year, customer, month) each
    cumulative = np.cumsum(grid, axis=1) / 100
    return zip(
        years[starts].tolist(), customers[starts].tolist(), *cumulative.T.tolist(), strict=True
    )


def _iso_days(ordinals: list[int]) -> list[str]:
    names: dict[int, str] = {}
    return [
        names.get(o) or names.setdefault(o, dt.date.fromordinal(o).isoformat()) for o in ordinals
    ]


def _iso_months(indexes: list[int]) -> list[str]:
    names: dict[int, str] = {}
    return [
        names.get(i) or names.setdefault(i, f"{i // 12:04d}-{i % 12 + 1:02d}-01") for i in indexes
    ]


def _nullable(ids: np.ndarray) -> list[int | None]:
    return [v or None for v in ids.tolist()]
