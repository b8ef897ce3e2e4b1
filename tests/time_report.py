"""``--time-report=DIR``: where the suite's wall time goes, and how much of it is waiting.

Per test (setup, call and teardown) and per fixture set-up, each process records its wall
time and its CPU time (its own, every thread's, plus its finished children's), one JSON
line per record in ``DIR/<worker>.jsonl``; the controller sums them by file and fixture at
the end. Wall minus CPU is time the worker spent waiting: on sleeps, timers, subprocesses
still running, PostgreSQL, pipes. Under ``-n`` a worker's CPU also waits for a core the
other processes hold, so compare figures measured at the same load.

Loaded by tests/conftest.py; without the option it records nothing.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_OPTION = "--time-report"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        _OPTION,
        metavar="DIR",
        default=None,
        help="record each test's and fixture set-up's wall and CPU time in DIR, and sum "
        "them by file and fixture at the end (wall minus CPU: time spent waiting)",
    )


def _cpu() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _runq() -> float:
    """Seconds this process's live threads have waited for a core (Linux schedstat): on a
    loaded machine that is waiting too, but not on anything the tests could change."""
    total = 0
    try:
        for task in os.scandir("/proc/self/task"):
            with open(f"{task.path}/schedstat", encoding="ascii") as stat:
                total += int(stat.read().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return total / 1e9


class _Recorder:
    def __init__(self, path: Path) -> None:
        self._out = path.open("a", encoding="utf-8")

    def write(self, **record: Any) -> None:
        self._out.write(json.dumps(record) + "\n")
        self._out.flush()


_recorder: _Recorder | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _recorder
    target = config.getoption(_OPTION, None)
    if not target:
        return
    folder = Path(target)
    folder.mkdir(parents=True, exist_ok=True)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    _recorder = _Recorder(folder / f"{worker}.jsonl")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    if _recorder is None:
        return (yield)
    wall, cpu, runq = time.perf_counter(), _cpu(), _runq()
    try:
        return (yield)
    finally:
        _recorder.write(
            kind="test",
            name=item.nodeid,
            file=item.nodeid.split("::")[0],
            wall=time.perf_counter() - wall,
            cpu=_cpu() - cpu,
            runq=_runq() - runq,
        )


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[Any]:
    if _recorder is None:
        return (yield)
    wall, cpu, runq = time.perf_counter(), _cpu(), _runq()
    try:
        return (yield)
    finally:
        _recorder.write(
            kind="fixture",
            name=fixturedef.argname,
            scope=fixturedef.scope,
            wall=time.perf_counter() - wall,
            cpu=_cpu() - cpu,
            runq=_runq() - runq,
        )


def _read(folder: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted(folder.glob("*.jsonl")):
        records += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return records


def _table(records: list[dict[str, Any]], key: str, top: int) -> list[str]:
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
    for record in records:
        row = sums[record[key]]
        row[0] += record["wall"]
        row[1] += record["cpu"]
        row[2] += record.get("runq", 0.0)
        row[3] += 1
    ranked = sorted(sums.items(), key=lambda kv: kv[1][0] - kv[1][1] - kv[1][2], reverse=True)
    lines = [f"{'wall s':>8} {'cpu s':>8} {'runq s':>8} {'idle s':>8} {'n':>5}  {key}"]
    for name, (wall, cpu, runq, count) in ranked[:top]:
        idle = wall - cpu - runq
        lines.append(f"{wall:8.1f} {cpu:8.1f} {runq:8.1f} {idle:8.1f} {int(count):5d}  {name}")
    return lines


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    target = config.getoption(_OPTION, None)
    if not target or hasattr(config, "workerinput"):
        return
    if _recorder is not None:
        _recorder._out.flush()
    records = _read(Path(target))
    tests = [r for r in records if r["kind"] == "test"]
    fixtures = [r for r in records if r["kind"] == "fixture"]
    write = terminalreporter.write_line
    wall = sum(r["wall"] for r in tests)
    cpu = sum(r["cpu"] for r in tests)
    runq = sum(r.get("runq", 0.0) for r in tests)
    terminalreporter.section("time report (sums over workers)")
    write(
        f"{len(tests)} tests: wall {wall:.1f} s, cpu {cpu:.1f} s, waiting for a core "
        f"{runq:.1f} s, idle {wall - cpu - runq:.1f} s (load average {os.getloadavg()})"
    )
    write("runq: the worker's threads waiting for a core; idle: wall - cpu - runq")
    write("by file, most idle first:")
    for line in _table(tests, "file", 25):
        write(line)
    write("by test:")
    for line in _table(tests, "name", 25):
        write(line)
    write("fixture set-ups (inclusive of the fixtures they request):")
    for line in _table(fixtures, "name", 20):
        write(line)
