"""``salesdesk serve`` without a network: SSH keys as a service, the served-identity
ticket, the command policy, the private-database check. The live server: test_serve_live.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from serve_helpers import ROOT, make_key

from core.errors import NotFound, PermissionDenied, SalesdeskError, ValidationFailed
from core.models import AuditEntry, ServedSession
from core.services import keys
from core.services import sessions as records


@pytest.fixture
def pub(tmp_path: Path) -> str:
    return make_key(tmp_path, "k1")[1]


def test_admin_adds_a_key_and_the_user_sees_it(world: Any, pub: str) -> None:
    """keys: added with fingerprint, comment, when and by whom; the owner lists their own."""
    rep = world.user("rep1", "sales_rep", region="EAST")
    row = keys.add_key(world.admin, "rep1", pub)
    assert row.fingerprint.startswith("SHA256:") and row.comment == "k1@test"
    (info,) = keys.list_keys(rep, "rep1")
    assert (info.fingerprint, info.comment, info.added_by, info.last_used_at) == (
        row.fingerprint,
        "k1@test",
        "admin",
        None,
    )
    with world.runtime.db.read_session() as session:
        audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "add-key")).one()
    assert row.fingerprint in (audit.new_value or "")


def test_a_rep_may_neither_add_keys_nor_see_others_keys(
    world: Any, pub: str, tmp_path: Path
) -> None:
    """keys: only whoever manages a user manages their keys; others' keys stay hidden."""
    rep = world.user("rep1", "sales_rep", region="EAST")
    world.user("rep2", "sales_rep", region="EAST")
    with pytest.raises(PermissionDenied):
        keys.add_key(rep, "rep1", pub)
    keys.add_key(world.admin, "rep2", pub)
    with pytest.raises(PermissionDenied):
        keys.list_keys(rep, "rep2")
    with pytest.raises(PermissionDenied):
        keys.remove_key(rep, "rep2", keys.list_keys(world.admin, "rep2")[0].fingerprint)


def test_a_key_belongs_to_one_user_and_must_be_a_public_key(
    world: Any, pub: str, tmp_path: Path
) -> None:
    """keys: the same key twice and a private key or junk are refused with what is expected."""
    world.user("rep1", "sales_rep")
    world.user("rep2", "sales_rep")
    keys.add_key(world.admin, "rep1", pub)
    with pytest.raises(ValidationFailed, match="another user"):
        keys.add_key(world.admin, "rep2", pub)
    with pytest.raises(ValidationFailed, match="public key"):
        keys.add_key(world.admin, "rep2", (tmp_path / "k1").read_text())
    with pytest.raises(ValidationFailed, match="public key"):
        keys.add_key(world.admin, "rep2", "")


def test_removed_key_no_longer_logs_in(world: Any, pub: str) -> None:
    """keys: removal takes the key away at once (key_owner finds nobody)."""
    world.user("rep1", "sales_rep")
    row = keys.add_key(world.admin, "rep1", pub)
    assert records.key_owner(world.runtime.db, row.fingerprint).login == "rep1"
    keys.remove_key(world.admin, "rep1", row.fingerprint.removeprefix("SHA256:"))
    assert records.key_owner(world.runtime.db, row.fingerprint) is None
    with pytest.raises(NotFound):
        keys.remove_key(world.admin, "rep1", row.fingerprint)


def test_deactivated_users_key_logs_nobody_in(world: Any, pub: str) -> None:
    from core.services import users

    world.user("rep1", "sales_rep")
    row = keys.add_key(world.admin, "rep1", pub)
    users.deactivate(world.admin, "rep1")
    assert records.key_owner(world.runtime.db, row.fingerprint) is None


# -- served identity --------------------------------------------------------------------


def _open(world: Any, login: str, pub: str) -> tuple[int, str]:
    from core.services import users

    row = keys.add_key(world.admin, login, pub)
    owner = records.key_owner(world.runtime.db, row.fingerprint)
    assert owner is not None and users.find_user(world.admin, login).id == owner.user_id
    return records.record_start(
        world.runtime.db,
        owner,
        fingerprint=row.fingerprint,
        client="127.0.0.1:1",
        node="n1",
        kind="app",
    )


@pytest.fixture
def unbound() -> Any:
    import core.served

    yield core.served
    core.served._bound_user_id = None


def test_a_ticket_is_redeemed_once_with_its_secret(world: Any, pub: str, unbound: Any) -> None:
    """identity: only the right secret, once, makes the process act as the key's user."""
    from core.served import BadTicket, Ticket, bind, redeem

    world.user("rep1", "sales_rep")
    session_id, secret = _open(world, "rep1", pub)
    url = str(world.runtime.db.engine.url)
    with pytest.raises(BadTicket):
        redeem(world.runtime.db, Ticket(session_id, "0" * 64, url), 1)
    with pytest.raises(BadTicket):
        redeem(world.runtime.db, Ticket(session_id + 1, secret, url), 1)
    user = redeem(world.runtime.db, Ticket(session_id, secret, url), 4242)
    assert user.login == "rep1"
    with pytest.raises(BadTicket):  # a replay
        redeem(world.runtime.db, Ticket(session_id, secret, url), 1)
    assert world.runtime.context_for("admin").actor.login == "admin"
    bind(user)
    assert world.runtime.context_for().actor.login == "rep1"


def test_an_old_ticket_is_refused(world: Any, pub: str, unbound: Any) -> None:
    from core.served import BadTicket, Ticket, redeem

    world.user("rep1", "sales_rep")
    session_id, secret = _open(world, "rep1", pub)
    with world.runtime.db.write_session() as session, session.begin():
        row = session.get(ServedSession, session_id)
        row.started_at -= dt.timedelta(minutes=15)
    with pytest.raises(BadTicket):
        redeem(world.runtime.db, Ticket(session_id, secret, ""), 1)


def test_the_session_entry_point_run_by_hand_acts_as_nobody(world: Any, pub: str) -> None:
    """identity: a local user starting the session process without the server's secret
    (guessing it, or setting SALESDESK_USER) acts as nobody and runs nothing."""
    world.user("rep1", "sales_rep")
    session_id, _secret = _open(world, "rep1", pub)
    url = world.runtime.db.engine.url.render_as_string(hide_password=False)
    read_end, write_end = os.pipe()
    os.write(
        write_end,
        json.dumps(
            {
                "session": session_id,
                "secret": "guess",
                "database": url,
                "command": ["report", "list"],
            }
        ).encode(),
    )
    os.close(write_end)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SALESDESK_USER": "admin"}
    done = subprocess.run(
        [sys.executable, "-m", "tui.serve.session", "--ticket-fd", str(read_end)],
        pass_fds=(read_end,),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    os.close(read_end)
    assert done.returncode == 1
    assert "not started by the salesdesk server" in done.stderr
    assert "contracts_by_stage" not in done.stdout


# -- the command policy and the start-up checks -------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("report list", ["report", "list"]),
        (
            "report run top_customers -p year=2026 -f csv",
            ["report", "run", "top_customers", "-p", "year=2026", "-f", "csv", "-o", "-"],
        ),
        ("report run x -f csv -o -", ["report", "run", "x", "-f", "csv", "-o", "-"]),
        ("funnel due", ["funnel", "due"]),
        ("bash", None),
        ("sh -c 'report list'", None),
        ("scp -t /tmp", None),
        ("report run x -f csv -o /etc/passwd", None),
        ("report run x -o/tmp/a", None),
        ("report run x --output=/tmp/a", None),
        ("--database sqlite:///x report list", None),
        ("users add x --name y --role group_admin", None),
        ("db backup /tmp/x", None),
        ("report list '", None),
        ("", None),
        ("files put book.xlsx", ["files", "put", "book.xlsx"]),
        ("files list", ["files", "list"]),
        ("files rm x", None),
        ("files get x -o /tmp/y", None),
    ],
)
def test_command_policy(line: str, expected: list[str] | None) -> None:
    """commands: only the read-only ones, never writing a file on the server."""
    from tui.serve.policy import allowed_command

    assert allowed_command(line) == expected


def test_client_environment_passes_only_term_and_language() -> None:
    from tui.serve.policy import client_env

    env = {
        "LANG": "zh_CN.UTF-8",
        "SALESDESK_LANG": "zh_CN",
        "SALESDESK_USER": "admin",
        "SALESDESK_DATABASE_URL": "sqlite:///x",
        "PATH": "/evil",
        "LC_ALL": "$(x)",
    }
    assert client_env(env, "xterm") == {
        "TERM": "xterm",
        "LANG": "zh_CN.UTF-8",
        "SALESDESK_LANG": "zh_CN",
    }


def test_serve_refuses_a_database_file_others_can_read(tmp_path: Path) -> None:
    """data: a world-readable SQLite file stops the server, with the fix."""
    from core.db import Database
    from tui.serve.server import check_private_database

    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    path = folder / "sd.db"
    path.write_bytes(b"")
    path.chmod(0o644)
    db = Database(f"sqlite:///{path}")
    with pytest.raises(SalesdeskError, match=f"chmod 600 {path}; chmod 700") as refused:
        check_private_database(db)
    assert "-wal" not in str(refused.value)  # no WAL file yet: the fix does not name one
    path.chmod(0o600)
    check_private_database(db)
    folder.chmod(0o777)
    with pytest.raises(SalesdeskError, match="chmod 700"):
        check_private_database(db)
    folder.chmod(0o700)


def test_host_key_made_once_private_and_reused(tmp_path: Path) -> None:
    from tui.serve.server import load_host_key

    key, path = load_host_key(tmp_path / "hk")
    assert path.stat().st_mode & 0o777 == 0o600
    again, _ = load_host_key(path)
    assert again.get_fingerprint() == key.get_fingerprint()


# -- the commands ------------------------------------------------------------------------


def test_key_commands_round_trip(world: Any, pub: str, unbound: Any) -> None:
    """users add-key LOGIN - / users keys / users remove-key, run as the admin."""
    from click.testing import CliRunner

    from core.served import bind
    from tui.cli import cli

    world.user("rep1", "sales_rep")
    url = world.runtime.db.engine.url.render_as_string(hide_password=False)
    bind(world.admin.actor)  # act as the admin without depending on the OS login

    def invoke(*args: str, stdin: str | None = None) -> Any:
        return CliRunner().invoke(cli, ["--database", url, *args], input=stdin)

    added = invoke("users", "add-key", "rep1", "-", stdin=pub)
    assert added.exit_code == 0, added.output
    fingerprint = added.output.split()[2]
    listed = invoke("users", "keys", "rep1")
    assert fingerprint in listed.output and "k1@test" in listed.output
    assert "by admin" in listed.output and "last used never" in listed.output
    again = invoke("users", "add-key", "rep1", "-", stdin=pub)
    assert again.exit_code == 1 and "Traceback" not in again.output
    assert invoke("sessions").exit_code == 0
    missing = invoke("sessions", "end", "999")
    assert missing.exit_code == 1 and "no open session 999" in missing.output
    removed = invoke("users", "remove-key", "rep1", fingerprint)
    assert removed.exit_code == 0, removed.output
    assert "has no SSH keys" in invoke("users", "keys", "rep1").output


def test_sessions_are_for_admins(world: Any) -> None:
    rep = world.user("rep1", "sales_rep")
    with pytest.raises(PermissionDenied):
        records.list_open(rep)
    with pytest.raises(PermissionDenied):
        records.request_end(rep, 1)


def test_a_regional_admin_sees_and_ends_only_their_regions_sessions(
    world: Any, tmp_path: Path
) -> None:
    """A regional admin manages the users of their region only, so they see, list in the
    history and end only those users' sessions; refused attempts are for company admins."""
    world.user("east_rep", "sales_rep", region="EAST")
    world.user("west_rep", "sales_rep", region="WEST")
    east_admin = world.user("radmin_e", "regional_admin", region="EAST")
    east, _ = _open(world, "east_rep", make_key(tmp_path, "ke")[1])
    west, _ = _open(world, "west_rep", make_key(tmp_path, "kw")[1])
    records.record_refused(
        world.runtime.db,
        reason="unknown key",
        client="127.0.0.1:2",
        node="n1",
        fingerprint="SHA256:x",
        login="someone",
    )

    assert [s.id for s in records.list_open(east_admin)] == [east]
    assert {s.login for s in records.history(east_admin)} == {"east_rep"}
    with pytest.raises(NotFound):
        records.request_end(east_admin, west)
    assert records.request_end(east_admin, east) == east
    assert {s.id for s in records.list_open(world.admin)} == {east, west}
    assert len(records.history(world.admin)) == 3  # the refused attempt too


def test_serve_command_refuses_a_shared_database_file(db_factory: Any, tmp_path: Path) -> None:
    """`salesdesk serve` on a SQLite file others can read: exit 1, one sentence, the fix."""
    from click.testing import CliRunner

    from tui.cli import cli

    url = db_factory.new("sqlite")
    path = Path(url.split("///", 1)[1])
    path.chmod(0o644)
    result = CliRunner().invoke(
        cli, ["--database", url, "serve", "--port", "0", "--host-key", str(tmp_path / "hk")]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"chmod 600 {path.resolve()}" in result.output
    assert not (tmp_path / "hk").exists()  # refused before anything was made


def test_limits_count_live_sessions_on_every_node(world: Any, pub: str) -> None:
    """limits: open sessions of all nodes count; ended ones and those of a node that stopped
    heartbeating (it died) do not."""
    world.user("rep1", "sales_rep")
    db = world.runtime.db
    first, _ = _open(world, "rep1", pub)
    owner = records.key_owner(db, keys.list_keys(world.admin, "rep1")[0].fingerprint)
    records.record_start(db, owner, fingerprint="f", client="c", node="n2", kind="app")
    gone, _ = records.record_start(db, owner, fingerprint="f", client="c", node="n3", kind="app")
    records.record_refused(db, reason="unknown key", client="c", node="n1")
    other = world.user("rep3", "sales_rep").actor
    assert records.open_counts(db, owner.user_id) == (3, 3)
    assert records.open_counts(db, other.id) == (3, 0)
    with db.write_session() as session, session.begin():
        session.get(ServedSession, gone).seen_at -= dt.timedelta(minutes=5)
    records.record_end(db, first, "quit")
    assert records.open_counts(db, owner.user_id) == (1, 1)
    assert [s.node for s in records.list_open(world.admin)] == ["n2"]


@pytest.mark.parametrize("limits", [(100, 3), (4, 100)], ids=["per_user", "total"])
def test_limits_hold_when_many_sessions_start_at_once(
    world: Any, pub: str, limits: tuple[int, int]
) -> None:
    """limits: twelve logins in the same instant (threads, each its own connection, as two
    nodes or two channels would be) open exactly as many sessions as the limit allows."""
    import threading

    world.user("rep1", "sales_rep")
    db = world.runtime.db
    row = keys.add_key(world.admin, "rep1", pub)
    owner = records.key_owner(db, row.fingerprint)
    gate, opened, refused = threading.Barrier(12), [], []

    def attempt(i: int) -> None:
        gate.wait()
        try:
            opened.append(
                records.start_within_limits(
                    db,
                    owner,
                    max_total=limits[0],
                    max_per_user=limits[1],
                    fingerprint=row.fingerprint,
                    client=f"c{i}",
                    node="n1",
                    kind="app",
                )
            )
        except records.SessionLimit as exc:
            refused.append(exc.which)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    allowed = min(limits)
    assert (len(opened), len(refused)) == (allowed, 12 - allowed)
    assert set(refused) == {"per_user" if limits[1] < limits[0] else "total"}
    assert records.open_counts(db, owner.user_id) == (allowed, allowed)


def test_forked_sessions_do_not_share_random_sequences() -> None:
    """zygote: two children forked from one parent state draw different numbers from
    random and numpy (numpy's generator is not reseeded by a fork on its own)."""
    import random

    import numpy

    from tui.serve.zygote import _reseed

    random.seed(7)
    numpy.random.seed(7)
    draws = []
    for _child in range(2):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(read_end)
            _reseed()
            os.write(write_end, f"{random.getrandbits(64)} {numpy.random.randint(2**62)}".encode())
            os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            draws.append(pipe.read().split())
        os.waitpid(pid, 0)
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]
    assert str(numpy.random.randint(2**62)) not in (draws[0][1], draws[1][1])


def test_a_session_that_cannot_start_is_recorded_and_told(
    world: Any, pub: str, monkeypatch: Any
) -> None:
    """hub: when no session process can be started (the zygote cannot fork), the record
    ends with why and the client is told, instead of the listener failing mid-way."""
    import asyncio

    from tui.serve.server import Hub, ServeConfig

    world.user("rep1", "sales_rep")
    row = keys.add_key(world.admin, "rep1", pub)
    db = world.runtime.db
    hub = Hub(db, str(db.engine.url), ServeConfig(node="n1"))

    async def no_process(*_args: Any) -> Any:
        raise ConnectionError("the session zygote stopped")

    monkeypatch.setattr(hub, "_launch", no_process)
    said: list[str] = []

    class Chan:
        def get_environment(self) -> dict[str, str]:
            return {}

        def write(self, data: bytes) -> None:
            raise AssertionError("no process, no output")

        write_stderr = write

    class Conn:
        owner = records.key_owner(db, row.fingerprint)
        fingerprint, client = row.fingerprint, "127.0.0.1:1"

    channel = type(
        "Channel",
        (),
        {
            "chan": Chan(),
            "conn": Conn(),
            "term": None,
            "size": (80, 24),
            "master": None,
            "stdin": None,
            "running": None,
            "say": lambda self, key, **v: said.append(key),
            "close_stdin": lambda self: None,
        },
    )()
    code = asyncio.run(hub.run_session(channel, ["report", "list"]))
    assert code == 1 and said == ["unavailable"]
    (last,) = records.history(world.admin, 1)
    assert last.ended_at is not None and "could not start" in last.end_reason


def test_a_dead_zygote_is_replaced_for_the_next_session(tmp_path: Path) -> None:
    """zygote: killed between two sessions (before the server noticed), the next request
    is told at once that it cannot fork (the listener then starts that session as a new
    process) and a new zygote warms in the background; its process runs on the
    descriptors it was given, with the environment it was given, and its exit code comes
    back."""
    import asyncio
    import signal
    import time

    from tui.serve.zygote import Zygote, ZygoteUnavailable

    async def scenario() -> None:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME")}
        zygote = Zygote(env)
        assert await zygote.warm_up()
        assert zygote.proc is not None
        first = zygote.proc.pid
        os.kill(first, signal.SIGKILL)
        time.sleep(0.5)  # dead, and the loop has not run: the server has not noticed
        with pytest.raises(ZygoteUnavailable):  # broken pipe: no wait for a new one
            await zygote.fork(b"{}", env, 1.0, [])
        deadline = time.monotonic() + 120
        while not zygote.warm:
            assert time.monotonic() < deadline, "no new zygote warmed"
            await asyncio.sleep(0.1)
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        ticket = json.dumps(
            {
                "session": 1,
                "secret": "x",
                "command": ["report", "list"],
                "database": f"sqlite:///{tmp_path}/none.db",
            }
        ).encode()
        child = await zygote.fork(
            ticket, {**env, "SALESDESK_LANG": "en"}, 1.0, [null, out_write, err_write]
        )
        for fd in (null, out_write, err_write):
            os.close(fd)
        assert await asyncio.wait_for(child.wait(), 60) == 1
        assert zygote.proc.pid != first
        with os.fdopen(err_read) as err, os.fdopen(out_read) as out:
            assert "salesdesk:" in err.read() and out.read() == ""
        await zygote.close()

    asyncio.run(scenario())


def test_a_wedged_zygote_is_noticed_by_the_health_check_and_replaced(
    monkeypatch: Any, caplog: Any
) -> None:
    """zygote: one that stops answering (stopped, deadlocked) fails the ping, is killed,
    logged, and a new one warms in the background."""
    import asyncio
    import signal
    import time

    from tui.serve import zygote as module

    monkeypatch.setattr(module, "HEALTH_EVERY", 0.5)
    monkeypatch.setattr(module, "HEALTH_TIMEOUT", 1.0)

    async def scenario() -> None:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "PYTHONPATH", "HOME")}
        zygote = module.Zygote(env)
        assert await zygote.warm_up()
        assert zygote.proc is not None
        first = zygote.proc.pid
        await asyncio.sleep(1.5)
        assert zygote.warm and zygote.proc.pid == first  # it answers: left alone
        os.kill(first, signal.SIGSTOP)
        deadline = time.monotonic() + 120
        # warm as warm_up returns; the line saying so comes just after (a loaded
        # machine ran the check between the two and closed before it was logged)
        while not (
            zygote.warm
            and zygote.proc.pid != first
            and "a new session zygote is warm" in caplog.text
        ):
            assert time.monotonic() < deadline, "the wedged zygote was not replaced"
            await asyncio.sleep(0.1)
        await zygote.close()

    asyncio.run(scenario())
    logged = caplog.text
    assert "did not answer for 1 seconds; replacing it" in logged
    assert "stopped (killed by SIGKILL)" in logged and "a new session zygote is warm" in logged


def test_a_new_sqlite_database_is_private_whatever_the_umask(tmp_path: Path) -> None:
    """deploy: `sudo -u salesdesk salesdesk init` runs with sudo's umask (022); the file
    it makes must still be the account's alone, or `salesdesk serve` refuses it."""
    from core.runtime import open_runtime
    from tui.serve.server import check_private_database

    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    old = os.umask(0o022)
    try:
        runtime = open_runtime(f"sqlite:///{folder}/salesdesk.db")
        runtime.upgrade()
    finally:
        os.umask(old)
    for name in ("salesdesk.db", "salesdesk.db-wal", "salesdesk.db-shm"):
        if (folder / name).exists():
            assert (folder / name).stat().st_mode & 0o777 == 0o600, name
    check_private_database(runtime.db)  # does not refuse
    runtime.db.dispose()


# -- a zygote that dies just after forking -------------------------------------------------


class _ForkedThenDied:
    """A zygote that forks the session's child and dies before telling the server its
    pid: the child may have redeemed the ticket already (``redeemed``) or not yet."""

    def __init__(self, db: Any, redeemed: bool) -> None:
        self.db, self.redeemed = db, redeemed
        self.tickets: list[bytes] = []
        self.orphan: subprocess.Popen[bytes] | None = None

    async def fork(self, ticket: bytes, env: Any, grace: float, fds: list[int]) -> Any:
        from core.served import Ticket, redeem
        from tui.serve.zygote import ZygoteUnavailable

        self.tickets.append(ticket)
        # the forked child: a process of its own session, on the session's terminal
        self.orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
        if self.redeemed:
            redeem(self.db, Ticket.loads(ticket), self.orphan.pid)
        lost = ZygoteUnavailable("the session zygote stopped")
        lost.maybe_forked = True  # the request reached it: a child may exist
        raise lost


def _hub_with(world: Any, pub: str, zygote: Any) -> tuple[Any, Any]:
    from tui.serve.server import Hub, ServeConfig

    world.user("rep1", "sales_rep")
    session_id, secret = _open(world, "rep1", pub)
    db = world.runtime.db
    hub = Hub(db, str(db.engine.url), ServeConfig(node="n1"))
    hub.zygote = zygote
    from core.served import Ticket

    return hub, Ticket(session_id, secret, str(db.engine.url))


def _started(monkeypatch: Any) -> list[Any]:
    """Session processes started as new interpreters: their tickets, as read from the
    pipe they were given (no interpreter is started)."""
    from core.served import read_ticket
    from tui.serve import server

    started: list[Any] = []

    async def exec_(*args: Any, pass_fds: Any = (), **_kwargs: Any) -> Any:
        started.append(read_ticket(os.dup(pass_fds[0])))
        return type("Proc", (), {"pid": 0, "returncode": None})()

    monkeypatch.setattr(server.asyncio, "create_subprocess_exec", exec_)
    return started


def test_a_session_whose_zygote_died_after_its_child_redeemed_starts_once(
    world: Any, pub: str, monkeypatch: Any, unbound: Any
) -> None:
    """zygote: it forked the session's process, which redeemed the ticket, and died
    before telling the server the pid. The server must not start the session a second
    time on the same terminal (two apps drawing on one screen, one of them unknown to the
    server and so never ended): it takes the forked process as the session's."""
    import asyncio

    zygote = _ForkedThenDied(world.runtime.db, redeemed=True)
    hub, ticket = _hub_with(world, pub, zygote)
    started = _started(monkeypatch)
    try:
        proc = asyncio.run(hub._launch(ticket, {}, [0, 1, 2]))
        assert started == []  # no second process for the session
        assert zygote.orphan is not None and proc.pid == zygote.orphan.pid
    finally:
        if zygote.orphan is not None:
            zygote.orphan.kill()
            zygote.orphan.wait()


def test_a_session_whose_zygote_died_before_its_child_redeemed_starts_once(
    world: Any, pub: str, monkeypatch: Any, unbound: Any
) -> None:
    """zygote: it forked the session's process and died before telling the server; the
    child has not redeemed the ticket yet. The session starts as a new process, with a
    ticket of its own: the forked child's ticket can no longer be redeemed, so only one
    of the two becomes the session."""
    import asyncio

    from core.served import BadTicket, Ticket, redeem

    zygote = _ForkedThenDied(world.runtime.db, redeemed=False)
    hub, ticket = _hub_with(world, pub, zygote)
    started = _started(monkeypatch)
    try:
        asyncio.run(hub._launch(ticket, {}, [0, 1, 2]))
        (fallback,) = started
        with pytest.raises(BadTicket):  # the forked child comes too late
            redeem(world.runtime.db, Ticket.loads(zygote.tickets[0]), 1)
        assert redeem(world.runtime.db, fallback, 2).login == "rep1"
    finally:
        if zygote.orphan is not None:
            zygote.orphan.kill()
            zygote.orphan.wait()


def test_a_zygote_lost_after_a_request_says_a_child_may_exist() -> None:
    """zygote: lost before the request was sent, no child exists; lost after it (it may
    have forked just before dying), the server is told a child may hold the ticket."""
    import asyncio
    import socket

    from tui.serve.zygote import Zygote, ZygoteUnavailable

    async def scenario() -> tuple[bool, bool]:
        zygote = Zygote({})
        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        here.setblocking(False)
        zygote.sock = here
        zygote.ready.set()
        zygote.keep_warm = lambda *a, **k: None  # type: ignore[method-assign]
        asyncio.get_running_loop().add_reader(here, zygote._readable)
        asyncio.get_running_loop().call_later(0.2, there.close)  # read, forked, died
        with pytest.raises(ZygoteUnavailable) as after:
            await zygote.fork(b"{}", {}, 1.0, [])
        with pytest.raises(ZygoteUnavailable) as before:  # down: never sent
            await zygote.fork(b"{}", {}, 1.0, [])
        return after.value.maybe_forked, before.value.maybe_forked

    assert asyncio.run(scenario()) == (True, False)
