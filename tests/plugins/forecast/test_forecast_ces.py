"""Complex exponential smoothing (Svetunkov & Kourentzes): the vectorised grid against the
published recursion run by hand, the parameters of a simulated CES process given back,
and the forecasts of series whose future is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from plugins.forecast.methods import (
    ComplexSmoothing,
    _ces_admissible,
    _ces_grid,
    _ces_matrices,
)


def ces_run(
    y: np.ndarray, a0: float, a1: float, l0: float, c0: float
) -> tuple[np.ndarray, tuple[float, float]]:
    """One-step errors and final states of CES written out as in the paper: the forecast
    is the level; l_t = l - (1 - a1) c + (a0 - a1) e and c_t = l + (1 - a0) c + (a0 + a1) e."""
    level, companion = l0, c0
    errors = []
    for value in y:
        e = value - level
        level, companion = (
            level - (1 - a1) * companion + (a0 - a1) * e,
            level + (1 - a0) * companion + (a0 + a1) * e,
        )
        errors.append(e)
    return np.array(errors), (level, companion)


def ces_errors(y: np.ndarray, a0: float, a1: float, l0: float, c0: float) -> np.ndarray:
    return ces_run(y, a0, a1, l0, c0)[0]


def ces_process(n: int, a0: float, a1: float, seed: int, sd: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level, companion = 100.0, 100.0 / 1.1
    out = []
    for _ in range(n):
        e = rng.normal(0, sd)
        out.append(level + e)
        level, companion = (
            level - (1 - a1) * companion + (a0 - a1) * e,
            level + (1 - a0) * companion + (a0 + a1) * e,
        )
    return np.array(out)


def test_the_grid_is_the_published_recursion_with_the_best_start() -> None:
    rng = np.random.default_rng(3)
    y = 50 + np.cumsum(rng.normal(0.3, 1, 40))
    pairs = [(1.3, 1.0), (1.8, 0.9), (1.1, 1.05)]
    a0 = np.array([p[0] for p in pairs])
    a1 = np.array([p[1] for p in pairs])
    sse, final = _ces_grid(y, a0, a1)
    for k, (b0, b1) in enumerate(pairs):
        # the start that the grid chose, found again by a plain least-squares fit of the
        # hand-run errors (they are linear in the two starting states)
        base = ces_errors(y, b0, b1, 0.0, 0.0)
        cols = [base - ces_errors(y, b0, b1, *unit) for unit in ((1.0, 0.0), (0.0, 1.0))]
        start, *_ = np.linalg.lstsq(np.column_stack(cols), base, rcond=None)
        by_hand, (level, companion) = ces_run(y, b0, b1, *start)
        assert sse[k] == pytest.approx(float(by_hand @ by_hand), rel=1e-6)
        assert final[:, k] == pytest.approx([level, companion], rel=1e-6)
    # a worse start cannot beat the least-squares one
    worse = ces_errors(y, 1.3, 1.0, float(y[0]), float(y[0]) / 1.1)
    assert sse[0] <= float(worse @ worse) + 1e-9


def test_a_simulated_ces_process_gives_back_its_parameters() -> None:
    from plugins.forecast.methods import _ces_pairs

    y = ces_process(400, 1.6, 1.0, 5)
    a0, a1 = _ces_pairs(np.linspace(0.5, 2.5, 41), np.linspace(0.8, 1.2, 81))
    sse, _ = _ces_grid(y, a0, a1)
    best = int(np.argmin(sse))
    assert a0[best] == pytest.approx(1.6, abs=0.2)
    assert a1[best] == pytest.approx(1.0, abs=0.05)


def test_exponential_growth_is_continued() -> None:
    y = 100 * 1.02 ** np.arange(60)
    f = ComplexSmoothing().fit_predict(y, 12, season=1)
    truth = 100 * 1.02 ** np.arange(60, 72)
    assert np.max(np.abs(f.mean / truth - 1)) < 0.02


def test_a_level_series_is_forecast_flat_with_widening_bounds() -> None:
    y = ces_process(120, 1.4, 1.0, 9, sd=2.0)
    f = ComplexSmoothing().fit_predict(y, 18, season=1)
    assert np.all(np.abs(f.mean - f.mean[0]) < 0.05 * abs(f.mean[0]))
    width = f.upper - f.lower
    assert np.all(np.diff(width) >= -1e-9) and width[-1] > width[0]
    assert f.method == "ces" and len(f.mean) == 18


def test_a_constant_is_forecast_exactly() -> None:
    f = ComplexSmoothing().fit_predict(np.full(30, 42.0), 6, season=12)
    assert np.allclose(f.mean, 42.0) and np.allclose(f.upper, f.lower)


def test_only_admissible_parameters_are_fitted() -> None:
    a0 = np.array([1.5, 2.9, 0.2, 1.0])
    a1 = np.array([1.0, 1.0, 1.0, 1.9])
    ok = _ces_admissible(a0, a1)
    assert ok.tolist() == [True, False, False, False]
    _, _, d = _ces_matrices(a0[:1], a1[:1])
    assert np.max(np.abs(np.linalg.eigvals(d[:, :, 0]))) < 1
