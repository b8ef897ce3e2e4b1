"""Holiday and working-day adjustment of monthly series (the Spring Festival moves between
January and February; working days vary by month and year).

The effect is estimated on the ratio of each month to its centred 12-month moving
average (the trend taken out), in logs, by least squares on month-of-year dummies (the
ordinary season) and the calendar features of ``plugins.forecast.calendar``. The history
is divided by the estimated effect, forecast as usual, and the forecast multiplied by the
effect of its own months. The automatic choice uses it only where it improves its
backtest (``select.auto_forecast``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plugins.forecast.calendar import CALENDAR_NAMES

MIN_YEARS = 3  # the moving average loses a year: two years of ratios remain to estimate
# The driver made of a series' own price changes (``services.drivers.price_driver``): its
# column is the log of the month's average price over its usual level, so its
# coefficient is the sales' elasticity to price (the quantity's plus one).
PRICE_DRIVER = "Price changes"
PRICE_EXAMPLE_CUT = 0.10  # the explanation says what a price this much lower did


@dataclass(frozen=True)
class HolidayEffect:
    coef: np.ndarray  # one per feature, in logs (0 for a feature that never varied)
    names: tuple[str, ...] = CALENDAR_NAMES

    def factors(self, features: np.ndarray) -> np.ndarray:
        return np.exp(np.asarray(features, dtype=float) @ self.coef)

    def pct(self, name: str) -> float | None:
        """Sales of a month fully under feature ``name`` vs. one without it (%)."""
        if name not in self.names:
            return None
        return 100 * (float(np.exp(self.coef[self.names.index(name)])) - 1)

    def festival_pct(self) -> float:
        """Sales of a month holding the whole festival holiday vs. an ordinary one (%)."""
        return self.pct("spring_holiday") or 0.0

    def pre_festival_pct(self) -> float:
        """Sales of a month holding the three weeks before the festival (%)."""
        return self.pct("spring_pre") or 0.0

    def price_lift(self, cut: float = PRICE_EXAMPLE_CUT) -> tuple[float, float] | None:
        """Quantity and sales (%) of a month whose price is ``cut`` below its usual
        level, against one at the usual price; None without the price driver."""
        if PRICE_DRIVER not in self.names:
            return None
        coef = float(self.coef[self.names.index(PRICE_DRIVER)])
        step = float(np.log(1 - cut))
        return 100 * (float(np.exp((coef - 1) * step)) - 1), 100 * (float(np.exp(coef * step)) - 1)

    @property
    def calendar(self) -> bool:
        return "spring_holiday" in self.names

    @property
    def drivers(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n not in CALENDAR_NAMES)


def estimate(
    y: np.ndarray, features: np.ndarray, season: int = 12, names: tuple[str, ...] = CALENDAR_NAMES
) -> HolidayEffect | None:
    """The calendar (and driver) effect on a positive monthly series, or None when it
    cannot be told apart (too short, not positive, or no feature varied)."""
    n = len(y)
    if season != 12 or n < MIN_YEARS * season or np.min(y) <= 0:
        return None
    kernel = np.ones(13) / 12
    kernel[0] = kernel[-1] = 1 / 24
    trend = np.convolve(y, kernel, mode="valid")
    ratio = np.log(y[6 : 6 + len(trend)] / trend)
    x_all = np.asarray(features, dtype=float)[6 : 6 + len(trend)]
    varying = np.ptp(x_all, axis=0) > 0
    if names[:2] == CALENDAR_NAMES[:2] and not varying[:2].all():
        varying[:3] = False  # the festival never moved: working days alone are noise
    if not varying.any():
        return None
    months = (np.arange(len(trend)) + 6) % season
    dummies = (months[:, None] == np.arange(season)[None, :]).astype(float)
    design = np.column_stack([dummies, x_all[:, varying]])
    coef, *_ = np.linalg.lstsq(design, ratio, rcond=None)
    effect = np.zeros(x_all.shape[1])
    effect[varying] = coef[season:]
    if not np.all(np.isfinite(effect)):
        return None
    return HolidayEffect(np.clip(effect, -1.5, 1.5), tuple(names))
