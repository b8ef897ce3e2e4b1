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

MIN_YEARS = 3  # the moving average loses a year: two years of ratios remain to estimate


@dataclass(frozen=True)
class HolidayEffect:
    coef: np.ndarray  # one per calendar feature, in logs

    def factors(self, features: np.ndarray) -> np.ndarray:
        return np.exp(np.asarray(features, dtype=float) @ self.coef)

    def festival_pct(self) -> float:
        """Sales of a month holding the whole festival holiday vs. an ordinary one (%)."""
        return 100 * (float(np.exp(self.coef[1])) - 1)

    def pre_festival_pct(self) -> float:
        """Sales of a month holding the three weeks before the festival (%)."""
        return 100 * (float(np.exp(self.coef[0])) - 1)


def estimate(y: np.ndarray, features: np.ndarray, season: int = 12) -> HolidayEffect | None:
    """The calendar effect of a positive monthly series, or None when it cannot be told
    apart (too short, not positive, or the festival never moved between months)."""
    n = len(y)
    if season != 12 or n < MIN_YEARS * season or np.min(y) <= 0:
        return None
    kernel = np.ones(13) / 12
    kernel[0] = kernel[-1] = 1 / 24
    trend = np.convolve(y, kernel, mode="valid")
    ratio = np.log(y[6:6 + len(trend)] / trend)
    x_cal = np.asarray(features, dtype=float)[6:6 + len(trend)]
    if np.ptp(x_cal[:, 1]) == 0 or np.ptp(x_cal[:, 0]) == 0:
        return None
    months = (np.arange(len(trend)) + 6) % season
    dummies = (months[:, None] == np.arange(season)[None, :]).astype(float)
    design = np.column_stack([dummies, x_cal])
    coef, *_ = np.linalg.lstsq(design, ratio, rcond=None)
    effect = coef[season:]
    if not np.all(np.isfinite(effect)):
        return None
    return HolidayEffect(np.clip(effect, -1.5, 1.5))
