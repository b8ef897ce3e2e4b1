"""Benchmark: ``salesdesk serve`` with many concurrent sessions.

    .venv/bin/python bench/bench_serve.py [--scale medium] [--sessions 10,25,50]
        [--keys 12] [--pace 1.0] [--seed 1] [--launch prefork,spawn] [--runs 1] [--ramp 0]

A real server on 127.0.0.1 serves the generated data set (the one ``bench_reports.py``
makes, copied and upgraded so the original stays as it is). For each count, that many
asyncssh clients log in at once as the data set's reps (one key each, sessions spread
over them; ``--ramp S`` spreads the logins over S seconds, as people arrive) and, once
every session shows Home, press keys at a person's pace (each key a random
``--pace`` to 3 x ``--pace`` seconds after the last: 1-3 s by default): Customers,
next page, back, Opportunities, back, ... Printed per count:

- key-to-update latency at the client, p50/p95: from writing a key to the first bytes
  of the redrawn screen arriving;
- handshake-to-first-screen, p50/p95: from opening the connection until Home shows the
  user's name;
- the server's memory (RSS and PSS, the listener plus every session process) and CPU
  (cores busy while the keys are pressed), and the cores this client process (every
  SSH client and terminal emulator) kept busy meanwhile: on one machine the two share
  the cores, so a busy client shows up as server latency;
- the baseline, measured in the same run: the same app as the same user in a local
  process on a PTY (no SSH), pressed the same way;
- the load average of the machine before and after the row (other work on it counts).

``--launch`` compares how sessions start: ``prefork`` (forked from the server's warm
zygote, the default) and ``spawn`` (a new interpreter per session). ``--runs N`` repeats
each row N times and prints the medians.

One process per session is the design (crash isolation, Textual's driver owns one
terminal); docs/serve.md records the figures that decided it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

KEYS = ["2", "\x1b[6~", "\x1b", "3", "\x1b"]  # Customers, PgDn, Esc, Opportunities, Esc
KEY_NAMES = ["Customers", "next page", "back", "Opportunities", "back"]


def prepare(scale: str, seed: int, folder: Path) -> tuple[str, list[tuple[str, str]]]:
    """A private copy of the data set at the newest schema; the reps (login, name)."""
    from bench_reports import ensure_sqlite

    from core.runtime import open_runtime

    source = ensure_sqlite(scale, seed)
    target = folder / "serve.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    target.chmod(0o600)
    url = f"sqlite:///{target}"
    runtime = open_runtime(url)
    runtime.upgrade()
    runtime.db.dispose()
    with sqlite3.connect(target) as conn:
        reps = conn.execute(
            "SELECT login, display_name FROM sd_user WHERE roles LIKE "
            "'%sales_rep%' AND active ORDER BY id"
        ).fetchall()
    for extra in (Path(f"{target}-wal"), Path(f"{target}-shm")):
        if extra.exists():
            extra.chmod(0o600)
    return url, reps


def add_keys(url: str, reps: list[tuple[str, str]], folder: Path) -> dict[str, Path]:
    """One key per rep, added by the data set's admin through the keys service."""
    from bench_reports import ADMIN
    from serve_helpers import make_key

    from core.runtime import open_runtime
    from core.services import keys

    runtime = open_runtime(url)
    admin = runtime.context_for(ADMIN)
    paths = {}
    for login, _name in reps:
        private, public = make_key(folder, login)
        keys.add_key(admin, login, public)
        paths[login] = private
    runtime.db.dispose()
    return paths


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def press_keys(
    write: Any, outputs: list[float], count: int, pace: float, rng: random.Random
) -> list[float]:
    """Press ``count`` keys; each latency is the wait for the first output after it."""
    latencies = []
    for i in range(count):
        await asyncio.sleep(pace * rng.uniform(1.0, 3.0))
        seen = len(outputs)
        pressed = time.monotonic()
        write(KEYS[i % len(KEYS)])
        deadline = pressed + 10
        while len(outputs) == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        if len(outputs) > seen:
            latencies.append(outputs[seen] - pressed)
        await asyncio.sleep(0.3)  # let the redraw finish before the next key
    return latencies


async def one_session(
    port: int,
    key: Path,
    name: str,
    keys: int,
    pace: float,
    seed: int,
    on_ready: Any = None,
    delay: float = 0.0,
    everyone_in: asyncio.Event | None = None,
) -> tuple[float, list[float]]:
    from serve_helpers import Terminal

    await asyncio.sleep(delay)  # when this person logs in
    started = time.monotonic()
    term = await Terminal.open(port, key)
    await term.wait_for(name[:12], "Quit", timeout=300)
    first_screen = time.monotonic() - started
    await asyncio.sleep(2)  # Home's figures load
    if on_ready is not None:
        on_ready()
    if everyone_in is not None:  # keys are timed with every session open
        await everyone_in.wait()
    latencies = await press_keys(term.press, term.outputs, keys, pace, random.Random(seed))
    await term.close()
    return first_screen, latencies


def tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def usage(pid: int, cpu_by_pid: dict[int, float] | None = None) -> tuple[float, float, float]:
    """(RSS MiB, PSS MiB, CPU seconds) of ``pid`` and its descendants. With
    ``cpu_by_pid``, the CPU of processes that have exited since an earlier call still
    counts (their last reading is kept)."""
    rss = pss = 0.0
    cpu_by_pid = {} if cpu_by_pid is None else cpu_by_pid
    tick = os.sysconf("SC_CLK_TCK")
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            cpu_by_pid[p] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            continue
    return rss, pss, sum(cpu_by_pid.values())


async def served(
    port: int,
    pid: int,
    keys: dict[str, Path],
    reps: list[tuple[str, str]],
    count: int,
    n_keys: int,
    pace: float,
    ramp: float = 0.0,
) -> dict[str, Any]:
    sampled: list[tuple[float, float]] = []
    cpu_by_pid: dict[int, float] = {}
    phases: dict[str, tuple[float, float]] = {}  # name -> (time, CPU seconds) at its start
    stop = asyncio.Event()

    async def sample() -> None:
        while not stop.is_set():
            rss, pss, _cpu = usage(pid, cpu_by_pid)
            sampled.append((rss, pss))
            await asyncio.sleep(0.5)

    client: dict[str, float] = {}  # this process's CPU seconds at each phase's start

    def mark(name: str) -> None:
        phases[name] = (time.monotonic(), usage(pid, cpu_by_pid)[2])
        client[name] = time.process_time()

    mark("start")
    sampler = asyncio.ensure_future(sample())
    ready = 0
    everyone_in = asyncio.Event()

    def mark_ready() -> None:
        nonlocal ready
        ready += 1
        if ready == count:
            mark("keys")
            everyone_in.set()

    jobs = []
    for i in range(count):
        login, name = reps[i % len(reps)]
        jobs.append(
            one_session(
                port,
                keys[login],
                name,
                n_keys,
                pace,
                i,
                on_ready=mark_ready,
                delay=ramp * i / count,
                everyone_in=everyone_in,
            )
        )

    results = await asyncio.gather(*jobs)
    mark("end")
    stop.set()
    await sampler
    firsts = [r[0] for r in results]
    latencies = [x for r in results for x in r[1]]
    # the n-th key of every session: which keys make the tail, and whether a key's first
    # press (a screen built for the first time in that session) costs more than the next
    by_press: dict[int, list[float]] = {}
    for r in results:
        for n, latency in enumerate(r[1]):
            by_press.setdefault(n, []).append(latency)
    (_t0, c0), (t1, c1), (t2, c2) = (
        phases["start"],
        phases.get("keys", phases["end"]),
        phases["end"],
    )
    return {
        "first": firsts,
        "lat": latencies,
        "by_press": by_press,
        "rss": max(s[0] for s in sampled),
        "pss": max(s[1] for s in sampled),
        "start_cpu": (c1 - c0) / count,
        "cores": (c2 - c1) / (t2 - t1) if t2 > t1 else float("nan"),
        "client": (client["end"] - client.get("keys", client["end"])) / (t2 - t1)
        if t2 > t1
        else float("nan"),
    }


async def app_on_pty(code: str, *args: str) -> tuple[Any, int, list[float], bytearray]:
    """``python -c code args`` on an 80x24 PTY, in a session of its own: the process, the
    PTY's master end, and the arrival times and bytes of its output as they come."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        *args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    outputs: list[float] = []
    received = bytearray()
    loop = asyncio.get_running_loop()

    def readable() -> None:
        try:
            data = os.read(master, 65536)
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(master)
            return
        outputs.append(time.monotonic())
        received.extend(data)

    loop.add_reader(master, readable)
    return proc, master, outputs, received


async def local_baseline(url: str, login: str, n_keys: int, pace: float) -> list[float]:
    """The same app as the same user in a local process on a PTY: no SSH, no server."""
    code = (
        "import sys, sqlalchemy as sa\n"
        "from core.runtime import open_runtime\nfrom core.models import User\n"
        "from core.served import bind\nfrom tui import hookspecs\n"
        "from tui.app import SalesdeskApp\n"
        "rt = open_runtime(sys.argv[1], extra_specs=[hookspecs])\n"
        "with rt.db.read_session() as s:\n"
        "    u = s.scalars(sa.select(User).where(User.login == sys.argv[2])).one()\n"
        "    s.expunge(u)\n"
        "bind(u)\nSalesdeskApp(rt.context_for()).run()\n"
    )
    proc, master, outputs, received = await app_on_pty(code, url, login)
    deadline = time.monotonic() + 300
    while b"Quit" not in received and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)
    latencies = await press_keys(
        lambda k: os.write(master, k.encode()), outputs, n_keys, pace, random.Random(0)
    )
    os.write(master, b"q")
    await asyncio.wait_for(proc.wait(), 30)
    asyncio.get_running_loop().remove_reader(master)
    os.close(master)
    return latencies


def figures(
    r: dict[str, Any], count: int, idle_pss: float, b50: float, load: float
) -> dict[str, float]:
    p50 = percentile(r["lat"], 0.5)
    return {
        "p50": p50 * 1000,
        "p95": percentile(r["lat"], 0.95) * 1000,
        "x": p50 / b50 if b50 else float("nan"),
        "first50": statistics.median(r["first"]),
        "first95": percentile(r["first"], 0.95),
        "rss": r["rss"],
        "pss": r["pss"],
        "per": (r["pss"] - idle_pss) / count,
        "cpu": r["start_cpu"],
        "cores": r["cores"],
        "client": r["client"],
        "load0": load,
        "load1": os.getloadavg()[0],
    }


def by_press_text(by_press: dict[int, list[float]]) -> str:
    """p50/p95 of each key in the order the sessions press them."""
    parts = [
        f"{n + 1}.{KEY_NAMES[n % len(KEY_NAMES)]} "
        f"{percentile(v, 0.5) * 1000:.0f}/{percentile(v, 0.95) * 1000:.0f}"
        for n, v in sorted(by_press.items())
    ]
    return "    by key (p50/p95 ms): " + ", ".join(parts)


def row_text(rows: list[dict[str, float]]) -> str:
    """The medians of several runs of one row."""
    m = {k: statistics.median(row[k] for row in rows) for k in rows[0]}
    return (
        f"{m['p50']:>6.0f}ms {m['p95']:>6.0f}ms {m['x']:>7.1f} {m['first50']:>7.1f}s "
        f"{m['first95']:>7.1f}s {m['rss']:>8.0f} {m['pss']:>8.0f} {m['per']:>8.0f} "
        f"{m['cpu']:>8.2f}s {m['cores']:>6.2f} {m['client']:>6.2f} "
        f"{m['load0']:>4.1f}->{m['load1']:<4.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sessions", default="10,25,50")
    parser.add_argument("--keys", type=int, default=12, help="keys per session")
    parser.add_argument(
        "--pace", type=float, default=1.0, help="keys PACE to 3 x PACE seconds apart"
    )
    parser.add_argument(
        "--launch",
        default="prefork,spawn",
        help="how sessions start: prefork (warm zygote), spawn (new interpreter)",
    )
    parser.add_argument("--runs", type=int, default=1, help="runs per row (medians printed)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        help="seconds over which the sessions log in (0: all at once)",
    )
    args = parser.parse_args()
    from serve_helpers import Server

    folder = Path(tempfile.mkdtemp(prefix="sd_bench_serve_"))
    folder.chmod(0o700)
    try:
        url, reps = prepare(args.scale, args.seed, folder)
        keys = add_keys(url, reps, folder)
        print(
            f"{args.scale}: {len(reps)} reps; a key every {args.pace:.0f}-{3 * args.pace:.0f} s, "
            f"{args.keys} per session; logins "
            + (f"spread over {args.ramp:.0f} s" if args.ramp else "all at once"),
            flush=True,
        )
        base = asyncio.run(local_baseline(url, reps[0][0], args.keys, args.pace))
        b50, b95 = percentile(base, 0.5), percentile(base, 0.95)
        print(
            f"local session (baseline): key-to-update p50 {b50 * 1000:.0f} ms, "
            f"p95 {b95 * 1000:.0f} ms; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        counts = [int(c) for c in args.sessions.split(",")]
        print(
            f"{'launch':>7} {'sessions':>8} {'key p50':>8} {'key p95':>8} {'x base':>7} "
            f"{'1st p50':>8} {'1st p95':>8} {'RSS MiB':>8} {'PSS MiB':>8} "
            f"{'PSS/sess':>8} {'CPU/start':>9} {'cores':>6} {'client':>6} {'load':>10}",
            flush=True,
        )
        for launch in args.launch.split(","):
            server = Server.start(
                url,
                folder,
                max_sessions=max(counts) + 5,
                max_sessions_per_user=max(counts),
                prefork=str(launch == "prefork").lower(),
            )
            try:
                idle_pss = usage(server.proc.pid)[1]
                for count in counts:
                    rows = []
                    for _run in range(args.runs):
                        load = os.getloadavg()[0]
                        r = asyncio.run(
                            served(
                                server.port,
                                server.proc.pid,
                                keys,
                                reps,
                                count,
                                args.keys,
                                args.pace,
                                args.ramp,
                            )
                        )
                        rows.append(figures(r, count, idle_pss, b50, load))
                        print(by_press_text(r["by_press"]), flush=True)
                    print(f"{launch:>7} {count:>8} " + row_text(rows), flush=True)
            finally:
                server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
