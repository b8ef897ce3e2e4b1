"""Every failure of a ``salesdesk`` command is one sentence naming what and where, with
exit code 1 and no traceback: unreadable import files, databases that cannot be opened
or written, a server that is down, a URL salesdesk cannot use, report rows that fail
while they print."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pydantic
import pytest
from click.testing import CliRunner, Result

from core.hookspecs import hookimpl
from core.reports import Column, ReportResult, Table
from tui.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def one_sentence(output: str, *expected: str) -> None:
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output, output
    assert lines and lines[-1].startswith("salesdesk: "), output
    for text in expected:
        assert text in lines[-1], output


def refused(result: Result, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    one_sentence(result.output, *expected)


# -- import files -------------------------------------------------------------------------


def _huge_cell(path: Path) -> None:
    path.write_text("code,name\nC1,Short\nC2," + "x" * ((1 << 20) + 10) + "\n", encoding="utf-8")


def _gbk_after_the_first_mib(path: Path) -> None:
    rows = "".join(f"C{i:06d},Customer {i}\n" for i in range(60_000))  # > 1 MiB of UTF-8
    assert len(rows) > 1 << 20
    path.write_bytes(b"code,name\n" + rows.encode() + "C999999,上海精密锻造\n".encode("gbk"))


@pytest.fixture
def cli_as_admin(world: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")

    def run(*args: str) -> Result:
        return CliRunner().invoke(cli, ["--database", world.runtime.db.url, *args])

    assert run("db", "upgrade").exit_code == 0  # every enabled plugin's tables
    return run


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(
    "make",
    [_huge_cell, _gbk_after_the_first_mib],
    ids=["cell over 1 MiB", "GBK after the first MiB"],
)
@pytest.mark.parametrize(
    "command",
    [("import", "customers"), ("funnel", "import")],
    ids=["import customers", "funnel import"],
)
def test_unreadable_lead_files(
    cli_as_admin: Any, tmp_path: Path, make: Any, command: tuple[str, ...]
) -> None:
    leads = tmp_path / "leads.csv"
    make(leads)
    refused(cli_as_admin(*command, str(leads)), "leads.csv", "line")


# -- databases ------------------------------------------------------------------------------


def test_urls_salesdesk_cannot_use(tmp_path: Path) -> None:
    refused(
        CliRunner().invoke(cli, ["--database", "mysql://sales@db/sales", "users", "list"]), "mysql"
    )
    down = "postgresql://sales:secret@127.0.0.1:1/sales"  # nothing listens on port 1
    result = CliRunner().invoke(cli, ["--database", down, "users", "list"])
    refused(result, "postgresql://sales:***@127.0.0.1:1/sales")
    assert "secret" not in result.output


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix="salesdesk-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_unprivileged(shared: Path, *args: str) -> subprocess.CompletedProcess:
    """The command line as a user who may not write in ``shared``: ``nobody`` when the
    tests run as root (who may write anywhere), else this user after a chmod."""
    home = Path(tempfile.mkdtemp(prefix="salesdesk-home-"))
    home.chmod(0o777)
    env = {
        **os.environ,
        "SALESDESK_HOME": str(home),
        "SALESDESK_SETTINGS": str(home / "settings.toml"),
        "PYTHONPATH": str(ROOT),
    }
    prefix: list[str] = []
    if os.getuid() == 0:
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root without setpriv to drop privileges")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        shared.chmod(0o555)
    try:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "tui.cli", *args],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        shared.chmod(0o755)
        shutil.rmtree(home, ignore_errors=True)


def test_init_in_a_folder_you_may_not_write(shared_dir: Path) -> None:
    url = f"sqlite:///{shared_dir / 'sales.db'}"
    done = run_unprivileged(shared_dir, "--database", url, "init")
    assert done.returncode == 1, done.stderr
    one_sentence(done.stderr, str(shared_dir / "sales.db"), "write")


def test_a_read_only_database_file(shared_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = shared_dir / "sales.db"
    monkeypatch.setattr("core.runtime.os_login", lambda: "nobody")
    made = CliRunner().invoke(cli, ["--database", f"sqlite:///{path}", "init"])
    assert made.exit_code == 0, made.output
    for made_file in shared_dir.glob("sales.db*"):  # made 0600: readable by others now
        made_file.chmod(0o644)
    done = run_unprivileged(
        shared_dir,
        "--database",
        f"sqlite:///{path}",
        "users",
        "add",
        "eve",
        "--name",
        "Eve",
        "--role",
        "sales_rep",
    )
    assert done.returncode == 1, done.stderr
    one_sentence(done.stderr, str(path), "read-only")


# -- reports --------------------------------------------------------------------------------


class _NoParams(pydantic.BaseModel):
    pass


class _RowsFailLater:
    id, title_en, title_zh, category, Params = "tp_rows_fail", "Rows fail", "行失败", "x", _NoParams

    def run(self, ctx: Any, params: Any) -> ReportResult:
        def rows() -> Iterator[tuple]:
            yield ("fine",)
            raise ZeroDivisionError("the third row divides by zero")

        return ReportResult(
            self.id,
            self.title_en,
            self.title_zh,
            {},
            [Table("t", "T", "T", [Column("name", "Name", "名称")], rows())],
        )


class _Plugin:
    @hookimpl
    def salesdesk_reports(self) -> list[Any]:
        return [_RowsFailLater()]


def test_report_rows_that_fail_while_printing(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.cli

    original = tui.cli.runtime_from

    def with_plugin(click_ctx: Any, **kw: Any) -> Any:
        runtime = original(click_ctx, **kw)
        runtime.plugins.register(_Plugin(), "tp_rows")
        return runtime

    monkeypatch.setattr(tui.cli, "runtime_from", with_plugin)
    monkeypatch.setattr("core.runtime.os_login", lambda: "admin")
    result = CliRunner().invoke(
        cli, ["--database", world.runtime.db.url, "report", "run", "tp_rows_fail"]
    )
    refused(result, "tp_rows_fail", "ZeroDivisionError")


def test_the_sentence_is_in_the_readers_language(tmp_path: Path) -> None:
    from core import i18n

    missing = tmp_path / "nowhere" / "sales.db"
    try:
        i18n.set_lang("zh_CN")
        result = CliRunner().invoke(cli, ["--database", f"sqlite:///{missing}", "users", "list"])
        bad_url = CliRunner().invoke(cli, ["--database", "mysql://x@h/db", "report", "list"])
    finally:
        i18n.set_lang(None)
    refused(result, str(missing), "没有 salesdesk 数据库")
    refused(bad_url, "不支持 'mysql'")
