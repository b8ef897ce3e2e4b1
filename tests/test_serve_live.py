"""A real ``salesdesk serve`` on 127.0.0.1, reached with asyncssh's client and OpenSSH's
``ssh``; pyte renders what each session shows and the tests assert on that screen."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyte
import pytest
import sqlalchemy as sa
from serve_helpers import ROOT, Server, Terminal, make_key, private_sqlite, run_command, ssh_argv

from core.errors import NotFound
from core.models import ServedSession
from core.services import keys
from core.services import sessions as records
from core.testing.world import FixedClock, make_world

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import asyncssh

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("ssh") is None, reason="needs OpenSSH's client (.ci/run installs it)"
    ),
]


class Site:
    """The seeded world, every user's key, and a running server."""

    def __init__(self, world: Any, folder: Path) -> None:
        self.world, self.folder = world, folder
        self.keys: dict[str, Path] = {}
        self.server: Server | None = None

    def user(self, login: str, roles: str = "sales_rep", region: str = "EAST") -> Path:
        if login not in self.keys:
            from core.services import users

            try:
                users.find_user(self.world.admin, login)
            except NotFound:
                self.world.user(login, roles, region=region)
            private, public = make_key(self.folder, login)
            keys.add_key(self.world.admin, login, public)
            self.keys[login] = private
        return self.keys[login]

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.port

    def open_records(self, login: str) -> list[ServedSession]:
        with self.world.runtime.db.read_session() as session:
            return list(
                session.scalars(
                    sa.select(ServedSession).where(
                        ServedSession.login == login,
                        ServedSession.kind == "app",
                        ServedSession.ended_at.is_(None),
                    )
                )
            )


def build_site(url: str, folder: Path, **settings: Any) -> Site:
    from tui_helpers import seed

    import tui.hookspecs
    from core.runtime import open_runtime

    runtime = open_runtime(url, extra_specs=[tui.hookspecs])
    world = make_world(runtime, FixedClock())
    seed(world)
    site = Site(world, folder)
    for login in ("li", "zhao"):
        site.user(login)
    return site


@pytest.fixture(scope="module")
def site(db_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One server for the module: at most 2 sessions per user."""
    folder = tmp_path_factory.mktemp("serve")
    url = private_sqlite(db_factory.new("sqlite"))
    site = build_site(url, folder)
    private_sqlite(url)
    site.server = Server.start(url, folder, max_sessions_per_user=2)
    yield site
    site.server.stop()
    print("".join(site.server.log))
    site.world.runtime.db.dispose()


NAMES = {"li": "Li Lei", "zhao": "Zhao Min"}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def home(site: Site, login: str, **kw: Any) -> Terminal:
    """A session of ``login`` showing Home, the user's name in the info bar."""
    term = await Terminal.open(site.port, site.user(login), **kw)
    await term.wait_for("Home", "Quit", NAMES.get(login, login.title()))
    return term


# -- logging in ---------------------------------------------------------------------------


def test_key_login_shows_home_as_that_user_with_their_record_rules(site: Site) -> None:
    """asyncssh client: Home as li; Customers shows li's customers, not zhao's."""

    async def scenario() -> None:
        term = await home(site, "li")
        assert "Li Lei" in term.text()
        term.press("2")
        screen = await term.wait_for("Zenith Motors")
        assert "Acme Trading" not in screen and "Blue River Foods" not in screen
        term.press("q")
        await term.wait_closed()
        assert term.exit_status == 0

    run(scenario())
    (last,) = [r for r in site.open_records("li")] or [None]
    assert last is None  # quitting ended the session record


def test_openssh_client_gets_the_app(site: Site) -> None:
    """OpenSSH's ssh -tt: the app draws Home for the key's user; q ends the session."""
    key = site.user("zhao")
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)

    async def scenario() -> int:
        proc = await asyncio.create_subprocess_exec(
            *ssh_argv(site.port, key, "-tt", "x@127.0.0.1"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"},
        )
        assert proc.stdout is not None and proc.stdin is not None

        async def pump() -> None:
            while data := await proc.stdout.read(65536):
                stream.feed(data)

        reader = asyncio.ensure_future(pump())
        deadline = time.monotonic() + 60
        while "Zhao Min" not in "\n".join(screen.display):
            assert time.monotonic() < deadline, "\n".join(screen.display)
            await asyncio.sleep(0.2)
        assert "Home" in "\n".join(screen.display)
        proc.stdin.write(b"q")
        await proc.stdin.drain()
        code = await asyncio.wait_for(proc.wait(), 30)
        await reader
        return code

    assert run(scenario()) == 0


def test_two_users_at_once_each_see_only_their_own_rows(site: Site) -> None:
    async def scenario() -> None:
        li, zhao = await asyncio.gather(home(site, "li"), home(site, "zhao"))
        li.press("2")
        zhao.press("2")
        li_screen, zhao_screen = await asyncio.gather(
            li.wait_for("Zenith Motors"), zhao.wait_for("Acme Trading")
        )
        assert "Acme Trading" not in li_screen and "Li Lei" in li_screen
        assert "Zenith Motors" not in zhao_screen and "Zhao Min" in zhao_screen
        await asyncio.gather(li.close(), zhao.close())

    run(scenario())


def test_unknown_key_and_password_are_refused_and_recorded(site: Site, tmp_path: Path) -> None:
    stranger, _ = make_key(tmp_path, "stranger")

    async def scenario() -> None:
        with pytest.raises(asyncssh.PermissionDenied):
            await Terminal.open(site.port, stranger)
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect(
                "127.0.0.1",
                site.port,
                username="li",
                password="secret",
                client_keys=None,
                known_hosts=None,
                agent_path=None,
            )

    run(scenario())
    done = subprocess.run(
        ssh_argv(
            site.port,
            stranger,
            "-o",
            "PasswordAuthentication=yes",
            "li@127.0.0.1",
            "report",
            "list",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 255 and "Permission denied (publickey)" in done.stderr

    def recorded() -> None:
        history = records.history(site.world.admin, 20)
        assert sum("unknown key" in s.end_reason for s in history) >= 2
        assert any("no key offered" in s.end_reason for s in history)
        assert all(s.kind == "refused" for s in history if "unknown key" in s.end_reason)

    eventually(recorded)  # the refusals are written in the background


# -- channels: commands and everything refused -----------------------------------------


def test_read_only_commands_stream_their_output_and_exit_code(site: Site) -> None:
    """commands: report run -f csv streams the csv; a failing command's exit code is 1."""
    key = site.user("li")
    code, out, err = run(run_command(site.port, key, "report run top_customers -f csv"))
    assert code == 0, err
    assert out.splitlines()[0].count(",") >= 2 and "Zenith Motors" in out
    assert "Acme Trading" not in out  # as li: li's record rules
    code, _out, err = run(run_command(site.port, key, "report show no_such_report"))
    assert code == 1 and "no report" in err
    done = subprocess.run(
        ssh_argv(site.port, key, "x@127.0.0.1", "report", "list"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "top_customers" in done.stdout


def test_files_go_in_and_out_of_the_users_own_folder(site: Site, tmp_path: Path) -> None:
    """files put/list/get over SSH (OpenSSH's client, stdin and stdout as a person would
    redirect them): a workbook lands in the user's own folder on the server and comes back
    byte for byte; another user's folder and a server path stay out of reach."""
    key, other = site.user("files1"), site.user("files2")
    payload = os.urandom(300_000)  # more than a pipe holds: the upload must wait for it
    (tmp_path / "in.bin").write_bytes(payload)
    with (tmp_path / "in.bin").open("rb") as upload:
        put = subprocess.run(
            ssh_argv(site.port, key, "x@127.0.0.1", "files", "put", "in.bin"),
            stdin=upload,
            capture_output=True,
            timeout=120,
        )
    assert put.returncode == 0, put.stderr
    listed = subprocess.run(
        ssh_argv(site.port, key, "x@127.0.0.1", "files", "list"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0 and "in.bin" in listed.stdout and "300,000" in listed.stdout
    got = subprocess.run(
        ssh_argv(site.port, key, "x@127.0.0.1", "files", "get", "in.bin"),
        capture_output=True,
        timeout=120,
    )
    assert got.returncode == 0 and got.stdout == payload
    code, out, err = run(run_command(site.port, other, "files get in.bin"))
    assert code == 1 and out == "" and "in.bin" in err  # files2's folder has no such file
    for where in ("/etc/passwd", "../1/x"):
        code, out, err = run(run_command(site.port, key, f"files get {where}"))
        assert code == 1 and "your own folder" in err


@pytest.mark.parametrize(
    "command",
    [
        "bash",
        "sh -c id",
        "users add x --name x --role group_admin",
        "db backup /tmp/x",
        "report run top_customers -f csv -o /tmp/x.csv",
    ],
)
def test_shell_and_other_commands_are_refused_with_a_sentence(site: Site, command: str) -> None:
    code, out, err = run(run_command(site.port, site.user("li"), command))
    assert code == 1 and out == ""
    assert "is not allowed here" in err and "report list" in err


def test_no_terminal_no_app(site: Site) -> None:
    done = subprocess.run(
        ssh_argv(site.port, site.user("li"), "-T", "x@127.0.0.1"),
        capture_output=True,
        text=True,
        timeout=60,
        input="",
    )
    assert done.returncode == 1 and "needs a terminal" in done.stderr


def test_sftp_scp_and_forwarding_are_refused(site: Site, tmp_path: Path) -> None:
    key = site.user("li")
    (tmp_path / "f.txt").write_text("x")
    scp = subprocess.run(
        [
            "scp",
            "-P",
            str(site.port),
            *ssh_argv(0, key)[3:],
            str(tmp_path / "f.txt"),
            "x@127.0.0.1:/tmp/f.txt",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert scp.returncode != 0 and "not allowed" in scp.stderr
    sftp = subprocess.run(
        ["sftp", "-P", str(site.port), *ssh_argv(0, key)[3:], "x@127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=60,
        input="ls\n",
    )
    assert sftp.returncode != 0 and "not allowed" in sftp.stderr

    async def scenario() -> None:
        async with asyncssh.connect(
            "127.0.0.1",
            site.port,
            username="x",
            client_keys=[str(key)],
            known_hosts=None,
            agent_path=None,
        ) as conn:
            with pytest.raises(asyncssh.ChannelOpenError, match="port forwarding"):
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 22)
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
            sftp = await conn.run(subsystem="sftp", input="", check=False)
            assert sftp.exit_status == 1 and "not allowed" in str(sftp.stderr)
            with pytest.raises(asyncssh.sftp.SFTPError):
                await conn.start_sftp_client()
            with pytest.raises(asyncssh.ChannelOpenError):
                await conn.create_session(
                    asyncssh.SSHClientSession,
                    "report list",
                    x11_forwarding=True,
                    x11_display="127.0.0.1:0",
                )

    run(scenario())


def test_agent_x11_and_port_forwarding_are_refused_with_a_sentence(
    site: Site, tmp_path: Path
) -> None:
    """asyncssh's client: agent and X11 forwarding requests are refused (the command still
    runs, and stderr says why), local and remote port forwarding are refused with the
    sentence; every refusal is recorded."""
    key = site.user("fwd1")

    async def scenario() -> None:
        async with asyncssh.connect(
            "127.0.0.1",
            site.port,
            username="x",
            client_keys=[str(key)],
            known_hosts=None,
            agent_path=str(tmp_path / "agent.sock"),
            agent_forwarding=True,
        ) as conn:
            done = await conn.run("report list", check=False)
            assert done.exit_status == 0 and "top_customers" in str(done.stdout)
            assert "agent forwarding is not allowed here" in str(done.stderr)
            with pytest.raises(
                asyncssh.ChannelOpenError, match="salesdesk does not allow port forwarding"
            ):
                await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", 22)
            with pytest.raises(asyncssh.ChannelListenError):
                await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)
            again = await conn.run("report list", check=False)  # the connection still works
            assert again.exit_status == 0
            assert "remote port forwarding is not allowed here" in str(again.stderr)
            with pytest.raises(asyncssh.ChannelOpenError, match="X11"):
                await conn.create_session(
                    asyncssh.SSHClientSession,
                    "report list",
                    x11_forwarding=True,
                    x11_display="127.0.0.1:0",
                )

    run(scenario())

    def recorded() -> None:
        reasons = [
            s.end_reason
            for s in records.history(site.world.admin, 40)
            if s.login == "fwd1" and s.kind == "refused"
        ]
        for what in (
            "agent forwarding",
            "X11 forwarding",
            "port forwarding",
            "remote port forwarding",
        ):
            assert f"refused: {what}" in reasons, reasons

    eventually(recorded)  # the refusals are written in the background


def test_openssh_forwarding_requests_are_refused_with_a_sentence(
    site: Site, tmp_path: Path
) -> None:
    """OpenSSH's client: -A (with a running agent), -X, -W/-L and -R, and a shell command:
    each refused, with the sentence on the terminal."""
    key = site.user("fwd2")
    host = "x@127.0.0.1"
    agent = subprocess.run(
        ["ssh-agent", "-a", str(tmp_path / "agent"), "-s"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    agent_pid = int(agent.stdout.split("SSH_AGENT_PID=")[1].split(";")[0])
    env = {**os.environ, "SSH_AUTH_SOCK": str(tmp_path / "agent"), "DISPLAY": "127.0.0.1:0"}
    try:

        def ssh(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ssh_argv(site.port, key, *args),
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
                input="",
            )

        agent_run = ssh("-A", host, "report", "list")
        assert agent_run.returncode == 0 and "top_customers" in agent_run.stdout
        assert "agent forwarding is not allowed here" in agent_run.stderr
        x11 = ssh("-X", "-o", "ForwardX11Trusted=yes", host, "report", "list")
        assert "X11 forwarding is not allowed here" in x11.stderr, x11.stderr
        stdio_forward = ssh("-W", "127.0.0.1:22", host)
        assert stdio_forward.returncode == 255 and "forwarding failed" in stdio_forward.stderr
        assert "salesdesk does not allow port forwarding" in _local_forward(site, key)
        remote = ssh("-R", "0:127.0.0.1:22", host, "report", "list")
        assert "remote port forwarding is not allowed here" in remote.stderr, remote.stderr
        shell = ssh(host, "bash", "-i")
        assert shell.returncode == 1 and "is not allowed here" in shell.stderr
    finally:
        os.kill(agent_pid, signal.SIGTERM)


def _local_forward(site: Site, key: Path) -> str:
    """``ssh -N -L``: connect through the forward once; what OpenSSH then printed."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = probe.getsockname()[1]
    argv = [a if a != "LogLevel=ERROR" else "LogLevel=INFO" for a in ssh_argv(site.port, key)]
    forward = subprocess.Popen(
        [*argv, "-N", "-L", f"{local}:127.0.0.1:22", "x@127.0.0.1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", local), timeout=5) as through:
                    through.settimeout(10)
                    assert through.recv(100) == b""  # the server refused: closed at once
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, "ssh -L never listened"
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        forward.terminate()
        _out, err = forward.communicate(timeout=30)
    return err


# -- the terminal ------------------------------------------------------------------------


def test_resize_reflows_the_screen(site: Site) -> None:
    async def scenario() -> None:
        term = await home(site, "li")
        assert max(len(line.rstrip()) for line in term.screen.display) <= 80
        term.resize(120, 30)
        deadline = time.monotonic() + 30
        while not term.screen.display[29].rstrip().endswith("Search"):
            assert time.monotonic() < deadline, term.text()
            await asyncio.sleep(0.2)
        assert len(term.screen.display[29].rstrip()) > 100  # the footer reaches col 120
        await term.close()

    run(scenario())


# -- ending sessions -----------------------------------------------------------------------


def test_deactivating_a_user_ends_their_session(site: Site) -> None:
    from core.services import users

    async def scenario() -> None:
        term = await home(site, "deact1")
        started = time.monotonic()
        await asyncio.to_thread(users.deactivate, site.world.admin, "deact1")
        await term.wait_closed(timeout=15)
        assert time.monotonic() - started < 10
        assert b"user deactivated" in term.stderr

    run(scenario())


def test_removing_the_key_ends_the_session(site: Site) -> None:
    async def scenario() -> None:
        term = await home(site, "keyrm1")
        (info,) = keys.list_keys(site.world.admin, "keyrm1")
        await asyncio.to_thread(keys.remove_key, site.world.admin, "keyrm1", info.fingerprint)
        await term.wait_closed(timeout=15)
        assert b"key removed" in term.stderr

    run(scenario())


def test_admin_lists_open_sessions_and_ends_one(site: Site) -> None:
    async def scenario() -> None:
        term = await home(site, "ended1")
        (open_one,) = [s for s in records.list_open(site.world.admin) if s.login == "ended1"]
        assert open_one.kind == "app" and open_one.fingerprint.startswith("SHA256:")
        assert open_one.client.startswith("127.0.0.1:")
        await asyncio.to_thread(records.request_end, site.world.admin, open_one.id)
        await term.wait_closed(timeout=15)
        assert b"ended by Admin" in term.stderr  # the administrator by name, not login
        # a Chinese session is told in Chinese (the reason was English: "ended by admin")
        chinese = await Terminal.open(
            site.port, site.user("ended2"), env={"SALESDESK_LANG": "zh_CN"}
        )
        await chinese.wait_for("首页")
        (other,) = [s for s in records.list_open(site.world.admin) if s.login == "ended2"]
        await asyncio.to_thread(records.request_end, site.world.admin, other.id)
        await chinese.wait_closed(timeout=15)
        said = chinese.stderr.decode()
        assert "您的会话已结束（已被Admin结束）" in said, said

    run(scenario())
    (row,) = [
        s for s in records.history(site.world.admin, 50) if s.login == "ended1" and s.kind == "app"
    ]
    assert row.ended_at is not None and row.end_reason == "ended by Admin"


def test_a_crashing_session_leaves_the_others_working(site: Site) -> None:
    async def scenario() -> None:
        victim, other = await asyncio.gather(home(site, "crash1"), home(site, "crash2"))
        (row,) = site.open_records("crash1")
        os.kill(row.pid, signal.SIGKILL)  # the session's process dies
        await victim.wait_closed(timeout=15)
        assert b"stopped unexpectedly" in victim.stderr
        other.press("2")
        await other.wait_for("Customers")
        await other.close()

    run(scenario())


def _fds(pid: int) -> list[str]:
    found = []
    for entry in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            found.append(os.readlink(entry))
    return found


def _zygote(server_pid: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if (
                    int(stat[1]) == server_pid
                    and b"tui.serve.zygote" in (entry / "cmdline").read_bytes()
                ):
                    return int(entry.name)
    raise AssertionError("no zygote under the server")


def test_sessions_are_forked_from_a_zygote_that_holds_no_data(site: Site) -> None:
    """prefork: the session is the zygote's child; the zygote has no database open; the
    session holds neither the server's sockets (the listener) nor the zygote's control
    socket. A zygote that dies is replaced: the open session goes on, a new one starts,
    and the old one's end is still recorded."""
    assert site.server is not None
    server_pid = site.server.proc.pid
    database = str(site.world.runtime.db.engine.url.database)

    async def scenario() -> None:
        term = await home(site, "zyg1")
        (row,) = site.open_records("zyg1")
        zygote = _zygote(server_pid)
        stat = Path(f"/proc/{row.pid}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(stat[1]) == zygote
        assert not [f for f in _fds(zygote) if f.startswith(database)]
        assert [f for f in _fds(row.pid) if f.startswith(database)]  # its own connection
        sockets = {f for f in _fds(row.pid) if f.startswith("socket:")}
        assert sockets.isdisjoint(
            f for pid in (server_pid, zygote) for f in _fds(pid) if f.startswith("socket:")
        )
        os.kill(zygote, signal.SIGKILL)
        other = await home(site, "zyg2")  # a new zygote forks it
        assert _zygote(server_pid) != zygote
        term.press("2")
        await term.wait_for("Customers")
        term.press("q")
        await term.wait_closed(timeout=30)
        await other.close()

    run(scenario())
    deadline = time.monotonic() + 15
    while site.open_records("zyg1"):
        assert time.monotonic() < deadline, "the orphaned session's end was not recorded"
        time.sleep(0.3)


def test_sessions_per_user_are_limited_with_a_sentence(site: Site) -> None:
    async def scenario() -> None:
        first, second = await asyncio.gather(home(site, "limit1"), home(site, "limit1"))
        third = await Terminal.open(site.port, site.user("limit1"))
        await third.wait_closed(timeout=30)
        assert b"you already have 2 sessions open" in third.stderr
        assert third.exit_status == 1
        await asyncio.gather(first.close(), second.close())

    run(scenario())


# -- servers of their own ----------------------------------------------------------------


@pytest.fixture
def own_site(db_factory: Any, tmp_path: Path) -> Iterator[Site]:
    url = private_sqlite(db_factory.new("sqlite"))
    site = build_site(url, tmp_path)
    private_sqlite(url)
    yield site
    if site.server is not None and site.server.proc.poll() is None:
        site.server.stop(signal.SIGKILL)
    site.world.runtime.db.dispose()


def test_idle_sessions_are_closed(own_site: Site, tmp_path: Path) -> None:
    """The idle clock restarts with every key press; without one the session closes."""
    own_site.server = Server.start(
        str(own_site.world.runtime.db.engine.url), tmp_path, idle_timeout=25
    )

    async def scenario() -> float:
        term = await home(own_site, "li")
        term.press("2")
        pressed = time.monotonic()
        await term.wait_for("Zenith Motors")
        await term.wait_closed(timeout=60)
        assert b"after 25 seconds without a key press" in term.stderr
        return time.monotonic() - pressed

    assert run(scenario()) >= 24
    with own_site.world.runtime.db.read_session() as session:
        reasons = session.scalars(
            sa.select(ServedSession.end_reason).where(ServedSession.kind == "app")
        ).all()
    assert reasons == ["idle timeout"]


def test_sigterm_tells_sessions_waits_then_closes(own_site: Site, tmp_path: Path) -> None:
    own_site.server = Server.start(str(own_site.world.runtime.db.engine.url), tmp_path, grace=3)

    async def scenario() -> None:
        term = await home(own_site, "li")
        own_site.server.proc.send_signal(signal.SIGTERM)
        await term.wait_for("server is stopping", timeout=10)
        await term.wait_closed(timeout=20)
        assert term.exit_status is not None

    run(scenario())
    assert own_site.server.proc.wait(20) == 0
    assert "salesdesk serve stopped." in "".join(own_site.server.log)
    with own_site.world.runtime.db.read_session() as session:
        rows = session.scalars(sa.select(ServedSession).where(ServedSession.kind == "app")).all()
        check = session.scalar(sa.text("PRAGMA integrity_check"))
    assert [r.end_reason for r in rows] == ["server stopped"] and check == "ok"


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def eventually(check: Any, timeout: float = 30) -> None:
    """Run ``check`` until its asserts hold: what the server writes in the background is
    there as soon as it is written (a fixed sleep waited 1-1.5 s, or too little under
    load), and ``timeout`` s later the last failure is the test's."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _wait_log(server: Server, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in "".join(server.log):
        assert time.monotonic() < deadline, f"never logged {text!r}:\n{''.join(server.log)}"
        time.sleep(0.2)


def test_a_killed_zygote_is_logged_and_replaced_in_the_background(
    own_site: Site, tmp_path: Path
) -> None:
    """The zygote dies (the OOM killer, say): the admin reads why in the log, a new
    session still reaches Home (a new process while a new zygote warms), the admin's
    listing shows both sessions, and once the new zygote is warm sessions fork from it."""
    own_site.server = server = Server.start(str(own_site.world.runtime.db.engine.url), tmp_path)

    async def scenario() -> None:
        first = await home(own_site, "li")
        zygote = _zygote(server.proc.pid)
        os.kill(zygote, signal.SIGKILL)
        second = await home(own_site, "zhao")
        await asyncio.to_thread(_wait_log, server, "the session zygote stopped (killed by SIGKILL)")
        listed = {s.login for s in records.list_open(own_site.world.admin) if s.kind == "app"}
        assert listed == {"li", "zhao"}
        await asyncio.to_thread(_wait_log, server, "a new session zygote is warm")
        warm = _zygote(server.proc.pid)
        assert warm != zygote
        third = await home(own_site, "wu")
        (row,) = own_site.open_records("wu")
        assert _parent(row.pid) == warm
        first.press("2")
        await first.wait_for("Customers")  # the orphaned session goes on
        await asyncio.gather(first.close(), second.close(), third.close())

    run(scenario())


def test_a_zygote_that_cannot_warm_leaves_sessions_starting_as_new_processes(
    own_site: Site, tmp_path: Path
) -> None:
    """The zygote fails while importing (a broken install, no memory): the server starts
    anyway, says so in the log, starts each session as a new process (slower, never
    refused) and keeps trying to warm one with a growing pause."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "sitecustomize.py").write_text(
        "import os\n"
        "if b'tui.serve.zygote' in open('/proc/self/cmdline', 'rb').read():\n"
        "    os._exit(3)\n"
    )
    started = time.monotonic()
    own_site.server = server = Server.start(
        str(own_site.world.runtime.db.engine.url),
        tmp_path,
        env={"PYTHONPATH": f"{broken}{os.pathsep}{ROOT}"},
    )
    assert time.monotonic() - started < 30
    assert "the session zygote could not warm (exit code 3)" in "".join(server.log)

    async def scenario() -> None:
        term = await home(own_site, "li")
        (row,) = own_site.open_records("li")
        assert _parent(row.pid) == server.proc.pid  # a new interpreter, the server's child
        assert [s.login for s in records.list_open(own_site.world.admin)] == ["li"]
        await asyncio.to_thread(_wait_log, server, "trying again in 10 seconds", 30)
        term.press("2")
        await term.wait_for("Customers")
        term.press("q")
        await term.wait_closed(timeout=30)

    run(scenario())
    assert server.stop() == 0


@pytest.mark.postgres
def test_two_nodes_on_one_postgresql_database(db_factory: Any, tmp_path: Path) -> None:
    """Two servers, one host key, one database (one forking sessions from its zygote, one
    starting an interpreter per session): li on one node and zhao on the other see
    their own rows; the listing shows both; ending zhao's session from li's node works."""
    if not os.environ.get("SALESDESK_TEST_PG_URL"):
        pytest.skip("PostgreSQL test: set SALESDESK_TEST_PG_URL to a server URL to run it")
    from tui.serve.server import load_host_key

    url = db_factory.new("postgres")
    site = build_site(url, tmp_path)
    host_key = tmp_path / "shared_host_key"
    load_host_key(host_key)
    # node-b starts each session as a new interpreter (serve_prefork off): both work
    nodes = [
        Server.start(
            url,
            tmp_path / name,
            host_key=host_key,
            node=name,
            prefork=str(name == "node-a").lower(),
        )
        for name in ("node-a", "node-b")
    ]
    try:

        async def scenario() -> None:
            fingerprints = set()
            for node in nodes:
                async with asyncssh.connect(
                    "127.0.0.1",
                    node.port,
                    username="x",
                    client_keys=[str(site.user("li"))],
                    known_hosts=None,
                    agent_path=None,
                ) as conn:
                    fingerprints.add(conn.get_server_host_key().get_fingerprint())
            assert len(fingerprints) == 1  # the same host key on both nodes
            site.server = nodes[0]
            li = await home(site, "li")
            site.server = nodes[1]
            zhao = await home(site, "zhao")
            li.press("2")
            zhao.press("2")
            li_screen, zhao_screen = await asyncio.gather(
                li.wait_for("Zenith Motors"), zhao.wait_for("Acme Trading")
            )
            assert "Acme Trading" not in li_screen and "Zenith Motors" not in zhao_screen
            listed = {s.login: s for s in records.list_open(site.world.admin)}
            assert (listed["li"].node, listed["zhao"].node) == ("node-a", "node-b")
            await asyncio.to_thread(records.request_end, site.world.admin, listed["zhao"].id)
            await zhao.wait_closed(timeout=15)
            assert b"ended by Admin" in zhao.stderr
            li.press("3")
            await li.wait_for("Opportunities")  # the other node's session goes on
            await li.close()

        run(scenario())
    finally:
        for node in nodes:
            node.stop()
        site.world.runtime.db.dispose()
        db_factory.release(url)


def test_language_comes_from_the_client_and_nothing_else(site: Site) -> None:
    """SALESDESK_LANG from the client shows the app in Chinese; SALESDESK_USER and a
    database URL sent along are ignored: still li, on the server's database."""

    async def scenario() -> None:
        term = await Terminal.open(
            site.port,
            site.user("li"),
            env={
                "SALESDESK_LANG": "zh_CN",
                "SALESDESK_USER": "admin",
                "SALESDESK_DATABASE_URL": "sqlite:////tmp/elsewhere.db",
            },
        )
        screen = await term.wait_for("首页", "Li Lei")
        assert "Admin" not in screen
        await term.close()

    run(scenario())


def _running(pid: int) -> bool:
    """The process exists and has not ended (a zombie waiting to be reaped has)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.parametrize("prefork", ["false", "true"])
def test_a_session_ends_with_its_client_under_a_server_that_ignores_hangups(
    own_site: Site, tmp_path: Path, prefork: str
) -> None:
    """Started with hangups ignored (``nohup salesdesk serve &``), which its children
    inherit, the server still ends a session whose client has gone: such a session went
    on reading its dead terminal in a loop, most of a core each, for ever."""
    ignored = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        own_site.server = Server.start(
            str(own_site.world.runtime.db.engine.url), tmp_path, prefork=prefork
        )
    finally:
        signal.signal(signal.SIGHUP, ignored)

    async def scenario() -> None:
        term = await home(own_site, "li")
        (row,) = own_site.open_records("li")
        assert row.pid and _running(row.pid)
        await term.close()
        deadline = time.monotonic() + 20
        while _running(row.pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert not _running(row.pid), "the session outlived its client"

    run(scenario())
