"""The warm parent of session processes (a "zygote"), and the server's side of it.

Starting a session as a new interpreter costs 1-3 CPU seconds, nearly all of it importing
Textual, SQLAlchemy, Alembic, the app and the plugins. The server instead starts this
process once: it imports all of that (it never opens the database and never reads an
identity), freezes the garbage collector so the imported objects stay shared
copy-on-write, and then waits on a private socket pair. For each session the server
sends one message: the ticket, the environment the session gets, and its terminal (the
PTY's slave, or three pipes) as file descriptors (SCM_RIGHTS). The zygote forks; the child
drops what it must not keep (the control socket, every other inherited descriptor),
starts a session of its own on that terminal, reseeds its random generators and runs
``tui.serve.session.run``, which opens its own database connection and redeems the
ticket exactly as a freshly started process would. The zygote tells the server the
child's pid, and later its exit code (the child is the zygote's, not the server's).

Decision and measurements: docs/serve.md.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import gc
import importlib
import json
import logging
import os
import pkgutil
import selectors
import signal
import socket
import sys
import threading
import traceback
from typing import Any

log = logging.getLogger("salesdesk.serve")
# What a session imports on its way to Home and beyond, besides the app's own packages.
PRELOAD = (
    "tui.app",
    "tui.hookspecs",
    "tui.serve.session",
    "tui.cli",
    "core.runtime",
    "alembic.command",
    "alembic.runtime.migration",
    "mako.template",
    "numpy",
    "statistics",
    "concurrent.futures",
    "multiprocessing",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
)
SKIPPED_PARTS = {"tests", "migrations", "__main__"}
SKIPPED = ("tui.serve.server", "tui.serve.connection", "core.datagen")  # the server's, or tools
MESSAGE_MAX = 65536
SINGLE_THREADED = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
WARM_TIMEOUT = 120.0  # seconds a zygote may take to import everything
FORK_TIMEOUT = 15.0  # a warm zygote answers a fork in milliseconds
HEALTH_EVERY = 10.0  # seconds between pings of a warm zygote
HEALTH_TIMEOUT = 10.0
REWARM_FIRST, REWARM_MAX = 5.0, 300.0  # pauses between attempts to warm a failing one


# -- the zygote process ------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    control = socket.socket(fileno=int(args[args.index("--control-fd") + 1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    _warm()
    if _threads() > 1:
        log.warning(
            "the session zygote runs %d threads; forking it may copy a held lock", _threads()
        )
    gc.collect()
    gc.freeze()  # the imported objects are never scanned again: their pages stay shared
    control.send(json.dumps({"ready": os.getpid()}).encode())
    return _serve(control)


def _warm() -> None:
    """Import everything a session imports, but open nothing and learn nobody's name."""
    for name in PRELOAD:
        _try_import(name)
    from core.plugins import discover

    packages = ["core", "tui"] + [d.module for d in discover()]
    for package in packages:
        module = _try_import(package)
        path = getattr(module, "__path__", None)
        for info in pkgutil.walk_packages(
            path or [], prefix=f"{package}.", onerror=lambda _name: None
        ):
            if not SKIPPED_PARTS & set(info.name.split(".")) and not info.name.startswith(SKIPPED):
                _try_import(info.name)


def _threads() -> int:
    """Threads of this process, C ones included (Linux), else Python's."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _try_import(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except Exception:  # an optional extra not installed: the session imports it if it can
        return None


def _serve(control: socket.socket) -> int:
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the select below
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    own = (control, selector, wake_read, wake_write)
    while True:
        for key, _events in selector.select():
            if key.fileobj is control:
                request, fds = _receive(control)
                if request is None:
                    return 0  # the server has gone: so do we (sessions run on)
                if "ping" in request:  # the server's health check
                    control.send(json.dumps({"pong": request["ping"]}).encode())
                else:
                    _fork(request, fds, own)
            else:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake_read, 4096)
        _reap(control)


def _receive(control: socket.socket) -> tuple[dict[str, Any] | None, list[int]]:
    fds = array.array("i")
    data, ancillary, _flags, _addr = control.recvmsg(
        MESSAGE_MAX, socket.CMSG_SPACE(3 * fds.itemsize)
    )
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    if not data:
        return None, list(fds)
    return json.loads(data), list(fds)


def _fork(request: dict[str, Any], fds: list[int], own: tuple[Any, ...]) -> None:
    control = own[0]
    try:
        pid = os.fork()
    except OSError as exc:  # out of processes or memory: this session fails, we go on
        for fd in fds:
            os.close(fd)
        control.send(json.dumps({"id": request["id"], "error": str(exc)}).encode())
        return
    if pid == 0:
        code = 1
        try:
            code = _child(request, fds, own)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:  # whatever happens, the child never returns to the loop
            traceback.print_exc()
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)
    for fd in fds:
        os.close(fd)
    control.send(json.dumps({"id": request["id"], "pid": pid}).encode())


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        with contextlib.suppress(OSError):
            control.send(json.dumps({"exit": pid, "code": code}).encode())


# -- the forked child --------------------------------------------------------------------


def _child(request: dict[str, Any], fds: list[int], own: tuple[Any, ...]) -> int:
    control, selector, wake_read, wake_write = own
    signal.set_wakeup_fd(-1)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    control.close()
    selector.close()
    os.close(wake_read)
    os.close(wake_write)
    os.setsid()  # its own session and process group: the server signals the group
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    os.closerange(3, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 4096)
    os.environ.clear()  # the server's chosen variables and the client's TERM and language
    os.environ.update(request["env"])
    from core.i18n import set_lang

    # The warm-up may have asked for the language (click's types translate their names as
    # commands are defined): that was the server's; this session's comes from its client.
    set_lang(None)
    _fresh_stdio()
    _reseed()
    from core.served import Ticket
    from tui.serve import session

    sys.argv = ["salesdesk-session"]
    return session.run(Ticket.loads(request["ticket"].encode()), float(request["grace"]))


def _fresh_stdio() -> None:
    """Python's standard streams on the new descriptors 0-2 (the PTY or the pipes)."""
    sys.stdin = sys.__stdin__ = open(  # noqa: SIM115
        0,
        encoding="utf-8",
        errors="surrogateescape",
        closefd=False,
    )
    sys.stdout = sys.__stdout__ = open(  # noqa: SIM115
        1,
        "w",
        encoding="utf-8",
        errors="surrogateescape",
        closefd=False,
        buffering=1 if os.isatty(1) else -1,
    )
    sys.stderr = sys.__stderr__ = open(  # noqa: SIM115
        2,
        "w",
        encoding="utf-8",
        errors="backslashreplace",
        closefd=False,
        buffering=1,
    )


def _reseed() -> None:
    """No two sessions share a random sequence with the zygote or each other. (Python's
    ``random`` already reseeds after fork; said here so nobody has to know that.)"""
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


# -- the server's side -------------------------------------------------------------------


class Child:
    """A session process forked by the zygote: its pid, and its exit code once known."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._done = asyncio.Event()

    def exited(self, code: int) -> None:
        if self.returncode is None:
            self.returncode = code
            self._done.set()

    async def wait(self) -> int:
        await self._done.wait()
        assert self.returncode is not None
        return self.returncode


class ZygoteUnavailable(ConnectionError):
    """The zygote could not fork this session (it is down, warming, wedged or out of
    processes): the listener starts the session as a new interpreter instead.

    ``maybe_forked``: the request reached the zygote, which then died or went silent, so
    a child may have been forked with the ticket (and be running on the session's
    terminal) though its pid never came back."""

    def __init__(self, message: str, maybe_forked: bool = False) -> None:
        super().__init__(message)
        self.maybe_forked = maybe_forked


class Zygote:
    """The server's handle on the zygote: warms it, asks it for session processes, checks
    it is alive, and warms a new one in the background when it dies or never warms (the
    listener meanwhile starts sessions as new interpreters: slower, never refused)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.proc: asyncio.subprocess.Process | None = None
        self.sock: socket.socket | None = None
        self.ready = asyncio.Event()
        self.down = asyncio.Event()  # this generation's zygote stopped (or never started)
        self.waiting: dict[int, asyncio.Future[Child]] = {}
        self.children: dict[int, Child] = {}
        self.closing = False
        self._next_id = 0
        self._pongs: dict[int, asyncio.Future[None]] = {}
        self._watching: set[asyncio.Task[None]] = set()
        self._warming: asyncio.Task[None] | None = None
        self._health: asyncio.Task[None] | None = None

    @property
    def warm(self) -> bool:
        """Ready to fork: started, said it is ready, not lost since."""
        return self.sock is not None and self.ready.is_set() and not self.down.is_set()

    async def start(self) -> None:
        # numpy's BLAS would start a thread pool on import: forking is safe only from a
        # single thread, and many sessions on few cores gain nothing from a pool each
        env = {**{name: "1" for name in SINGLE_THREADED}, **self.env}
        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ready, self.down = asyncio.Event(), asyncio.Event()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tui.serve.zygote",
                "--control-fd",
                str(there.fileno()),
                pass_fds=(there.fileno(),),
                env=env,
                start_new_session=True,
                stdin=asyncio.subprocess.DEVNULL,
            )
        except BaseException:
            here.close()
            self.down.set()
            raise
        finally:
            there.close()
        here.setblocking(False)
        self.sock = here
        asyncio.get_running_loop().add_reader(here, self._readable)
        if self._health is None:
            self._health = asyncio.ensure_future(self._check_health())

    async def warm_up(self, timeout: float = WARM_TIMEOUT) -> bool:
        """Start a zygote and wait until it is ready: False if it stopped or stayed cold
        (then it is killed)."""
        try:
            await self.start()
        except OSError as exc:
            log.error("the session zygote could not be started: %s", exc)
            return False
        ready, down = self.ready, self.down
        waits = {asyncio.ensure_future(ready.wait()), asyncio.ensure_future(down.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
        if ready.is_set() and not down.is_set():
            return True
        if not down.is_set():
            log.error("the session zygote did not warm within %.0f seconds", timeout)
            self._kill()
        if self.proc is not None:  # its exit code, for the log
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                await asyncio.wait_for(self.proc.wait(), 5)
        return False

    def keep_warm(self, delay: float = 0.0, lost: bool = False) -> None:
        """Warm a new zygote in the background (unless one is warm or warming), trying
        again with a growing pause while it fails. ``lost``: a warm one has just died."""
        if self.closing or self.warm or (self._warming is not None and not self._warming.done()):
            return
        self._warming = asyncio.ensure_future(self._rewarm(delay, lost))

    async def _rewarm(self, delay: float, lost: bool) -> None:
        old = self.proc
        if lost and old is not None:  # its exit code, for the log
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                await asyncio.wait_for(old.wait(), 5)
            if old.returncode is not None:
                log.error(
                    "the session zygote stopped (%s); new sessions start as new processes "
                    "(slower) while a new zygote warms",
                    _ended(old.returncode),
                )
        while not self.closing:
            if delay:
                await asyncio.sleep(delay)
            if await self.warm_up():
                log.warning("a new session zygote is warm; sessions are forked from it again")
                return
            delay = min(max(delay * 2, REWARM_FIRST), REWARM_MAX)
            log.error(
                "the session zygote failed to warm (%s); sessions start as new processes "
                "(slower); trying again in %.0f seconds",
                how_it_ended(self),
                delay,
            )

    async def fork(self, ticket: bytes, env: dict[str, str], grace: float, fds: list[int]) -> Child:
        """A new session process on ``fds`` (its stdin, stdout, stderr); raises
        ``ZygoteUnavailable`` when the zygote cannot fork it now."""
        if not self.warm:
            self.keep_warm()
            raise ZygoteUnavailable("the session zygote is not warm")
        assert self.sock is not None
        self._next_id += 1
        request_id = self._next_id
        answer: asyncio.Future[Child] = asyncio.get_running_loop().create_future()
        self.waiting[request_id] = answer
        message = json.dumps(
            {"id": request_id, "ticket": ticket.decode(), "env": env, "grace": grace}
        ).encode()
        rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        try:
            try:
                self.sock.sendmsg([message], rights)
            except OSError as exc:  # it has just died, unnoticed yet (broken pipe)
                del self.waiting[request_id]
                self._lost()
                raise ZygoteUnavailable(f"the session zygote stopped: {exc}") from exc
            try:
                return await asyncio.wait_for(answer, FORK_TIMEOUT)
            except TimeoutError:
                log.error("the session zygote did not answer within %.0f s", FORK_TIMEOUT)
                self._kill()
                raise ZygoteUnavailable(
                    "the session zygote did not answer", maybe_forked=True
                ) from None
        finally:
            self.waiting.pop(request_id, None)

    async def _check_health(self) -> None:
        """Every few seconds a warm zygote must answer a ping: a stopped (SIGSTOP) or
        wedged one is killed and replaced."""
        while not self.closing:
            await asyncio.sleep(HEALTH_EVERY)
            if not self.warm or self.sock is None:
                continue
            self._next_id += 1
            ping = self._next_id
            pong = self._pongs[ping] = asyncio.get_running_loop().create_future()
            try:
                self.sock.send(json.dumps({"ping": ping}).encode())
                await asyncio.wait_for(pong, HEALTH_TIMEOUT)
            except TimeoutError:  # before OSError, of which it is a kind
                log.error(
                    "the session zygote did not answer for %.0f seconds; replacing it",
                    HEALTH_TIMEOUT,
                )
                self._kill()
            except OSError:
                self._lost()
            finally:
                self._pongs.pop(ping, None)

    def _readable(self) -> None:
        assert self.sock is not None
        try:
            data = self.sock.recv(MESSAGE_MAX)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        message = json.loads(data)
        if "ready" in message:
            self.ready.set()
        elif "pong" in message:
            pong = self._pongs.get(message["pong"])
            if pong is not None and not pong.done():
                pong.set_result(None)
        elif "pid" in message:
            child = self.children[message["pid"]] = Child(message["pid"])
            answer = self.waiting.get(message["id"])
            if answer is not None and not answer.done():
                answer.set_result(child)
        elif "error" in message:
            answer = self.waiting.get(message["id"])
            if answer is not None and not answer.done():
                answer.set_exception(
                    ZygoteUnavailable(f"the session zygote could not fork: {message['error']}")
                )
        elif "exit" in message:
            found = self.children.pop(message["exit"], None)
            if found is not None:
                found.exited(message["code"])

    def _kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        self._lost()

    def _lost(self) -> None:
        """The zygote died: sessions start as new processes until a new one, warmed in the
        background, is ready; the orphaned sessions go on, and are watched until they end
        (their exit code is lost with the zygote)."""
        if self.down.is_set():
            return
        self.down.set()
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock)
            self.sock.close()
        self.sock = None
        for answer in self.waiting.values():
            if not answer.done():
                answer.set_exception(
                    ZygoteUnavailable("the session zygote stopped", maybe_forked=True)
                )
        orphans, self.children = list(self.children.values()), {}
        for child in orphans:
            task = asyncio.ensure_future(_watch_orphan(child))
            self._watching.add(task)
            task.add_done_callback(self._watching.discard)
        if self.ready.is_set():  # a warming one's failure is warm_up's caller's to tell
            self.keep_warm(lost=True)

    async def close(self) -> None:
        self.closing = True
        for task in (self._warming, self._health):
            if task is not None:
                task.cancel()
        if self.sock is not None:
            asyncio.get_running_loop().remove_reader(self.sock)
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                await asyncio.wait_for(self.proc.wait(), 5)
            if self.proc.returncode is None:
                self.proc.kill()


def how_it_ended(zygote: Zygote) -> str:
    """How the zygote's process ended, for the log."""
    return _ended(zygote.proc.returncode if zygote.proc is not None else None)


def _ended(code: int | None) -> str:
    if code is None:
        return "no exit code yet"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"


_adopted: set[asyncio.Task[None]] = set()


def adopt(pid: int) -> Child:
    """A session process forked by a zygote that died before telling its pid (the
    process told it, see ``core.served.reissue``): watched until it ends, like the
    zygote's other orphans (its exit code is lost with the zygote)."""
    child = Child(pid)
    task = asyncio.ensure_future(_watch_orphan(child))
    _adopted.add(task)
    task.add_done_callback(_adopted.discard)
    return child


async def _watch_orphan(child: Child) -> None:
    while True:
        try:
            os.kill(child.pid, 0)
        except ProcessLookupError:
            child.exited(1)
            return
        except PermissionError:  # the pid was reused by another account's process
            child.exited(1)
            return
        await asyncio.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
