"""Home's figures read ahead by a child process, on the other core, while the app starts.

Between the app's first frame and Home's figures, one thread has to import SQLAlchemy,
SQLModel, the models and the services (about 1 s of one core) before it can read five
statements. ``salesdesk`` forks once, as it starts and before Textual is imported; the
child opens the database with the same opener the app uses (so the same OS user, found
the same way), computes ``dashboard.compute`` and sends the figures back on a pipe, then
exits. The app draws them when they come and opens its own context as before, for
everything else and for the figures too if the child fails, hangs or is slower.

Forking is done only where it is safe and useful: on Linux, with one thread, and before
anything has loaded SQLAlchemy (so no connection or pool is shared with the child; a
served session is forked from a zygote that has it all loaded already, and never gets
here). The child touches no terminal (its standard streams are /dev/null), dies with
its parent and after ``CHILD_LIMIT`` seconds at most, and is killed and reaped by
``stop`` (the app calls it when it ends, or when its own figures are in first).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

# Only what forking needs is imported before the fork (the child starts the sooner; the
# app imports the rest with Textual anyway): logging, json, select, signal and typing
# were 10 ms of the process's start before the child could begin.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, NoReturn

    from core.context import Context
    from core.dashboard_figures import Dashboard

WAIT = 30.0  # seconds the app waits for the child's figures at most
CHILD_LIMIT = 40  # seconds after which the child ends itself (SIGALRM), whatever happens
CHILD_NICE = 10
_PR_SET_PDEATHSIG = 1
END = b"\n"  # the figures' end mark on the pipe


class FiguresAhead:
    """The child reading Home's figures: ``receive`` them (off the UI thread), ``stop`` it."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid = pid
        self._fd: int | None = fd
        self._lock = threading.Lock()
        self._reading = False
        self._status: int | None = None  # the child's exit code once reaped

    def receive(
        self,
        timeout: float = WAIT,
        on_figures: Callable[[tuple[Dashboard, list[str]]], object] | None = None,
    ) -> tuple[Dashboard, list[str]] | None:
        """The figures and their stage titles, or None if the child failed, was stopped or
        took longer than ``timeout``. Blocks; the child is reaped when this returns.

        The figures are in as soon as their end mark is (the child's exit, which frees
        its memory first, took another 10-20 ms): ``on_figures`` gets them then, before
        the child is reaped. Complete figures are the child's whole work, so they count
        whatever its exit status."""
        with self._lock:
            if self._fd is None or self._reading:
                return None
            self._reading, fd = True, self._fd
        try:
            figures = _parse(_read_all(fd, time.monotonic() + timeout))
            if figures is not None and on_figures is not None:
                on_figures(figures)
        finally:
            with self._lock:
                self._reading = False
                self._finish()
        if figures is None:
            _log().debug("no figures from the read-ahead child (exit %s)", self._status)
        return figures

    def stop(self) -> None:
        """Kill the child if it still runs and reap it (a reader in ``receive`` reaps it
        as soon as the kill closes the pipe). Safe from any thread, any number of times."""
        import signal

        with self._lock:
            if self._status is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
            if not self._reading:
                self._finish()

    def _finish(self) -> None:
        """Reap the child (killing it first if it still runs) and close the pipe; under
        the lock."""
        import signal

        if self._status is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid == 0:  # still running: it had its chance
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                    _pid, status = os.waitpid(self.pid, 0)
                self._status = os.waitstatus_to_exitcode(status)
            except ChildProcessError:  # reaped by someone else: its figures are not trusted
                self._status = -1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _read_all(fd: int, deadline: float) -> bytes | None:
    """What the child writes up to its end mark (a newline: JSON has none of its own), or
    None if the pipe ends without it (the child failed) or at the deadline."""
    import select

    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _w, _x = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        chunks.append(chunk)
        if chunk.endswith(END):
            return b"".join(chunks)


def _parse(payload: bytes | None) -> tuple[Dashboard, list[str]] | None:
    if payload is None:
        return None
    import json

    from core.dashboard_figures import from_wire

    try:
        return from_wire(json.loads(payload))
    except (ValueError, KeyError, TypeError):
        _log().debug("the read-ahead child's figures could not be read", exc_info=True)
        return None


def can_fork(when_busy: bool = False) -> bool:
    """Whether forking now is safe and worth it (see the module's docstring): a second
    core the process may use, and (unless ``when_busy``) a machine not overloaded. On a
    busy machine the child only takes the app's share: in interleaved A/Bs on 2 cores the
    figures came 1,195 -> 574 ms after the first frame with it at load average 3-4, but
    0.75 s later at load 8-9 (docs/performance.md, "Home's figures")."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and cores > 1
        and threading.active_count() == 1
        and "sqlalchemy" not in sys.modules
        and (when_busy or os.getloadavg()[0] < 2 * cores)
    )


def start(opener: Callable[[], Context], when_busy: bool = False) -> FiguresAhead | None:
    """Fork the child that reads Home's figures as ``opener()``'s context, or None where
    forking is not safe or not worth it (the app then reads them itself, as before)."""
    if not can_fork(when_busy):
        return None
    for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
        with contextlib.suppress(Exception):
            stream.flush()
    parent = os.getpid()
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        _log().debug("could not fork the read-ahead child", exc_info=True)
        return None
    if pid == 0:
        os.close(read_end)
        _child(opener, write_end, parent)
    os.close(write_end)
    return FiguresAhead(pid, read_end)


def _child(opener: Callable[[], Context], fd: int, parent: int) -> NoReturn:
    code = 1
    try:
        _detach(parent)
        import gc

        # A process that lives a second: collecting while SQLAlchemy and pydantic build
        # their classes was about 8 % of its CPU, and the memory goes back at exit anyway.
        gc.disable()
        import json

        from core.dashboard_figures import stage_titles, to_wire

        ctx = opener()
        from core.services import dashboard

        board = dashboard.compute(ctx)
        payload = json.dumps(to_wire(board, stage_titles(ctx.plugins.funnels, board)))
        view = memoryview(payload.encode() + END)
        while view:
            view = view[os.write(fd, view) :]
        code = 0
    except BaseException:  # whatever it was, the parent reads the figures itself
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of buffers copied from the parent


def _detach(parent: int) -> None:
    """The child's own terms: no terminal, no lingering (see the module's docstring)."""
    import logging
    import signal

    signal.alarm(CHILD_LIMIT)
    # Below the app in its own session's share of the CPU: on a busy machine (Linux groups
    # a terminal session's processes) a child at the same priority took half the app's
    # time and its first frame came 1.6 s later; on an idle core the child runs as fast.
    with contextlib.suppress(OSError):
        os.nice(CHILD_NICE)
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent is already gone
        os._exit(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for std in (0, 1, 2):
        os.dup2(devnull, std)
    os.close(devnull)
    logging.disable(logging.CRITICAL)  # handlers may hold the parent's streams


def _log() -> Any:
    import logging

    return logging.getLogger("salesdesk.tui")
