"""The Import screen driven by keys: a bad file lists every problem and writes nothing, a
good file is imported, a running import is cancelled with k, and only users who may
import are offered the screen."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tui_helpers import aio, settle

from core.models import SalesLine

HEADER = "date,customer_code,product_code,quantity,amount\n"


def app_for(ctx: Any) -> Any:
    from tui.app import SalesdeskApp

    return SalesdeskApp(ctx, database_label="test.db", profile="standard", load_dashboard=False)


def sales_lines(ctx: Any) -> int:
    with ctx.db.read_session() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(SalesLine)) or 0


async def open_import(pilot: Any, path: Path) -> Any:
    from tui.screens.imports import ImportScreen

    await pilot.press("i")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ImportScreen)
    await pilot.press(*str(path))
    return pilot.app.screen


def status(screen: Any) -> str:
    return str(screen.query_one("#import-status").render())


@aio
async def test_bad_file_lists_every_problem_and_writes_nothing(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "2026-03-02,C00001,P0001,3,1200.50\n"
        "2026-13-01,C00001,P0001,2,-5\n2026-03-03,NOPE,P0001,1,100\n"
    )
    admin = tui_world["admin"]
    before = sales_lines(admin)
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, bad)
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#import-problems")
        rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        # #22: the business field's name, as the Chinese screen gives it (was the
        # file's "customer_code")
        assert [(r[0], r[1]) for r in rows] == [
            ("3", "Date"),
            ("3", "Amount"),
            ("4", "Customer code"),
        ]
        assert "3 problem(s) in 2 row(s); nothing was imported" in status(screen)
        assert screen.query_one("#import-path").value == str(bad)  # nothing typed is lost
    assert sales_lines(admin) == before


@aio
async def test_good_file_is_imported(tui_world: dict[str, Any], tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "2026-03-02,C00001,P0001,3,1200.50\n2026-03-03,C00002,P0001,1,99.90\n")
    admin = tui_world["admin"]
    before = sales_lines(admin)
    app = app_for(admin)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, good)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "good.csv: 2 rows imported" in status(screen)
        assert screen.query_one("#import-progress").percentage == 1
    assert sales_lines(admin) == before + 2


@aio
async def test_k_cancels_a_running_import(
    tui_world: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The screen hands its cancel event to the service (whose own cancel is tested with
    the import service): the import stops when k is pressed, and the screen says so."""
    import core.services.importing as importing

    started = threading.Event()

    def slow_import(
        ctx: Any, kind: str, path: Any, *, cancel: threading.Event, progress: Any, **_kw: Any
    ) -> Any:
        progress(10, 1000)
        started.set()
        assert cancel.wait(10), "the screen never set the cancel event"
        raise importing.ImportCancelled(Path(path).name)

    monkeypatch.setattr(importing, "import_file", slow_import)
    file = tmp_path / "big.csv"
    file.write_text(HEADER)
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, file)
        await pilot.press("ctrl+r")
        for _ in range(50):
            await pilot.pause(0.02)
            if started.is_set():
                break
        assert screen.running and screen.query_one("#import-path").disabled
        await pilot.press("k")
        await settle(pilot)
        assert "Import cancelled; nothing was written" in status(screen)
        assert not screen.running and not screen.query_one("#import-path").disabled


@aio
async def test_import_is_offered_only_to_those_who_may_import(tui_world: dict[str, Any]) -> None:
    from tui.screens.imports import ImportScreen

    assert "import" in [sid for sid, _k, _t in app_for(tui_world["admin"]).sections()]
    app = app_for(tui_world["rep"])
    assert "import" not in [sid for sid, _k, _t in app.sections()]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)


@aio
async def test_served_session_reads_no_server_file(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    """Over SSH (salesdesk serve) the import screen refuses a file outside the user's folder."""
    import core.served

    good = tmp_path / "good.csv"
    good.write_text(HEADER + "2026-03-02,C00001,P0001,3,1200.50\n")
    admin = tui_world["admin"]
    before = sales_lines(admin)
    core.served.bind(admin.actor)
    try:
        async with app_for(admin).run_test(size=(80, 24)) as pilot:
            screen = await open_import(pilot, good)
            await pilot.press("enter")
            await settle(pilot)
            assert "your own folder" in status(screen)
    finally:
        core.served._bound_user_id = None
    assert sales_lines(admin) == before


@aio
async def test_the_import_screen_offers_the_kinds_its_user_may_import(
    tui_world: dict[str, Any],
) -> None:
    """As ``salesdesk import``: every kind for the group admin; finance its receipts (and
    sales lines), never the organisation or users."""
    from tui.screens.imports import ImportScreen

    finance = tui_world["world"].user("qian", "finance")
    offered = {}
    for who, ctx in (("admin", tui_world["admin"]), ("finance", finance)):
        async with app_for(ctx).run_test(size=(80, 24)) as pilot:
            await pilot.press("i")
            await settle(pilot)
            assert isinstance(pilot.app.screen, ImportScreen)
            offered[who] = {v for _t, v in pilot.app.screen.query_one("#import-kind")._options}
    assert offered["admin"] == {
        "sales_lines",
        "customers",
        "products",
        "receipts",
        "regions",
        "channels",
        "users",
    }
    assert "receipts" in offered["finance"]
    assert not {"regions", "channels", "users"} & offered["finance"]


@aio
async def test_an_unknown_column_is_named_as_the_file_names_it(
    tui_world: dict[str, Any], tmp_path: Path
) -> None:
    """A column the import does not know has no business name: it keeps the file's."""
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER.rstrip("\n") + ",colour_code\n2026-03-02,C00001,P0001,3,1200.50,red\n")
    app = app_for(tui_world["admin"])
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(pilot, bad)
        await pilot.press("enter")
        await settle(pilot)
        table = screen.query_one("#import-problems")
        assert [str(table.get_row_at(i)[1]) for i in range(table.row_count)] == ["colour_code"]


@aio
async def test_a_refused_file_reads_in_chinese(tui_world: dict[str, Any], tmp_path: Path) -> None:
    """#22: the 应为 column showed English; the column and what was expected read in
    Chinese on a Chinese screen (a whole-row problem too)."""
    import re

    from core.i18n import set_lang

    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER.rstrip("\n") + ",tax_rate\n"
        "2026-13-01,NOPE,P0001,1.23456,12.345,abc\n2026-03-03,C00001,P0001,1,100,0.13,extra\n"
    )
    set_lang("zh_CN")
    try:
        app = app_for(tui_world["admin"])
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_import(pilot, bad)
            await pilot.press("enter")
            await settle(pilot)
            table = screen.query_one("#import-problems")
            rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    finally:
        set_lang("en")
    assert len(rows) == 6
    for _row, column, _value, expected in rows:
        assert re.search(r"[\u4e00-\u9fff]", expected), expected
        assert re.search(r"[\u4e00-\u9fff]", column), column
    assert [r[1] for r in rows][:3] == ["日期", "客户编码", "数量"]
