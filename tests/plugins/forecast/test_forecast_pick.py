"""The automatic choice picks a single method for a series only when it is clearly better
than the combination of methods in the backtest, and says so in English and Chinese.

The methods here are stand-ins with known errors: each forecasts the true straight line
plus a fixed offset, so every backtest MASE is ``offset / 24`` (the line rises 2 a month:
the seasonal-naive scale is 24) and the ratio to the average's is exact."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from plugins.forecast.methods import Forecast
from plugins.forecast.select import (
    BLEND_ID,
    COMBINATION_ID,
    PICK_MARGIN,
    auto_forecast,
    explanation_text,
    stored_explanation,
)


class Offset:
    """Forecasts ``100 + 2 t`` (the series' own line) plus ``offset``."""

    min_history = 1
    fast = True

    def __init__(self, method_id: str, title: str, offset: float) -> None:
        self.id, self.title, self.offset = method_id, title, offset

    def fit_predict(self, history: Any, horizon: int, **_: Any) -> Forecast:
        t = len(history) + np.arange(horizon)
        mean = 100 + 2.0 * t + self.offset
        return Forecast(mean, mean - 10, mean + 10, self.id, 0.8)


class OffsetOnLogs(Offset):
    """A final-only member: fitted on the logarithm of a positive series, it answers in
    logs, so it gives the logarithm of ``Offset``'s forecast and limits."""

    def fit_predict(self, history: Any, horizon: int, **kw: Any) -> Forecast:
        f = super().fit_predict(history, horizon, **kw)
        return Forecast(np.log(f.mean), np.log(f.lower), np.log(f.upper), self.id, 0.8)


class Recorder:
    """Forecasts the last value of what it is given, flat, and keeps every history."""

    min_history = 1
    fast = True

    def __init__(self, method_id: str) -> None:
        self.id, self.title, self.seen = method_id, method_id, []

    def fit_predict(self, history: Any, horizon: int, **_: Any) -> Forecast:
        y = np.asarray(history, dtype=float)
        self.seen.append(y)
        mean = np.full(horizon, y[-1])
        return Forecast(mean, mean - 0.5, mean + 0.5, self.id, 0.8)


LINE = 100 + 2.0 * np.arange(48)


def methods(naive_offset: float) -> dict[str, Offset]:
    stand_ins = [
        Offset("snaive", "Seasonal naive", naive_offset),
        Offset("moving_average", "Moving average", 40),
        Offset("ses", "Exponential smoothing (simple)", 40),
        # the average of methods: both 12 too high, so the average is 12 too high
        Offset("damped", "Exponential smoothing (damped trend)", 12),
        Offset("theta_fast", "Theta (fast)", 12),
    ]
    return {m.id: m for m in stand_ins}


def test_a_clearly_better_method_is_chosen_for_the_series() -> None:
    # seasonal naive errs by 5, the average by 12: 58 % lower error
    choice = auto_forecast(LINE, 12, methods(5), season=12)
    assert choice.method == "snaive" and choice.members == ("snaive",)
    assert choice.scores["snaive"][1] == pytest.approx(5 / 12 * choice.scores[COMBINATION_ID][1])
    assert np.allclose(choice.forecast.mean, 100 + 2.0 * np.arange(48, 60) + 5)


def test_a_method_short_of_the_margin_is_not_chosen_alone() -> None:
    # 10.0 against 12: 17 % lower, under the 50 % a single method needs
    assert PICK_MARGIN == 0.5
    choice = auto_forecast(LINE, 12, methods(10), season=12)
    assert choice.method == COMBINATION_ID and choice.members == ("damped", "theta_fast")
    assert np.allclose(choice.forecast.mean, 100 + 2.0 * np.arange(48, 60) + 12)
    # ... and its reason says what a single method would have needed
    assert "at least 50% lower error than the combination" in choice.explanations["en"]
    assert "至少低 50%" in choice.explanations["zh_CN"]
    # 7 against 12: 42 % lower, within the blend's 30 %: half the weight, not alone
    assert auto_forecast(LINE, 12, methods(7), season=12).method == BLEND_ID
    # 5.5 against 12: 54 % lower, so it is chosen alone
    assert auto_forecast(LINE, 12, methods(5.5), season=12).method == "snaive"


def test_none_clearly_better_keeps_the_average() -> None:
    choice = auto_forecast(LINE, 12, methods(13), season=12)
    assert choice.method == COMBINATION_ID
    assert "chosen for this series alone" not in choice.explanations["en"]


def test_the_why_names_the_chosen_method_in_both_languages() -> None:
    choice = auto_forecast(LINE, 12, methods(5), season=12)
    en, zh = choice.explanations["en"], choice.explanations["zh_CN"]
    assert (
        "Seasonal naive: 58% lower error (MASE) than the combination of methods on the last "
        "12 known months, so it was chosen for this series alone." in en
    )
    assert "季节性朴素法" in zh and "低 58%" in zh and "多种方法的组合" in zh
    assert "Seasonal naive" not in zh
    # as a run stores it and a report shows it, in the reader's language
    from core.i18n import swap_lang

    stored = stored_explanation(choice.explanations, 2000)
    before = swap_lang("zh_CN")
    try:
        assert explanation_text(stored) == zh
    finally:
        swap_lang(before)


def test_the_report_names_the_method_chosen_for_the_series_and_why(sales) -> None:
    """The forecast report's series table: the method picked for one series (not
    "Combination of methods") and, under Why, by how much it beat the combination."""
    from core.i18n import set_lang
    from core.reports import run_report
    from plugins.forecast.services.forecasting import run_forecast

    set_lang("en")
    run = run_forecast(sales.planner, "product,region", horizon=6, processes=1).run_id

    def row(key: str) -> tuple:
        result = run_report(sales.planner, "forecast", {"run": run})
        return next(r for r in result.table("series").materialize() if r[0] == key)

    # "A / N" repeats its season exactly: seasonal naive backtests without error.
    english = row("A / N")
    assert english[2] == "Seasonal naive"
    assert "Seasonal naive: 100% lower error (MASE) than the combination of methods" in english[-1]
    set_lang("zh_CN")
    try:
        chinese = row("A / N")
    finally:
        set_lang("en")
    assert chinese[2] == "季节性朴素法"
    assert "季节性朴素法：在最近已知的" in chinese[-1] and "低 100%" in chinese[-1]


def test_the_combination_is_the_median_of_three_members() -> None:
    """One member's runaway forecast does not carry the combination: each month, of
    damped trend (10 too high), Theta (12) and the airline model (40), the highest and
    the lowest are left out: 12 too high (the median), where the mean would be 20.7."""
    stand_ins = methods(30)
    stand_ins["damped"] = Offset("damped", "Exponential smoothing (damped trend)", 10)
    stand_ins["airline"] = Offset("airline", "Airline model (fast SARIMA)", 40)
    choice = auto_forecast(LINE, 12, stand_ins, season=12)
    assert choice.method == COMBINATION_ID
    assert choice.members == ("damped", "theta_fast", "airline")
    assert np.allclose(choice.forecast.mean, 100 + 2.0 * np.arange(48, 60) + 12)
    # ... and its backtest is scored the same way: off by 12 a month, MASE 12 / 24
    assert choice.scores[COMBINATION_ID][1] == pytest.approx(12 / 24)
    assert (
        "the mean of Exponential smoothing (damped trend), Theta (fast), Airline"
        in (choice.explanations["en"])
    )
    assert "去掉最高和最低后的逐月平均" in choice.explanations["zh_CN"]


def test_five_members_are_averaged_without_the_highest_and_lowest() -> None:
    """With Holt-Winters (20 too low) and CES (30 too high) in the final forecast, the
    five members' offsets -20, 10, 12, 30, 40 give the mean of 10, 12 and 30: 17.33 too
    high (the median would be 12, the mean 14.4); the backtest, of the three backtested
    members, stays at their median (12)."""
    stand_ins = methods(30)
    stand_ins["damped"] = Offset("damped", "Exponential smoothing (damped trend)", 10)
    stand_ins["airline"] = Offset("airline", "Airline model (fast SARIMA)", 40)
    stand_ins["holt_winters"] = OffsetOnLogs("holt_winters", "Holt-Winters (statsmodels)", -20)
    stand_ins["ces"] = OffsetOnLogs("ces", "Complex exponential smoothing", 30)
    choice = auto_forecast(LINE, 12, stand_ins, season=12)
    assert choice.members == ("damped", "theta_fast", "airline", "holt_winters", "ces")
    assert np.allclose(choice.forecast.mean, 100 + 2.0 * np.arange(48, 60) + 52 / 3)
    assert choice.scores[COMBINATION_ID][1] == pytest.approx(12 / 24)
    assert (
        "Holt-Winters (statsmodels), Complex exponential smoothing: only in the "
        "combination's forecast itself" in choice.explanations["en"]
    )
    assert "复指数平滑：仅参与组合的最终预测" in choice.explanations["zh_CN"]


@pytest.mark.parametrize("first", [100.0, 0.0])
def test_final_only_members_are_fitted_on_logs_of_a_positive_series(first: float) -> None:
    """Holt-Winters and CES (final forecast only) get the logarithm of a series whose
    every value is positive and their forecast is turned back by the exponential; a
    series with a zero is fitted as it is. The backtested members always get the series."""
    y = LINE.copy()
    y[0] = first
    stand_ins: dict[str, Any] = methods(30)
    stand_ins["airline"] = Offset("airline", "Airline model (fast SARIMA)", 12)
    damped = stand_ins["damped"] = Recorder("damped")
    hw = stand_ins["holt_winters"] = Recorder("holt_winters")
    ces = stand_ins["ces"] = Recorder("ces")
    choice = auto_forecast(y, 12, stand_ins, season=12)
    assert choice.members == ("damped", "theta_fast", "airline", "holt_winters", "ces")
    positive = first > 0
    for member in (hw, ces):
        assert len(member.seen) == 1
        assert np.allclose(member.seen[0], np.log(y) if positive else y)
    assert all(np.array_equal(h, y[: len(h)]) for h in damped.seen)
    # members, month by month: damped, HW and CES flat at the last value 194 (back from
    # logs exactly), Theta and airline on the line + 12: the mean of the middle three
    line = 100 + 2.0 * np.arange(48, 60) + 12
    expected = (2 * 194 + line) / 3
    assert np.allclose(choice.forecast.mean, expected)
