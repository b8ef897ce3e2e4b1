"""The SSH listener of ``salesdesk serve``.

One asyncio process accepts connections (asyncssh), authenticates keys against the
``user_key`` table and has one process started per session (``tui.serve.session``,
forked by the warm ``tui.serve.zygote``): the app on a PTY sized like the client's
terminal, or a command on pipes. A crash
in one child leaves the others untouched; the listener only copies bytes, watches the
database every second (ended sessions, removed keys, deactivated users) and enforces the
idle timeout and the session limits. Decision and measurements: docs/serve.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pty
import signal
import socket
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # asyncssh's import warns about DSA support
    import asyncssh

from core import served
from core.db import Database
from core.errors import SalesdeskError
from core.served import Ticket
from core.services import sessions as records
from core.settings import Settings, data_dir
from tui.serve import policy
from tui.serve.connection import Connection, Running, SessionChannel, set_size, signal_group
from tui.serve.zygote import REWARM_FIRST, Zygote, ZygoteUnavailable, adopt, how_it_ended

log = logging.getLogger("salesdesk.serve")
WATCH_EVERY = 1.0
SESSION_ENV = (
    "PATH",
    "HOME",
    "PYTHONPATH",
    "SALESDESK_HOME",
    "SALESDESK_SETTINGS",
    "VIRTUAL_ENV",
    "TZ",
)


@dataclass
class ServeConfig:
    address: str = "127.0.0.1"
    port: int = 2222
    host_key: Path | None = None
    node: str = ""
    idle_timeout: float = 1800.0
    max_sessions: int = 100
    max_sessions_per_user: int = 3
    grace: float = 10.0
    prefork: bool = True

    @classmethod
    def from_settings(cls, settings: Settings | None, **overrides: Any) -> ServeConfig:
        s = settings or Settings()
        config = cls(
            s.serve_address,
            s.serve_port,
            Path(s.serve_host_key) if s.serve_host_key else None,
            s.serve_node or "",
            s.serve_idle_timeout,
            s.serve_max_sessions,
            s.serve_max_sessions_per_user,
            s.serve_grace,
            s.serve_prefork,
        )
        for name, value in overrides.items():
            if value is not None:
                setattr(config, name, value)
        return config


# -- start-up checks -------------------------------------------------------------------


def load_host_key(path: Path | None) -> tuple[asyncssh.SSHKey, Path]:
    """The host key, made on first start (mode 0600) and reused after."""
    path = path or data_dir() / "ssh_host_ed25519_key"
    if path.exists():
        return asyncssh.read_private_key(str(path)), path
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519", comment="salesdesk serve")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
    return key, path


def check_private_database(db: Database) -> None:
    """Refuse a SQLite file (or its WAL files, or a directory) other users can reach: the
    record rules are a boundary only if nobody but the server opens the data."""
    if not db.is_sqlite:
        return
    path = db.engine.url.database
    if not path or path == ":memory:":
        return
    file = Path(path).resolve()
    files = [c for c in (file, Path(f"{file}-wal"), Path(f"{file}-shm")) if c.exists()]
    for candidate in files:
        if candidate.stat().st_mode & 0o077:
            raise SalesdeskError(
                f"the database file {candidate} can be read or written by other users of "
                f"this machine; only the server's account may open it. Fix it with: "
                f"chmod 600 {' '.join(str(f) for f in files)}; chmod 700 {file.parent}"
            )
    if file.parent.stat().st_mode & 0o022:
        raise SalesdeskError(
            f"the folder {file.parent} of the database can be written by other users, who "
            f"could replace the file; fix it with: chmod 700 {file.parent}"
        )


# -- the node --------------------------------------------------------------------------


class Hub:
    """Everything one ``salesdesk serve`` process runs: listener, sessions, watcher."""

    def __init__(self, db: Database, database_url: str, config: ServeConfig) -> None:
        self.db, self.database_url, self.config = db, database_url, config
        self.node = config.node or f"{socket.gethostname()}:{config.port}"
        self.sessions: dict[int, Running] = {}
        self.stopping = False
        self.server: asyncssh.SSHAcceptor | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.zygote: Zygote | None = None

    async def start(self, host_key: asyncssh.SSHKey) -> None:
        if self.config.prefork:  # warm before the first login, not during it
            self.zygote = Zygote({k: os.environ[k] for k in SESSION_ENV if k in os.environ})
            if not await self.zygote.warm_up():
                log.error(
                    "the session zygote could not warm (%s); sessions start as new processes "
                    "(slower) until one does; trying again in %.0f seconds",
                    how_it_ended(self.zygote),
                    REWARM_FIRST,
                )
                self.zygote.keep_warm(REWARM_FIRST)
        self.server = await asyncssh.create_server(
            lambda: Connection(self),
            self.config.address,
            self.config.port,
            server_host_keys=[host_key],
            encoding=None,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_scp=False,
            login_timeout=30,
            keepalive_interval=30,
            keepalive_count_max=4,
        )
        if not self.config.port:  # port 0: the system picked one
            self.config.port = self.server.sockets[0].getsockname()[1]
            self.node = self.config.node or f"{socket.gethostname()}:{self.config.port}"
        self._spawn(self._watch())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def record_refused(
        self, why: str, client: str, owner: records.KeyOwner | None = None, fingerprint: str = ""
    ) -> None:
        self._spawn(
            asyncio.to_thread(
                records.record_refused,
                self.db,
                reason=why,
                client=client,
                node=self.node,
                fingerprint=fingerprint,
                login=owner.login if owner else "",
                user_id=owner.user_id if owner else None,
            )
        )

    # sessions --------------------------------------------------------------------------

    async def run_session(self, channel: SessionChannel, words: list[str] | None) -> int:
        conn, owner = channel.conn, channel.conn.owner
        assert owner is not None and channel.chan is not None
        if self.stopping:
            channel.say("stopping")
            return 1
        try:  # counted and registered at once: two logins cannot both take the last place
            record_id, secret = await asyncio.to_thread(
                records.start_within_limits,
                self.db,
                owner,
                max_total=self.config.max_sessions,
                max_per_user=self.config.max_sessions_per_user,
                fingerprint=conn.fingerprint,
                client=conn.client,
                node=self.node,
                kind="app" if words is None else "command",
                command=" ".join(words or []),
            )
        except records.SessionLimit as full:
            await conn.refuse(
                "too many sessions" if full.which == "total" else "too many sessions for this user"
            )
            channel.say(full.which, limit=full.limit)
            return 1
        running = Running(record_id, owner.user_id, channel, app=words is None)
        channel.running = running
        self.sessions[record_id] = running
        code = 1
        try:
            ticket = Ticket(record_id, secret, self.database_url, words)
            code = await self._run_child(channel, running, ticket)
        except (OSError, TimeoutError) as exc:  # no process could be started for it
            log.error("could not start a session process: %s", exc)
            running.end_reason = f"could not start: {exc}"
            channel.say("unavailable")
        finally:
            self.sessions.pop(record_id, None)
            done = "quit" if words is None else "finished"
            reason = running.end_reason or (done if code == 0 else f"exit code {code}")
            if running.end_reason == "" and words is None and code not in (0, 1):
                reason = f"crashed (exit code {code})"
                channel.say("crashed")
            await asyncio.to_thread(records.record_end, self.db, record_id, reason)
        return code

    async def _run_child(self, channel: SessionChannel, running: Running, ticket: Ticket) -> int:
        chan = channel.chan
        assert chan is not None
        env = {k: os.environ[k] for k in SESSION_ENV if k in os.environ}
        env.update(policy.client_env(dict(chan.get_environment()), channel.term))
        if ticket.command is None or channel.term is not None:
            master, slave = pty.openpty()
            set_size(master, *channel.size)
            channel.master = master
            stdio, outputs = [slave, slave, slave], [(master, chan.write)]
        else:  # a command without a terminal: its stdin, stdout and stderr are pipes
            in_read, channel.stdin = os.pipe()
            os.set_blocking(channel.stdin, False)
            out_read, out_write = os.pipe()
            err_read, err_write = os.pipe()
            stdio = [in_read, out_write, err_write]
            outputs = [(out_read, chan.write), (err_read, chan.write_stderr)]
        try:
            running.proc = await self._launch(ticket, env, stdio)
            if channel.stdin is not None:
                channel.flush_stdin()  # what the client sent before the command started
        except BaseException:
            for fd, _write in outputs:
                os.close(fd)
            channel.master = None
            channel.close_stdin()
            raise
        finally:
            for fd in set(stdio):
                os.close(fd)
        return await self._pump(channel, running.proc, outputs)

    async def _launch(self, ticket: Ticket, env: dict[str, str], stdio: list[int]) -> Any:
        """The session process on ``stdio``: forked from the warm zygote, or (with
        ``serve_prefork`` off, or while the zygote is down or warming) a new interpreter
        that reads its ticket from a pipe."""
        if self.zygote is not None:
            try:
                return await self.zygote.fork(ticket.dumps(), env, self.config.grace, stdio)
            except ZygoteUnavailable as exc:  # started the slow way: never refused for it
                if exc.maybe_forked:
                    # a child of the lost zygote may hold this ticket: the session must
                    # not start twice on one terminal
                    taken = await asyncio.to_thread(served.reissue, self.db, ticket)
                    if isinstance(taken, int):
                        log.warning("%s; its child had started this session: kept", exc)
                        return adopt(taken)
                    if taken is None:
                        raise ConnectionError("the session ended before it started") from exc
                    ticket = taken
                log.warning("%s; this session starts as a new process", exc)
        read_end, write_end = os.pipe()
        os.write(write_end, ticket.dumps())
        os.close(write_end)
        try:
            return await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tui.serve.session",
                "--ticket-fd",
                str(read_end),
                "--grace",
                str(self.config.grace),
                env=env,
                pass_fds=(read_end,),
                start_new_session=True,
                stdin=stdio[0],
                stdout=stdio[1],
                stderr=stdio[2],
            )
        finally:
            os.close(read_end)

    async def _pump(
        self, channel: SessionChannel, proc: Any, outputs: list[tuple[int, Any]]
    ) -> int:
        """Copy the session's output to the client until it exits; its exit code."""
        loop, chan = asyncio.get_running_loop(), channel.chan
        assert chan is not None
        open_outputs, drained = len(outputs), asyncio.Event()

        def readable(fd: int, write: Any) -> None:
            nonlocal open_outputs
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the PTY's last holder closed it
                data = b""
            if not data:
                loop.remove_reader(fd)
                open_outputs -= 1
                if not open_outputs:
                    drained.set()
            elif not chan.is_closing():
                write(data)

        for fd, write in outputs:
            loop.add_reader(fd, readable, fd, write)
        try:
            code = await proc.wait()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(drained.wait(), 2.0)  # the last output, then EOF
        finally:
            channel.master = None
            channel.close_stdin()
            for fd, _write in outputs:
                loop.remove_reader(fd)
                os.close(fd)
        return code if code >= 0 else 128 - code

    def end(self, running: Running, why: str, key: str, **values: object) -> None:
        """End a session now: stop its process, restore the client's screen, say why."""
        if running.end_reason:
            return
        running.end_reason = why
        if running.proc is not None and running.proc.returncode is None:
            signal_group(running.proc, signal.SIGTERM)
            self._spawn(self._kill_later(running.proc))
        chan = running.channel.chan
        if chan is not None and not chan.is_closing() and running.channel.master is not None:
            chan.write(b"\x1b[?1049l\x1b[?25h\x1b[0m\r\n")  # leave the app's screen
        running.channel.say(key, **values)

    async def _kill_later(self, proc: Any, after: float = 3.0) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), after)
            return
        signal_group(proc, signal.SIGKILL)

    # the watcher -----------------------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY)
            try:
                await self._check()
            except Exception:  # a database hiccup must not stop the watching
                log.exception("session watch failed")

    async def _check(self) -> None:
        now = time.monotonic()
        for running in list(self.sessions.values()):
            if running.app and now - running.last_input > self.config.idle_timeout:
                self.end(
                    running, "idle timeout", "idle", **policy.duration(self.config.idle_timeout)
                )
        ids = list(self.sessions)
        ending = await asyncio.to_thread(records.to_end, self.db, self.node, ids)
        for record_id, why in ending.items():
            running = self.sessions.get(record_id)
            if running is not None:  # kept in English in the history, said in theirs
                said = why.words(running.channel.lang)
                self.end(running, why.words(), "ended", reason=said)

    # shutdown --------------------------------------------------------------------------

    async def shutdown(self) -> None:
        """Stop listening, tell every session, give them the grace period, then close."""
        self.stopping = True
        if self.server is not None:
            self.server.close()
        for running in self.sessions.values():
            if running.proc is not None and running.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(running.proc.pid, signal.SIGUSR1)
        deadline = time.monotonic() + self.config.grace
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for running in list(self.sessions.values()):
            self.end(running, "server stopped", "stopping")
        deadline = time.monotonic() + 5
        while self.sessions and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if self.zygote is not None:
            await self.zygote.close()
        for task in list(self._tasks):
            task.cancel()
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)


async def serve_forever(hub: Hub, host_key: asyncssh.SSHKey, ready: Any = None) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await hub.start(host_key)
    if ready is not None:
        ready(hub)
    await stop.wait()
    await hub.shutdown()
