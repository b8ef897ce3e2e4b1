"""Sales lines: shaped by trend, season and weekday, streamed in numpy-built chunks.

Every line is decided in integer cents so sums are exact and identical on every run.
The same generator feeds the database loader and the CSV writer, so an imported CSV
holds exactly the lines ``generate`` would have inserted.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np

from core.datagen.world import BUYER, DORMANT, World, np_rng

SALES_CHUNK = 50_000
GROWTH_PER_YEAR = 0.10
PRICE_RISE_PER_YEAR = 0.03
# Chinese New Year empties February; the year-end push fills November and December.
SEASON = (0.95, 0.62, 1.02, 1.0, 1.0, 1.08, 0.97, 0.94, 1.02, 0.98, 1.12, 1.30)
WEEKDAY = (1.0, 1.05, 1.05, 1.0, 1.1, 0.3, 0.12)
CSV_HEADER = (
    "date",
    "customer_code",
    "product_code",
    "rep_login",
    "region_code",
    "channel_code",
    "quantity",
    "amount",
)


@dataclass
class SalesChunk:
    """Parallel arrays for one chunk of lines (indexes into the world's lists)."""

    day: np.ndarray
    customer: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    cents: np.ndarray


def day_counts(world: World) -> np.ndarray:
    """How many lines fall on each day of the window (exactly ``sales_lines`` in all)."""
    first = world.first_day
    weights = np.empty(world.days)
    for d in range(world.days):
        day = first + dt.timedelta(days=d)
        weights[d] = (
            (1 + GROWTH_PER_YEAR) ** (d / 365.25) * SEASON[day.month - 1] * WEEKDAY[day.weekday()]
        )
    exact = weights / weights.sum() * world.scale.sales_lines
    counts = np.floor(exact).astype(np.int64)
    short = world.scale.sales_lines - int(counts.sum())
    # Largest remainder, ties by day order: deterministic and exact.
    order = np.argsort(-(exact - counts), kind="stable")[:short]
    counts[order] += 1
    return counts


def sales_chunks(world: World, chunk_size: int = SALES_CHUNK) -> Iterator[SalesChunk]:
    rng = np_rng(world.seed, 2)
    counts = day_counts(world)
    bounds = np.cumsum(counts)
    buyers = np.flatnonzero((world.kind == BUYER) | (world.kind == DORMANT))
    cdf = np.cumsum(world.weight[buyers])
    cdf /= cdf[-1]
    always = buyers[(world.active_from[buyers] == 0) & (world.kind[buyers] == BUYER)]
    always_cdf = np.cumsum(world.weight[always])
    always_cdf /= always_cdf[-1]
    weights = np.array([p["_weight"] for p in world.products])
    product_cdf = np.cumsum(weights) / weights.sum()
    q_low = np.array([p["_q"][0] for p in world.products])
    q_span = np.array([p["_q"][1] - p["_q"][0] + 1 for p in world.products])
    prices = np.array([p["_price_cents"] for p in world.products], dtype=np.int64)
    total = world.scale.sales_lines
    for start in range(0, total, chunk_size):
        rows = np.arange(start, min(total, start + chunk_size))
        day = np.searchsorted(bounds, rows, side="right")
        customer = _customers_for(rng, day, world, buyers, cdf, always, always_cdf)
        product = np.searchsorted(product_cdf, rng.random(len(rows)))
        product = np.minimum(product, len(prices) - 1)
        # Skewed quantities: most lines small, some large.
        quantity = q_low[product] + np.floor(rng.random(len(rows)) ** 2 * q_span[product])
        quantity = quantity.astype(np.int64)
        discount = rng.integers(0, 16, len(rows))
        year = day // 365
        price = prices[product] * (1 + PRICE_RISE_PER_YEAR * year)
        cents = (quantity * np.floor(price) * (100 - discount) // 100).astype(np.int64)
        yield SalesChunk(day, customer, product, quantity, cents)


def _customers_for(
    rng: np.random.Generator,
    day: np.ndarray,
    world: World,
    buyers: np.ndarray,
    cdf: np.ndarray,
    always: np.ndarray,
    always_cdf: np.ndarray,
) -> np.ndarray:
    """Pick customers by weight, redrawing those not buying yet (or any more) that day."""
    customer = buyers[np.minimum(np.searchsorted(cdf, rng.random(len(day))), len(cdf) - 1)]
    for _ in range(10):
        bad = np.flatnonzero(
            (world.active_from[customer] > day) | (world.active_to[customer] <= day)
        )
        if not len(bad):
            return customer
        redraw = np.searchsorted(cdf, rng.random(len(bad)))
        customer[bad] = buyers[np.minimum(redraw, len(cdf) - 1)]
    bad = np.flatnonzero((world.active_from[customer] > day) | (world.active_to[customer] <= day))
    pick = np.minimum(np.searchsorted(always_cdf, rng.random(len(bad))), len(always_cdf) - 1)
    customer[bad] = always[pick]
    return customer


class SalesTotals:
    """Running totals per (rep, month) and overall, for targets and checks."""

    def __init__(self, world: World) -> None:
        self.world = world
        first = world.first_day
        months = (world.reference.year - first.year) * 12 + world.reference.month - first.month
        self.month_of_day = np.array(
            [
                ((first + dt.timedelta(days=d)).year - first.year) * 12
                + (first + dt.timedelta(days=d)).month
                - first.month
                for d in range(world.days)
            ]
        )
        self.by_rep_month = np.zeros((len(world.reps), months + 1), dtype=np.int64)
        self.rows = 0
        self.cents = 0

    def add(self, chunk: SalesChunk) -> None:
        rep = self.world.owner[chunk.customer]
        np.add.at(self.by_rep_month, (rep, self.month_of_day[chunk.day]), chunk.cents)
        self.rows += len(chunk.cents)
        self.cents += int(chunk.cents.sum())


SALES_COLUMNS = (
    "date",
    "customer_id",
    "product_id",
    "rep_id",
    "region_id",
    "channel_id",
    "quantity",
    "amount",
)


def chunk_tuples(world: World, chunk: SalesChunk, sqlite: bool) -> list[tuple]:
    """Rows for ``sales_line`` in SALES_COLUMNS order, already in storage form.

    SQLite keeps dates as ISO text and NUMERIC as REAL (what SQLAlchemy's own bind
    processors would produce); PostgreSQL gets dates and Decimals.
    """
    days = [world.first_day + dt.timedelta(days=d) for d in range(world.days)]
    dates: list[object] = [d.isoformat() for d in days] if sqlite else list(days)
    reps = [r["id"] for r in world.reps]
    region_ids = [r["id"] for r in world.regions]
    channel_ids = [c["id"] for c in world.channels]
    product_ids = [p["id"] for p in world.products]
    base = world.offsets["customer"] + 1
    c = chunk.customer
    amounts = (
        (chunk.cents / 100).tolist()
        if sqlite
        else [Decimal(v).scaleb(-2) for v in chunk.cents.tolist()]
    )
    return list(
        zip(
            [dates[d] for d in chunk.day.tolist()],
            (c + base).tolist(),
            [product_ids[p] for p in chunk.product.tolist()],
            [reps[o] for o in world.owner[c].tolist()],
            [region_ids[h] for h in world.home[c].tolist()],
            [channel_ids[ch] for ch in world.channel[c].tolist()],
            chunk.quantity.tolist(),
            amounts,
            strict=True,
        )
    )


def write_sales_csv(
    path: Path | str, scale: str = "medium", seed: int = 1, reference: dt.date | None = None
) -> tuple[int, int]:
    """Write the scale's sales lines as an import file; return (rows, total cents).

    Columns: date, customer_code, product_code, rep_login, region_code, channel_code,
    quantity, amount. The codes match what ``generate`` loads for the same scale, seed
    and reference date, so the file imports into a database generated with them.
    """
    from core.datagen.scales import get_scale
    from core.datagen.world import build_world

    world = build_world(get_scale(scale), seed, reference or dt.date.today())
    dates = [(world.first_day + dt.timedelta(days=d)).isoformat() for d in range(world.days)]
    logins = [r["login"] for r in world.reps]
    regions = [r["code"] for r in world.regions]
    channels = [c["code"] for c in world.channels]
    products = [p["code"] for p in world.products]
    totals = SalesTotals(world)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(CSV_HEADER)
        for chunk in sales_chunks(world):
            totals.add(chunk)
            c = chunk.customer
            out.writerows(
                (
                    dates[d],
                    f"C{ci + 1:06d}",
                    products[p],
                    logins[o],
                    regions[lf],
                    channels[ch],
                    q,
                    f"{a // 100}.{a % 100:02d}",
                )
                for d, ci, p, o, lf, ch, q, a in zip(
                    chunk.day.tolist(),
                    c.tolist(),
                    chunk.product.tolist(),
                    world.owner[c].tolist(),
                    world.home[c].tolist(),
                    world.channel[c].tolist(),
                    chunk.quantity.tolist(),
                    chunk.cents.tolist(),
                    strict=True,
                )
            )
    return totals.rows, totals.cents
