"""The price calculation table (楼盘售价计算表) and area settlement (面积补差): pure
Decimal arithmetic, so every figure can be checked by hand.

Unit price (per m2 of building area)::

    unit_price  = round2((base + sum of matching per-m2 amounts) * (1 + sum of matching percents))
    total_price = round2(unit_price * building_area)

A factor matches a unit when its ``kind`` names an attribute of the unit and its ``key``
equals that attribute: floor (the floor number), orientation, view, layout, unit (the unit
number: a custom adjustment of one unit). Rounding is half-up to the cent, as a sales office
rounds by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.report_kit import money

ZERO = Decimal("0")
FACTOR_KINDS = ("floor", "orientation", "view", "layout", "unit")
AREA_TOLERANCE = Decimal("0.03")  # 3 %: the usual contract clause on area differences


def round2(value: Decimal) -> Decimal:
    return money(value)  # half-up to the cent, as the price lists print


@dataclass(frozen=True)
class Factor:
    kind: str
    key: str
    amount: Decimal = ZERO  # per m2
    percent: Decimal = ZERO  # a fraction: 0.03 is 3 %


@dataclass(frozen=True)
class UnitShape:
    """What the price table reads of a unit."""

    unit_no: str
    floor: int
    orientation: str
    view: str
    layout: str
    building_area: Decimal


@dataclass(frozen=True)
class PricedUnit:
    unit_no: str
    building_area: Decimal
    amount: Decimal  # sum of per-m2 adjustments
    percent: Decimal  # sum of percentage adjustments
    unit_price: Decimal
    total_price: Decimal


@dataclass(frozen=True)
class PriceTable:
    base_price: Decimal
    lines: tuple[PricedUnit, ...]

    @property
    def unit_count(self) -> int:
        return len(self.lines)

    @property
    def total_area(self) -> Decimal:
        return sum((line.building_area for line in self.lines), ZERO)

    @property
    def total_value(self) -> Decimal:
        return sum((line.total_price for line in self.lines), ZERO)

    @property
    def average_price(self) -> Decimal:
        """Saleable value / saleable area (a weighted average, as the office computes it)."""
        area = self.total_area
        return round2(self.total_value / area) if area else ZERO

    def line(self, unit_no: str) -> PricedUnit:
        return next(line for line in self.lines if line.unit_no == unit_no)


def _attribute(unit: UnitShape, kind: str) -> str:
    value = {
        "floor": str(unit.floor),
        "orientation": unit.orientation,
        "view": unit.view,
        "layout": unit.layout,
        "unit": unit.unit_no,
    }.get(kind, "")
    return value.strip().upper()


def price_unit(base: Decimal, unit: UnitShape, factors: Iterable[Factor]) -> PricedUnit:
    matched = [f for f in factors if f.key.strip().upper() == _attribute(unit, f.kind) != ""]
    amount = sum((f.amount for f in matched), ZERO)
    percent = sum((f.percent for f in matched), ZERO)
    unit_price = round2((base + amount) * (1 + percent))
    return PricedUnit(
        unit.unit_no,
        unit.building_area,
        amount,
        percent,
        unit_price,
        round2(unit_price * unit.building_area),
    )


def price_table(base: Decimal, units: Iterable[UnitShape], factors: Iterable[Factor]) -> PriceTable:
    factor_list = list(factors)
    lines = tuple(price_unit(base, u, factor_list) for u in units)
    return PriceTable(base, lines)


@dataclass(frozen=True)
class AreaSettlement:
    contracted_area: Decimal
    measured_area: Decimal
    unit_price: Decimal
    difference: Decimal  # measured - contracted, m2
    ratio: Decimal  # difference / contracted
    amount: Decimal  # > 0 the buyer pays, < 0 the buyer is refunded


def settle_area(
    contracted: Decimal, measured: Decimal, unit_price: Decimal, tolerance: Decimal = AREA_TOLERANCE
) -> AreaSettlement:
    """Area-difference settlement (面积补差) under the usual contract clause.

    Within ``tolerance`` of the contracted area the difference is settled at the contract
    unit price, both ways. Above it the buyer pays only for the part within the tolerance
    (the developer bears the rest). Below it the developer refunds the part within the
    tolerance at the unit price and the part beyond it at twice the unit price.
    """
    if contracted <= 0:
        raise ValueError("the contracted area must be positive")
    diff = measured - contracted
    limit = contracted * tolerance
    if abs(diff) <= limit:
        amount = round2(diff * unit_price)
    elif diff > 0:
        amount = round2(limit * unit_price)
    else:
        beyond = -diff - limit
        amount = -round2(limit * unit_price + beyond * unit_price * 2)
    ratio = (diff / contracted).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return AreaSettlement(contracted, measured, unit_price, diff, ratio, amount)
