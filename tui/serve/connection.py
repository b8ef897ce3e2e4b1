"""The SSH side of one client: key-only authentication (``Connection``) and its session
channels (``SessionChannel``): the app on a PTY, a read-only command, or a refusal.
The node that runs the sessions is ``tui.serve.server.Hub``."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import struct
import termios
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # asyncssh's import warns about DSA support
    import asyncssh

from core.i18n import detect_lang
from core.services import sessions as records
from tui.serve import policy

if TYPE_CHECKING:
    from tui.serve.server import Hub

log = logging.getLogger("salesdesk.serve")

# -- one channel -----------------------------------------------------------------------


@dataclass
class Running:
    """A session on this node: its record, its process, why it should end."""

    record_id: int
    user_id: int
    channel: SessionChannel
    app: bool = True  # the app (idle timeout applies) or a command
    proc: Any = None  # asyncio's Process, or a zygote's Child: pid, returncode, wait()
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
        self.stdin: int | None = None  # a command's standard input (a pipe, non-blocking)
        self._pending = bytearray()
        self._eof = self._paused = self._stdin_done = False
        self.running: Running | None = None
        self.task: asyncio.Task[None] | None = None

    # asyncssh callbacks ----------------------------------------------------------------

    def connection_made(self, chan: asyncssh.SSHServerChannel) -> None:
        self.chan = chan
        self.conn.channels.add(self)

    def pty_requested(
        self, term_type: str, term_size: tuple[int, int, int, int], term_modes: Any
    ) -> bool:
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
        elif self.term is None and not self._stdin_done:  # a command's input, perhaps
            self._pending += data  # before the command has started
            self._flush()

    def terminal_size_changed(self, width: int, height: int, pixwidth: int, pixheight: int) -> None:
        self.size = (width or 80, height or 24)
        if self.master is not None:
            set_size(self.master, *self.size)

    def eof_received(self) -> bool:
        self._eof = True
        self._flush()
        return True

    def flush_stdin(self) -> None:
        self._flush()

    def _flush(self) -> None:
        """Feed the command's stdin what the client sent; when the pipe is full, stop
        reading from the client until the command has read some (no unbounded buffer)."""
        fd = self.stdin
        if fd is None:  # not started yet: hold a little, then make the client wait
            if len(self._pending) > 1 << 20:
                self._pause(True)
            return
        try:
            while self._pending:
                del self._pending[: os.write(fd, self._pending)]
        except BlockingIOError:
            self._pause(True)
            return
        except OSError:  # the command stopped reading (it exited): the rest goes nowhere
            self._pending.clear()
        self._pause(False)
        if self._eof:
            self.close_stdin()

    def _pause(self, paused: bool) -> None:
        """Stop (or resume) reading from the client; while stopped, write when the pipe
        has room again."""
        loop = asyncio.get_running_loop()
        if self.stdin is not None:
            if paused:
                loop.add_writer(self.stdin, self._flush)
            else:
                loop.remove_writer(self.stdin)
        if paused != self._paused and self.chan is not None:
            self._paused = paused
            (self.chan.pause_reading if paused else self.chan.resume_reading)()

    def close_stdin(self) -> None:
        self._stdin_done = True
        self._pending.clear()
        if self.stdin is not None:
            asyncio.get_running_loop().remove_writer(self.stdin)
            os.close(self.stdin)
            self.stdin = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.conn.channels.discard(self)
        if self.running and self.running.proc and self.running.proc.returncode is None:
            self.running.end_reason = self.running.end_reason or "client disconnected"
            signal_group(self.running.proc, signal.SIGHUP)

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
        for what in self.conn.refused_forwards:  # asked for before this session started
            self.say("forward", **policy.forward_names(what))
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


def set_size(fd: int, width: int, height: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))


def signal_group(proc: Any, sig: int) -> None:
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
        self.ssh: asyncssh.SSHServerConnection | None = None
        self.channels: set[SessionChannel] = set()
        self.refused_forwards: list[str] = []

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.ssh = conn
        peer = conn.get_extra_info("peername") or ("?", 0)
        self.client = f"{peer[0]}:{peer[1]}"

    def connection_lost(self, exc: Exception | None) -> None:
        if self.owner is None:
            why = (
                f"unknown key {self.offered}"
                if self.offered
                else "no key offered (passwords are not accepted)"
            )
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

    def session_requested(self) -> tuple[asyncssh.SSHServerChannel, SessionChannel]:
        session = SessionChannel(self)
        assert self.ssh is not None
        chan = self.ssh.create_server_channel()
        # Agent and X11 forwarding are off in the server; asyncssh has no callback for
        # these channel requests, so its handlers are replaced on this channel: each
        # refuses, tells the person and records the attempt (the session itself goes on).
        for request, what in (
            ("auth_agent_req_at_openssh_dot_com", "agent forwarding"),
            ("x11_req", "X11 forwarding"),
        ):
            setattr(
                chan,
                f"_process_{request}_request",
                lambda _packet, what=what: self._forward_refused(what, raise_=False),
            )
        return chan, session

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        return self._forward_refused("port forwarding")

    def server_requested(self, listen_host: str, listen_port: int) -> bool:
        # a plain False: raising here would wedge the connection's later requests
        return self._forward_refused("remote port forwarding", raise_=False)

    def unix_connection_requested(self, dest_path: str) -> bool:
        return self._forward_refused("socket forwarding")

    def unix_server_requested(self, listen_path: str) -> bool:
        return self._forward_refused("remote socket forwarding", raise_=False)

    def _forward_refused(self, what: str, raise_: bool = True) -> bool:
        """Record the refusal and say it on the client's sessions (now and later ones);
        a channel open is refused with the sentence as its reason."""
        self.hub.record_refused(
            f"refused: {what}", self.client, owner=self.owner, fingerprint=self.fingerprint
        )
        if what not in self.refused_forwards:
            self.refused_forwards.append(what)
            for channel in list(self.channels):
                if channel.task is not None:  # started; a later one says it when it starts
                    channel.say("forward", **policy.forward_names(what))
        if raise_:
            raise asyncssh.ChannelOpenError(
                asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED, f"salesdesk does not allow {what}"
            )
        return False

    async def refuse(self, why: str, command: str = "") -> None:
        await asyncio.to_thread(
            records.record_refused,
            self.hub.db,
            reason=why,
            client=self.client,
            node=self.hub.node,
            fingerprint=self.fingerprint,
            login=self.owner.login if self.owner else "",
            user_id=self.owner.user_id if self.owner else None,
            command=command,
        )
