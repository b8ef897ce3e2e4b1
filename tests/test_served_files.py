"""Files in a served session (``salesdesk serve``): every path a screen asks for, core or
plugin, is a file in the user's own folder on the server (``core.served.user_path``);
nothing outside it is read or written. Locally a path is what was typed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tui_helpers import aio, settle

import core.served
from core.served import OutsideYourFolder, shown_path, suggested_path, user_folder, user_path

HEADER = "date,customer_code,product_code,quantity,amount\n"
LINE = "2026-03-02,C00001,P0001,3,1200.50\n"


@pytest.fixture
def served_as() -> Iterator[Any]:
    """``served_as(ctx)`` makes this process a served session of ctx's user."""

    def bind(ctx: Any) -> Path:
        core.served.bind(ctx.actor)
        return user_folder()

    yield bind
    core.served._bound_user_id = None


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


def test_served_paths_stay_in_the_users_folder(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """user_path: a name lands in the user's folder; an absolute path elsewhere, '..' out
    of the folder, a link leading out and the folder itself are refused with a sentence."""
    outside = tmp_path / "secret.csv"
    outside.write_text("x")
    folder = served_as(tui_world["rep"])
    assert folder.stat().st_mode & 0o077 == 0 and folder.name == str(tui_world["rep"].actor.id)
    assert user_path("a.csv") == folder.resolve() / "a.csv"
    assert user_path(str(folder / "sub" / "b.csv")) == folder.resolve() / "sub" / "b.csv"
    (folder / "link.csv").symlink_to(outside)
    for typed in (
        str(outside),
        "/etc/passwd",
        "../1/x.csv",
        "sub/../../x.csv",
        "link.csv",
        "~/x.csv",
        "",
        ".",
    ):
        with pytest.raises(OutsideYourFolder, match="your own folder"):
            user_path(typed)
    assert shown_path(folder / "a.csv") == "a.csv" and suggested_path("r.csv") == "r.csv"


def test_local_paths_are_as_typed(tmp_path: Path) -> None:
    assert user_path("~/x.csv") == Path.home() / "x.csv"
    assert user_path(str(tmp_path / "y.csv")) == tmp_path / "y.csv"
    assert suggested_path("r.csv") == str(Path.home() / "r.csv")


@aio
async def test_served_import_reads_the_users_folder_only(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """Import screen over SSH: a file of the user's folder imports by its name; a server
    path is refused with the sentence and nothing is read."""
    from test_tui_import import open_import, sales_lines, status

    admin = tui_world["admin"]
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text(HEADER + LINE)
    folder = served_as(admin)
    (folder / "good.csv").write_text(HEADER + LINE)
    before = sales_lines(admin)
    async with app_for(admin).run_test(size=(100, 30)) as pilot:
        screen = await open_import(pilot, elsewhere)
        await pilot.press("enter")
        await settle(pilot)
        assert "your own folder" in status(screen)
        assert sales_lines(admin) == before
        screen.query_one("#import-path").value = "good.csv"
        await pilot.press("enter")
        await settle(pilot)
        assert sales_lines(admin) == before + 1, status(screen)


@aio
async def test_served_export_writes_into_the_users_folder(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """Report export over SSH: offered as a bare name, written into the user's folder; a
    path elsewhere on the server is refused and nothing is written there."""
    from tui.screens.report_view import ExportDialog, ReportView

    admin = tui_world["admin"]
    folder = served_as(admin)
    app = app_for(admin)
    async with app.run_test(size=(120, 40)) as pilot:
        app.open_report("rep_periods")
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        for typed in (str(tmp_path / "stolen.csv"), "periods.csv"):
            await pilot.press("x")
            await settle(pilot)  # the exporters are read in a worker
            assert isinstance(app.screen, ExportDialog)
            app.screen.query_one("#exporter").value = "csv"
            await pilot.pause()
            assert os.sep not in app.screen.query_one("#path").value  # no server path shown
            app.screen.query_one("#path").value = typed
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ReportView) and not app.screen.exporting
    assert not (tmp_path / "stolen.csv").exists()
    assert (folder / "periods.csv").stat().st_size > 0


@aio
async def test_served_setup_import_refuses_a_server_path(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """The set-up guide's 'import a file' over SSH: a server path is refused."""
    from tui.screens.setup import SetupScreen

    admin = tui_world["admin"]
    elsewhere = tmp_path / "products.csv"
    elsewhere.write_text("code,name\nZ9,Stolen item\n")
    served_as(admin)
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(SetupScreen("products"))
        await settle(pilot)
        seen: list[str] = []
        app.notify = lambda message, *a, **k: seen.append(str(message))  # type: ignore
        app.screen._import(str(elsewhere))
        await settle(pilot)
        assert any("your own folder" in m for m in seen), seen


@aio
async def test_served_plugin_import_refuses_a_server_path(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """A plugin screen asking for a path (real estate: import units) uses the same guard:
    a server path is refused with the sentence before the file is opened."""
    from plugins.real_estate.views import SignOffScreen

    elsewhere = tmp_path / "units.xlsx"
    elsewhere.write_bytes(b"not a workbook: never opened")
    admin = tui_world["admin"]
    served_as(admin)
    app = app_for(admin)
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(SignOffScreen())
        await settle(pilot)
        seen: list[str] = []
        app.notify = lambda message, *a, **k: seen.append(str(message))  # type: ignore
        app.screen._import(str(elsewhere))
        await settle(pilot)
        assert any("your own folder" in m for m in seen), seen


def test_files_commands_refuse_with_a_sentence(
    tui_world: dict[str, Any], served_as: Any, tmp_path: Path
) -> None:
    """files put/get: a name that is a folder, a missing file, and (locally) the commands
    at all are refused with a sentence, never a traceback; a put lands whole."""
    from click.testing import CliRunner

    from tui.cli import cli

    url = str(tui_world["world"].runtime.db.engine.url)
    runner = CliRunner()
    local = runner.invoke(cli, ["--database", url, "files", "list"])
    assert local.exit_code == 1 and "for SSH sessions" in local.output
    folder = served_as(tui_world["rep"])
    (folder / "sub").mkdir()
    for args, words in (
        (["files", "put", "sub"], "could not store sub"),
        (["files", "get", "missing.csv"], "no file missing.csv"),
        (["files", "get", "sub"], "no file sub"),
    ):
        done = runner.invoke(cli, ["--database", url, *args], input=b"data")
        assert done.exit_code == 1 and words in done.output, done.output
        assert "Traceback" not in done.output
        assert done.exception is None or isinstance(done.exception, SystemExit)
    done = runner.invoke(cli, ["--database", url, "files", "put", "a/b.csv"], input=b"x,y\n")
    assert done.exit_code == 0 and (folder / "a" / "b.csv").read_bytes() == b"x,y\n"
    assert not [p for p in (folder / "a").iterdir() if p.name.startswith(".upload-")]
