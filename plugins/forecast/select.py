"""Automatic choice of method by rolling-origin backtest, with a plain-language reason.

For each series the candidates forecast the last ``h`` known periods from up to three
origins (each origin half a backtest window earlier); their sMAPE and MASE on those known
periods decide. A combination (each month, the mean of its members' forecasts with the
highest and the lowest left out: for the damped-trend, Theta and airline-model forecasts
of the backtest, their median) is scored the same way from the same backtest forecasts,
so it costs no extra fit. A series shorter
than two seasons cannot be backtested on a whole season: it falls back to smoothing the
level and says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.i18n import current_lang, swap_lang, translator
from plugins.forecast.calendar import CALENDAR_NAMES
from plugins.forecast.holiday import PRICE_DRIVER, PRICE_EXAMPLE_CUT, HolidayEffect, estimate
from plugins.forecast.methods import Forecast, as_array, z_value

_ = translator(__file__)  # this plugin's words first

DEFAULT_CANDIDATES = ("snaive", "moving_average", "ses", "damped", "theta_fast", "airline")
# The combination's members, combined by their median each month (with four members, the
# mean of the middle two). The airline model (SARIMA (0,1,1)(0,1,1)12 by conditional
# least squares) adds the trend-following member that wins M3's MACRO and FINANCE
# series; the median keeps one member's runaway trend from carrying the forecast. M3
# monthly, all 1,428 series, against the mean of damped, Theta and Holt-Winters: sMAPE
# 13.57 -> 13.58, MASE 0.845 -> 0.841, FINANCE 1.045 -> 1.017, INDUSTRY 0.935 -> 0.927;
# the mean of the four instead: 13.66 / 0.843 (docs/performance.md).
COMBINATION = ("damped", "theta_fast", "airline")
COMBINATION_ID = "combination"
# Join the combination's final forecast only: statsmodels Holt-Winters is too slow to fit
# at every backtest origin of 1,500 series in a minute, but one fit per series is
# affordable and the combination is more accurate with it (M3 monthly, the mean of damped
# and Theta: MASE 0.854 -> 0.845). Complex exponential smoothing (CES) is a fifth,
# different member: its trend is neither damped nor half the line's slope, and with five
# members the combination is the mean of the middle three (M3 monthly, all 1,428 series,
# against the median of the four without it: sMAPE 13.64 -> 13.55, MASE 0.840 -> 0.834;
# backtested as well, and so also a candidate: 13.57 / 0.837; docs/performance.md). The
# combination's backtest score is therefore that of its backtested members.
FINAL_EXTRA = ("holt_winters", "ces")
# The final-only members are fitted on the logarithm of a series whose every value is
# positive (a Box-Cox transform with lambda 0, chosen a priori: sales grow and swing in
# proportion to their level), and their forecasts and limits turned back by the
# exponential; a series with a zero or a negative value is fitted as it is. M3 monthly,
# all 1,428 series (all positive): sMAPE 13.55 -> 13.44, MASE 0.834 -> 0.832; on the
# backtest windows (4,284, the five members fitted at every origin) the same direction
# (docs/performance.md).
FINAL_ON_LOGS = True
# A single method is chosen alone for a series when its backtest MASE is at least this
# fraction lower than the combination's: picking on a few backtest windows is noisy, and
# combining is the safer default, so a single method must be clearly better. 0.2 was
# measured on the full M3 monthly set (1,428 series) and lost to 0.5: sMAPE 13.57 ->
# 13.64, MASE 0.845 -> 0.860, 95 % coverage 91.8 %, and INDUSTRY, MACRO and FINANCE
# worse than their best single method (docs/performance.md).
PICK_MARGIN = 0.5
# Between the two: a single method whose backtest MASE is at most this fraction of the
# combination's gets half the weight, the combination the other half (M3 monthly, every
# 10th series: sMAPE 14.00 -> 13.70, MASE 0.839 -> 0.835 against the combination alone,
# with PICK_MARGIN at 0.5).
BLEND_MARGIN = 0.7
BLEND_ID = "blend"
# Interval calibration: the backtest's errors, in units of each method's own standard
# error, say how much wider (or narrower) its intervals should be. A few windows are a
# noisy judge, so the ratio is shrunk towards 1 by this many pseudo-errors of ratio 1
# (M3 monthly, every 4th series: the models' own intervals covered 73 % / 89 % at the
# 80 % / 95 % levels; scaled by the backtest 78 % / 92 %).
PRIOR_POINTS = 12
REPORT_LEVELS = (0.8, 0.95)
# The holiday adjustment is kept only when it cuts the backtest MASE by this fraction.
HOLIDAY_GAIN = 0.03
# ... and backtested only when an effect of this size (in logs) shows on the whole history
# (a cheap least-squares fit): most series have none, and the backtest costs fits.
HOLIDAY_MIN_EFFECT = 0.05


@dataclass
class Choice:
    """The forecast of one series and why it was made this way."""

    forecast: Forecast
    method: str
    members: tuple[str, ...] = ()
    smape: float | None = None
    mase: float | None = None
    naive_smape: float | None = None
    naive_mase: float | None = None
    origins: int = 0
    short: bool = False
    explanation: str = ""
    # the explanation in each language the app speaks, stored with the run so a reader
    # of either language reads it in theirs (a run made in English showed English "why"
    # on a Chinese screen)
    explanations: dict[str, str] = field(default_factory=dict)
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    # Calibrated (lower, upper) bounds by level, for the levels reports show.
    intervals: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    widen: float = 1.0  # the calibration factor applied to the method's own intervals
    std_errors: np.ndarray | None = None  # the backtest errors behind ``widen``
    holiday: HolidayEffect | None = None  # the calendar effect, when it was used
    holiday_gain: tuple[float, float] | None = None  # backtest MASE without, with it


def smape(actual: np.ndarray, pred: np.ndarray) -> float:
    """Symmetric MAPE in percent (a 0/0 period counts as no error)."""
    denom = np.abs(actual) + np.abs(pred)
    ratio = np.divide(np.abs(actual - pred), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(200 * ratio.mean())


def mase_scale(train: np.ndarray, season: int) -> float:
    """Mean absolute in-sample seasonal-naive error; a series that repeats exactly falls
    back to the naive error, then to its mean level, so the scale is never zero."""
    for m in (season if season > 1 and len(train) > season else 1, 1):
        if len(train) > m:
            scale = float(np.mean(np.abs(train[m:] - train[:-m])))
            if scale > 0:
                return scale
    level = float(np.mean(np.abs(train))) if len(train) else 0.0
    return level if level > 0 else float("nan")


def mase(actual: np.ndarray, pred: np.ndarray, train: np.ndarray, season: int) -> float:
    return float(np.mean(np.abs(actual - pred))) / mase_scale(train, season)


def origins_for(n: int, horizon: int, season: int, count: int = 3) -> tuple[int, list[int]]:
    """Backtest window length and the training lengths of each origin (newest first)."""
    window = max(1, min(horizon, season if season > 1 else horizon, n // 3))
    step = max(1, window // 2)
    min_train = max(4, min(2 * season, n // 2))
    cuts = [n - window - j * step for j in range(count)]
    return window, [c for c in cuts if c >= min_train]


def auto_forecast(
    history: Any,
    horizon: int,
    methods: dict[str, Any],
    *,
    season: int = 12,
    level: float = 0.8,
    candidates: Sequence[str] = DEFAULT_CANDIDATES,
    unit: str = "months",
    force: str | None = None,
    drivers: np.ndarray | None = None,
    calendar: np.ndarray | None = None,
    feature_names: Sequence[str] = CALENDAR_NAMES,
) -> Choice:
    """Choose per series by backtest and forecast with the winner (``force``: use that
    method whatever the backtest says, still reporting how accurate it was). ``drivers``:
    outside drivers for ``len(history) + horizon`` periods, handed to methods that declare
    ``uses_drivers``; a backtest gives them the drivers' known values of its window.
    ``calendar``: holiday features for ``len(history) + horizon`` months
    (``calendar.monthly_features``), then any outside drivers' columns, named by
    ``feature_names``; the adjustment is used when it improves the backtest of the chosen
    method."""
    if force is not None:
        candidates = (force, *(c for c in ("snaive",) if c != force))
    y = as_array(history)
    n = len(y)
    window, cuts = origins_for(n, horizon, season)
    usable = [c for c in candidates if c in methods and n - window >= _min_len(methods[c])]
    if n < max(2 * season, 6) or not usable or not cuts:
        return short_series(y, horizon, methods, season, level, unit)
    errors: dict[str, list[tuple[float, float]]] = {c: [] for c in usable}
    ratios: dict[str, list[np.ndarray]] = {c: [] for c in usable}
    combo = [c for c in COMBINATION if c in usable] if force is None else []
    if len(combo) > 1:
        errors[COMBINATION_ID] = []
        ratios[COMBINATION_ID] = []
    kept = []
    for cut in cuts:
        train, actual = y[:cut], y[cut : cut + window]
        known = None if drivers is None else drivers[: cut + window]
        preds = _backtest(usable, combo, methods, train, window, season, level, known)
        _score(preds, actual, train, season, errors, ratios, level)
        kept.append((train, actual, preds))
    scores = {c: _mean_scores(e) for c, e in errors.items() if e}
    best = force if force in scores else _pick(scores)
    partner = _blend_partner(scores) if force is None and best == COMBINATION_ID else None
    if partner is not None:
        best = BLEND_ID
        errors[best], ratios[best] = [], []
        for train, actual, preds in kept:
            _score(
                {best: _blend(preds[partner], preds[COMBINATION_ID])},
                actual,
                train,
                season,
                errors,
                ratios,
                level,
            )
        scores[best] = _mean_scores(errors[best])
    holiday, gain = None, None
    if calendar is not None and best in scores:
        holiday, gain, held = _holiday_backtest(
            best,
            combo,
            methods,
            y,
            cuts,
            window,
            season,
            level,
            drivers,
            calendar,
            scores[best],
            tuple(feature_names),
            partner,
        )
        if holiday is not None:
            scores[best], ratios[best] = held
    if holiday is not None:
        factors = holiday.factors(calendar[: n + horizon])
        forecast, members = _final(
            best, y / factors[:n], horizon, methods, combo, season, level, drivers, partner
        )
        f = factors[n:]
        forecast = Forecast(
            forecast.mean * f, forecast.lower * f, forecast.upper * f, forecast.method, level
        )
    else:
        forecast, members = _final(
            best, y, horizon, methods, combo, season, level, drivers, partner
        )
    widen = calibration(ratios.get(best, []))
    intervals = _intervals(forecast, widen, level, window)
    forecast = Forecast(
        forecast.mean,
        *intervals.get(level, (forecast.lower, forecast.upper)),
        forecast.method,
        level,
    )
    choice = Choice(
        forecast,
        best,
        members,
        *scores[best],
        *scores.get("snaive", (None, None)),
        origins=len(cuts),
        scores=scores,
        intervals=intervals,
        widen=widen,
        std_errors=np.concatenate(ratios[best]) if ratios.get(best) else None,
        holiday=holiday,
        holiday_gain=gain,
    )
    choice.explanations = in_each_language(
        lambda: explain(choice, methods, window, unit, forced=force is not None)
    )
    choice.explanation = choice.explanations[current_lang()]
    return choice


def _backtest(
    names: Sequence[str],
    combo: list[str],
    methods: dict[str, Any],
    train: np.ndarray,
    window: int,
    season: int,
    level: float,
    known: np.ndarray | None,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each method's (forecast, interval half-width) of the window after ``train``, and
    the combination's from its members' (no extra fit)."""
    fits = {c: _fit(methods[c], train, window, season, level, known) for c in names}
    preds = {c: (f.mean, (f.upper - f.lower) / 2) for c, f in fits.items()}
    if len(combo) > 1 and all(c in preds for c in combo):
        preds[COMBINATION_ID] = (
            _combine([preds[c][0] for c in combo]),
            np.mean([preds[c][1] for c in combo], axis=0),
        )
    return preds


def _combine(means: list[np.ndarray]) -> np.ndarray:
    """The combination's forecast from its members', month by month: the mean with the
    highest and the lowest forecast left out (a trimmed mean, Jose & Winkler 2008), which
    is the median for three or four members; the plain mean for fewer. One member's
    runaway trend does not carry it, and with five members it averages three instead of
    taking one (M3 monthly, five members: the median sMAPE 13.60, MASE 0.843; the mean
    13.64 / 0.835; the trimmed mean 13.55 / 0.834)."""
    values = np.sort(np.asarray(means, dtype=float), axis=0)
    if len(values) >= 3:
        values = values[1:-1]
    return np.asarray(values.mean(axis=0), dtype=float)


def _score(
    preds: dict[str, tuple[np.ndarray, np.ndarray]],
    actual: np.ndarray,
    train: np.ndarray,
    season: int,
    errors: dict[str, list[tuple[float, float]]],
    ratios: dict[str, list[np.ndarray]],
    level: float = 0.8,
) -> None:
    z = z_value(level)
    for c, (pred, half) in preds.items():
        if c in errors:
            errors[c].append((smape(actual, pred), mase(actual, pred, train, season)))
            ratios[c].append(_std_errors(actual, pred, half / z))


def _holiday_backtest(
    best: str,
    combo: list[str],
    methods: dict[str, Any],
    y: np.ndarray,
    cuts: list[int],
    window: int,
    season: int,
    level: float,
    drivers: np.ndarray | None,
    calendar: np.ndarray,
    plain: tuple[float, float],
    names: tuple[str, ...],
    partner: str | None = None,
) -> tuple[
    HolidayEffect | None, tuple[float, float] | None, tuple[tuple[float, float], list[np.ndarray]]
]:
    """Backtest ``best`` on holiday-adjusted histories; the effect estimated on the whole
    history when that beat the plain backtest by ``HOLIDAY_GAIN``, else None."""
    effect = estimate(y, calendar[: len(y)], season, names)
    if (
        effect is None
        or not math.isfinite(plain[1])
        or _largest_effect(effect) < HOLIDAY_MIN_EFFECT
    ):
        return None, None, (plain, [])
    fitted = [best] if best not in (COMBINATION_ID, BLEND_ID) else [*combo, partner or ""]
    fitted = [c for c in fitted if c in methods]
    errors: dict[str, list[tuple[float, float]]] = {best: []}
    ratios: dict[str, list[np.ndarray]] = {best: []}
    for cut in cuts:
        train, actual = y[:cut], y[cut : cut + window]
        part = estimate(train, calendar[:cut], season, names)
        factors = part.factors(calendar[: cut + window]) if part else np.ones(cut + window)
        known = None if drivers is None else drivers[: cut + window]
        preds = _backtest(
            fitted, combo, methods, train / factors[:cut], window, season, level, known
        )
        if partner is not None:
            preds[BLEND_ID] = _blend(preds[partner], preds[COMBINATION_ID])
        f = factors[cut:]
        preds = {c: (p * f, h * f) for c, (p, h) in preds.items()}
        _score(preds, actual, train, season, errors, ratios, level)
    held = _mean_scores(errors[best])
    if not held[1] < (1 - HOLIDAY_GAIN) * plain[1]:
        return None, None, (plain, [])
    return effect, (plain[1], held[1]), (held, ratios[best])


def _largest_effect(effect: HolidayEffect) -> float:
    """The largest effect of a festival or driver month (working days are per day)."""
    return max(
        (abs(c) for c, n in zip(effect.coef, effect.names, strict=True) if n != "working_days"),
        default=0.0,
    )


def _std_errors(actual: np.ndarray, pred: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Backtest errors in units of the method's own standard error (where it has one)."""
    ok = np.isfinite(sd) & (sd > 0) & np.isfinite(pred)
    return np.abs(actual - pred)[ok] / sd[ok]


def calibration(ratios: list[np.ndarray]) -> float:
    """How much to widen the intervals: the root mean square of the backtest's standard
    errors, shrunk towards 1 (the method's own intervals) by ``PRIOR_POINTS``."""
    values = np.concatenate(ratios) if ratios else np.zeros(0)
    values = values[np.isfinite(values)]
    return math.sqrt((PRIOR_POINTS + float(values @ values)) / (PRIOR_POINTS + len(values)))


def _intervals(
    forecast: Forecast, widen: float, level: float, window: int
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    """Calibrated bounds at ``level`` and the reported levels, from the method's own
    (normal) interval at ``level`` scaled by ``widen``. Past the backtest's window the
    errors were never checked and grow faster than the models say: the bounds widen
    in proportion to the step beyond it (M3 monthly, horizon 18 on a 12-month window:
    coverage 79.6 -> 81.0 % at 80 %, 93.3 -> 94.1 % at 95 %, on every 4th series)."""
    steps = np.arange(1, len(forecast.mean) + 1)
    sd = (
        (forecast.upper - forecast.lower)
        / 2
        / z_value(level)
        * widen
        * np.maximum(1.0, steps / max(1, window))
    )
    return {
        lv: (forecast.mean - z_value(lv) * sd, forecast.mean + z_value(lv) * sd)
        for lv in {level, *REPORT_LEVELS}
    }


def _min_len(method: Any) -> int:
    return int(getattr(method, "min_history", 1))


def _mean_scores(errors: list[tuple[float, float]]) -> tuple[float, float]:
    s = [e[0] for e in errors]
    m = [e[1] for e in errors if math.isfinite(e[1])]
    return float(np.mean(s)), (float(np.mean(m)) if m else float("nan"))


def _rank(score: tuple[float, float]) -> tuple[float, float]:
    s, m = score
    return (m if math.isfinite(m) else s / 100 + 1e6, s)


def _blend_partner(scores: dict[str, tuple[float, float]]) -> str | None:
    """The single method clearly better than the combination in the backtest, if any."""
    singles = [c for c in scores if c != COMBINATION_ID]
    if COMBINATION_ID not in scores or not singles:
        return None
    single = min(singles, key=lambda c: _rank(scores[c]))
    combo_m, single_m = scores[COMBINATION_ID][1], scores[single][1]
    ok = math.isfinite(combo_m) and math.isfinite(single_m)
    return single if ok and single_m <= BLEND_MARGIN * combo_m else None


def _blend(
    a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def _pick(scores: dict[str, tuple[float, float]]) -> str:
    best = min(scores, key=lambda c: _rank(scores[c]))
    if COMBINATION_ID in scores and best != COMBINATION_ID:
        combo_m, best_m = scores[COMBINATION_ID][1], scores[best][1]
        clearly = best_m <= (1 - PICK_MARGIN) * combo_m
        if math.isfinite(combo_m) and math.isfinite(best_m) and not clearly:
            return COMBINATION_ID
    return best


def _fit(
    method: Any, y: np.ndarray, horizon: int, season: int, level: float, drivers: np.ndarray | None
) -> Forecast:
    if drivers is not None and getattr(method, "uses_drivers", False):
        return method.fit_predict(y, horizon, season=season, level=level, drivers=drivers)
    return method.fit_predict(y, horizon, season=season, level=level)


def _final(
    best: str,
    y: np.ndarray,
    horizon: int,
    methods: dict[str, Any],
    combo: list[str],
    season: int,
    level: float,
    drivers: np.ndarray | None = None,
    partner: str | None = None,
) -> tuple[Forecast, tuple[str, ...]]:
    if best == BLEND_ID and partner is not None:
        whole, members = _final(COMBINATION_ID, y, horizon, methods, combo, season, level)
        single = _fit(methods[partner], y, horizon, season, level, drivers)
        mean, half = _blend(
            (single.mean, (single.upper - single.lower) / 2),
            (whole.mean, (whole.upper - whole.lower) / 2),
        )
        return Forecast(mean, mean - half, mean + half, BLEND_ID, level), (partner, *members)
    if best != COMBINATION_ID:
        return _fit(methods[best], y, horizon, season, level, drivers), (best,)
    members = list(combo)
    parts = [methods[c].fit_predict(y, horizon, season=season, level=level) for c in combo]
    for extra in FINAL_EXTRA:
        if extra in methods and extra not in combo and len(y) >= _min_len(methods[extra]):
            part = _try_fit(methods[extra], y, horizon, season, level, FINAL_ON_LOGS)
            if part is not None:
                members.append(extra)
                parts.append(part)
    mean = _combine([p.mean for p in parts])
    # Interval: the members' average half-width (they err together, so no sqrt(k) gain).
    half = np.mean([(p.upper - p.lower) / 2 for p in parts], axis=0)
    return Forecast(mean, mean - half, mean + half, COMBINATION_ID, level), tuple(members)


def _try_fit(
    method: Any, y: np.ndarray, horizon: int, season: int, level: float, logs: bool = False
) -> Forecast | None:
    """An optional member: a fit that fails or goes non-finite is left out, not fatal.
    ``logs``: fitted on the logarithm of a positive series (``FINAL_ON_LOGS``)."""
    on_logs = logs and bool(np.all(y > 0))
    try:
        part = method.fit_predict(np.log(y) if on_logs else y, horizon, season=season, level=level)
        if on_logs:
            with np.errstate(over="ignore"):
                part = Forecast(
                    np.exp(part.mean),
                    np.exp(part.lower),
                    np.exp(part.upper),
                    part.method,
                    part.level,
                )
    except (ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None
    ok = all(np.all(np.isfinite(a)) for a in (part.mean, part.lower, part.upper))
    return part if ok else None


def short_series(
    y: np.ndarray, horizon: int, methods: dict[str, Any], season: int, level: float, unit: str
) -> Choice:
    n = len(y)
    if n == 0:
        zeros = np.zeros(horizon)
        texts = in_each_language(lambda: _("No history: the forecast is zero."))
        return Choice(
            Forecast(zeros, zeros, zeros, "none", level),
            "none",
            short=True,
            explanation=texts[current_lang()],
            explanations=texts,
        )
    method_id = "ses" if n >= 3 and "ses" in methods else "moving_average"
    forecast = methods[method_id].fit_predict(y, horizon, season=1, level=level)
    texts = in_each_language(
        lambda: _(
            "Only {n} {unit} of history, fewer than two seasons: no season can be "
            "estimated or checked, so the level was smoothed ({method}) and held flat. "
            "Treat it as a rough guide until more history exists."
        ).format(n=n, unit=_(unit), method=_(methods[method_id].title))
    )
    return Choice(
        forecast,
        method_id,
        (method_id,),
        short=True,
        explanation=texts[current_lang()],
        explanations=texts,
    )


def in_each_language(make: Callable[[], str]) -> dict[str, str]:
    """``make()``'s text in English and in Chinese, by language code."""
    out: dict[str, str] = {}
    for lang in ("en", "zh_CN"):
        before = swap_lang(lang)
        try:
            out[lang] = make()
        finally:
            swap_lang(before)
    return out


def stored_explanation(texts: dict[str, str], limit: int) -> str:
    """The explanations as the run keeps them: JSON by language, within ``limit``."""
    import json

    share = max(1, (limit - 40) // max(1, len(texts)))
    return json.dumps({k: v[:share] for k, v in texts.items()}, ensure_ascii=False)


def explanation_text(stored: str) -> str:
    """A stored explanation in the reader's language; a run stored before explanations
    were kept in both languages has one text, shown as it is."""
    import json

    if stored.startswith("{"):
        try:
            texts = json.loads(stored)
        except ValueError:
            return stored
        if isinstance(texts, dict):
            return str(texts.get(current_lang()) or texts.get("en") or "")
    return stored


def explain(
    choice: Choice, methods: dict[str, Any], window: int, unit: str, forced: bool = False
) -> str:
    """Why this method, and how accurate it was, in words a planner reads."""
    if choice.method == COMBINATION_ID:
        name = _("the mean of {names} without the highest and lowest, month by month").format(
            names=", ".join(_(methods[m].title) for m in choice.members)
        )
    elif choice.method == BLEND_ID:
        name = _(
            "an even blend of {single} and the mean of {names} without the highest and lowest"
        ).format(
            single=_(methods[choice.members[0]].title),
            names=", ".join(_(methods[m].title) for m in choice.members[1:]),
        )
    else:
        name = _(methods[choice.method].title)
    verb = _("Used {name}, as asked:") if forced else _("Chose {name}:")
    text = (
        verb.format(name=name)
        + " "
        + _(
            "forecasting the last {window} known {unit} from {origins} earlier points, it was "
            "off by {smape:.1f}% on average (sMAPE), MASE {mase:.2f}."
        ).format(
            window=window,
            unit=_(unit),
            origins=choice.origins,
            smape=choice.smape or 0,
            mase=_finite(choice.mase),
        )
    )
    if not forced and choice.method in methods and COMBINATION_ID in choice.scores:
        lower = _lower_by(choice.scores[choice.method][1], choice.scores[COMBINATION_ID][1])
        if lower is not None:
            text += " " + _(
                "{name}: {pct:.0f}% lower error (MASE) than the combination of methods on the "
                "last {window} known {unit}, so it was chosen for this series alone."
            ).format(name=name, pct=lower, window=window, unit=_(unit))
    if choice.method == BLEND_ID:
        text += " " + _(
            "{single} did clearly better than the combination in the backtest, so "
            "it carries half the weight."
        ).format(single=_(methods[choice.members[0]].title))
    extras = [m for m in choice.members if m in FINAL_EXTRA and m in methods]
    if choice.method in (COMBINATION_ID, BLEND_ID) and extras:
        text += " " + _(
            "{names}: only in the combination's forecast itself; the backtest figures "
            "are those of the other members."
        ).format(names=", ".join(_(methods[m].title) for m in extras))
    if choice.naive_smape is not None and choice.method != "snaive":
        text += " " + _(
            "Repeating last year would have been off by {smape:.1f}% (MASE {mase:.2f})."
        ).format(smape=choice.naive_smape, mase=_finite(choice.naive_mase))
        if choice.method == COMBINATION_ID and _beat_in_backtest(choice):
            text += " " + _(
                "It did better in this backtest, but a single method must have at least "
                "{pct:.0f}% lower error than the combination to be chosen alone: a few "
                "backtest windows are a noisy judge."
            ).format(pct=100 * PICK_MARGIN)
    if choice.holiday is not None and choice.holiday_gain is not None:
        text += " " + _adjustment_text(choice.holiday, choice.holiday_gain)
    if choice.mase is not None and math.isfinite(choice.mase) and choice.mase > 1:
        text += " " + _("The series is hard to forecast: expect wide misses.")
    return text


def _adjustment_text(effect: HolidayEffect, gain: tuple[float, float]) -> str:
    """What the calendar / driver adjustment found and what it added in the backtest."""
    what = ([_("the Spring Festival and working days")] if effect.calendar else []) + [
        _("price changes") if name == PRICE_DRIVER else _(name) for name in effect.drivers
    ]
    text = _(
        "Adjusted for {what}, which made the backtest more accurate (MASE {before:.2f} "
        "without, {after:.2f} with)."
    ).format(what=", ".join(what), before=gain[0], after=gain[1])
    if effect.calendar:
        text += " " + _(
            "A month holding the festival holiday sells {festival:+.0f}%, the "
            "three weeks before it {pre:+.0f}%."
        ).format(festival=effect.festival_pct(), pre=effect.pre_festival_pct())
    for name in effect.drivers:
        lift = effect.price_lift() if name == PRICE_DRIVER else None
        if lift is not None:
            text += " " + _(
                "Price changes: a month priced {cut:.0f}% below the usual level sold "
                "{qty:+.0f}% in quantity, {sales:+.0f}% in sales; the forecast assumes "
                "the usual price."
            ).format(cut=100 * PRICE_EXAMPLE_CUT, qty=lift[0], sales=lift[1])
            continue
        text += " " + _("{driver}: a month fully under it sells {pct:+.0f}%.").format(
            driver=_(name), pct=effect.pct(name) or 0.0
        )
    return text


def _lower_by(single: float, combination: float) -> float | None:
    """How much lower (%) the single method's backtest MASE was than the combination's."""
    if not (math.isfinite(single) and math.isfinite(combination)) or combination <= 0:
        return None
    return 100 * (1 - single / combination)


def _beat_in_backtest(choice: Choice) -> bool:
    naive, chosen = _finite(choice.naive_mase), _finite(choice.mase)
    return math.isfinite(naive) and math.isfinite(chosen) and naive < chosen


def _finite(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else float("nan")
