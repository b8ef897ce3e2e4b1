"""Helpers for the ``salesdesk serve`` tests: a real server in a subprocess on
127.0.0.1, SSH keys, and a client terminal rendered by pyte so tests assert on the screen.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyte

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"salesdesk serve on [\d.]+:(\d+)")


def private_sqlite(url: str) -> str:
    """Make a test SQLite database private to this account, as serve requires."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if candidate.exists():
                candidate.chmod(0o600)
        path.parent.chmod(0o700)
    return url


def make_key(folder: Path, name: str) -> tuple[Path, str]:
    """An OpenSSH key pair in ``folder``: (private key path, public key text)."""
    key = asyncssh.generate_private_key("ssh-ed25519", comment=f"{name}@test")
    private = folder / name
    private.write_bytes(key.export_private_key())
    private.chmod(0o600)
    public = key.export_public_key().decode()
    (folder / f"{name}.pub").write_text(public)
    return private, public


@dataclass
class Server:
    """``salesdesk serve`` running in a subprocess."""

    proc: subprocess.Popen[str]
    port: int
    log: list[str] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        url: str,
        home: Path,
        *,
        host_key: Path | None = None,
        node: str | None = None,
        env: dict[str, str] | None = None,
        **settings: Any,
    ) -> Server:
        home.mkdir(parents=True, exist_ok=True)
        extra, env = (
            env or {},
            {k: v for k, v in os.environ.items() if not k.startswith("SALESDESK_")},
        )
        env.update(
            PYTHONPATH=str(ROOT),
            SALESDESK_HOME=str(home),
            SALESDESK_SETTINGS=str(home / "settings.toml"),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        for name, value in settings.items():
            env[f"SALESDESK_SERVE_{name.upper()}"] = str(value)
        argv = [
            sys.executable,
            "-m",
            "tui.cli",
            "--database",
            url,
            "serve",
            "--port",
            "0",
            "--host-key",
            str(host_key or home / "host_key"),
        ]
        if node:
            argv += ["--node", node]
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        log: list[str] = []
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            log.append(line)
            found = READY.search(line)
            if found:
                server = cls(proc, int(found.group(1)), log)
                server._drain()
                return server
        proc.kill()
        raise RuntimeError("serve did not start:\n" + "".join(log))

    def _drain(self) -> None:
        import threading

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.log.append(line)

        threading.Thread(target=read, daemon=True).start()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


class Terminal:
    """An SSH client session with a PTY, its output rendered by pyte when the screen is
    looked at: fed as it arrives, pyte (pure Python) cost a benchmark's one client process
    more CPU than the keys it times, and the time of arrival is what a latency reads."""

    def __init__(self, width: int = 80, height: int = 24) -> None:
        self._screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self._screen)
        self._unread: list[bytes] = []  # arrived, not yet fed to the emulator
        self.received = 0  # bytes of output in all
        self.conn: asyncssh.SSHClientConnection | None = None
        self.chan: Any = None
        self.stderr = b""
        self.closed = asyncio.Event()
        self.exit_status: int | None = None
        self.outputs: list[float] = []  # when each chunk of output arrived (benchmarks)

    @classmethod
    async def open(
        cls,
        port: int,
        key: Path,
        *,
        width: int = 80,
        height: int = 24,
        env: dict[str, str] | None = None,
        command: str | None = None,
    ) -> Terminal:
        term = cls(width, height)
        term.conn = await asyncssh.connect(
            "127.0.0.1",
            port,
            username="anyone",
            client_keys=[str(key)],
            known_hosts=None,
            agent_path=None,
            password=None,
        )
        term.chan, _ = await term.conn.create_session(
            lambda: _Sink(term),
            command,
            term_type="xterm-256color",
            term_size=(width, height),
            env=env or {},
            encoding=None,
        )
        return term

    @property
    def screen(self) -> pyte.Screen:
        """The emulator's screen, with everything that has arrived drawn on it."""
        if self._unread:
            data = b"".join(self._unread)
            self._unread.clear()
            self.stream.feed(data)
        return self._screen

    def take(self, data: bytes) -> None:
        """Output from the server: timed now, drawn when the screen is next read."""
        self.outputs.append(time.monotonic())
        self.received += len(data)
        self._unread.append(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, *needles: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.text()
            if all(n in screen for n in needles):
                return screen
            await asyncio.sleep(0.1)
        raise AssertionError(f"never saw {needles!r} on:\n{self.text()}\nstderr: {self.stderr!r}")

    async def wait_closed(self, timeout: float = 30) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)

    def press(self, keys: str) -> None:
        self.chan.write(keys.encode())

    def resize(self, width: int, height: int) -> None:
        self.screen.resize(height, width)  # what came before is drawn at the old size
        self.chan.change_terminal_size(width, height)

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            await self.conn.wait_closed()


class _Sink(asyncssh.SSHClientSession):  # type: ignore[misc]
    def __init__(self, term: Terminal) -> None:
        self.term = term

    def data_received(self, data: bytes, datatype: Any) -> None:
        if datatype == asyncssh.EXTENDED_DATA_STDERR:
            self.term.stderr += data
        self.term.take(data)

    def exit_status_received(self, status: int) -> None:
        self.term.exit_status = status

    def connection_lost(self, exc: Exception | None) -> None:
        self.term.closed.set()


async def run_command(port: int, key: Path, command: str) -> tuple[int | None, str, str]:
    """Run ``command`` over SSH without a PTY: (exit status, stdout, stderr)."""
    async with asyncssh.connect(
        "127.0.0.1",
        port,
        username="anyone",
        client_keys=[str(key)],
        known_hosts=None,
        agent_path=None,
    ) as conn:
        result = await conn.run(command, check=False)
    return result.exit_status, str(result.stdout), str(result.stderr)


def ssh_argv(port: int, key: Path, *extra: str) -> list[str]:
    """OpenSSH's client against the test server, non-interactive."""
    return [
        "ssh",
        "-p",
        str(port),
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        *extra,
    ]
