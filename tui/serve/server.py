"""The SSH listener of ``salesdesk serve``.

One asyncio process accepts connections (asyncssh), authenticates keys against the
``user_key`` table and starts one child process per session (``tui.serve.session``): the
app on a PTY sized like the client's terminal, or a read-only command on pipes. A crash
in one child leaves the others untouched; the listener only copies bytes, watches the
database every second (ended sessions, removed keys, deactivated users) and enforces the
idle timeout and the session limits. Decision and measurements: docs/serve.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import pty
import signal
import socket
import struct
import sys
import termios
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # asyncssh's import warns about DSA support
    import asyncssh

from core.db import Database
from core.errors import SalesdeskError
from core.i18n import detect_lang
from core.served import Ticket
from core.services import sessions as records
from core.settings import Settings, data_dir
from tui.serve import policy

log = logging.getLogger("salesdesk.serve")
WATCH_EVERY = 1.0
SESSION_ENV = ("PATH", "HOME", "PYTHONPATH", "SALESDESK_HOME", "SALESDESK_SETTINGS",
               "VIRTUAL_ENV", "TZ")


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

    @classmethod
    def from_settings(cls, settings: Settings | None, **overrides: Any) -> ServeConfig:
        s = settings or Settings()
        config = cls(s.serve_address, s.serve_port,
                     Path(s.serve_host_key) if s.serve_host_key else None,
                     s.serve_node or "", s.serve_idle_timeout, s.serve_max_sessions,
                     s.serve_max_sessions_per_user, s.serve_grace)
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
    for candidate in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
        if candidate.exists() and candidate.stat().st_mode & 0o077:
            raise SalesdeskError(
                f"the database file {candidate} can be read or written by other users of "
                f"this machine; only the server's account may open it. Fix it with: "
                f"chmod 600 {file} {file}-wal {file}-shm; chmod 700 {file.parent}")
    if file.parent.stat().st_mode & 0o022:
        raise SalesdeskError(
            f"the folder {file.parent} of the database can be written by other users, who "
            f"could replace the file; fix it with: chmod 700 {file.parent}")


# -- one channel -----------------------------------------------------------------------


@dataclass
class Running:
    """A session on this node: its record, its process, why it should end."""

    record_id: int
    user_id: int
    channel: SessionChannel
    app: bool = True  # the app (idle timeout applies) or a command
    proc: asyncio.subprocess.Process | None = None
    last_input: float = field(default_factory=time.monotonic)
    end_reason: str = ""


class SessionChannel(asyncssh.SSHServerSession):  # type: ignore[misc]
    """One SSH session channel: the app on a PTY, a command, or a refusal."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.hub = conn, conn.hub
        self.chan: asyncssh.SSHServerChannel | None = None
        self.term: str | None = None
        self.size = (80, 24)
        self.master: int | None = None
        self.running: Running | None = None
        self.task: asyncio.Task[None] | None = None

    # asyncssh callbacks ----------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: Any) -> bool:
        self.term = term_type
        self.size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        self._start(None)
        return True

    def exec_requested(self, command: str) -> bool:
        self._start(command)
        return True

    def subsystem_requested(self, subsystem: str) -> bool:
        self._start(None, refuse=f"the {subsystem} subsystem (file transfer)")
        return True

    def data_received(self, data: bytes, datatype: Any) -> None:
        if self.running:
            self.running.last_input = time.monotonic()
        if self.master is not None:
            with contextlib.suppress(OSError):
                os.write(self.master, data)

    def terminal_size_changed(self, width: int, height: int, pixwidth: int,
                              pixheight: int) -> None:
        self.size = (width or 80, height or 24)
        if self.master is not None:
            _set_size(self.master, *self.size)

    def eof_received(self) -> bool:
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.running and self.running.proc and self.running.proc.returncode is None:
            self.running.end_reason = self.running.end_reason or "client disconnected"
            _signal(self.running.proc, signal.SIGHUP)

    # the session -----------------------------------------------------------------------

    @property
    def lang(self) -> str:
        env = self.chan.get_environment() if self.chan else {}
        return detect_lang(policy.client_env(dict(env), self.term))

    def say(self, key: str, **values: object) -> None:
        if self.chan is None or self.chan.is_closing():
            return
        text = policy.sentence(self.lang, key, **values) + "\r\n"
        self.chan.write_stderr(text.encode())

    def _start(self, command: str | None, refuse: str = "") -> None:
        self.task = asyncio.ensure_future(self._run(command, refuse))

    async def _run(self, command: str | None, refuse: str) -> None:
        assert self.chan is not None
        code = 1
        try:
            code = await self._serve(command, refuse)
        except Exception:  # never let one session take the listener down
            log.exception("session failed")
        finally:
            with contextlib.suppress(Exception):
                self.chan.exit(code)

    async def _serve(self, command: str | None, refuse: str) -> int:
        words = None
        if command is not None and not refuse:
            words = policy.allowed_command(command)
            if words is None:
                refuse = f"the command '{command[:60]}'"
        if command is None and not refuse and self.term is None:
            await self.conn.refuse("no terminal")
            self.say("no_pty")
            return 1
        if refuse:
            await self.conn.refuse(f"refused: {refuse}", command or "")
            self.say("unknown", what=refuse)
            return 1
        return await self.hub.run_session(self, words)


def _set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def _signal(proc: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


# -- one connection --------------------------------------------------------------------


class Connection(asyncssh.SSHServer):  # type: ignore[misc]
    """One client: key-only authentication, session channels, every forward refused."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.client = ""
        self.owner: records.KeyOwner | None = None
        self.fingerprint = ""
        self.offered = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.client = f"{peer[0]}:{peer[1]}"

    def connection_lost(self, exc: Exception | None) -> None:
        if self.owner is None:
            why = (f"unknown key {self.offered}" if self.offered
                   else "no key offered (passwords are not accepted)")
            self.hub.record_refused(why, self.client, fingerprint=self.offered)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return False

    def kbdint_auth_supported(self) -> bool:
        return False

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        fingerprint = key.get_fingerprint("sha256")
        owner = await asyncio.to_thread(records.key_owner, self.hub.db, fingerprint)
        if owner is None:
            self.offered = fingerprint
            return False
        self.owner, self.fingerprint = owner, fingerprint
        return True

    def session_requested(self) -> SessionChannel:
        return SessionChannel(self)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str,
                             orig_port: int) -> bool:
        return self._forward_refused("port forwarding")

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        self._forward_refused("remote port forwarding")
        return False

    def unix_connection_requested(self, dest_path: str) -> bool:
        return self._forward_refused("socket forwarding")

    def unix_server_requested(self, listen_path: str) -> bool:
        self._forward_refused("socket forwarding")
        return False

    def _forward_refused(self, what: str) -> bool:
        self.hub.record_refused(f"refused: {what}", self.client, owner=self.owner,
                                fingerprint=self.fingerprint)
        raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                        f"salesdesk does not allow {what}")

    async def refuse(self, why: str, command: str = "") -> None:
        await asyncio.to_thread(records.record_refused, self.hub.db, reason=why,
                                client=self.client, node=self.hub.node,
                                fingerprint=self.fingerprint,
                                login=self.owner.login if self.owner else "",
                                user_id=self.owner.user_id if self.owner else None,
                                command=command)


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

    async def start(self, host_key: asyncssh.SSHKey) -> None:
        self.server = await asyncssh.create_server(
            lambda: Connection(self), self.config.address, self.config.port,
            server_host_keys=[host_key], encoding=None, agent_forwarding=False,
            x11_forwarding=False, allow_scp=False, login_timeout=30,
            keepalive_interval=30, keepalive_count_max=4)
        if not self.config.port:  # port 0: the system picked one
            self.config.port = self.server.sockets[0].getsockname()[1]
            self.node = self.config.node or f"{socket.gethostname()}:{self.config.port}"
        self._spawn(self._watch())

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def record_refused(self, why: str, client: str, owner: records.KeyOwner | None = None,
                       fingerprint: str = "") -> None:
        self._spawn(asyncio.to_thread(
            records.record_refused, self.db, reason=why, client=client, node=self.node,
            fingerprint=fingerprint, login=owner.login if owner else "",
            user_id=owner.user_id if owner else None))

    # sessions --------------------------------------------------------------------------

    async def run_session(self, channel: SessionChannel, words: list[str] | None) -> int:
        conn, owner = channel.conn, channel.conn.owner
        assert owner is not None and channel.chan is not None
        if self.stopping:
            channel.say("stopping")
            return 1
        total, mine = await asyncio.to_thread(records.open_counts, self.db, owner.user_id)
        if total >= self.config.max_sessions or mine >= self.config.max_sessions_per_user:
            over_total = total >= self.config.max_sessions
            await conn.refuse("too many sessions" if over_total
                              else "too many sessions for this user")
            channel.say("total" if over_total else "per_user",
                        limit=self.config.max_sessions if over_total
                        else self.config.max_sessions_per_user)
            return 1
        record_id, secret = await asyncio.to_thread(
            records.record_start, self.db, owner, fingerprint=conn.fingerprint,
            client=conn.client, node=self.node, kind="app" if words is None else "command",
            command=" ".join(words or []))
        running = Running(record_id, owner.user_id, channel, app=words is None)
        channel.running = running
        self.sessions[record_id] = running
        try:
            ticket = Ticket(record_id, secret, self.database_url, words)
            code = await self._run_child(channel, running, ticket)
        finally:
            self.sessions.pop(record_id, None)
            reason = running.end_reason or ("quit" if code == 0 else f"exit code {code}")
            if running.end_reason == "" and words is None and code not in (0, 1):
                reason = f"crashed (exit code {code})"
                channel.say("crashed")
            await asyncio.to_thread(records.record_end, self.db, record_id, reason)
        return code

    async def _run_child(self, channel: SessionChannel, running: Running,
                         ticket: Ticket) -> int:
        env = {k: os.environ[k] for k in SESSION_ENV if k in os.environ}
        env.update(policy.client_env(dict(channel.chan.get_environment()), channel.term))
        read_end, write_end = os.pipe()
        os.write(write_end, ticket.dumps())
        os.close(write_end)
        argv = [sys.executable, "-m", "tui.serve.session", "--ticket-fd", str(read_end),
                "--grace", str(self.config.grace)]
        pty_wanted = ticket.command is None or channel.term is not None
        slave = None
        try:
            if pty_wanted:
                master, slave = pty.openpty()
                _set_size(master, *channel.size)
                channel.master = master
                stdio: dict[str, Any] = {"stdin": slave, "stdout": slave, "stderr": slave}
            else:
                stdio = {"stdin": asyncio.subprocess.DEVNULL,
                         "stdout": asyncio.subprocess.PIPE, "stderr": asyncio.subprocess.PIPE}
            running.proc = await asyncio.create_subprocess_exec(
                *argv, env=env, pass_fds=(read_end,), start_new_session=True, **stdio)
        finally:
            os.close(read_end)
            if slave is not None:
                os.close(slave)
        if pty_wanted:
            return await self._pump_pty(channel, running.proc)
        return await self._pump_pipes(channel, running.proc)

    async def _pump_pty(self, channel: SessionChannel,
                        proc: asyncio.subprocess.Process) -> int:
        loop, master, done = asyncio.get_running_loop(), channel.master, asyncio.Event()
        assert master is not None and channel.chan is not None

        def readable() -> None:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data:
                loop.remove_reader(master)
                done.set()
            elif not channel.chan.is_closing():
                channel.chan.write(data)

        loop.add_reader(master, readable)
        code = await proc.wait()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(done.wait(), 1.0)  # the last frame, then EOF
        loop.remove_reader(master)
        channel.master = None
        os.close(master)
        return code if code >= 0 else 128 - code

    async def _pump_pipes(self, channel: SessionChannel,
                          proc: asyncio.subprocess.Process) -> int:
        chan = channel.chan
        assert chan is not None and proc.stdout is not None and proc.stderr is not None

        async def copy(stream: asyncio.StreamReader, write: Any) -> None:
            while data := await stream.read(65536):
                if not chan.is_closing():
                    write(data)

        await asyncio.gather(copy(proc.stdout, chan.write), copy(proc.stderr,
                                                                 chan.write_stderr))
        code = await proc.wait()
        return code if code >= 0 else 128 - code

    def end(self, running: Running, why: str, key: str, **values: object) -> None:
        """End a session now: stop its process, restore the client's screen, say why."""
        if running.end_reason:
            return
        running.end_reason = why
        if running.proc is not None and running.proc.returncode is None:
            _signal(running.proc, signal.SIGTERM)
            self._spawn(self._kill_later(running.proc))
        chan = running.channel.chan
        if chan is not None and not chan.is_closing() and running.channel.master is not None:
            chan.write(b"\x1b[?1049l\x1b[?25h\x1b[0m\r\n")  # leave the app's screen
        running.channel.say(key, **values)

    async def _kill_later(self, proc: asyncio.subprocess.Process, after: float = 3.0) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), after)
            return
        _signal(proc, signal.SIGKILL)

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
                self.end(running, "idle timeout", "idle",
                         **policy.duration(self.config.idle_timeout))
        ids = list(self.sessions)
        ending = await asyncio.to_thread(records.to_end, self.db, self.node, ids)
        for record_id, reason in ending.items():
            running = self.sessions.get(record_id)
            if running is not None:
                self.end(running, reason, "ended", reason=reason)

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
        for task in list(self._tasks):
            task.cancel()
        if self.server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)


async def serve_forever(hub: Hub, host_key: asyncssh.SSHKey,
                        ready: Any = None) -> None:
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
