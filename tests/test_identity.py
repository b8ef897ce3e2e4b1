"""Identity: the operating-system login is the salesdesk user. ``salesdesk init`` makes the
person running it group admin; an unknown or deactivated login gets one clear sentence
telling how an admin adds it, never a traceback."""

from __future__ import annotations

import os
import pwd
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from core.errors import UnknownUser
from core.runtime import open_runtime
from tui.cli import cli


def as_login(monkeypatch: pytest.MonkeyPatch, login: str) -> None:
    """Act as the OS user ``login`` (the real one comes from the process's user id)."""
    monkeypatch.setattr("core.runtime.os_login", lambda: login)


def real_login() -> str:
    return pwd.getpwuid(os.getuid()).pw_name


def run(*args: str, database: str | None = None) -> Result:
    prefix = ["--database", database] if database else []
    return CliRunner().invoke(cli, [*prefix, *args])


def one_sentence_refusal(result: Result, login: str) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert f"salesdesk users add {login}" in lines[0]


def test_init_makes_the_os_user_group_admin(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "alice")
    result = run("init", "--name", "Alice Wang", database=empty_db_url)
    assert result.exit_code == 0, result.output
    assert "alice is group admin" in result.output
    runtime = open_runtime(empty_db_url)
    try:
        ctx = runtime.context_for()
        assert (ctx.actor.login, ctx.actor.display_name, ctx.actor.roles) == (
            "alice",
            "Alice Wang",
            ["group_admin"],
        )
    finally:
        runtime.db.dispose()
    listing = run("users", "list", database=empty_db_url)
    assert listing.exit_code == 0 and "alice" in listing.output
    assert run("init", database=empty_db_url).exit_code == 0  # again: harmless

    as_login(monkeypatch, "mallory")  # someone else cannot take over an existing database
    taken = run("init", database=empty_db_url)
    assert taken.exit_code == 1 and "already has users" in taken.output


def test_init_uses_the_default_database_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    as_login(monkeypatch, "alice")
    result = run("init")
    assert result.exit_code == 0, result.output
    assert (Path(os.environ["SALESDESK_HOME"]) / "salesdesk.db").is_file()
    assert run("users", "list").exit_code == 0


@pytest.fixture
def alice_db(empty_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    as_login(monkeypatch, "alice")
    assert run("init", database=empty_db_url).exit_code == 0
    return empty_db_url


def test_unknown_login_gets_one_clear_sentence(
    alice_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "bob")
    for args in (
        ("users", "list"),
        ("plugins", "enable", "funnel"),
        ("users", "add", "eve", "--name", "Eve", "--role", "sales_rep"),
    ):
        one_sentence_refusal(run(*args, database=alice_db), "bob")


def test_unknown_login_may_run_no_command_at_all(
    alice_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not even the ones that only read or maintain: backup dumps every row."""
    as_login(monkeypatch, "bob")
    for args in (
        ("db", "backup", str(tmp_path / "copy.db")),
        ("db", "upgrade"),
        ("report", "list"),
        ("plugins", "list"),
        ("report", "run", "sales_summary"),
    ):
        one_sentence_refusal(run(*args, database=alice_db), "bob")
    assert not (tmp_path / "copy.db").exists()


def test_commands_on_a_database_without_users_say_run_init(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "alice")
    for args in (("users", "list"), ("db", "upgrade"), ("plugins", "list")):
        result = run(*args, database=empty_db_url)
        assert result.exit_code == 1 and "salesdesk init" in result.output, result.output
        assert "Traceback" not in result.output


def test_a_read_creates_no_database_in_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "alice")
    missing = tmp_path / "no" / "such" / "sales.db"
    for args in (("users", "list"), ("report", "list"), ("db", "upgrade")):
        result = run(*args, database=f"sqlite:///{missing}")
        assert result.exit_code == 1, result.output
        assert str(missing) in result.output and "salesdesk init" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_users_cannot_pose_as_someone_else_on_real_data(
    alice_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_login(monkeypatch, "bob")
    monkeypatch.setenv("SALESDESK_USER", "alice")  # honoured on demo databases only
    one_sentence_refusal(run("users", "list", database=alice_db), "bob")


def test_added_user_can_act_until_deactivated(
    alice_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    added = run(
        "users", "add", "carol", "--name", "Carol Li", "--role", "sales_rep", database=alice_db
    )
    assert added.exit_code == 0, added.output
    as_login(monkeypatch, "carol")
    assert run("users", "list", database=alice_db).exit_code == 0
    refused = run(
        "users", "add", "dave", "--name", "Dave", "--role", "sales_rep", database=alice_db
    )  # a rep may not add users: refused, no traceback
    assert refused.exit_code == 1 and "may not" in refused.output
    assert "Traceback" not in refused.output

    as_login(monkeypatch, "alice")
    assert run("users", "deactivate", "carol", database=alice_db).exit_code == 0
    listing = run("users", "list", "--all", database=alice_db)
    assert "carol" in listing.output and "deactivated" in listing.output

    as_login(monkeypatch, "carol")
    one_sentence_refusal(run("users", "list", database=alice_db), "carol")
    runtime = open_runtime(alice_db)
    try:
        with pytest.raises(UnknownUser):
            runtime.context_for("carol")
    finally:
        runtime.db.dispose()


def test_set_role_from_the_command_line(alice_db: str, monkeypatch: Any) -> None:
    assert (
        run(
            "users", "add", "dan", "--name", "Dan", "--role", "sales_rep", database=alice_db
        ).exit_code
        == 0
    )
    result = run("users", "set-role", "dan", "sales_manager", "finance", database=alice_db)
    assert result.exit_code == 0 and "Sales manager, Finance" in result.output
    bad = run("users", "set-role", "dan", "wizard", database=alice_db)
    assert bad.exit_code == 1 and "wizard" in bad.output and "Traceback" not in bad.output


def test_users_list_follows_record_rules(runtime, make_user) -> None:
    """A rep listing users sees only themself; a manager sees the team."""
    from core.services import users as user_service

    manager = make_user("lead_mgr", ["sales_manager"])
    rep = make_user("lead_rep", ["sales_rep"], manager=manager)
    make_user("lead_other", ["sales_rep"])
    assert [u.login for u in user_service.list_users(rep)] == ["lead_rep"]
    assert {u.login for u in user_service.list_users(manager)} == {"lead_mgr", "lead_rep"}


def test_the_login_comes_from_the_user_id_not_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.identity import os_login

    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "boss")
    assert os_login() == real_login() != "boss"


def test_logname_does_not_make_you_the_admin(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``LOGNAME=boss salesdesk users add ...`` is refused as the real user, and the
    audit never records the false name."""
    as_login(monkeypatch, "boss")
    assert run("init", database=empty_db_url).exit_code == 0
    monkeypatch.undo()  # back to the real OS user, who is not a salesdesk user
    for name in ("LOGNAME", "USER"):
        monkeypatch.setenv(name, "boss")
    refused = run(
        "users", "add", "eve", "--name", "Eve", "--role", "group_admin", database=empty_db_url
    )
    one_sentence_refusal(refused, real_login())
    runtime = open_runtime(empty_db_url)
    try:
        with pytest.raises(UnknownUser):
            runtime.context_for("eve")
    finally:
        runtime.db.dispose()
