"""``--time-report`` (tests/time_report.py): wall, CPU and run-queue wait summed by key,
most idle first, and a process's run-queue wait read from Linux schedstat."""

from __future__ import annotations

import time

import time_report


def test_rows_are_summed_by_key_and_ranked_by_idle_time() -> None:
    records = [
        {"file": "a.py", "wall": 2.0, "cpu": 1.5, "runq": 0.4},  # idle 0.1
        {"file": "b.py", "wall": 3.0, "cpu": 0.5, "runq": 0.5},  # idle 2.0
        {"file": "a.py", "wall": 1.0, "cpu": 0.5, "runq": 0.0},  # a.py: idle 0.6
    ]
    header, first, second = time_report._table(records, "file", top=5)
    assert header.split()[-1] == "file"
    assert first.split() == ["3.0", "0.5", "0.5", "2.0", "1", "b.py"]
    assert second.split() == ["3.0", "2.0", "0.4", "0.6", "2", "a.py"]


def test_cpu_counts_this_process_and_the_run_queue_is_never_negative() -> None:
    cpu, runq = time_report._cpu(), time_report._runq()
    deadline = time.perf_counter() + 10
    while time_report._cpu() == cpu and time.perf_counter() < deadline:  # busy: CPU passes
        pass
    assert time_report._cpu() > cpu
    assert time_report._runq() >= runq >= 0.0
