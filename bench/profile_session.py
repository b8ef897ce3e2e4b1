"""Where one served session spends its CPU: per key press and while idle.

    .venv/bin/python bench/profile_session.py [--scale medium] [--keys 40] [--idle 20]
        [--pace 0.6] [--profile out.prof]

A real ``salesdesk serve`` (prefork) on 127.0.0.1 serves the generated data set (as
``bench_serve.py``); one asyncssh client logs in as the first rep, waits for Home and its
figures, then:

- sits idle for ``--idle`` seconds (on Home, or where ``--idle-on`` keys lead, e.g.
  ``2/``: Customers with the filter focused): the session process's CPU (utime + stime
  from ``/proc/<pid>/stat``) per second, the listener's, and the writes to the client;
- presses ``--keys`` keys of ``bench_serve.KEYS`` (Customers, next page, back,
  Opportunities, back) ``--pace`` seconds apart, waiting for each redraw: CPU
  milliseconds per key for the session process and for the listener, and the bytes
  sent to the client per key.

The figures are CPU time, not wall time, so other work on the machine disturbs them
little. With ``--profile FILE`` the same app runs as the same user in a local process on
a PTY (no SSH: the session process runs exactly this) under cProfile for the same key
phase, and the stats go to FILE; print them with ``python -m pstats FILE``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


async def measure(port: int, server_pid: int, url: str, key: Path, name: str, args: Any) -> None:
    import sqlalchemy as sa
    from bench_serve import KEY_NAMES, KEYS
    from serve_helpers import Terminal

    term = await Terminal.open(port, key)
    await term.wait_for(name[:12], "Quit", timeout=300)
    await asyncio.sleep(3)  # Home's figures load
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        pid = conn.execute(
            sa.text("SELECT pid FROM served_session WHERE kind='app' AND ended_at IS NULL")
        ).scalar_one()
    engine.dispose()
    for key in args.idle_on:  # e.g. "2/": idle on Customers with the filter focused
        term.press(key)
        await asyncio.sleep(2)
    s0, l0, t0 = cpu_ms(pid), cpu_ms(server_pid), time.monotonic()
    chunks = len(term.outputs)
    await asyncio.sleep(args.idle)
    s1, l1, t1 = cpu_ms(pid), cpu_ms(server_pid), time.monotonic()
    print(
        f"idle {t1 - t0:.0f} s: session {(s1 - s0) / (t1 - t0):.1f} CPU-ms/s, "
        f"listener {(l1 - l0) / (t1 - t0):.1f} CPU-ms/s, "
        f"{(len(term.outputs) - chunks) / (t1 - t0):.1f} writes/s to the client"
    )
    for _key in args.idle_on:
        term.press("\x1b")
        await asyncio.sleep(1)
    bytes0 = sum(1 for _ in term.outputs)
    received0 = term.received
    s0, l0 = cpu_ms(pid), cpu_ms(server_pid)
    by_key = []
    for i in range(args.keys):
        seen, before = len(term.outputs), cpu_ms(pid)
        term.press(KEYS[i % len(KEYS)])
        deadline = time.monotonic() + 10
        while len(term.outputs) == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        await asyncio.sleep(args.pace)
        by_key.append(f"{i + 1}.{KEY_NAMES[i % len(KEY_NAMES)]} {cpu_ms(pid) - before:.0f}")
    s1, l1 = cpu_ms(pid), cpu_ms(server_pid)
    print("session CPU-ms by key:", ", ".join(by_key))
    print(
        f"{args.keys} keys: session {(s1 - s0) / args.keys:.1f} CPU-ms/key, listener "
        f"{(l1 - l0) / args.keys:.1f} CPU-ms/key (includes {args.pace:.1f} s idle after "
        f"each), {(term.received - received0) / args.keys / 1024:.1f} KiB and "
        f"{(len(term.outputs) - bytes0) / args.keys:.1f} writes to the client per key"
    )
    term.press("q")
    await term.wait_closed(timeout=30)


PROFILED = """
import cProfile, signal, sys, sqlalchemy as sa
from core.runtime import open_runtime
from core.models import User
from core.served import bind
from tui import hookspecs
from tui.app import SalesdeskApp
rt = open_runtime(sys.argv[1], extra_specs=[hookspecs])
with rt.db.read_session() as s:
    u = s.scalars(sa.select(User).where(User.login == sys.argv[2])).one()
    s.expunge(u)
bind(u)
profiler = cProfile.Profile()
signal.signal(signal.SIGUSR2, lambda *_: profiler.enable())
SalesdeskApp(rt.context_for()).run()
profiler.disable()
profiler.dump_stats(sys.argv[3])
"""


async def profile_local(url: str, login: str, args: Any) -> None:
    import signal

    from bench_serve import KEYS, app_on_pty

    proc, master, outputs, received = await app_on_pty(
        PROFILED, url, login, str(Path(args.profile).resolve())
    )
    while b"Quit" not in received:
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)
    s0 = cpu_ms(proc.pid)
    await asyncio.sleep(args.idle)
    s1 = cpu_ms(proc.pid)
    print(f"local idle: {(s1 - s0) / args.idle:.1f} CPU-ms/s")
    os.kill(proc.pid, signal.SIGUSR2)
    await asyncio.sleep(0.3)
    s0 = cpu_ms(proc.pid)
    for i in range(args.keys):
        seen = len(outputs)
        os.write(master, KEYS[i % len(KEYS)].encode())
        deadline = time.monotonic() + 10
        while len(outputs) == seen and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        await asyncio.sleep(args.pace)
    s1 = cpu_ms(proc.pid)
    print(f"local, profiled: {(s1 - s0) / args.keys:.1f} CPU-ms/key")
    os.write(master, b"q")
    await asyncio.wait_for(proc.wait(), 60)
    asyncio.get_running_loop().remove_reader(master)
    os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--pace", type=float, default=0.6)
    parser.add_argument("--profile", default="")
    parser.add_argument("--idle-on", default="", help="keys pressed before the idle phase")
    args = parser.parse_args()
    from bench_serve import add_keys, prepare
    from serve_helpers import Server

    folder = Path(tempfile.mkdtemp(prefix="sd_profile_session_"))
    folder.chmod(0o700)
    try:
        url, reps = prepare(args.scale, args.seed, folder)
        keys = add_keys(url, reps[:1], folder)
        if args.profile:
            asyncio.run(profile_local(url, reps[0][0], args))
            return
        server = Server.start(url, folder)
        try:
            login, name = reps[0]
            asyncio.run(measure(server.port, server.proc.pid, url, keys[login], name, args))
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
