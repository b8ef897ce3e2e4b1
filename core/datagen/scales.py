"""The three data-set sizes the generator knows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    reps: int
    areas: int
    cities: int
    channels: int
    products: int
    customers: int
    sales_lines: int
    opportunities: int
    activity_days: int = 14
    years: int = 3

    @property
    def regions(self) -> int:
        return 1 + self.areas + self.cities


SCALES: dict[str, Scale] = {
    # A demo a person can read: 5 regions (country, 2 areas, 2 cities), 3 managers.
    "small": Scale(
        "small",
        reps=8,
        areas=2,
        cities=2,
        channels=3,
        products=12,
        customers=150,
        sales_lines=20_000,
        opportunities=80,
    ),
    "medium": Scale(
        "medium",
        reps=50,
        areas=4,
        cities=10,
        channels=6,
        products=30,
        customers=10_000,
        sales_lines=1_000_000,
        opportunities=2_000,
    ),
    "large": Scale(
        "large",
        reps=200,
        areas=5,
        cities=24,
        channels=10,
        products=50,
        customers=100_000,
        sales_lines=5_000_000,
        opportunities=10_000,
    ),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ValueError(f"unknown scale '{name}'; expected one of {', '.join(SCALES)}") from None
